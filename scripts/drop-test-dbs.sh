#!/usr/bin/env bash
# Drop every database named taquilla_test_* left behind by the tests.
#
# Uses TAQUILLA_TEST_DATABASE_ADMIN_URL (else DATABASE_URL with the database
# swapped for `postgres`). Quietly does nothing when psql is not installed or
# no URL is known; never prompts for a password.
set -euo pipefail

command -v psql >/dev/null 2>&1 || exit 0

admin="${TAQUILLA_TEST_DATABASE_ADMIN_URL:-}"
if [[ -z "$admin" && -n "${DATABASE_URL:-}" ]]; then
    scheme="${DATABASE_URL%%://*}"
    rest="${DATABASE_URL#*://}"
    query=""
    if [[ "$rest" == *\?* ]]; then query="?${rest#*\?}"; rest="${rest%%\?*}"; fi
    admin="${scheme}://${rest%%/*}/postgres${query}"
fi
[[ -n "$admin" ]] || exit 0

export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-3}"

# One statement per database, generated server-side with %I quoting and run
# by \gexec (each outside a transaction, as DROP DATABASE requires). WITH
# (FORCE) (PostgreSQL 13+) ends sessions a crashed test left open.
if ! out="$(psql "$admin" -XAtqw -v ON_ERROR_STOP=0 2>&1 <<'SQL'
select format('drop database if exists %I%s', datname,
              case when current_setting('server_version_num')::int >= 130000
                   then ' with (force)' else '' end)
from pg_database
where datname like 'taquilla\_test\_%'
order by datname
\gexec
SQL
)"; then
    printf 'drop-test-dbs: %s\n' "$out" >&2
    exit 1
fi
[[ -z "$out" ]] || printf 'drop-test-dbs: %s\n' "$out" >&2
exit 0
