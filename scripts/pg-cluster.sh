#!/usr/bin/env bash
# Throwaway PostgreSQL 15 clusters for Strata's tests and benchmarks.
#
#   scripts/pg-cluster.sh install [EXTRA_DEB_PKG...]
#       Install postgresql-15, postgresql-client-15 and openssl (plus any extra
#       Debian packages) with apt-get, only if something is missing. Silent when
#       everything is already installed.
#
#   scripts/pg-cluster.sh start [--tls] [--fast] [--dir DIR] [--port PORT]
#                               [--password PW] [--max-connections N]
#                               [--set NAME=VALUE]...
#       Create and start a cluster in a fresh temp dir (or in DIR, which must be
#       empty or absent) and print `export NAME=value` lines on stdout. Logs go
#       to stderr. Use it like this (the assignment makes `set -e` see a
#       failure; a bare `eval "$(...)"` would not):
#           env_lines="$(scripts/pg-cluster.sh start --tls --fast)"
#           eval "$env_lines"
#           ...
#           scripts/pg-cluster.sh stop "$STRATA_PG_DIR"
#       --tls   self-signed CA + server cert (CN=localhost,
#               SAN DNS:localhost, IP:127.0.0.1); exports STRATA_PG_CA.
#       --fast  fsync=off, synchronous_commit=off, full_page_writes=off
#               (tests only; never for benchmarks).
#       --set NAME=VALUE  any other server setting (repeatable), e.g.
#               max_locks_per_transaction=512 for 10,000 tables in one transaction.
#
#   scripts/pg-cluster.sh stop DIR [--mode immediate|fast|smart]
#       Stop the cluster (default: immediate) and delete DIR. Refuses to
#       delete a directory that this script did not create.
#
#   scripts/pg-cluster.sh env DIR
#       Print the export lines of a running cluster again.
#
# Exported variables:
#   STRATA_PG_DIR         temp dir holding everything (pass it to `stop`)
#   STRATA_PG_DATA        data directory
#   STRATA_PG_HOST        127.0.0.1 (the only TCP address the server listens on)
#   STRATA_PG_PORT        TCP port (also the port of the Unix socket)
#   STRATA_PG_SOCKET_DIR  Unix socket directory (local socket auth = trust)
#   STRATA_PG_USER        postgres (superuser)
#   STRATA_PG_PASSWORD    password for TCP connections (scram-sha-256)
#   STRATA_PG_DATABASE    postgres
#   STRATA_PG_URL         postgres://USER:PASSWORD@127.0.0.1:PORT/postgres
#   STRATA_PG_CA          PEM CA certificate that signed the server cert (--tls)
#   STRATA_PG_BINDIR      PostgreSQL server/client binaries
#   STRATA_PG_PSQL        $STRATA_PG_BINDIR/psql
#   STRATA_PG_LOG         server log file
#
# Environment overrides: STRATA_PG_BINDIR (default /usr/lib/postgresql/15/bin),
# STRATA_PG_TMPDIR (parent of the temp dir, default /tmp; it must be traversable
# by the postgres user when running as root).
set -euo pipefail

PG_BINDIR="${STRATA_PG_BINDIR:-/usr/lib/postgresql/15/bin}"
MARKER=".strata-pg-cluster"
DEFAULT_PASSWORD="strata-secret-pw"

log() { printf '[pg-cluster] %s\n' "$*" >&2; }
die() { printf '[pg-cluster] error: %s\n' "$*" >&2; exit 1; }

