#!/usr/bin/env bash
# Make PostgreSQL (required) and Redis (optional) available, then print the
# environment for them as `export` lines on stdout:
#
#     eval "$(scripts/services.sh)"
#
# Everything else goes to stderr. Safe to run again and again: when the
# services are already up it only checks them (well under a second).
#
#   scripts/services.sh          bring services up, print exports (default)
#   scripts/services.sh up       same
#   scripts/services.sh stop     stop the private cluster (var/pg) and a Redis
#                                this script started, if they run
#
# PostgreSQL, first that works:
#   a. $DATABASE_URL, when the server answers;
#   b. postgres://postgres@127.0.0.1:5432 (trust auth, usual on dev machines);
#   c. a system cluster (pg_lsclusters): an online one on another port, or,
#      as root, a stopped one that we start;
#   d. a private cluster in var/pg on 127.0.0.1:55432, made with the
#      system's initdb (as an unprivileged user when we run as root);
#   e. as root with apt-get: install postgresql, then c, d again;
#   f. otherwise: say what to install and exit 1.
#
# Knobs (environment):
#   TAQUILLA_FORCE_PRIVATE_PG=1   skip a-c and use the private cluster
#   TAQUILLA_PG_PORT=55432        port of the private cluster
#   TAQUILLA_DB_NAME=taquilla     database in the exported DATABASE_URL
#   TAQUILLA_NO_REDIS=1           do not look for or start Redis
#   TAQUILLA_NO_INSTALL=1         never apt-get install anything
set -euo pipefail

# Exports go to the original stdout (fd 3); everything else to stderr.
exec 3>&1 1>&2

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="$ROOT/var"
PRIVATE_PORT="${TAQUILLA_PG_PORT:-55432}"
DB_NAME="${TAQUILLA_DB_NAME:-taquilla}"
FORCE_PRIVATE="${TAQUILLA_FORCE_PRIVATE_PG:-0}"
[[ "$FORCE_PRIVATE" == 0 || "$FORCE_PRIVATE" == false ]] && FORCE_PRIVATE=""

