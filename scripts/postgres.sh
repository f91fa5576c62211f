#!/usr/bin/env bash
# A private PostgreSQL cluster for the tests and `./finetune serve`, run with Debian's binaries (no Docker, no system
# service). Data lives in $FINETUNE_PGDATA (default <repo>/.pgdata, git-ignored); the server listens on a unix socket
# inside it and on a free 127.0.0.1 port, with trust authentication for user `finetune`, and holds database `finetune`.
#
# Usage: scripts/postgres.sh start|stop|status|url
#   start   initialise if needed, start if not running, create the database; prints the connection string
#   stop    fast shutdown (running sessions are disconnected)
#   status  "running" or "stopped" (exit 0 or 3, like pg_ctl)
#   url     the connection string, e.g. Host=127.0.0.1;Port=54321;Username=finetune;Database=finetune
# Only the connection string goes to stdout, so callers can write: export FINETUNE_TEST_PG=$(scripts/postgres.sh start)
# FINETUNE_PG_PORT chooses the port (start fails if it is taken, or if the cluster already runs on another port);
# without it a free port is picked once and kept in $data/port.
# Every command is idempotent and safe to run concurrently (flock). initdb refuses root, so as root the server runs as
# the `postgres` user that Debian's package creates (scripts/install-deps.sh installs it).
# Trust authentication means any local user can connect: this is a development and test cluster, not a deployment.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${FINETUNE_PGDATA:-$root/.pgdata}
user=finetune
database=finetune

log() { echo "postgres.sh: $*" >&2; }
die() { log "$*"; exit 1; }

bin=${FINETUNE_PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bin/pg_ctl" ] || die "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin; run scripts/install-deps.sh"

# Run as the cluster's owner: the postgres user when we are root, ourselves otherwise. cd / keeps runuser from
# complaining about a working directory the postgres user cannot enter.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# The first folder on the way to $1 that the postgres user cannot enter (no search permission), or nothing.
unreachable_by_postgres() {
    local path=$1 prefix=""
    local IFS=/
    for part in $path; do
        [ -n "$part" ] || continue
        prefix="$prefix/$part"
        [ -d "$prefix" ] || return 0
        if ! runuser -u postgres -- test -x "$prefix"; then
            echo "$prefix"
            return 0
        fi
    done
}

# As root, the data directory must be reachable by the postgres user; a repo under /root is not, so fall back to a
# directory of our own under /var/tmp, keyed by the repository path so two checkouts never share a cluster. A data
# directory the caller chose is never moved: if the postgres user cannot reach it, say which folder blocks it.
if [ "$(id -u)" -eq 0 ]; then
    id postgres >/dev/null 2>&1 || die "user 'postgres' is missing; install the postgresql package (scripts/install-deps.sh)"
    if [ -z "${FINETUNE_PGDATA:-}" ]; then
        if ! runuser -u postgres -- test -x "$(dirname "$data")"; then
            data=/var/tmp/finetune-pgdata-$(printf '%s' "$root" | sha256sum | cut -c1-12)
            log "the postgres user cannot reach $root; using $data"
        fi
    elif blocked=$(unreachable_by_postgres "$(dirname "$data")") && [ -n "$blocked" ]; then
        die "as root, PostgreSQL runs as the 'postgres' user, which cannot enter $blocked (mode $(stat -c %a "$blocked"), owner $(stat -c %U "$blocked")), so it cannot use $data. Choose a --data-dir outside it (e.g. /var/lib/finetune), or let it in: chmod o+x $blocked"
    fi
fi

cluster=$data/cluster
port_file=$data/port
server_log=$data/server.log
socket_dir=$data/run
# A unix socket path must fit in 107 bytes (".s.PGSQL.NNNNN" included); deep checkouts get a short one under /tmp.
if [ "${#socket_dir}" -gt 80 ]; then
    socket_dir=/tmp/finetune-pg-$(printf '%s' "$data" | sha256sum | cut -c1-12)
fi

connection_string() {
    echo "Host=127.0.0.1;Port=$(cat "$port_file");Username=$user;Database=$database"
}

is_running() {
    [ -f "$cluster/PG_VERSION" ] && as_owner "$bin/pg_ctl" status -D "$cluster" >/dev/null 2>&1
}

# Starts the server with no inherited descriptors beyond stdin/out/err: the postmaster outlives this script, and an
# inherited lock (fd 9) or a caller's pipe would otherwise stay open as long as it runs, blocking the next start or a
# caller reading our output through $(...).
detached() {
    (
        for fd in /proc/$BASHPID/fd/*; do
            fd=${fd##*/}
            if [ "$fd" -gt 2 ]; then
                eval "exec $fd>&-"
            fi
        done
        "$@"
    )
}

