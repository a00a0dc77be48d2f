#!/usr/bin/env bash
# The web app's checks, as `make test` runs them: generated API types are
# current (openapi/openapi.json), types check, Vitest unit tests pass, the
# app builds; then the browser end-to-end suite (scripts/e2e.sh) against
# the real server, PostgreSQL and Redis.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WEB_DEPS_SKIP_CHROMIUM=0 "$root/scripts/web-deps.sh" >&2
# shellcheck source=node-env.sh
. "$root/scripts/node-env.sh"
cd "$root/apps/web"
npm run --silent check-gen
npm run --silent typecheck
npm test --silent
cd "$root"
scripts/web-build.sh
if [ -x scripts/e2e.sh ]; then scripts/e2e.sh; fi