usage() {
    sed -n '2,/^set -euo pipefail/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0" >&2
    exit "${1:-2}"
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as the cluster owner: `postgres` when we are root (the server
# refuses to run as root), ourselves otherwise.
as_pg() {
    if is_root; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

# ---------------------------------------------------------------- install ---

deb_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

cmd_install() {
    local -a want=(postgresql-15 postgresql-client-15 openssl "$@")
    local -a missing=()
    local p
    if command -v dpkg-query >/dev/null 2>&1; then
        for p in "${want[@]}"; do
            deb_installed "$p" || missing+=("$p")
        done
    fi
    # Binaries may come from elsewhere (e.g. STRATA_PG_BINDIR on a dev box).
    if [ "${#missing[@]}" -eq 0 ]; then
        for p in initdb pg_ctl postgres psql; do
            [ -x "$PG_BINDIR/$p" ] || die "$PG_BINDIR/$p not found (set STRATA_PG_BINDIR)"
        done
        command -v openssl >/dev/null 2>&1 || die "openssl not found"
        return 0
    fi
    command -v apt-get >/dev/null 2>&1 ||
        die "missing: ${missing[*]}; no apt-get here, install them yourself (and set STRATA_PG_BINDIR)"
    local -a sudo=()
    if ! is_root; then
        command -v sudo >/dev/null 2>&1 || die "missing: ${missing[*]}; need root or sudo to install"
        sudo=(sudo)
    fi
    log "installing: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
    for p in initdb pg_ctl postgres psql; do
        [ -x "$PG_BINDIR/$p" ] || die "$PG_BINDIR/$p still missing after install"
    done
}

ensure_postgres_user() {
    is_root || return 0
    id -u postgres >/dev/null 2>&1 && return 0
    log "creating OS user postgres"
    getent group postgres >/dev/null 2>&1 || groupadd --system postgres
    useradd --system --gid postgres --home-dir /var/lib/postgresql \
        --no-create-home --shell /bin/bash postgres
}

# ------------------------------------------------------------------- start ---

port_is_free() {
    # Something listening on 127.0.0.1:$1 => taken.
    ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
    local port
    if command -v python3 >/dev/null 2>&1 &&
        port="$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' 2>/dev/null)" && [ -n "$port" ]; then
        echo "$port"
        return 0
    fi
    for ((port = 54329 + RANDOM % 500; port < 60000; port++)); do
        if port_is_free "$port"; then
            echo "$port"
            return 0
        fi
    done
    die "no free TCP port found"
}

make_tls() {
    local base="$1" data="$2" tls="$1/tls"
    mkdir -p "$tls"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 \
        -keyout "$tls/ca.key" -out "$base/ca.crt" -subj "/CN=Strata Test CA" \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" \
        -addext "subjectKeyIdentifier=hash" 2>/dev/null
    openssl req -new -newkey rsa:2048 -nodes -sha256 \
        -keyout "$data/server.key" -out "$tls/server.csr" -subj "/CN=localhost" 2>/dev/null
    cat >"$tls/server.ext" <<'EOF'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
EOF
    openssl x509 -req -sha256 -days 3650 -in "$tls/server.csr" \
        -CA "$base/ca.crt" -CAkey "$tls/ca.key" -set_serial "0x$(openssl rand -hex 8)" \
        -extfile "$tls/server.ext" -out "$data/server.crt" 2>/dev/null
    rm -rf "$tls"  # the CA key is not needed any more
    if is_root; then chown postgres: "$data/server.key" "$data/server.crt"; fi
    chmod 0600 "$data/server.key"
    chmod 0644 "$data/server.crt" "$base/ca.crt"
}

start_cleanup() {
    local rc=$?
    if [ "$rc" -ne 0 ] && [ -n "${CLEAN_BASE:-}" ]; then
        if [ -f "$CLEAN_BASE/data/postmaster.pid" ]; then
            as_pg "$PG_BINDIR/pg_ctl" -D "$CLEAN_BASE/data" -m immediate -w stop >/dev/null 2>&1 || true
        fi
        rm -rf "$CLEAN_BASE"
    fi
}

print_env() {
    local base="$1"
    [ -f "$base/env" ] || die "$base/env not found (not a running strata cluster?)"
    cat "$base/env"
}

cmd_start() {
    local tls=0 fast=0 dir="" port="" password="$DEFAULT_PASSWORD" maxconn=""
    local -a settings=()
    while [ $# -gt 0 ]; do
        case "$1" in
            --tls) tls=1 ;;
            --fast) fast=1 ;;
            --dir) dir="${2:?--dir needs a value}"; shift ;;
            --port) port="${2:?--port needs a value}"; shift ;;
            --password) password="${2:?--password needs a value}"; shift ;;
            --max-connections) maxconn="${2:?--max-connections needs a value}"; shift ;;
            --set)
                [[ "${2:-}" =~ ^[a-z_.]+=[^\'[:space:]]+$ ]] || die "--set needs NAME=VALUE (got '${2:-}')"
                settings+=("$2"); shift ;;
            -h | --help) usage 0 ;;
            *) die "start: unknown option $1" ;;
        esac
        shift
    done

    cmd_install
    ensure_postgres_user

    local base
    CLEAN_BASE="" STARTED=0
    if [ -n "$dir" ]; then
        mkdir -p "$dir"
        [ -z "$(ls -A "$dir")" ] || die "--dir $dir is not empty"
        base="$(cd "$dir" && pwd)"
    else
        base="$(mktemp -d "${STRATA_PG_TMPDIR:-/tmp}/strata-pg.XXXXXX")"
    fi
    : >"$base/$MARKER"
    # If anything below fails (or we are interrupted), leave nothing behind.
    CLEAN_BASE="$base"
    trap start_cleanup EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    local data="$base/data" sock="$base/sock" logf="$base/postgres.log"
    mkdir -p "$sock"
    chmod 0755 "$base"
    if is_root; then chown -R postgres: "$base"; fi

    # initdb: trust on the local socket, scram-sha-256 over TCP.
    local pwfile="$base/.pwfile"
    (umask 077 && printf '%s\n' "$password" >"$pwfile")
    if is_root; then chown postgres: "$pwfile"; fi
    local -a initdb_opts=(-D "$data" --username=postgres --pwfile="$pwfile"
        --auth-local=trust --auth-host=scram-sha-256
        --encoding=UTF8 --locale=C)
    if [ "$fast" -eq 1 ]; then initdb_opts+=(--no-sync); fi
    if ! as_pg "$PG_BINDIR/initdb" "${initdb_opts[@]}" >"$base/initdb.log" 2>&1; then
        cat "$base/initdb.log" >&2
        die "initdb failed"
    fi
    rm -f "$pwfile"

    if [ "$tls" -eq 1 ]; then make_tls "$base" "$data"; fi

    echo "include 'strata.conf'" >>"$data/postgresql.conf"

    local attempt
    for attempt in 1 2 3 4 5; do
        [ -n "$port" ] || port="$(pick_port)"
        {
            echo "# written by scripts/pg-cluster.sh"
            echo "port = $port"
            echo "listen_addresses = '127.0.0.1'"
            echo "unix_socket_directories = '$sock'"
            echo "password_encryption = 'scram-sha-256'"
            if [ -n "$maxconn" ]; then echo "max_connections = $maxconn"; fi
            if [ "$tls" -eq 1 ]; then
                echo "ssl = on"
                echo "ssl_cert_file = 'server.crt'"
                echo "ssl_key_file = 'server.key'"
            fi
            if [ "$fast" -eq 1 ]; then
                echo "fsync = off"
                echo "synchronous_commit = off"
                echo "full_page_writes = off"
            fi
            for kv in ${settings[@]+"${settings[@]}"}; do echo "${kv%%=*} = '${kv#*=}'"; done
        } >"$data/strata.conf"
        if is_root; then chown postgres: "$data/strata.conf"; fi
        if as_pg "$PG_BINDIR/pg_ctl" -D "$data" -l "$logf" -w -t 60 start >/dev/null 2>&1; then
            STARTED=1
            break
        fi
        if grep -q "Address already in use" "$logf" 2>/dev/null && [ "$attempt" -lt 5 ]; then
            log "port $port taken, retrying"
            port=""
            continue
        fi
        tail -n 30 "$logf" >&2 || true
        die "pg_ctl start failed"
    done
    [ "$STARTED" -eq 1 ] || die "could not start the server"

    {
        printf 'export STRATA_PG_DIR=%q\n' "$base"
        printf 'export STRATA_PG_DATA=%q\n' "$data"
        printf 'export STRATA_PG_HOST=%q\n' "127.0.0.1"
        printf 'export STRATA_PG_PORT=%q\n' "$port"
        printf 'export STRATA_PG_SOCKET_DIR=%q\n' "$sock"
        printf 'export STRATA_PG_USER=%q\n' "postgres"
        printf 'export STRATA_PG_PASSWORD=%q\n' "$password"
        printf 'export STRATA_PG_DATABASE=%q\n' "postgres"
        printf 'export STRATA_PG_URL=%q\n' "postgres://postgres:$password@127.0.0.1:$port/postgres"
        if [ "$tls" -eq 1 ]; then printf 'export STRATA_PG_CA=%q\n' "$base/ca.crt"; fi
        printf 'export STRATA_PG_BINDIR=%q\n' "$PG_BINDIR"
        printf 'export STRATA_PG_PSQL=%q\n' "$PG_BINDIR/psql"
        printf 'export STRATA_PG_LOG=%q\n' "$logf"
    } >"$base/env"
    local flags=""
    if [ "$tls" -eq 1 ]; then flags+=", tls"; fi
    if [ "$fast" -eq 1 ]; then flags+=", fast"; fi
    log "PostgreSQL $("$PG_BINDIR/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (dir $base$flags)"
    print_env "$base"
    trap - EXIT INT TERM
}

