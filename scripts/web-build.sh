#!/usr/bin/env bash
# Builds the web app (apps/web → apps/web/dist) when its sources changed
# since the last build. Installs node/npm and the npm packages first
# (scripts/web-deps.sh; the browser is not needed to build).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
web="$root/apps/web"
WEB_DEPS_SKIP_CHROMIUM=${WEB_DEPS_SKIP_CHROMIUM:-1} "$root/scripts/web-deps.sh" >&2
# shellcheck source=node-env.sh
. "$root/scripts/node-env.sh"
stamp="$web/dist/index.html"
if [ -f "$stamp" ] && [ -z "$(find "$web/src" "$web/index.html" "$web/package-lock.json" "$web/vite.config.ts" \
      "$root/openapi/openapi.json" -newer "$stamp" -print -quit)" ]; then
  echo "web-build: apps/web/dist is up to date" >&2
  exit 0
fi
echo "web-build: building apps/web" >&2
cd "$web" && npm run --silent build >&2
