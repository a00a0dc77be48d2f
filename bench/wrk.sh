# Sourced by the bench scripts: wrk, installed when missing (Debian, as root),
# or the script stops saying how to get it.
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null || true
  fi
  command -v wrk >/dev/null 2>&1 || { echo "bench: install wrk (apt-get install wrk)" >&2; exit 1; }
fi