# -------------------------------------------------------------------- stop ---

cmd_stop() {
    local dir="" mode="immediate"
    while [ $# -gt 0 ]; do
        case "$1" in
            --mode) mode="${2:?--mode needs a value}"; shift ;;
            -h | --help) usage 0 ;;
            -*) die "stop: unknown option $1" ;;
            *) [ -z "$dir" ] || die "stop: one directory only"; dir="$1" ;;
        esac
        shift
    done
    [ -n "$dir" ] || die "stop: which directory? (\$STRATA_PG_DIR)"
    [ -d "$dir" ] || return 0   # already gone
    [ -f "$dir/$MARKER" ] || die "$dir was not created by pg-cluster.sh; not touching it"

    local data="$dir/data" pid=""
    if [ -f "$data/postmaster.pid" ]; then
        pid="$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)"
        if ! as_pg "$PG_BINDIR/pg_ctl" -D "$data" -m "$mode" -w -t 30 stop >/dev/null 2>&1; then
            # pg_ctl failed: kill our postmaster directly (only if it is ours).
            if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] &&
                tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$data"; then
                log "pg_ctl stop failed; killing postmaster $pid"
                kill -KILL "$pid" 2>/dev/null || true
                sleep 0.5
            fi
        fi
    fi
    rm -rf "$dir"
}

# -------------------------------------------------------------------- main ---

[ $# -ge 1 ] || usage
sub="$1"
shift
case "$sub" in
    install) cmd_install "$@" ;;
    start) cmd_start "$@" ;;
    stop) cmd_stop "$@" ;;
    env)
        [ $# -eq 1 ] || die "env: usage: env DIR"
        print_env "$1"
        ;;
    -h | --help | help) usage 0 ;;
    *) die "unknown subcommand: $sub (install|start|stop|env)" ;;
esac
