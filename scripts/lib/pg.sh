# shellcheck shell=bash
#
# pg.sh - manage a local PostgreSQL cluster kept in one folder, for demos and
# tests. Source it:
#
#   . scripts/lib/pg.sh
#   port=$(pg_free_port)
#   pg_cluster_start /tmp/oai-test/pgdata "$port"
#   pg_create_db "$port" oai
#   pg_psql "$port" oai -c 'SELECT 1'
#   pg_cluster_stop /tmp/oai-test/pgdata
#
# The cluster listens on 127.0.0.1 only, plus a Unix socket inside the data
# directory, and trusts every connection from those two places. That is
# fine for a throw-away or developer cluster on a single-user machine and
# wrong for anything else: never point production at a cluster made here.
#
# Environment:
#   PG_BINDIR  server binaries to use (default: newest
#              /usr/lib/postgresql/*/bin that has initdb, else $PATH)
#   PG_FAST=1  start with fsync, synchronous_commit and full_page_writes
#              off: faster, and a crash can corrupt the cluster. Tests only.
#   PG_LOGFILE server log (default: DATADIR.log, next to the data directory)
#
# Run as root, initdb and postgres (which refuse to run as root) run as the
# `postgres` system user, created by Debian's postgresql package; the data
# directory then belongs to that user.
#
# Every function returns non-zero with a message on stderr when it fails; none
# of them calls exit, so the caller's `set -e` decides.

