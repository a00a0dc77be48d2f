#!/usr/bin/env bash
# Load benchmarks for the foundation: GET /api/v1/events (20 events,
# authenticated), search and /healthz through HTTP with wrk, each beside
# pgbench running the same SQL at the same concurrency in the same run.
# Writes bench/RESULTS.md. Expects DATABASE_URL (make bench provides it).
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS=${BENCH_CONNECTIONS:-64}
SECS=${BENCH_SECONDS:-10}
PORT=${BENCH_PORT:-18090}
DB=taquilla_bench
: "${DATABASE_URL:?run through make bench}"
ADMIN_URL="${DATABASE_URL%/*}/postgres"
BENCH_URL="${DATABASE_URL%/*}/$DB"

need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk; then
  if [ "$(id -u)" = 0 ] && need apt-get; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "bench: install wrk (apt-get install wrk)" >&2; exit 1
  fi
fi
PGBENCH=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -1)
[ -x "$PGBENCH" ] || { echo "bench: pgbench not found (postgresql-contrib)" >&2; exit 1; }

cargo build --release -q -p taquilla
BIN=target/release/taquilla

psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL="$BENCH_URL" TAQUILLA_JWT_SECRET="bench-secret-bench-secret-bench-secret-0123"
$BIN migrate 2>/dev/null
$BIN tenant create --slug bench --name Bench --admin-email admin@bench.test --admin-password bench-password-1 >/dev/null 2>&1

TAQUILLA_BIND=127.0.0.1:$PORT TAQUILLA_DB_MAX_CONNECTIONS=${BENCH_POOL:-32} RUST_LOG=warn $BIN serve 2>var-bench-server.log &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true; rm -f var-bench-server.log' EXIT
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

