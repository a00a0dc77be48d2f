#!/usr/bin/env bash
# Webhook deliveries per second: one release server with its delivery worker,
# one endpoint pointing at a local receiver (tests/examples/webhook_sink.rs,
# one worker thread, which verifies every signature with the Standard
# Webhooks reference verifier), BENCH_WEBHOOK_EVENTS outbox events written at
# once; the clock runs from their commit until the receiver has verified the
# last one. Ceiling, same run: wrk posting a signed message of the same size
# to the receiver at the worker's concurrency — what the receiver can take.
#
# Replaces the "Webhook deliveries" section of bench/RESULTS.md (make bench
# runs it; `make bench-webhooks` alone). Expects DATABASE_URL. Uses the
# database taquilla_bench_webhooks (dropped at the end) and ports
# BENCH_WEBHOOK_PORT, +1.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${BENCH_WEBHOOK_EVENTS:-20000}
PORT=${BENCH_WEBHOOK_PORT:-18097}
SINK_PORT=$((PORT + 1))
CONC=16   # the worker's concurrent deliveries (services/webhooks.rs)
DB=taquilla_bench_webhooks
: "${DATABASE_URL:?run through make bench}"
ADMIN_URL="${DATABASE_URL%/*}/postgres"
BENCH_URL="${DATABASE_URL%/*}/$DB"
say() { echo "bench-webhooks [$SECONDS s]: $*" >&2; }
. bench/wrk.sh

BENCH_TARGET_DIR=${BENCH_TARGET_DIR:-target/bench}
CARGO_TARGET_DIR=$BENCH_TARGET_DIR cargo build --release -q -p taquilla
CARGO_TARGET_DIR=$BENCH_TARGET_DIR cargo build --release -q -p taquilla-tests --example webhook_sink
BIN=$BENCH_TARGET_DIR/release/taquilla
SINK_BIN=$BENCH_TARGET_DIR/release/examples/webhook_sink

psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL="$BENCH_URL" TAQUILLA_JWT_SECRET="bench-secret-bench-secret-bench-secret-0123"
$BIN migrate 2>/dev/null
$BIN tenant create --slug bench --name Bench --admin-email admin@bench.test --admin-password bench-password-1 >/dev/null 2>&1

