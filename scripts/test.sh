#!/usr/bin/env bash
# Strata's test command:  scripts/test.sh [swift test args...]
#   e.g. scripts/test.sh --filter StrataPostgresTests
#
# 1. installs postgresql-15 / postgresql-client-15 / openssl if missing (apt),
# 2. starts a throwaway PostgreSQL 15 cluster (TLS on, fsync off) via
#    scripts/pg-cluster.sh,
# 3. exports STRATA_TEST_* for the tests,
# 4. swift build --build-tests, then swift test --skip-build --no-parallel "$@",
#    then torture/run.sh --short when no --filter was given (either failing fails the script),
# 5. stops the cluster and deletes its temp dir on every exit path,
#    and exits with swift test's exit code (else the torture suite's).
#
# Exported for the tests:
#   STRATA_TEST_PG_URL         postgres://postgres:strata-secret-pw@127.0.0.1:PORT/postgres
#   STRATA_TEST_PG_HOST        127.0.0.1
#   STRATA_TEST_PG_PORT        PORT
#   STRATA_TEST_PG_USER        postgres (superuser)
#   STRATA_TEST_PG_PASSWORD    strata-secret-pw (TCP auth is scram-sha-256)
#   STRATA_TEST_PG_DATABASE    postgres
#   STRATA_TEST_PG_CA          PEM CA cert; the server cert is CN=localhost,
#                              SAN DNS:localhost, IP:127.0.0.1
#   STRATA_TEST_PG_SOCKET_DIR  Unix socket dir (socket auth = trust)
#   STRATA_TEST_PG_BINDIR      /usr/lib/postgresql/15/bin
#   STRATA_TEST_PSQL           /usr/lib/postgresql/15/bin/psql
#   STRATA_TEST_REQUIRE_PG     1 (tests must fail, not skip, if PG is unreachable)
#   STRATA_BIN                 debug build of the strata executable
# shellcheck disable=SC2317  # functions below are called from traps
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$(pwd)"

now() { date +%s.%N; }
T_START="$(now)"
T_PHASE="$T_START"
phase_done() {
    local t
    t="$(now)"
    awk -v name="$1" -v a="$T_PHASE" -v b="$t" -v s="$T_START" \
        'BEGIN { printf "[test.sh] %-22s %7.1fs  (total %.1fs)\n", name, b - a, b - s }' >&2
    T_PHASE="$t"
}

# Long-running steps run as a background child + `wait`, so that a TERM/INT
# sent to this script is handled at once (bash defers traps while a
# foreground child runs) and the child's process tree is stopped too.
CHILD=""
run() {
    local rc=0
    "$@" &
    CHILD=$!
    wait "$CHILD" || rc=$?
    CHILD=""
    return "$rc"
}
kill_tree() {
    local c
    for c in $(ps -o pid= --ppid "$1" 2>/dev/null); do kill_tree "$c"; done
    kill -TERM "$1" 2>/dev/null || true
}

PG_DIR=""
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [ -n "$CHILD" ]; then
        kill_tree "$CHILD"
        wait "$CHILD" 2>/dev/null || true
        phase_done "interrupted (rc=$rc)"
    fi
    if [ -n "$PG_DIR" ]; then
        "$ROOT/scripts/pg-cluster.sh" stop "$PG_DIR" || rc=1
        phase_done "stop postgres"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Keep libpq/psql from picking up settings from the caller's environment.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGPASSFILE PGDATABASE PGSERVICE \
    PGSERVICEFILE PGSSLMODE PGSSLROOTCERT PGSSLCERT PGSSLKEY PGOPTIONS PGCONNECT_TIMEOUT \
    PGREQUIRESSL PGTARGETSESSIONATTRS

# 1. dependencies (silent when nothing is missing); systemd: `systemd-analyze verify` checks the rendered unit (StrataDeployTests)
"$ROOT/scripts/pg-cluster.sh" install systemd
# aiosmtpd: the real SMTP server the notification tests start (StrataNotifyTests, NotifyCommandTests).
python3 -c 'import aiosmtpd' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check aiosmtpd
# kubernetes-validate, check-jsonschema: the validators of the rendered manifests, compose file and workflow (StrataDeployTests).
python3 -c 'import kubernetes_validate, check_jsonschema' 2>/dev/null || python3 -m pip install -q --disable-pip-version-check kubernetes-validate check-jsonschema
phase_done "dependencies"

# 2. cluster. Create the dir first so the EXIT trap knows what to remove even
#    if we are interrupted while the cluster is starting.
PG_DIR="$(mktemp -d "${STRATA_PG_TMPDIR:-/tmp}/strata-test-pg.XXXXXX")"
pg_env="$("$ROOT/scripts/pg-cluster.sh" start --dir "$PG_DIR" --tls --fast --max-connections 200)"
eval "$pg_env"
phase_done "start postgres"

# 3. environment for the tests
export STRATA_TEST_PG_URL="$STRATA_PG_URL"
export STRATA_TEST_PG_HOST="$STRATA_PG_HOST"
export STRATA_TEST_PG_PORT="$STRATA_PG_PORT"
export STRATA_TEST_PG_USER="$STRATA_PG_USER"
export STRATA_TEST_PG_PASSWORD="$STRATA_PG_PASSWORD"
export STRATA_TEST_PG_DATABASE="$STRATA_PG_DATABASE"
export STRATA_TEST_PG_CA="$STRATA_PG_CA"
export STRATA_TEST_PG_SOCKET_DIR="$STRATA_PG_SOCKET_DIR"
export STRATA_TEST_PG_BINDIR="$STRATA_PG_BINDIR"
export STRATA_TEST_PSQL="$STRATA_PG_PSQL"
export STRATA_TEST_REQUIRE_PG=1

# 4. build, then test
run swift build --build-tests
STRATA_BIN="$(swift build --show-bin-path)/strata"
export STRATA_BIN
phase_done "swift build"

# Tests run one at a time: several of them measure what happens within seconds (a lock wait, a
# SIGTERM, a cancelled statement), and on a 2-core machine CPU-heavy tests running beside them
# would starve Swift's cooperative thread pool and turn those measurements into noise.
test_rc=0
run swift test --skip-build --no-parallel "$@" || test_rc=$?
phase_done "swift test (rc=$test_rc)"

# 5. the torture suite, short size (torture/README.md), on a whole run only (no --filter); either failing fails the script
case " $* " in *" --filter"*) ;; *)
    torture_rc=0
    run "$ROOT/torture/run.sh" --short --layout strata --layout goose || torture_rc=$?
    phase_done "torture --short (rc=$torture_rc)"
    if [ "$test_rc" -eq 0 ]; then test_rc="$torture_rc"; fi ;;
esac

# 6. the EXIT trap stops the cluster
exit "$test_rc"