H=(-H 'X-Tenant: bench' -H 'content-type: application/json')
TOKEN=$(curl -sf "${H[@]}" -d '{"email":"admin@bench.test","password":"bench-password-1"}' \
  "http://127.0.0.1:$PORT/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
for i in $(seq -w 1 20); do
  curl -sf "${H[@]}" -H "Authorization: Bearer $TOKEN" -o /dev/null "http://127.0.0.1:$PORT/api/v1/events" -d "{
    \"title\": \"Bench event $i\", \"description\": \"Evening concert number $i with guests\", \"category\": \"music\",
    \"venue\": \"Hall $i\", \"status\": \"published\", \"starts_at\": \"2030-01-${i}T20:00:00Z\",
    \"ends_at\": \"2030-01-${i}T23:00:00Z\", \"timezone\": \"Europe/Madrid\"}"
done
SCHEMA=$(psql "$BENCH_URL" -Atc "SELECT 't_' || replace(id::text, '-', '') FROM public.tenants WHERE slug = 'bench'")

# wrk: prints "rps p50_ms p99_ms"
run_wrk() {
  local out
  out=$(wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -H 'X-Tenant: bench' -H "Authorization: Bearer $TOKEN" "$1")
  local rps p50 p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  if grep -q "Non-2xx" <<<"$out"; then echo "bench: non-2xx responses for $1" >&2; grep Non-2xx <<<"$out" >&2; fi
  echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}
to_ms() { python3 -c "import sys,re; v=sys.argv[1]; m=re.match(r'([\d.]+)(us|ms|s)',v); f={'us':0.001,'ms':1,'s':1000}[m.group(2)]; print(round(float(m.group(1))*f,2))" "$1"; }

# pgbench: the same round trips the server makes (tenant lookup, BEGIN,
# SET LOCAL, the page query, COMMIT). Prints "tps p50_ms? p99_ms" (latency avg used for p50 column).
run_pgbench() {
  local script=$1 out
  out=$("$PGBENCH" -n -M prepared -c "$CONNS" -j 2 -T "$SECS" -r -f "$script" "$BENCH_URL" 2>&1)
  local tps lat
  tps=$(awk '/^tps/ {print $3; exit}' <<<"$out")
  lat=$(awk '/latency average/ {print $4}' <<<"$out")
  echo "$tps $lat"
}

COLS="id, owner_id, title, description, category, venue, image_url, status, starts_at, ends_at, timezone, created_at, updated_at, deleted_at, count(*) OVER () AS total"
LIST_SQL=$(mktemp); SEARCH_SQL=$(mktemp)
cat >"$LIST_SQL" <<SQL
SELECT id, slug, name, status, settings, created_at, updated_at FROM public.tenants WHERE slug = 'bench' LIMIT 1;
BEGIN;
SET LOCAL search_path TO $SCHEMA, public;
SELECT $COLS FROM events WHERE deleted_at IS NULL AND TRUE AND TRUE ORDER BY starts_at, id LIMIT 20 OFFSET 0;
COMMIT;
SQL
cat >"$SEARCH_SQL" <<SQL
SELECT id, slug, name, status, settings, created_at, updated_at FROM public.tenants WHERE slug = 'bench' LIMIT 1;
BEGIN;
SET LOCAL search_path TO $SCHEMA, public;
SELECT $COLS FROM events WHERE deleted_at IS NULL AND search @@ to_tsquery('simple', 'conc:*') ORDER BY ts_rank(search, to_tsquery('simple', 'conc:*')) DESC, starts_at, id LIMIT 20 OFFSET 0;
COMMIT;
SQL

echo "bench: warming up" >&2
wrk -t2 -c"$CONNS" -d3s -H 'X-Tenant: bench' -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/events" >/dev/null
echo "bench: healthz" >&2;  read -r H_RPS H_P50 H_P99 < <(run_wrk "http://127.0.0.1:$PORT/healthz")
echo "bench: events" >&2;   read -r L_RPS L_P50 L_P99 < <(run_wrk "http://127.0.0.1:$PORT/api/v1/events?per_page=20")
echo "bench: pgbench list" >&2;   read -r L_TPS L_LAT < <(run_pgbench "$LIST_SQL")
echo "bench: search" >&2;   read -r S_RPS S_P50 S_P99 < <(run_wrk "http://127.0.0.1:$PORT/api/v1/events/search?q=conc")
echo "bench: pgbench search" >&2; read -r S_TPS S_LAT < <(run_pgbench "$SEARCH_SQL")
rm -f "$LIST_SQL" "$SEARCH_SQL"

ratio() { python3 -c "print(f'{float(\"$1\")/float(\"$2\")*100:.0f}%')"; }
CPU=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)
cat > bench/RESULTS.md <<MD
# Benchmark results

Measured by \`make bench\` ($(date -u +%Y-%m-%dT%H:%MZ)) on $(nproc) cores ($CPU).
Release build, one server process, wrk \`-t2 -c$CONNS -d${SECS}s\`; pgbench \`-M prepared -c$CONNS -j2 -T$SECS\`
with the same SQL the server sends. Server, load generator and PostgreSQL share the machine,
so read the ratios, not the absolute numbers.

| endpoint | HTTP req/s | p50 ms | p99 ms | pgbench tps (same SQL) | pgbench avg latency ms | HTTP / pgbench |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
| \`GET /healthz\` | $H_RPS | $H_P50 | $H_P99 | — | — | — |
| \`GET /api/v1/events?per_page=20\` (authenticated, 20 events) | $L_RPS | $L_P50 | $L_P99 | $L_TPS | $L_LAT | $(ratio "$L_RPS" "$L_TPS") |
| \`GET /api/v1/events/search?q=conc\` (20 hits) | $S_RPS | $S_P50 | $S_P99 | $S_TPS | $S_LAT | $(ratio "$S_RPS" "$S_TPS") |

Round trips per request to PostgreSQL: 5 — tenant lookup by slug (every
request, so a suspension takes effect at once), \`BEGIN\`, \`SET LOCAL
search_path\`, one page query that also carries the total (\`count(*) OVER ()\`),
\`COMMIT\`. The pgbench script sends exactly these five.

See the notes below the table (kept by hand) for what the gap is made of.
MD
if [ -f bench/NOTES.md ]; then cat bench/NOTES.md >> bench/RESULTS.md; fi
psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
cat bench/RESULTS.md