port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A free port, starting from one derived from the data path so parallel checkouts rarely probe the same ones, or from
# $1 (past a port that turned out to be taken).
pick_port() {
    local start port
    start=${1:-$((54320 + $(printf '%s' "$data" | cksum | cut -d' ' -f1) % 2000))}
    for ((port = start; port < start + 500; port++)); do
        if ! port_in_use "$port"; then
            echo "$port"
            return
        fi
    done
    die "no free port in $start..$((start + 499))"
}

initialise() {
    mkdir -p "$data"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$data"
    fi
    log "initialising a cluster in $cluster"
    as_owner "$bin/initdb" -D "$cluster" -U "$user" --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    # Durable enough for development (a crash loses the last commits, never consistency) and much faster for tests.
    # Each test class creates its own database with its own connection pool, hence the connection headroom.
    cat <<'EOF' | as_owner tee -a "$cluster/postgresql.conf" >/dev/null

# scripts/postgres.sh
listen_addresses = '127.0.0.1'
synchronous_commit = off
max_connections = 300
logging_collector = off
EOF
}

start() {
    mkdir -p "$data"
    if [ ! -f "$cluster/PG_VERSION" ]; then
        initialise
    fi
    local version
    version=$(cat "$cluster/PG_VERSION")
    case "$bin" in
        */"$version"/bin) ;;
        *) die "$cluster was created by PostgreSQL $version but the binaries are $bin; delete $data to start over" ;;
    esac
    if is_running && [ -n "${FINETUNE_PG_PORT:-}" ] && [ "$(cat "$port_file")" != "$FINETUNE_PG_PORT" ]; then
        die "the cluster in $data already runs on port $(cat "$port_file"), not $FINETUNE_PG_PORT; stop it first (finetune db stop)"
    fi
    if ! is_running; then
        local port
        if [ -n "${FINETUNE_PG_PORT:-}" ]; then
            port=$FINETUNE_PG_PORT
            port_in_use "$port" && die "port $port is already in use; choose another with --db-port or FINETUNE_DB_PORT"
            echo "$port" >"$port_file"
        else
            port=$(cat "$port_file" 2>/dev/null || true)
            if [ -z "$port" ] || port_in_use "$port"; then
                port=$(pick_port)
                echo "$port" >"$port_file"
            fi
        fi
        mkdir -p "$socket_dir"
        touch "$server_log"
        if [ "$(id -u)" -eq 0 ]; then
            chown postgres: "$socket_dir" "$server_log"
        fi
        local attempt logged this_start
        for attempt in 1 2 3; do
            logged=$(wc -c <"$server_log")
            log "starting on 127.0.0.1:$port (log: $server_log)"
            if detached as_owner "$bin/pg_ctl" start -D "$cluster" -w -t 60 -l "$server_log" \
                -o "-p $port -k $socket_dir" >/dev/null; then
                break
            fi
            this_start=$(tail -c +"$((logged + 1))" "$server_log")
            # A port found free a moment ago can be taken before the server binds it (by any process listening on an
            # ephemeral port): pick another, unless the caller chose this one.
            if [ -z "${FINETUNE_PG_PORT:-}" ] && [ "$attempt" -lt 3 ] && grep -q "could not bind" <<<"$this_start"; then
                log "port $port was taken before the server could bind it; trying another"
                port=$(pick_port "$((port + 1))")
                echo "$port" >"$port_file"
                continue
            fi
            die "the server did not start: $(grep -E 'FATAL|ERROR|LOG:  invalid' <<<"$this_start" | head -n 2 | tr '\n' ' ')(whole log: $server_log)"
        done
    fi
    local port exists
    port=$(cat "$port_file")
    exists=$("$bin/psql" -X -q -t -A -h "$socket_dir" -p "$port" -U "$user" -d postgres \
        -c "SELECT 1 FROM pg_database WHERE datname = '$database'")
    if [ "$exists" != "1" ]; then
        "$bin/psql" -X -q -h "$socket_dir" -p "$port" -U "$user" -d postgres -c "CREATE DATABASE $database" >/dev/null
    fi
    connection_string
}

stop() {
    if is_running; then
        as_owner "$bin/pg_ctl" stop -D "$cluster" -m fast -w >/dev/null
        log "stopped"
    fi
}

command=${1:-}
case "$command" in
    start | stop)
        mkdir -p "$data"
        # One caller at a time: parallel test runs both call start.
        exec 9>"$data/.lock"
        flock 9
        "$command"
        ;;
    status)
        if is_running; then echo running; else
            echo stopped
            exit 3
        fi
        ;;
    url)
        [ -f "$port_file" ] || die "no cluster in $data yet; run: scripts/postgres.sh start"
        connection_string
        ;;
    *)
        echo "usage: $0 start|stop|status|url" >&2
        exit 2
        ;;
esac
