#!/usr/bin/env bash
# End-to-end browser tests of the web app (apps/web/e2e) against a real
# server, PostgreSQL and (when it answers) Redis, driven by Debian's chromium
# through playwright-core. No browser is ever downloaded.
#
#   scripts/e2e.sh                 build the web app when stale, run every test
#   scripts/e2e.sh apps/web/e2e/x.test.mjs   run only these test files
#
# Knobs (environment):
#   TAQUILLA_BIN      server binary (default ${CARGO_TARGET_DIR:-target}/debug/taquilla);
#                     this script never compiles it
#   DATABASE_URL      its host, port, user and password are used to create a
#                     throwaway database (default postgres://postgres@127.0.0.1:5432;
#                     when nothing answers there, scripts/services.sh is asked)
#   REDIS_URL         default redis://127.0.0.1:6379, used only when it answers
#   E2E_NO_REDIS=1    no Redis: live changes go through PostgreSQL LISTEN/NOTIFY
#   E2E_HEADED=1      show the browser (needs a display)
#   E2E_CPU_THROTTLE=4  run every page 4× slower (flakiness hunting)
#   E2E_TIMEOUT_MS    how long one wait may take (default 30000)
#   E2E_KEEP=1        keep the database and the server log
#   E2E_SCREENSHOTS=always  screenshots after every step, not only on failure
#
# Each run makes a fresh database taquilla_e2e_<random>, migrates it, creates
# a platform admin, starts `taquilla serve` on a free port, runs
# `node --test apps/web/e2e/` (with E2E_TAQUILLA_BIN, so a test may start a
# second, differently configured server on the same database, as the Stripe
# test does), and in any case stops the server and drops the
# database. The exit status is the tests'. Screenshots of failures go to
# apps/web/e2e/artifacts/ (git-ignored).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
web="$root/apps/web"
cd "$root"

log() { printf 'e2e: %s\n' "$*" >&2; }

