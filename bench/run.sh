#!/usr/bin/env bash
# Strata benchmark (not a test). See bench/README.md.
#
#   bench/run.sh [N] [--no-build] [--runs R] [--check]
#
#   N           number of migrations (default 1000)
#   --no-build  do not build; use $STRATA_BIN (default: the release binary)
#   --runs R    runs per psql/strata comparison, median taken (default 5)
#   --check     exit 1 if a target is missed
#
# Starts its own PostgreSQL 15 cluster (default durability: fsync on) through
# scripts/pg-cluster.sh, prints a Markdown table and writes it to
# bench/results.md.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$(pwd)"

N=1000
BUILD=1
RUNS=5
CHECK=0
NOOP_RUNS=5
VERSION_RUNS=10
BIG=10000
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) BUILD=0 ;;
        --runs) RUNS="${2:?--runs needs a value}"; shift ;;
        --check) CHECK=1 ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        -*) echo "unknown option: $1" >&2; exit 2 ;;
        *) N="$1" ;;
    esac
    shift
done
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "N must be a positive integer" >&2; exit 2; }
[[ "$RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "--runs must be a positive integer" >&2; exit 2; }

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

unset PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGPASSFILE PGDATABASE PGSERVICE \
    PGSERVICEFILE PGSSLMODE PGSSLROOTCERT PGOPTIONS PGREQUIRESSL

# ---------------------------------------------------------------- setup ---

"$ROOT/scripts/pg-cluster.sh" install time   # `time` = /usr/bin/time

if [ "$BUILD" -eq 1 ]; then
    log "building strata (release)"
    STRATA_BIN="$("$ROOT/scripts/build-release.sh")"   # as the Dockerfile ships it
elif [ -z "${STRATA_BIN:-}" ]; then
    STRATA_BIN="$(swift build -c release --show-bin-path)/strata"
fi
[ -x "$STRATA_BIN" ] || die "strata binary not found: $STRATA_BIN"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/strata-bench.XXXXXX")"
PG_DIR="$(mktemp -d "${STRATA_PG_TMPDIR:-/tmp}/strata-bench-pg.XXXXXX")"
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    "$ROOT/scripts/pg-cluster.sh" stop "$PG_DIR" --mode fast || true
    rm -rf "$WORK"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

pg_env="$("$ROOT/scripts/pg-cluster.sh" start --dir "$PG_DIR")"
eval "$pg_env"
PSQL="$STRATA_PG_PSQL"
ERRLOG="$WORK/errors.log"
: >"$ERRLOG"

url_for() { echo "postgres://$STRATA_PG_USER:$STRATA_PG_PASSWORD@127.0.0.1:$STRATA_PG_PORT/$1"; }
conninfo_for() { echo "host=127.0.0.1 port=$STRATA_PG_PORT user=$STRATA_PG_USER dbname=$1 sslmode=disable"; }

admin() {  # superuser over the Unix socket, not timed
    PGOPTIONS="-c client_min_messages=warning" "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -h "$STRATA_PG_SOCKET_DIR" -p "$STRATA_PG_PORT" \
        -U "$STRATA_PG_USER" -d "${DB:-postgres}" "$@"
}
recreate_db() {
    admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
    # Start every timed run from the same state: no dirty buffers or pages left for it to pay for.
    admin -c "CHECKPOINT"
    sync
}
expect_tables() {  # DB EXPECTED
    local got
    got="$(DB="$1" admin -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'bench\_t%'")"
    [ "$got" = "$2" ] || die "database $1 has $got bench tables, expected $2"
}

# Run a command, print its wall time in seconds. Output is discarded; stderr
# goes to $ERRLOG and is shown if the command fails.
timed() {
    local t0 t1
    t0="$EPOCHREALTIME"
    if ! "$@" >/dev/null 2>>"$ERRLOG"; then
        tail -n 20 "$ERRLOG" >&2
        die "command failed: $*"
    fi
    t1="$EPOCHREALTIME"
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.4f\n", b - a }'
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
fmt_s() { awk -v x="$1" 'BEGIN { printf "%.3f s", x }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# ---------------------------------------------------------- migrations ---

MIG="$WORK/migrations"
TINY="$WORK/tiny"
ALL="$WORK/all.sql"
mkdir -p "$MIG" "$TINY"
width=${#N}
[ "$width" -ge 4 ] || width=4
log "generating $N migrations and $BIG tiny ones in $WORK"
for ((i = 1; i <= N; i++)); do
    up="CREATE TABLE bench_t$i (id bigint PRIMARY KEY, v text NOT NULL);
CREATE INDEX bench_t${i}_v ON bench_t$i (v);"
    printf -v num "%0${width}d" "$i"
    printf -- '-- strata:up\n%s\n-- strata:down\nDROP TABLE bench_t%d;\n' "$up" "$i" >"$MIG/${num}_t$i.sql"
    printf '%s\n' "$up"
done >"$ALL"
bigw=${#BIG}
[ "$bigw" -ge 4 ] || bigw=4
for ((i = 1; i <= BIG; i++)); do
    printf -v num "%0${bigw}d" "$i"
    printf -- '-- strata:up\nSELECT 1;\n-- strata:down\nSELECT 1;\n' >"$TINY/${num}_tiny$i.sql"
done

PSQL_BASE=("$PSQL" -X -q -v ON_ERROR_STOP=1 -f "$ALL")
export PGPASSWORD="$STRATA_PG_PASSWORD"   # for the timed psql runs (TCP, like strata)

# ------------------------------------------------------------ measure ---

declare -A SAMPLES
add_sample() { SAMPLES[$1]="${SAMPLES[$1]:-} $2"; }

compare() {  # KEY PSQL_EXTRA_FLAG STRATA_EXTRA_FLAG
    local key="$1" pflag="$2" sflag="$3" r t tool
    for ((r = 1; r <= RUNS; r++)); do
        # Alternate which goes first, so that a machine slowing down (or speeding up) during a run pair
        # does not always favour the same side.
        local order=(psql strata)
        ((r % 2 == 0)) && order=(strata psql)
        for tool in "${order[@]}"; do
            recreate_db bench
            if [ "$tool" = psql ]; then
                # shellcheck disable=SC2086
                t="$(timed "${PSQL_BASE[@]}" $pflag "$(conninfo_for bench)")"
            else
                # shellcheck disable=SC2086
                t="$(timed "$STRATA_BIN" up -d "$(url_for bench)" --dir "$MIG" $sflag)"
            fi
            expect_tables bench "$N"
            add_sample "$key.$tool" "$t"
        done
        log "$key run $r/$RUNS: psql ${SAMPLES[$key.psql]##* }s, strata ${SAMPLES[$key.strata]##* }s"
    done
}

log "(a) psql autocommit vs strata up (per-migration transactions), N=$N"
compare a "" ""
log "(b) psql -1 vs strata up --single-transaction, N=$N"
compare b "-1" "--single-transaction"

log "(c) no-op up with $N applied"
for ((r = 1; r <= NOOP_RUNS; r++)); do
    t="$(timed "$STRATA_BIN" up -d "$(url_for bench)" --dir "$MIG")"
    add_sample noopN "$t"
done
expect_tables bench "$N"

log "(c) applying $BIG tiny migrations once (--single-transaction), then no-op up"
recreate_db bench_big
BIG_RSS_FILE="$WORK/rss_big"
BIG_APPLY="$(timed /usr/bin/time -f %M -o "$BIG_RSS_FILE" "$STRATA_BIN" up -d "$(url_for bench_big)" --dir "$TINY" --single-transaction)"
for ((r = 1; r <= NOOP_RUNS; r++)); do
    t="$(timed "$STRATA_BIN" up -d "$(url_for bench_big)" --dir "$TINY")"
    add_sample noopBig "$t"
done

log "(d) strata --version x$VERSION_RUNS"
for ((r = 1; r <= VERSION_RUNS; r++)); do
    t="$(timed "$STRATA_BIN" --version)"
    add_sample version "$t"
done

log "(e) peak RSS of strata up, N=$N"
recreate_db bench
RSS_FILE="$WORK/rss"
timed /usr/bin/time -f %M -o "$RSS_FILE" "$STRATA_BIN" up -d "$(url_for bench)" --dir "$MIG" >/dev/null
expect_tables bench "$N"

# ------------------------------------------------------------- report ---

# shellcheck disable=SC2086
med() { median ${SAMPLES[$1]}; }
a_psql="$(med a.psql)" a_strata="$(med a.strata)"
b_psql="$(med b.psql)" b_strata="$(med b.strata)"
noop_n="$(med noopN)" noop_big="$(med noopBig)" version="$(med version)"
a_ratio="$(ratio "$a_strata" "$a_psql")"
b_ratio="$(ratio "$b_strata" "$b_psql")"
rss_kib="$(tail -n 1 "$RSS_FILE")"
big_rss_kib="$(tail -n 1 "$BIG_RSS_FILE")"
rss_mib="$(awk -v k="$rss_kib" 'BEGIN { printf "%.1f", k / 1024 }')"
big_rss_mib="$(awk -v k="$big_rss_kib" 'BEGIN { printf "%.1f", k / 1024 }')"

verdict() { if "$@"; then echo "PASS"; else echo "**FAIL**"; fi; }
a_ok="$(verdict le "$a_ratio" 1.10)"
b_ok="$(verdict le "$b_ratio" 1.10)"
big_ok="$(verdict lt "$noop_big" 0.3)"
rss_ok="$(verdict lt "$rss_mib" 40)"
FAILED=0
case "$a_ok$b_ok$big_ok$rss_ok" in *FAIL*) FAILED=1 ;; esac

strata_version="$("$STRATA_BIN" --version 2>&1 | head -n 1 || true)"
pg_version="$("$PSQL" --version | awk '{print $3}')"
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
fmt_samples() { local x out=""; for x in ${SAMPLES[$1]}; do out+="$x "; done; echo "${out% }"; }

REPORT="$WORK/results.md"
{
    echo "# Strata benchmark results"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- strata: \`${strata_version}\` ($STRATA_BIN)"
    echo "- PostgreSQL $pg_version, local TCP (127.0.0.1, scram-sha-256, no TLS), default durability (fsync on)"
    echo "- machine: ${cpu:-unknown CPU}, $(nproc) cores, $(uname -sr)"
    echo "- N = $N migrations (CREATE TABLE + CREATE INDEX each); median of $RUNS runs, each on a fresh database after a CHECKPOINT and sync, psql and strata taking turns going first"
    echo
    echo "| Measurement | psql | strata | strata / psql | Target | Result |"
    echo "|---|---:|---:|---:|---|---|"
    echo "| (a) apply N: psql autocommit vs \`strata up\` (one transaction per migration) | $(fmt_s "$a_psql") | $(fmt_s "$a_strata") | $a_ratio | ≤ 1.10 | $a_ok |"
    echo "| (b) apply N: \`psql -1\` vs \`strata up --single-transaction\` | $(fmt_s "$b_psql") | $(fmt_s "$b_strata") | $b_ratio | ≤ 1.10 | $b_ok |"
    echo "| (c) no-op \`strata up\`, N applied (median of $NOOP_RUNS) | | $(fmt_s "$noop_n") | | | |"
    echo "| (c) no-op \`strata up\`, $BIG applied (median of $NOOP_RUNS) | | $(fmt_s "$noop_big") | | < 0.3 s | $big_ok |"
    echo "| (d) \`strata --version\` (median of $VERSION_RUNS) | | $(fmt_s "$version") | | | |"
    echo "| (e) peak RSS, \`strata up\` of N | | $rss_mib MiB | | < 40 MiB | $rss_ok |"
    echo "| (info) \`strata up --single-transaction\` of $BIG tiny migrations: time / peak RSS | | $(fmt_s "$BIG_APPLY") / $big_rss_mib MiB | | | |"
    echo
    echo "Raw samples (seconds):"
    echo
    echo "- (a) psql: $(fmt_samples a.psql); strata: $(fmt_samples a.strata)"
    echo "- (b) psql: $(fmt_samples b.psql); strata: $(fmt_samples b.strata)"
    echo "- (c) no-op N: $(fmt_samples noopN); no-op $BIG: $(fmt_samples noopBig)"
    echo "- (d) --version: $(fmt_samples version)"
} >"$REPORT"

cat "$REPORT"
cp "$REPORT" "$ROOT/bench/results.md"
log "written to bench/results.md"

if [ "$CHECK" -eq 1 ] && [ "$FAILED" -ne 0 ]; then
    log "some targets were missed"
    exit 1
fi