TMP=$(mktemp -d -t taquilla-bench-wh.XXXXXX)
SERVER="" SINK=""
cleanup() {
  for p in $SINK $SERVER; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$TMP"
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
TAQUILLA_RATE_LIMIT=off TAQUILLA_WEBHOOKS_ALLOW_PRIVATE=on TAQUILLA_WEBHOOK_POLL_MS=50 TAQUILLA_NOTIFY_WORKER=off \
  TAQUILLA_BIND=127.0.0.1:$PORT RUST_LOG=warn $BIN serve 2>"$TMP/server.log" &
SERVER=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

H=(-H 'X-Tenant: bench' -H 'content-type: application/json')
TOKEN=$(curl -sf "${H[@]}" -d '{"email":"admin@bench.test","password":"bench-password-1"}' \
  "http://127.0.0.1:$PORT/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
SECRET=$(curl -sf "${H[@]}" -H "Authorization: Bearer $TOKEN" \
  -d "{\"url\":\"http://127.0.0.1:$SINK_PORT/hook\",\"description\":\"bench\"}" \
  "http://127.0.0.1:$PORT/api/v1/webhooks/endpoints" | python3 -c 'import json,sys; print(json.load(sys.stdin)["secret"])')
WEBHOOK_SECRET=$SECRET "$SINK_BIN" "$SINK_PORT" 2>"$TMP/sink.log" &
SINK=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$SINK_PORT/count" >/dev/null && break; sleep 0.1; done

SCHEMA=$(psql "$BENCH_URL" -Atc "SELECT 't_' || replace(id::text, '-', '') FROM public.tenants WHERE slug = 'bench'")
PAYLOAD="jsonb_build_object('order_id', gen_random_uuid(), 'event_id', gen_random_uuid(), 'amount', 2500, 'currency', 'EUR', 'tickets', 2)"

# Ceiling: a message the worker would send (same body size, real signature).
python3 - "$SECRET" "$TMP/ceiling.lua" <<'PY'
import base64, hashlib, hmac, json, sys, time, uuid
secret, out = sys.argv[1], sys.argv[2]
key = base64.b64decode(secret.removeprefix("whsec_"))
body = json.dumps({"type": "order.paid", "timestamp": "2030-01-01T00:00:00Z",
                   "data": {"order_id": str(uuid.uuid4()), "event_id": str(uuid.uuid4()), "amount": 2500,
                            "currency": "EUR", "tickets": 2}}, separators=(",", ":"))
mid, ts = "msg_" + str(uuid.uuid4()), str(int(time.time()))
sig = base64.b64encode(hmac.new(key, f"{mid}.{ts}.{body}".encode(), hashlib.sha256).digest()).decode()
open(out, "w").write(f'''wrk.method = "POST"
wrk.body = {json.dumps(body)}
wrk.headers["content-type"] = "application/json"
wrk.headers["webhook-id"] = "{mid}"
wrk.headers["webhook-timestamp"] = "{ts}"
wrk.headers["webhook-signature"] = "v1,{sig}"
''')
PY
say "ceiling: wrk -c$CONC against the receiver"
CEIL_OUT=$(wrk -t2 -c"$CONC" -d10s -s "$TMP/ceiling.lua" "http://127.0.0.1:$SINK_PORT/ceiling")
CEIL=$(awk '/Requests\/sec/ {print $2}' <<<"$CEIL_OUT")
grep -q "Non-2xx" <<<"$CEIL_OUT" && { say "ceiling requests were refused:"; echo "$CEIL_OUT" >&2; exit 1; }

say "$N events into the outbox"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
psql "$BENCH_URL" -qAt -c "SET search_path TO $SCHEMA, public" -c "INSERT INTO outbox (id, event_type, aggregate_id, payload)
  SELECT gen_random_uuid(), 'order.paid', gen_random_uuid(), $PAYLOAD FROM generate_series(1, $N)"
T0=$(date +%s.%N)
while :; do
  read -r OK BAD DUP < <(curl -sf "http://127.0.0.1:$SINK_PORT/count")
  [ "$OK" -ge "$N" ] && break
  if python3 -c "import sys; sys.exit(0 if float('$(date +%s.%N)') - float('$T0') > 600 else 1)"; then
    say "only $OK of $N delivered after 600 s"; exit 1
  fi
  sleep 0.05
done
T1=$(date +%s.%N)
sleep 1; read -r OK BAD DUP < <(curl -sf "http://127.0.0.1:$SINK_PORT/count")
RATE=$(python3 -c "print(f'{$N / ($T1 - $T0):.0f}')")
RATIO=$(python3 -c "print(f'{$N / ($T1 - $T0) / float(\"$CEIL\") * 100:.0f}%')")
SECS=$(python3 -c "print(f'{$T1 - $T0:.1f}')")
ATTEMPTS=$(psql "$BENCH_URL" -qAt -c "SET search_path TO $SCHEMA, public" -c "SELECT count(*) FROM webhook_attempts")
say "$RATE deliveries/s ($RATIO of the receiver's ceiling $CEIL/s); verified $OK, rejected $BAD, duplicates $DUP"

SECTION=$TMP/section.md
cat >"$SECTION" <<MD
## Webhook deliveries

Measured by \`bench/webhooks.sh\` ($(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, release build): $N outbox
events written in one statement for one tenant with one endpoint; the clock runs from their
commit until the receiver (\`tests/examples/webhook_sink.rs\`, one thread, every signature
verified with the Standard Webhooks reference verifier) has the last one. The worker fans out,
claims with leases, signs, POSTs $CONC at a time and records every attempt. Ceiling: wrk posting
a signed message of the same size to the same receiver at the same concurrency, same run.

| events | seconds | deliveries/s | receiver ceiling req/s | ratio | verified | rejected | duplicates | attempts recorded |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| $N | $SECS | **$RATE** | $CEIL | **$RATIO** | $OK | $BAD | $DUP | $ATTEMPTS |

Load average before the run: $LOAD_START.
MD
python3 bench/section.py "$SECTION"
cat "$SECTION"