# The PostgreSQL bin directory to use.
pg_bindir() {
    if [ -n "${PG_BINDIR:-}" ]; then
        printf '%s\n' "$PG_BINDIR"
        return 0
    fi
    local d best=""
    best=$(for d in /usr/lib/postgresql/*/bin; do
               [ -x "$d/initdb" ] && printf '%s\n' "$d"
           done | sort -V | tail -n 1)
    if [ -z "$best" ]; then
        local initdb
        initdb=$(command -v initdb 2>/dev/null) || true
        [ -n "$initdb" ] && best=$(dirname "$initdb")
    fi
    if [ -z "$best" ]; then
        echo "pg.sh: no PostgreSQL server binaries (initdb) in /usr/lib/postgresql/*/bin or \$PATH;" \
             "install the postgresql package or set PG_BINDIR" >&2
        return 1
    fi
    printf '%s\n' "$best"
}

# A client program (psql, createdb, ...): from pg_bindir when there is one,
# else from $PATH, so client-only machines work too.
pg_client() {
    local bindir
    if bindir=$(pg_bindir 2>/dev/null) && [ -x "$bindir/$1" ]; then
        printf '%s\n' "$bindir/$1"
    else
        printf '%s\n' "$1"
    fi
}

# Run a server-side command (initdb, pg_ctl) as the user that owns the
# cluster: `postgres` when we are root, ourselves otherwise. From / so that a
# working directory the postgres user cannot read does not matter.
_pg_as_owner() {
    if [ "$EUID" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

_pg_abspath() {
    case "$1" in
        /*) printf '%s\n' "$1" ;;
        *) printf '%s/%s\n' "$PWD" "$1" ;;
    esac
}

# The server log of a cluster.
pg_cluster_logfile() {
    local datadir
    datadir=$(_pg_abspath "${1:?usage: pg_cluster_logfile DATADIR}")
    datadir=${datadir%/}
    printf '%s\n' "${PG_LOGFILE:-$datadir.log}"
}

# The directory holding the cluster's Unix socket.
pg_cluster_sockdir() {
    local datadir
    datadir=$(_pg_abspath "${1:?usage: pg_cluster_sockdir DATADIR}")
    printf '%s/run\n' "${datadir%/}"
}

# Is the cluster in DATADIR running? (0 = yes)
pg_cluster_running() {
    local datadir bindir
    datadir=$(_pg_abspath "${1:?usage: pg_cluster_running DATADIR}")
    [ -f "$datadir/PG_VERSION" ] || return 1
    bindir=$(pg_bindir) || return 1
    _pg_as_owner "$bindir/pg_ctl" -D "$datadir" status >/dev/null 2>&1
}

# As root, make DATADIR (and the log file) usable by the postgres user:
# create DATADIR owned by postgres; give postgres the parent directory when it
# cannot get through it (a `mktemp -d` directory is root-only); and let it
# search the directories above, but only under /tmp or $TMPDIR: elsewhere
# say which directory is in the way rather than change its permissions.
_pg_prepare_dirs() {
    local datadir=$1 logfile=$2 parent dir
    parent=$(dirname "$datadir")
    if [ ! -d "$parent" ]; then
        mkdir -p "$parent" || return 1
        [ "$EUID" -eq 0 ] && { chown postgres:postgres "$parent" || return 1; }
    fi
    if [ "$EUID" -ne 0 ]; then
        return 0
    fi
    if ! id -u postgres >/dev/null 2>&1; then
        echo "pg.sh: running as root needs the 'postgres' system user (apt-get install postgresql)" >&2
        return 1
    fi
    local part parts=()
    dir=""
    IFS=/ read -r -a parts <<<"${parent#/}"
    [ ${#parts[@]} -gt 0 ] && unset 'parts[-1]'   # the ancestors of $parent
    for part in "${parts[@]}"; do
        dir="$dir/$part"
        runuser -u postgres -- test -x "$dir" && continue
        case "$dir/" in
            /tmp/?*|"${TMPDIR:-/tmp}"/?*)
                echo "pg.sh: letting user postgres search $dir (chmod o+x)" >&2
                chmod o+x "$dir" || return 1 ;;
            *)
                echo "pg.sh: user postgres cannot search $dir, above $datadir;" \
                     "put the cluster elsewhere (e.g. under /tmp) or chmod o+x $dir" >&2
                return 1 ;;
        esac
    done
    if ! runuser -u postgres -- test -x "$parent"; then
        chown postgres:postgres "$parent" || return 1
    fi
    if [ ! -d "$datadir" ]; then
        mkdir "$datadir" || return 1
        chmod 0700 "$datadir" || return 1
        chown postgres:postgres "$datadir" || return 1
    elif [ ! -e "$datadir/PG_VERSION" ] && [ -z "$(ls -A "$datadir")" ]; then
        # An empty directory made by someone else (mkdir -p as root).
        chmod 0700 "$datadir" && chown postgres:postgres "$datadir" || return 1
    fi
    if [ ! -e "$logfile" ]; then
        mkdir -p "$(dirname "$logfile")" && : >"$logfile" || return 1
        chown postgres:postgres "$logfile" || return 1
    fi
    return 0
}

# pg_cluster_start DATADIR PORT: create the cluster if DATADIR has none, and
# start it unless it is already running.
pg_cluster_start() {
    local datadir port bindir logfile sockdir
    datadir=$(_pg_abspath "${1:?usage: pg_cluster_start DATADIR PORT}")
    datadir=${datadir%/}
    port=${2:?usage: pg_cluster_start DATADIR PORT}
    case "$port" in
        *[!0-9]*) echo "pg.sh: bad port '$port'" >&2; return 1 ;;
    esac
    case "$datadir" in
        *[\'\"\\\ ]*)
            # The path ends up in pg_ctl -o, which goes through a shell.
            echo "pg.sh: the data directory path must not contain quotes, backslashes or spaces: $datadir" >&2
            return 1 ;;
    esac
    bindir=$(pg_bindir) || return 1
    logfile=$(pg_cluster_logfile "$datadir")
    sockdir=$(pg_cluster_sockdir "$datadir")

    if pg_cluster_running "$datadir"; then
        local running_port
        running_port=$(sed -n 4p "$datadir/postmaster.pid" 2>/dev/null)
        if [ -n "$running_port" ] && [ "$running_port" != "$port" ]; then
            echo "pg.sh: the cluster in $datadir is already running on port $running_port, not $port" >&2
            return 1
        fi
        return 0
    fi

    _pg_prepare_dirs "$datadir" "$logfile" || return 1

    if [ ! -f "$datadir/PG_VERSION" ]; then
        local locale=C out initdb_opts=()
        if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then
            locale=C.UTF-8
        fi
        if "$bindir/initdb" --help 2>/dev/null | grep -q -- --no-instructions; then
            initdb_opts+=(--no-instructions)
        fi
        # --auth=trust: FOR DEMOS AND TESTS ONLY. Nobody needs a password:
        # pg_hba.conf is rewritten below so that trust covers exactly the
        # local Unix socket and 127.0.0.1/32, and the server listens nowhere
        # else.
        if ! out=$(_pg_as_owner "$bindir/initdb" -D "$datadir" -U postgres -E UTF8 \
                       --locale="$locale" --auth=trust "${initdb_opts[@]}" 2>&1); then
            printf '%s\n' "$out" >&2
            echo "pg.sh: initdb failed for $datadir" >&2
            return 1
        fi
        {
            echo '# Written by scripts/lib/pg.sh: a demo/test cluster. Trust, no'
            echo '# passwords, for the local socket and IPv4 loopback only.'
            echo '# TYPE  DATABASE  USER  ADDRESS       METHOD'
            echo 'local   all       all                 trust'
            echo 'host    all       all   127.0.0.1/32  trust'
        } >"$datadir/pg_hba.conf" || return 1
        if [ "$EUID" -eq 0 ]; then
            chown postgres:postgres "$datadir/pg_hba.conf" || return 1
        fi
    fi

    if [ ! -d "$sockdir" ]; then
        mkdir -p "$sockdir" && chmod 0755 "$sockdir" || return 1
        if [ "$EUID" -eq 0 ]; then
            chown postgres:postgres "$sockdir" || return 1
        fi
    fi
    if [ $(( ${#sockdir} + ${#port} + 12 )) -gt 107 ]; then
        echo "pg.sh: the socket path $sockdir/.s.PGSQL.$port is too long for a Unix socket;" \
             "use a shorter data directory path" >&2
        return 1
    fi

    local server_opts="-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$sockdir"
    if [ "${PG_FAST:-0}" = 1 ]; then
        # Tests only: a crash or power loss can corrupt this cluster.
        server_opts+=" -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    fi
    if ! _pg_as_owner "$bindir/pg_ctl" -D "$datadir" -l "$logfile" -w -t 60 \
             -o "$server_opts" start >/dev/null; then
        echo "pg.sh: the server in $datadir did not start; the end of $logfile:" >&2
        tail -n 20 "$logfile" >&2 2>/dev/null
        return 1
    fi
    return 0
}

# pg_cluster_stop DATADIR: stop the cluster if it is running.
pg_cluster_stop() {
    local datadir bindir
    datadir=$(_pg_abspath "${1:?usage: pg_cluster_stop DATADIR}")
    datadir=${datadir%/}
    pg_cluster_running "$datadir" || return 0
    bindir=$(pg_bindir) || return 1
    _pg_as_owner "$bindir/pg_ctl" -D "$datadir" -m fast -w -t 60 stop >/dev/null
}

# Print a TCP port on 127.0.0.1 that nothing listens on right now. Another
# process may take it before it is used: callers that can retry should.
pg_free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' && return 0
    fi
    local port tries
    for tries in $(seq 1 200); do
        port=$(( 20000 + (RANDOM * 32768 + RANDOM) % 30000 ))
        # A refused connection means nobody listens there.
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            printf '%s\n' "$port"
            return 0
        fi
    done
    echo "pg.sh: found no free TCP port (tried $tries)" >&2
    return 1
}

# pg_psql PORT DB [psql args...]: psql as the superuser over TCP loopback.
pg_psql() {
    local port=${1:?usage: pg_psql PORT DB [args...]} db=${2:?usage: pg_psql PORT DB [args...]}
    shift 2
    "$(pg_client psql)" -h 127.0.0.1 -p "$port" -U postgres -d "$db" \
        -v ON_ERROR_STOP=1 -X -q "$@"
}

# pg_create_db PORT DBNAME: create the database (UTF8) unless it exists.
# (psql does not interpolate variables in -c strings, hence the here-strings.)
pg_create_db() {
    local port=${1:?usage: pg_create_db PORT DBNAME} db=${2:?usage: pg_create_db PORT DBNAME}
    local exists
    exists=$(pg_psql "$port" postgres -At -v db="$db" \
                 <<<"SELECT 1 FROM pg_database WHERE datname = :'db'") || return 1
    [ "$exists" = 1 ] && return 0
    if ! "$(pg_client createdb)" -h 127.0.0.1 -p "$port" -U postgres \
             -E UTF8 -T template0 "$db"; then
        # Lost a race with another creator?
        exists=$(pg_psql "$port" postgres -At -v db="$db" \
                     <<<"SELECT 1 FROM pg_database WHERE datname = :'db'") || return 1
        [ "$exists" = 1 ] || return 1
    fi
    return 0
}
