#!/usr/bin/env bash
# Event search with and without the Redis listing cache, on a tenant with
# 10,000 events (imported through POST /api/v1/bulk/events, 10 batches of
# 1,000 events with a session and two ticket types each).
#
# Two servers of the same build share the database: one with the cache
# (REDIS_URL, TAQUILLA_SEARCH_CACHE=1), one without (TAQUILLA_SEARCH_CACHE=0).
# Each answers the same search (`GET /api/v1/events?q=rock&per_page=20`,
# authenticated) under wrk; first both answers are checked to be identical.
# Yardsticks from the same run: pgbench sending the uncached path's SQL
# (its ceiling), and GET /healthz (the HTTP ceiling the cached path is
# bounded by). Goal: cached >= 5x uncached.
#
# Replaces the "Search cache" section of bench/RESULTS.md (`make bench` runs
# it after the others; `make bench-search` alone). Expects DATABASE_URL and
# REDIS_URL (make provides them). Needs wrk, pgbench, psql, python3, curl.
# Uses the database taquilla_bench_search (dropped at the end) and ports
# BENCH_SEARCH_PORT, BENCH_SEARCH_PORT+1.
set -euo pipefail
cd "$(dirname "$0")/.."

CONNS=${BENCH_CONNECTIONS:-64}
SECS=${BENCH_SECONDS:-10}
PORT=${BENCH_SEARCH_PORT:-18097}
UNCACHED_PORT=$((PORT + 1))
EVENTS=${BENCH_SEARCH_EVENTS:-10000}
QUERY=${BENCH_SEARCH_QUERY:-rock}
THREADS=2
DB=taquilla_bench_search
: "${DATABASE_URL:?run through make bench}"
: "${REDIS_URL:?the search cache needs Redis: run through make bench (scripts/services.sh starts one)}"
ADMIN_URL="${DATABASE_URL%/*}/postgres"
BENCH_URL="${DATABASE_URL%/*}/$DB"

need() { command -v "$1" >/dev/null 2>&1; }
say() { echo "bench-search [$SECONDS s]: $*" >&2; }
if ! need wrk; then
  if [ "$(id -u)" = 0 ] && need apt-get; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    say "install wrk (apt-get install wrk)"; exit 1
  fi
fi
PGBENCH=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -1)
[ -x "$PGBENCH" ] || { say "pgbench not found (postgresql-contrib)"; exit 1; }
need python3 || { say "python3 is needed"; exit 1; }

# Built where bench/run.sh builds (a target dir of its own: see there why).
BENCH_TARGET_DIR=${BENCH_TARGET_DIR:-target/bench}
CARGO_TARGET_DIR=$BENCH_TARGET_DIR cargo build --release -q -p taquilla
BIN=$BENCH_TARGET_DIR/release/taquilla
BUILT_FROM=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!bench' || echo "+uncommitted changes")

LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
TMP=$(mktemp -d -t taquilla-bench-search.XXXXXX)
CACHED="" UNCACHED=""
stop() { local p; for p in "$@"; do [ -n "$p" ] || continue; kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; }
cleanup() {
  local rc=$?
  stop "$CACHED" "$UNCACHED"
  if [ "$rc" != 0 ]; then
    for f in "$TMP"/server-*.log; do [ -s "$f" ] && { say "failed ($rc); $f:"; tail -20 "$f" >&2; }; done
  fi
  rm -rf "$TMP"
  psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

psql "$ADMIN_URL" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "CREATE DATABASE $DB" >/dev/null
export DATABASE_URL="$BENCH_URL" TAQUILLA_JWT_SECRET="bench-secret-bench-secret-bench-secret-0123"
export TAQUILLA_ACCESS_TOKEN_TTL_SECS=3600 TAQUILLA_WEBHOOK_WORKER=0
$BIN migrate 2>/dev/null
$BIN tenant create --slug bench --name Bench --admin-email admin@bench.test --admin-password bench-password-1 >/dev/null 2>&1

serve() { # port cache(0|1)
  TAQUILLA_BIND=127.0.0.1:$1 TAQUILLA_SEARCH_CACHE=$2 TAQUILLA_DB_MAX_CONNECTIONS=${BENCH_POOL:-32} RUST_LOG=warn \
    $BIN serve 2>"$TMP/server-$1.log" &
}
serve "$PORT" 1; CACHED=$!
serve "$UNCACHED_PORT" 0; UNCACHED=$!
wait_up() { for _ in $(seq 100); do curl -sf "http://127.0.0.1:$1/healthz" >/dev/null && return 0; sleep 0.1; done
  say "server on port $1 did not come up"; return 1; }
wait_up "$PORT"; wait_up "$UNCACHED_PORT"

BASE="http://127.0.0.1:$PORT"
H=(-H 'X-Tenant: bench')
TOKEN=$(curl -sf "${H[@]}" -H 'content-type: application/json' -d '{"email":"admin@bench.test","password":"bench-password-1"}' \
  "$BASE/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
AUTH=(-H "Authorization: Bearer $TOKEN")

# ---------------------------------------------------------------------------
say "importing $EVENTS events through POST /api/v1/bulk/events"
python3 - "$TMP" "$EVENTS" <<'PY'
import json, random, sys
tmp, n = sys.argv[1], int(sys.argv[2])
rnd = random.Random(7)
genres = ["rock", "jazz", "folk", "opera", "techno", "blues", "soul", "salsa"]
kinds = ["night", "festival", "matinee", "session", "gala", "tour", "showcase", "live"]
cities = ["Madrid", "Lisbon", "Porto", "Seville", "Bilbao", "Valencia", "Malaga", "Girona"]
batch, b = [], 0
for i in range(n):
    day = 1 + i % 28
    month = 1 + (i // 28) % 12
    year = 2030 + i // (28 * 12)
    g, k, c = rnd.choice(genres), rnd.choice(kinds), rnd.choice(cities)
    start = f"{year}-{month:02d}-{day:02d}T18:00:00Z"
    batch.append({
        "title": f"{g.title()} {k} {c} {i}",
        "description": f"An evening of {g} with guests from {rnd.choice(cities)} and {rnd.choice(genres)} friends",
        "category": "music", "venue": f"{c} {rnd.choice(['Hall', 'Arena', 'Club', 'Theatre'])}",
        "status": "published", "starts_at": start, "ends_at": f"{year}-{month:02d}-{day:02d}T23:30:00Z",
        "timezone": "Europe/Madrid",
        "sessions": [{"title": "Main", "venue": "Stage", "starts_at": start, "ends_at": f"{year}-{month:02d}-{day:02d}T23:00:00Z",
                      "capacity": 500,
                      "ticket_types": [{"name": "GA", "price_minor": 2500, "currency": "EUR", "capacity": 400},
                                       {"name": "VIP", "price_minor": 9000, "currency": "EUR", "capacity": 100}]}],
    })
    if len(batch) == 1000 or i == n - 1:
        with open(f"{tmp}/batch-{b:03d}.ndjson", "w") as f:
            f.write("\n".join(json.dumps(e) for e in batch) + "\n")
        batch, b = [], b + 1
PY
IMPORT_START=$SECONDS
IMPORT_TIMES=()
for f in "$TMP"/batch-*.ndjson; do
  t0=$(date +%s.%N)
  curl -sf "${H[@]}" "${AUTH[@]}" -H 'content-type: application/x-ndjson' -H "Idempotency-Key: $(basename "$f")" \
    --data-binary @"$f" "$BASE/api/v1/bulk/events" | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["created"] == r["total"], r
'
  IMPORT_TIMES+=("$(python3 -c "import sys; print(round($(date +%s.%N) - $t0, 2))")")
done
IMPORT_SECS=$((SECONDS - IMPORT_START))
SLOWEST_IMPORT=$(printf '%s\n' "${IMPORT_TIMES[@]}" | sort -g | tail -1)
SCHEMA=$(psql "$BENCH_URL" -Atc "SELECT 't_' || replace(id::text, '-', '') FROM public.tenants WHERE slug = 'bench'")
psql "$BENCH_URL" -qc "ANALYZE $SCHEMA.events" >/dev/null
COUNT=$(psql "$BENCH_URL" -Atc "SELECT count(*) FROM $SCHEMA.events")
[ "$COUNT" = "$EVENTS" ] || { say "expected $EVENTS events, found $COUNT"; exit 1; }

PATH_Q="/api/v1/events?q=$QUERY&per_page=20"
# Same answers from both servers (the cached one asked twice: computed, then stored).
for port in "$PORT" "$PORT" "$UNCACHED_PORT"; do
  curl -sf "${H[@]}" "${AUTH[@]}" "http://127.0.0.1:$port$PATH_Q" >"$TMP/answer-$port.json"
done
cmp -s "$TMP/answer-$PORT.json" "$TMP/answer-$UNCACHED_PORT.json" || { say "cached and uncached answers differ"; exit 1; }
MATCHES=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$TMP/answer-$PORT.json")

to_ms() { python3 -c "import sys,re; v=sys.argv[1]; m=re.match(r'([\d.]+)(us|ms|s)',v); f={'us':0.001,'ms':1,'s':1000}[m.group(2)]; print(round(float(m.group(1))*f,2))" "$1"; }
run_wrk() { # url: prints "rps p50_ms p99_ms"
  local out rps p50 p99
  out=$(wrk -t$THREADS -c"$CONNS" -d"${SECS}s" --latency -H 'X-Tenant: bench' -H "Authorization: Bearer $TOKEN" "$1")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  if grep -q "Non-2xx" <<<"$out"; then say "non-2xx responses for $1"; grep Non-2xx <<<"$out" >&2; exit 1; fi
  echo "$rps $(to_ms "$p50") $(to_ms "$p99")"
}
TSQ="$QUERY:*"
COLS="id, owner_id, title, description, category, venue, image_url, status, starts_at, ends_at, timezone, created_at, updated_at, deleted_at, count(*) OVER () AS total"
cat >"$TMP/search.sql" <<SQL
BEGIN;
SET LOCAL search_path TO $SCHEMA, public;
SELECT $COLS FROM events WHERE deleted_at IS NULL AND search @@ to_tsquery('simple', '$TSQ') ORDER BY ts_rank(search, to_tsquery('simple', '$TSQ')) DESC, starts_at, id LIMIT 20 OFFSET 0;
COMMIT;
SQL
run_pgbench() {
  local out
  if ! out=$("$PGBENCH" -n -M prepared -c "$CONNS" -j $THREADS -T "$SECS" -f "$1" "$BENCH_URL" 2>&1); then
    echo "$out" >&2; say "pgbench failed"; return 1
  fi
  echo "$(awk '/^tps/ {print $3; exit}' <<<"$out") $(awk '/latency average/ {print $4}' <<<"$out")"
}

say "warming up"
wrk -t$THREADS -c"$CONNS" -d3s "${H[@]}" "${AUTH[@]}" "$BASE$PATH_Q" >/dev/null
wrk -t$THREADS -c"$CONNS" -d3s "${H[@]}" "${AUTH[@]}" "http://127.0.0.1:$UNCACHED_PORT$PATH_Q" >/dev/null
say "healthz";          read -r H_RPS H_P50 H_P99 < <(run_wrk "$BASE/healthz")
say "search, cached";   read -r C_RPS C_P50 C_P99 < <(run_wrk "$BASE$PATH_Q")
say "search, uncached"; read -r U_RPS U_P50 U_P99 < <(run_wrk "http://127.0.0.1:$UNCACHED_PORT$PATH_Q")
say "listing, cached";   read -r LC_RPS LC_P50 LC_P99 < <(run_wrk "$BASE/api/v1/events?per_page=20")
say "listing, uncached"; read -r LU_RPS LU_P50 LU_P99 < <(run_wrk "http://127.0.0.1:$UNCACHED_PORT/api/v1/events?per_page=20")
stop "$CACHED" "$UNCACHED"; CACHED="" UNCACHED=""
say "pgbench search";    read -r P_TPS P_LAT < <(run_pgbench "$TMP/search.sql")

calc() { python3 -c "print($1)"; }
SPEEDUP=$(calc "f'{$C_RPS / $U_RPS:.1f}x'")
LIST_SPEEDUP=$(calc "f'{$LC_RPS / $LU_RPS:.1f}x'")
U_PG=$(calc "f'{$U_RPS / $P_TPS * 100:.0f}%'")
C_H=$(calc "f'{$C_RPS / $H_RPS * 100:.0f}%'")
VERDICT=$(calc "'met' if $C_RPS >= 5 * $U_RPS else 'NOT met'")

SECTION=$(mktemp)
cat >"$SECTION" <<MD
## Search cache

Measured by \`bench/search.sh\` ($(date -u +%Y-%m-%dT%H:%MZ)) on $(nproc) cores, server built from $BUILT_FROM:
release build, wrk \`-t$THREADS -c$CONNS -d${SECS}s\`, authenticated. One tenant with $COUNT published
events (each with a session and two ticket types), imported through \`POST /api/v1/bulk/events\`
in $IMPORT_SECS s (${#IMPORT_TIMES[@]} NDJSON batches of up to 1,000; slowest $SLOWEST_IMPORT s). Two servers of one
build on one database, one with the Redis listing cache and one without
(\`TAQUILLA_SEARCH_CACHE=0\`); both answered the search identically before the runs.
\`q=$QUERY\` matches $MATCHES events; a page is 20 of them, ranked, with the total. Load
average before the run: $LOAD_START (other work on the machine shows there).

| request | server | req/s | p50 ms | p99 ms | ratio |
| --- | --- | ---: | ---: | ---: | ---: |
| \`GET /healthz\` | cached | $H_RPS | $H_P50 | $H_P99 | HTTP ceiling |
| \`GET $PATH_Q\` | uncached | $U_RPS | $U_P50 | $U_P99 | $U_PG of pgbench ($P_TPS tps, same SQL) |
| \`GET $PATH_Q\` | cached | $C_RPS | $C_P50 | $C_P99 | **$SPEEDUP uncached** (goal ≥ 5×: $VERDICT); $C_H of /healthz |
| \`GET /api/v1/events?per_page=20\` | uncached | $LU_RPS | $LU_P50 | $LU_P99 | |
| \`GET /api/v1/events?per_page=20\` | cached | $LC_RPS | $LC_P50 | $LC_P99 | $LIST_SPEEDUP uncached |

A cache hit costs one Redis round trip (the namespace version and the entry,
pipelined on a shared multiplexed connection) and no PostgreSQL work; a search
over $COUNT events costs PostgreSQL a ranked scan of every match to compute
the page and its total. The plain listing costs PostgreSQL as much or more:
`count(*) OVER ()` reads every visible event to give the total, so a page
of the first 20 events reads all of them.
MD
python3 bench/section.py "$SECTION"
rm -f "$SECTION"
sed -n '/^## Search cache/,/^## [^S]/p' bench/RESULTS.md
