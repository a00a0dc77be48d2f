#!/usr/bin/env bash
# Subscription fan-out: BENCH_SUBSCRIBERS (1,000) GraphQL subscribers
# (graphql-transport-ws) on one session's seatChanged, one release server,
# then seat changes (hold, release) made through REST; the time until each
# subscriber, and the last one, has each change (goal: p99 under 250 ms).
# The client is tests/examples/fanout.rs (tokio-tungstenite), built in
# release next to the server.
#
# Replaces the "Subscription fan-out" section of bench/RESULTS.md (make bench
# runs it after bench/run.sh and bench/graphql.sh; `make bench-fanout` alone).
# Expects DATABASE_URL (make provides it). Uses the database
# taquilla_bench_fanout (dropped at the end) and BENCH_FANOUT_PORT.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_SUBSCRIBERS:-1000}
ROUNDS=${BENCH_FANOUT_ROUNDS:-10}
PORT=${BENCH_FANOUT_PORT:-18096}
DB=taquilla_bench_fanout
: "${DATABASE_URL:?run through make bench}"
ADMIN_URL="${DATABASE_URL%/*}/postgres"
BENCH_URL="${DATABASE_URL%/*}/$DB"
say() { echo "bench-fanout [$SECONDS s]: $*" >&2; }

# Two sockets per subscriber (client and server side) in one machine.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((2 * N + 200)) ]; then
  say "open-file limit $(ulimit -n) is below $((2 * N + 200)): raise it (ulimit -n) or set BENCH_SUBSCRIBERS"; exit 1
fi

BENCH_TARGET_DIR=${BENCH_TARGET_DIR:-target/bench}
CARGO_TARGET_DIR=$BENCH_TARGET_DIR cargo build --release -q -p taquilla
CARGO_TARGET_DIR=$BENCH_TARGET_DIR cargo build --release -q -p taquilla-tests --example fanout
BIN=$BENCH_TARGET_DIR/release/taquilla
CLIENT=$BENCH_TARGET_DIR/release/examples/fanout

psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL="$BENCH_URL" TAQUILLA_JWT_SECRET="bench-secret-bench-secret-bench-secret-0123"
export TAQUILLA_ACCESS_TOKEN_TTL_SECS=3600
$BIN migrate 2>/dev/null
$BIN tenant create --slug bench --name Bench --admin-email admin@bench.test --admin-password bench-password-1 >/dev/null 2>&1

LOG=$(mktemp)
SECTION=$(mktemp)
# REDIS_URL as make provides it: fan-out through Redis pub/sub when it is
# there, PostgreSQL LISTEN/NOTIFY otherwise (the result names which).
TAQUILLA_RATE_LIMIT=off TAQUILLA_NOTIFY_WORKER=off TAQUILLA_BIND=127.0.0.1:$PORT RUST_LOG=warn $BIN serve 2>"$LOG" &
SERVER=$!
cleanup() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  rm -f "$LOG" "$SECTION"
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
if [ -n "${REDIS_URL:-}" ] && redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1; then VIA="Redis pub/sub"; else VIA="PostgreSQL LISTEN/NOTIFY"; fi

say "$N subscribers, $ROUNDS rounds of hold + release (fan-out through $VIA)"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
OUT=$("$CLIENT" "http://127.0.0.1:$PORT" bench admin@bench.test bench-password-1 "$N" "$ROUNDS")
say "$OUT"
val() { tr ' ' '\n' <<<"$OUT" | awk -F= -v k="$1" '$1 == k {print $2}'; }
GOAL=$(python3 -c "print('met' if float('$(val last_p99_ms)') < 250 and int('$(val lost)') == 0 else 'NOT met')")

cat >"$SECTION" <<MD
## Subscription fan-out

Measured by \`bench/fanout.sh\` ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, release build): $(val subscribers)
GraphQL subscribers (graphql-transport-ws over WebSocket, \`seatChanged(sessionId)\`) on
one session of one server; $(val changes) seat changes (a hold, then its release, through
REST). The clock starts just before the REST request is sent and stops when a subscriber
has the event, so it includes the hold's own transaction. Cross-instance fan-out goes
through $VIA. Client and server share the machine.

| deliveries | p50 ms | p99 ms | max ms | until the LAST subscriber has a change: p50 ms | p99 ms | lost |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| $(( $(val subscribers) * $(val changes) )) | $(val p50_ms) | $(val p99_ms) | $(val max_ms) | $(val last_p50_ms) | **$(val last_p99_ms)** | $(val lost) |

Goal (p99 of the time until the last subscriber has a change, under 250 ms, nothing lost): **$GOAL**.
Load average before the run: $LOAD_START.
MD
python3 bench/section.py "$SECTION"
sed -n '/^## Subscription fan-out/,/^## [^S]/p' bench/RESULTS.md
