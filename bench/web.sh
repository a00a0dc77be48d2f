#!/usr/bin/env bash
# The storefront's weight and speed, as a browser sees it:
#
#  - bundle: what index.html loads before anything renders (its module script
#    and modulepreloads, plus the CSS), gzip -9 sizes of the production build.
#    Goal: initial JS <= 200 KB gzip.
#  - first render: headless Chromium (Debian's, through playwright-core)
#    opens /t/demo/ with a cold cache, N times; the time from navigation start
#    until the first event tile is on screen. Yardstick from the same run and
#    the same browser: navigating to /healthz (one small response, nothing to
#    run), so the figure is reported as a multiple of that ceiling.
#
# Replaces the "Storefront bundle and first render" section of
# bench/RESULTS.md (`make bench` runs it; `make bench-web` alone). Expects
# DATABASE_URL (make provides it). Uses the database taquilla_bench_web
# (dropped at the end) and port BENCH_WEB_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${BENCH_WEB_PORT:-18099}
RUNS=${BENCH_WEB_RUNS:-15}
DB=taquilla_bench_web
: "${DATABASE_URL:?run through make bench}"
ADMIN_URL="${DATABASE_URL%/*}/postgres"
BENCH_URL="${DATABASE_URL%/*}/$DB"
say() { echo "bench-web [$SECONDS s]: $*" >&2; }

BENCH_TARGET_DIR=${BENCH_TARGET_DIR:-target/bench}
CARGO_TARGET_DIR=$BENCH_TARGET_DIR cargo build --release -q -p taquilla
BIN=${TAQUILLA_BIN:-$BENCH_TARGET_DIR/release/taquilla}
BUILT_FROM=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench' || echo "+uncommitted changes")

scripts/web-build.sh >&2
# shellcheck source=../scripts/node-env.sh
. scripts/node-env.sh

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
TMP=$(mktemp -d -t taquilla-bench-web.XXXXXX)
SERVER=""
cleanup() {
  local rc=$?
  [ -n "$SERVER" ] && { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; }
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  [ $rc -ne 0 ] && [ -f "$TMP/server.log" ] && tail -20 "$TMP/server.log" >&2
  rm -rf "$TMP"
  exit $rc
}
trap cleanup EXIT

psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1
psql "$ADMIN_URL" -qc "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL=$BENCH_URL
$BIN migrate >/dev/null 2>&1
$BIN demo >/dev/null 2>&1
TAQUILLA_RATE_LIMIT=off TAQUILLA_NOTIFY_WORKER=off TAQUILLA_BIND=127.0.0.1:$PORT \
  TAQUILLA_WEB_DIR=apps/web/dist RUST_LOG=warn $BIN serve 2>"$TMP/server.log" &
SERVER=$!
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break; sleep 0.2; done

say "measuring ($RUNS cold loads)"
BENCH_WEB_URL="http://127.0.0.1:$PORT" BENCH_WEB_RUNS=$RUNS BENCH_BUILT_FROM="$BUILT_FROM" \
  BENCH_LOAD_START="$LOAD_START" node bench/web.mjs >"$TMP/section.md"
python3 bench/section.py "$TMP/section.md"
cat "$TMP/section.md"