log() { printf 'services: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }
is_root() { [[ "$(id -u)" == 0 ]]; }
emit() { printf 'export %s=%q\n' "$1" "$2" >&3; }

[[ "$DB_NAME" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "TAQUILLA_DB_NAME must be a plain identifier, got '$DB_NAME'"
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-3}"

# ---------------------------------------------------------------------------
# URL helpers (postgres://user:pass@host:port/db?params)

# Echo "host port" of a URL (default port given as $2).
url_host_port() {
    local url="$1" def_port="$2" rest auth hostport host port
    rest="${url#*://}"
    rest="${rest%%\?*}"
    auth="${rest%%/*}"
    hostport="${auth##*@}"
    if [[ "$hostport" == \[*\]* ]]; then # [ipv6]:port
        host="${hostport%%]*}"; host="${host#[}"
        port="${hostport#*]}"; port="${port#:}"
    elif [[ "$hostport" == *:* ]]; then
        host="${hostport%:*}"; port="${hostport##*:}"
    else
        host="$hostport"; port=""
    fi
    echo "${host:-127.0.0.1} ${port:-$def_port}"
}

# Same server and credentials, other database.
url_with_db() {
    local url="$1" db="$2" scheme rest query="" auth
    scheme="${url%%://*}"
    rest="${url#*://}"
    if [[ "$rest" == *\?* ]]; then query="?${rest#*\?}"; rest="${rest%%\?*}"; fi
    auth="${rest%%/*}"
    echo "${scheme}://${auth}/${db}${query}"
}

url_db() {
    local rest="${1#*://}"
    rest="${rest%%\?*}"
    [[ "$rest" == */* ]] && echo "${rest#*/}" || echo ""
}

tcp_open() { # host port
    timeout 2 bash -c 'exec 9<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# ---------------------------------------------------------------------------
# PostgreSQL

# Can we log in with this URL (no password prompt)?
pg_usable() {
    local url="$1" hp
    if have psql; then
        psql "$url" -XAtqw -c 'select 1' >/dev/null 2>&1
    elif have pg_isready; then
        pg_isready -q -t 3 -d "$url" >/dev/null 2>&1
    else
        # shellcheck disable=SC2046
        hp="$(url_host_port "$url" 5432)"; tcp_open ${hp}
    fi
}

# Does the server answer at all (even if the database does not exist yet)?
pg_answers() {
    local url="$1" hp
    if have pg_isready; then
        pg_isready -q -t 3 -d "$url" >/dev/null 2>&1
    else
        # shellcheck disable=SC2046
        hp="$(url_host_port "$url" 5432)"; tcp_open ${hp}
    fi
}

PG_URL=""
PG_ADMIN_URL=""

# Use this server: make sure the database exists and btree_gist is there.
pg_finish() {
    local url="$1" admin="$2" db out info
    db="$(url_db "$url")"
    if ! have psql; then
        log "warning: psql not found; cannot check that database '${db:-?}' exists or that btree_gist is available"
    elif [[ -n "$db" ]]; then
        [[ "$db" =~ ^[A-Za-z0-9_]+$ ]] || die "database name '$db' in the URL needs quoting; use a plain name"
        if ! info="$(psql "$admin" -XAtqw -F ' ' -c \
            "select (select count(*) from pg_database where datname = '$db'),
                    (select count(*) from pg_available_extensions where name = 'btree_gist')" 2>&1)"; then
            die "cannot query the server through $admin: $info"
        fi
        if [[ "${info%% *}" == 0 ]]; then
            log "creating database $db"
            out="$(psql "$admin" -Xqw -c "create database \"$db\"" 2>&1)" ||
                [[ "$out" == *"already exists"* ]] ||
                die "cannot create database $db: $out"
        fi
        if [[ "${info##* }" == 0 ]]; then
            log "warning: the btree_gist extension is not available on this server;"
            log "         install PostgreSQL's contrib modules (Debian: postgresql-contrib / postgresql-NN)"
        fi
    fi
    PG_URL="$url"
    PG_ADMIN_URL="$admin"
}

# Try a server on host:port as user postgres with no password.
try_local() {
    local host="$1" port="$2" admin="postgres://postgres@$1:$2/postgres"
    if pg_usable "$admin"; then
        log "PostgreSQL: using $host:$port"
        pg_finish "postgres://postgres@$host:$port/$DB_NAME" "$admin"
        return 0
    fi
    return 1
}

# a. DATABASE_URL
try_env_url() {
    [[ -n "${DATABASE_URL:-}" ]] || return 1
    local admin
    admin="$(url_with_db "$DATABASE_URL" postgres)"
    if pg_usable "$DATABASE_URL" || pg_usable "$admin" ||
        { ! have psql && pg_answers "$DATABASE_URL"; }; then
        log "PostgreSQL: using DATABASE_URL"
        # Keep a caller's admin URL if it points at the same server and works.
        if [[ -n "${TAQUILLA_TEST_DATABASE_ADMIN_URL:-}" ]] &&
            [[ "$(url_host_port "$TAQUILLA_TEST_DATABASE_ADMIN_URL" 5432)" == "$(url_host_port "$DATABASE_URL" 5432)" ]] &&
            pg_usable "$TAQUILLA_TEST_DATABASE_ADMIN_URL"; then
            admin="$TAQUILLA_TEST_DATABASE_ADMIN_URL"
        fi
        pg_finish "$DATABASE_URL" "$admin"
        return 0
    fi
    log "DATABASE_URL is set but the server does not answer; looking for another one"
    return 1
}

# c. Debian/Ubuntu system clusters.
try_system_clusters() {
    have pg_lsclusters || return 1
    local ver name port status _rest
    while read -r ver name port status _rest; do
        [[ -n "$port" ]] || continue
        if [[ "$status" == online* ]]; then
            [[ "$port" == 5432 ]] && continue # already tried
            try_local 127.0.0.1 "$port" && return 0
        elif is_root && have pg_ctlcluster; then
            log "starting system cluster $ver/$name (port $port)"
            if pg_ctlcluster --skip-systemctl-redirect "$ver" "$name" start >&2; then
                try_local 127.0.0.1 "$port" && return 0
                log "cluster $ver/$name is up but postgres@127.0.0.1:$port needs a password; not using it"
            else
                log "could not start cluster $ver/$name"
            fi
        fi
    done < <(pg_lsclusters -h 2>/dev/null || true)
    return 1
}

# Directory with initdb/pg_ctl: highest /usr/lib/postgresql/*/bin, else PATH.
pg_bindir() {
    local d best=""
    for d in /usr/lib/postgresql/*/bin; do
        [[ -x "$d/initdb" && -x "$d/pg_ctl" ]] || continue
        if [[ -z "$best" ]] || [[ "$(printf '%s\n%s\n' "$best" "$d" | sort -V | tail -1)" == "$d" ]]; then
            best="$d"
        fi
    done
    if [[ -z "$best" ]] && have initdb && have pg_ctl; then
        best="$(dirname "$(command -v initdb)")"
    fi
    [[ -n "$best" ]] && echo "$best"
}

# The unprivileged user that owns the private cluster when we run as root.
PG_USER=""
pick_pg_user() {
    is_root || return 0
    if [[ -d "$VAR/pg" && -f "$VAR/pg/PG_VERSION" ]]; then
        PG_USER="$(stat -L -c %U "$VAR/pg")"
        [[ "$PG_USER" != root ]] && return 0
    fi
    if id -u postgres >/dev/null 2>&1; then
        PG_USER=postgres
    else
        if ! id -u taquilla >/dev/null 2>&1; then
            log "creating system user 'taquilla' to run the private PostgreSQL"
            useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin taquilla >&2 ||
                return 1
        fi
        PG_USER=taquilla
    fi
}

# Run a command as PG_USER (or as ourselves when not root).
as_pg_user() {
    if [[ -z "$PG_USER" ]]; then
        "$@"
    elif have runuser; then
        (cd / && runuser -u "$PG_USER" -- "$@")
    else
        local q
        q="$(printf '%q ' "$@")"
        (cd / && su -s /bin/sh "$PG_USER" -c "$q")
    fi
}

# Where the private cluster lives. Normally var/pg; when we are root and the
# unprivileged user cannot reach the repository (e.g. it sits under /root),
# the cluster lives under /var/lib/taquilla-pg/<hash> and var/pg links there.
PGDATA_DIR=""
PGLOG_FILE=""
# Note: callers use `try_private && ...`, where `set -e` does not apply, so
# every step here checks its own status.
private_paths() {
    mkdir -p "$VAR" || { log "cannot create $VAR"; return 1; }
    if [[ -L "$VAR/pg" ]]; then
        PGDATA_DIR="$(readlink -f "$VAR/pg")"
        PGLOG_FILE="$(dirname "$PGDATA_DIR")/pg.log"
        return 0
    fi
    PGDATA_DIR="$VAR/pg"
    PGLOG_FILE="$VAR/pg.log"
    [[ -n "$PG_USER" ]] || return 0
    mkdir -p "$PGDATA_DIR" && touch "$PGLOG_FILE" || return 1
    if [[ ! -f "$PGDATA_DIR/PG_VERSION" ]]; then
        chown "$PG_USER:" "$PGDATA_DIR" "$PGLOG_FILE" && chmod 700 "$PGDATA_DIR" || return 1
    fi
    if ! as_pg_user test -w "$PGDATA_DIR" -a -w "$PGLOG_FILE"; then
        local alt
        alt="/var/lib/taquilla-pg/$(printf '%s' "$ROOT" | cksum | cut -d' ' -f1)"
        log "user $PG_USER cannot reach $VAR; keeping the cluster in $alt (linked from var/pg)"
        mkdir -p "$alt/pg" && touch "$alt/pg.log" &&
            chown "$PG_USER:" "$alt" "$alt/pg" "$alt/pg.log" && chmod 700 "$alt/pg" || return 1
        rmdir "$PGDATA_DIR" 2>/dev/null || { log "$PGDATA_DIR is not empty; remove it"; return 1; }
        rm -f "$PGLOG_FILE"
        ln -s "$alt/pg" "$VAR/pg" && ln -s "$alt/pg.log" "$VAR/pg.log" || return 1
        PGDATA_DIR="$alt/pg"
        PGLOG_FILE="$alt/pg.log"
    fi
}

# d. Private cluster.
try_private() {
    local bindir sockdir
    bindir="$(pg_bindir)" || { log "no initdb/pg_ctl found; cannot run a private cluster"; return 1; }
    pick_pg_user || return 1
    private_paths || return 1

    if [[ ! -f "$PGDATA_DIR/PG_VERSION" ]]; then
        log "initialising a private cluster in $PGDATA_DIR ($bindir)"
        sockdir="$PGDATA_DIR"
        # Unix socket paths are limited to ~107 bytes.
        ((${#sockdir} > 80)) && sockdir=/tmp
        if ! as_pg_user "$bindir/initdb" -D "$PGDATA_DIR" -U postgres --auth=trust \
            -E UTF8 --locale=C >"$PGLOG_FILE.init" 2>&1; then
            cat "$PGLOG_FILE.init" >&2
            log "initdb failed"
            return 1
        fi
        rm -f "$PGLOG_FILE.init"
        as_pg_user tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null <<EOF || return 1

# --- taquilla private dev/test cluster (scripts/services.sh) ---
listen_addresses = '127.0.0.1'
port = $PRIVATE_PORT
unix_socket_directories = '$sockdir'
max_connections = 200
# Throwaway data: trade durability for speed.
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
    fi

    if as_pg_user "$bindir/pg_ctl" -D "$PGDATA_DIR" status >/dev/null 2>&1; then
        :
    else
        log "starting the private cluster on 127.0.0.1:$PRIVATE_PORT (log: $PGLOG_FILE)"
        if ! as_pg_user "$bindir/pg_ctl" -D "$PGDATA_DIR" -l "$PGLOG_FILE" -w -t 30 start >/dev/null; then
            tail -n 20 "$PGLOG_FILE" >&2 || true
            log "the private cluster did not start"
            return 1
        fi
    fi
    local port
    port="$(sed -n "s/^port = \([0-9]*\).*/\1/p" "$PGDATA_DIR/postgresql.conf" | tail -1)"
    try_local 127.0.0.1 "${port:-$PRIVATE_PORT}" && return 0
    log "the private cluster runs but does not accept postgres@127.0.0.1:${port:-$PRIVATE_PORT}"
    return 1
}

# e. Install with apt-get.
install_postgres() {
    is_root && have apt-get || return 1
    [[ -z "${TAQUILLA_NO_INSTALL:-}" ]] || return 1
    log "installing PostgreSQL with apt-get"
    apt-get update >&2 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql postgresql-contrib >&2
}

pg_up() {
    if [[ -z "$FORCE_PRIVATE" ]]; then
        try_env_url && return 0
        try_local 127.0.0.1 5432 && return 0
        try_system_clusters && return 0
    else
        log "TAQUILLA_FORCE_PRIVATE_PG is set: using the private cluster"
    fi
    try_private && return 0
    if install_postgres; then
        if [[ -z "$FORCE_PRIVATE" ]]; then
            try_local 127.0.0.1 5432 && return 0
            try_system_clusters && return 0
        fi
        try_private && return 0
    fi
    cat >&2 <<'EOF'
services: error: no usable PostgreSQL.
  Either set DATABASE_URL to a reachable PostgreSQL 15+ server (with the
  btree_gist extension available), or install PostgreSQL with its contrib
  modules and run this script again:
    Debian/Ubuntu:  sudo apt-get install postgresql postgresql-contrib
    Fedora/RHEL:    sudo dnf install postgresql-server postgresql-contrib
    macOS:          brew install postgresql@15
  (With initdb and pg_ctl installed, this script runs a private cluster in
  var/pg on 127.0.0.1:55432 by itself.)
EOF
    exit 1
}

# ---------------------------------------------------------------------------
# Redis (optional)

redis_ping_url() {
    local url="$1" hp reply
    if have redis-cli; then
        [[ "$(timeout 2 redis-cli -u "$url" ping 2>/dev/null)" == PONG ]]
    else
        hp="$(url_host_port "$url" 6379)"
        # shellcheck disable=SC2086
        redis_ping_tcp $hp
    fi
}

redis_ping_tcp() { # host port; accepts PONG and NOAUTH (server is there)
    local reply
    reply="$(timeout 2 bash -c '
        exec 9<>"/dev/tcp/$1/$2" || exit 1
        printf "PING\r\n" >&9
        IFS= read -r -t 1 line <&9 && printf "%s" "$line"' _ "$1" "$2" 2>/dev/null)" || return 1
    [[ "$reply" == "+PONG"* || "$reply" == "-NOAUTH"* ]]
}

REDIS=""
redis_up() {
    if [[ -n "${TAQUILLA_NO_REDIS:-}" ]]; then
        log "Redis: skipped (TAQUILLA_NO_REDIS); the server uses its in-process fallback"
        return 0
    fi
    if [[ -n "${REDIS_URL:-}" ]]; then
        if redis_ping_url "$REDIS_URL"; then
            REDIS="$REDIS_URL"
            return 0
        fi
        log "REDIS_URL is set but does not answer; looking for a local Redis"
    fi
    local local_url="redis://127.0.0.1:6379"
    if redis_ping_url "$local_url"; then
        REDIS="$local_url"
        return 0
    fi
    # The test suite proves the Redis fan-out, so a machine that can install
    # Redis gets it (the server itself runs without).
    if ! have redis-server && [[ -z "${TAQUILLA_NO_INSTALL:-}" ]] && is_root && have apt-get; then
        log "installing redis-server with apt-get"
        { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server; } >&2 || log "warning: could not install redis-server"
    fi
    if have redis-server; then
        mkdir -p "$VAR"
        log "starting redis-server on 127.0.0.1:6379 (log: var/redis.log)"
        if redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
            --dir "$VAR" --pidfile "$VAR/redis.pid" --logfile "$VAR/redis.log" >&2; then
            local i
            for i in $(seq 30); do
                redis_ping_url "$local_url" && { REDIS="$local_url"; return 0; }
                sleep 0.1
            done
        fi
        log "warning: redis-server did not come up; continuing without Redis"
        return 0
    fi
    log "Redis: not found; it is optional, skipping (the server falls back to an in-process cache)"
}

# ---------------------------------------------------------------------------
# stop

stop() {
    local bindir data
    if [[ -f "$VAR/pg/PG_VERSION" ]]; then
        data="$(readlink -f "$VAR/pg")"
        bindir="$(pg_bindir)" || die "no pg_ctl found"
        is_root && PG_USER="$(stat -c %U "$data")"
        [[ "$PG_USER" == root ]] && PG_USER=""
        if as_pg_user "$bindir/pg_ctl" -D "$data" status >/dev/null 2>&1; then
            log "stopping the private cluster in $data"
            as_pg_user "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
        else
            log "the private cluster is not running"
        fi
    else
        log "no private cluster in var/pg"
    fi
    if [[ -f "$VAR/redis.pid" ]]; then
        local pid
        pid="$(cat "$VAR/redis.pid")"
        if [[ "$pid" =~ ^[0-9]+$ ]] && [[ "$(cat "/proc/$pid/comm" 2>/dev/null)" == redis-server* ]]; then
            log "stopping redis-server (pid $pid) started by this script"
            kill "$pid"
        fi
        rm -f "$VAR/redis.pid"
    fi
}

# ---------------------------------------------------------------------------

case "${1:-up}" in
up)
    pg_up
    redis_up
    emit DATABASE_URL "$PG_URL"
    emit TAQUILLA_TEST_DATABASE_ADMIN_URL "$PG_ADMIN_URL"
    [[ -n "$REDIS" ]] && emit REDIS_URL "$REDIS"
    ;;
stop) stop ;;
-h | --help | help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}" >&3 ;;
*) die "unknown command '$1' (use: up, stop)" ;;
esac
exit 0