bin="${TAQUILLA_BIN:-${CARGO_TARGET_DIR:-target}/debug/taquilla}"
[[ "$bin" == /* ]] || bin="$root/$bin"
if [[ ! -x "$bin" ]]; then
  log "no server binary at $bin (set TAQUILLA_BIN; this script does not build it)"
  exit 2
fi

"$root/scripts/web-deps.sh" >&2

# Build the web app when dist is missing or older than any source file.
if [[ ! -f "$web/dist/index.html" ]] ||
  [[ -n "$(find "$web/src" "$web/index.html" "$web/vite.config.ts" "$web/package.json" -newer "$web/dist/index.html" -print -quit)" ]]; then
  log "building apps/web"
  (cd "$web" && npm run build >&2)
else
  log "apps/web/dist is up to date"
fi

# --- PostgreSQL: a throwaway database on the server of DATABASE_URL --------
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-5}"
if [[ -z "${DATABASE_URL:-}" ]] &&
  ! psql "postgres://postgres@127.0.0.1:5432/postgres" -XAtqc 'select 1' >/dev/null 2>&1; then
  # Nothing on the usual port: let scripts/services.sh find or start one.
  log "no PostgreSQL at 127.0.0.1:5432: asking scripts/services.sh"
  svc_env="$("$root/scripts/services.sh")"
  eval "$svc_env"
fi
base_url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
scheme="${base_url%%://*}"
rest="${base_url#*://}"
query=""
if [[ "$rest" == *\?* ]]; then query="?${rest#*\?}"; rest="${rest%%\?*}"; fi
server_part="${rest%%/*}"
admin_url="${scheme}://${server_part}/postgres${query}"
db="taquilla_e2e_$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
db_url="${scheme}://${server_part}/${db}${query}"

tmp="$(mktemp -d "${TMPDIR:-/tmp}/taquilla-e2e.XXXXXX")"
server_log="$tmp/server.log"
server_pid=""
db_made=0

cleanup() {
  local rc=$?
  set +e
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  if [[ $rc -ne 0 && -f "$server_log" ]]; then
    log "server log (last 80 lines of $server_log):"
    tail -n 80 "$server_log" >&2
  fi
  if [[ "$db_made" == 1 ]]; then
    if [[ "${E2E_KEEP:-0}" == 1 ]]; then
      log "kept database $db"
    else
      psql "$admin_url" -XAtq -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 ||
        psql "$admin_url" -XAtq -c "DROP DATABASE IF EXISTS \"$db\"" >/dev/null 2>&1 ||
        log "could not drop database $db"
    fi
  fi
  if [[ "${E2E_KEEP:-0}" == 1 || $rc -ne 0 ]]; then
    log "server log kept in $server_log"
  else
    rm -rf "$tmp"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "creating database $db"
psql "$admin_url" -XAtq -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$db\"" >/dev/null
db_made=1
export DATABASE_URL="$db_url"

"$bin" migrate >"$tmp/migrate.log" 2>&1 || { cat "$tmp/migrate.log" >&2; exit 1; }

rand() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }
admin_email="root-$(rand 3)@e2e.example.com"
admin_password="Adm1n-$(rand 8)"
"$bin" admin create --email "$admin_email" --password "$admin_password" >"$tmp/admin.log" 2>&1 ||
  { cat "$tmp/admin.log" >&2; exit 1; }

# --- the server --------------------------------------------------------------
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null ||
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
export TAQUILLA_BIND="127.0.0.1:$port"
export TAQUILLA_WEB_DIR="$web/dist"
export TAQUILLA_JWT_SECRET="$(rand 24)"
export TAQUILLA_RATE_LIMIT=off
export TAQUILLA_MAIL_DIR="$tmp/mail"
export TAQUILLA_WORKERS="${TAQUILLA_WORKERS:-2}"
redis="${REDIS_URL:-redis://127.0.0.1:6379}"
redis_hostport="${redis#*://}"; redis_hostport="${redis_hostport##*@}"; redis_hostport="${redis_hostport%%/*}"
redis_host="${redis_hostport%%:*}"; redis_port="${redis_hostport##*:}"
[[ "$redis_port" == "$redis_hostport" ]] && redis_port=6379
if [[ "${E2E_NO_REDIS:-0}" == 1 ]]; then
  unset REDIS_URL
  log "E2E_NO_REDIS=1: realtime over PostgreSQL LISTEN/NOTIFY"
elif [[ -n "${REDIS_URL:-}" ]] ||
  (exec 3<>"/dev/tcp/$redis_host/$redis_port" && printf 'PING\r\n' >&3 && timeout 2 head -c 5 <&3 | grep -q PONG) 2>/dev/null; then
  # An explicit REDIS_URL is used as given (it may need a password to PING).
  export REDIS_URL="$redis"
  log "realtime over Redis at $redis_hostport"
else
  unset REDIS_URL
  log "Redis does not answer: realtime over PostgreSQL LISTEN/NOTIFY"
fi

log "starting $bin serve on $TAQUILLA_BIND"
"$bin" serve >"$server_log" 2>&1 &
server_pid=$!

base="http://127.0.0.1:$port"
for i in $(seq 1 300); do
  if curl -fsS -o /dev/null "$base/healthz" 2>/dev/null; then break; fi
  if ! kill -0 "$server_pid" 2>/dev/null; then log "the server died at start"; exit 1; fi
  [[ $i == 300 ]] && { log "no /healthz after 60 s"; exit 1; }
  sleep 0.2
done
log "server up at $base"

# --- the tests ---------------------------------------------------------------
mkdir -p "$web/e2e/artifacts"
files=("$@")
[[ ${#files[@]} -gt 0 ]] || files=("$web/e2e/")
set +e
E2E_BASE_URL="$base" E2E_ADMIN_EMAIL="$admin_email" E2E_ADMIN_PASSWORD="$admin_password" E2E_TAQUILLA_BIN="$bin" \
  node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
status=$?
set -e
if [[ $status -eq 0 ]]; then log "passed"; else log "FAILED (exit $status)"; fi
exit "$status"
