#!/usr/bin/env bash
# shellcheck disable=SC2016  # backticks in single quotes are Markdown
# Strata against psql and its peers (not a test). See bench/README.md.
#
#   bench/peers.sh [--sizes 100,1000,10000] [--skip TOOL,...] [--no-build]
#                  [--port P] [--repeat R] [--apply-runs K] [--max-seconds S]
#
#   --sizes       numbers of generated migrations (default 100,1000,10000)
#   --skip        tools left out: psql-1, psql-tx, strata, strata-1, yoyo,
#                 sqitch, alembic (comma-separated)
#   --no-build    do not build; use $STRATA_BIN (default: the release binary).
#                 Setting STRATA_BIN also skips the build.
#   --port P      TCP port of the throwaway cluster (default: a free one)
#   --repeat R    runs of each no-op and status command, median taken (default 3;
#                 a single run when the first takes over 10 s)
#   --apply-runs K
#                 applies of psql and Strata at each size, median taken (default: 21 up
#                 to 100 migrations, 5 up to 1,000, 3 above; a run of 100 lasts about
#                 0.3 s and this disk moves it by a tenth or more either way):
#                 rounds of psql -f, strata up, psql -1, strata up --single-transaction,
#                 every other round in the opposite order, each on a fresh database
#                 (the peers apply once: they are several times slower)
#   --max-seconds S
#                 skip a peer at a size when its apply, extrapolated from the
#                 smaller sizes of this run, would take longer (default 600);
#                 a peer still running after 2 S is stopped and marked too
#
# Starts its own PostgreSQL 15 cluster (default durability: fsync on) through
# scripts/pg-cluster.sh, installs the peers when missing (a virtualenv with
# yoyo-migrations, alembic and psycopg2-binary at $PEERS_VENV, default
# /tmp/strata-bench-peers-venv; Debian's sqitch and libdbd-pg-perl), and
# writes bench/peers-results.md and bench/peers-results.csv.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$(pwd)"

SIZES="100,1000,10000"
SKIP=""
BUILD=1
PORT=""
REPEAT=3
APPLY_RUNS=auto
MAX_SECONDS=600
while [ $# -gt 0 ]; do
    case "$1" in
        --sizes) SIZES="${2:?--sizes needs a value}"; shift ;;
        --skip) SKIP="${2:?--skip needs a value}"; shift ;;
        --no-build) BUILD=0 ;;
        --port) PORT="${2:?--port needs a value}"; shift ;;
        --repeat) REPEAT="${2:?--repeat needs a value}"; shift ;;
        --apply-runs) APPLY_RUNS="${2:?--apply-runs needs a value}"; shift ;;
        --max-seconds) MAX_SECONDS="${2:?--max-seconds needs a value}"; shift ;;
        -h | --help) sed -n '3,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[ -n "${STRATA_BIN:-}" ] && BUILD=0

ALL_TOOLS=(psql-tx strata psql-1 strata-1 yoyo sqitch alembic)
PEERS=(yoyo sqitch alembic)
IFS=, read -r -a SKIPPED <<<"$SKIP"
for s in "${SKIPPED[@]}"; do
    [[ " ${ALL_TOOLS[*]} " == *" $s "* ]] || { echo "--skip: unknown tool '$s' (${ALL_TOOLS[*]})" >&2; exit 2; }
done
wanted() { [[ ",$SKIP," != *",$1,"* ]]; }
IFS=, read -r -a NS <<<"$SIZES"
for n in "${NS[@]}"; do
    [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "--sizes: '$n' is not a positive integer" >&2; exit 2; }
done
mapfile -t NS < <(printf '%s\n' "${NS[@]}" | sort -n -u)
[[ "$REPEAT" =~ ^[1-9][0-9]*$ ]] || { echo "--repeat must be a positive integer" >&2; exit 2; }
[[ "$APPLY_RUNS" = auto || "$APPLY_RUNS" =~ ^[1-9][0-9]*$ ]] || { echo "--apply-runs must be a positive integer" >&2; exit 2; }

# Applies of psql and Strata at size $1.
apply_runs() {
    if [ "$APPLY_RUNS" != auto ]; then echo "$APPLY_RUNS"
    elif [ "$1" -le 100 ]; then echo 21
    elif [ "$1" -le 1000 ]; then echo 5
    else echo 3; fi
}
[[ "$MAX_SECONDS" =~ ^[1-9][0-9]*$ ]] || { echo "--max-seconds must be a positive integer" >&2; exit 2; }
[ -z "$PORT" ] || [[ "$PORT" =~ ^[1-9][0-9]*$ ]] || { echo "--port must be a number" >&2; exit 2; }

log() { printf '[peers] %s\n' "$*" >&2; }
die() { printf '[peers] error: %s\n' "$*" >&2; exit 1; }

unset PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGPASSFILE PGDATABASE PGSERVICE \
    PGSERVICEFILE PGSSLMODE PGSSLROOTCERT PGOPTIONS PGREQUIRESSL DATABASE_URL \
    SQITCH_TARGET SQITCH_PASSWORD SQITCH_CONFIG

# ---------------------------------------------------------------- setup ---

debs=(time)
wanted sqitch && debs+=(sqitch libdbd-pg-perl)
"$ROOT/scripts/pg-cluster.sh" install "${debs[@]}"   # skipped when present

VENV="${PEERS_VENV:-/tmp/strata-bench-peers-venv}"
pips=()
wanted yoyo && pips+=(yoyo-migrations psycopg2-binary)
wanted alembic && pips+=(alembic psycopg2-binary)
if [ "${#pips[@]}" -gt 0 ]; then
    if ! "$VENV/bin/python" -c 'import psycopg2' 2>/dev/null ||
        { wanted yoyo && [ ! -x "$VENV/bin/yoyo" ]; } ||
        { wanted alembic && [ ! -x "$VENV/bin/alembic" ]; }; then
        if ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
            "$ROOT/scripts/pg-cluster.sh" install python3-venv
        fi
        log "installing ${pips[*]} into $VENV"
        [ -x "$VENV/bin/pip" ] || python3 -m venv "$VENV" >&2
        "$VENV/bin/pip" install -q --disable-pip-version-check "${pips[@]}" >&2
    fi
fi

if [ "$BUILD" -eq 1 ]; then
    log "building strata (release)"
    STRATA_BIN="$("$ROOT/scripts/build-release.sh")"   # as the Dockerfile ships it
elif [ -z "${STRATA_BIN:-}" ]; then
    STRATA_BIN="$(swift build -c release --show-bin-path)/strata"
fi
[ -x "$STRATA_BIN" ] || die "strata binary not found: $STRATA_BIN"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/strata-peers.XXXXXX")"
chmod 755 "$WORK"
PG_DIR="$(mktemp -d "${STRATA_PG_TMPDIR:-/tmp}/strata-peers-pg.XXXXXX")"
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

LOAD_START="$(cut -d' ' -f1-3 /proc/loadavg)"
# One transaction creating 10,000 tables and 10,000 indexes needs more lock slots than the default
# (max_locks_per_transaction 64 × 100 connections): psql -1 and --single-transaction fail without it.
pg_env="$("$ROOT/scripts/pg-cluster.sh" start --dir "$PG_DIR" ${PORT:+--port "$PORT"} --set max_locks_per_transaction=512)"
eval "$pg_env"
PSQL="$STRATA_PG_PSQL"   # /usr/lib/postgresql/15/bin/psql, not Debian's wrapper
ERRLOG="$WORK/errors.log"
: >"$ERRLOG"
STRATA_SRC="$STRATA_BIN"   # a private copy: a rebuild during the run must not swap it
cp "$STRATA_SRC" "$WORK/strata"
for r in "$(dirname "$STRATA_SRC")"/*.resources; do   # SwiftPM resource bundles
    [ -d "$r" ] && cp -R "$r" "$WORK/"
done
STRATA_BIN="$WORK/strata"
export PGPASSWORD="$STRATA_PG_PASSWORD" SQITCH_PASSWORD="$STRATA_PG_PASSWORD"

url_for() { echo "postgres://$STRATA_PG_USER:$STRATA_PG_PASSWORD@127.0.0.1:$STRATA_PG_PORT/$1"; }
conninfo_for() { echo "host=127.0.0.1 port=$STRATA_PG_PORT user=$STRATA_PG_USER dbname=$1 sslmode=disable"; }

admin() {  # superuser over the Unix socket, not timed
    PGOPTIONS="-c client_min_messages=warning" "$PSQL" -X -q -At -v ON_ERROR_STOP=1 -h "$STRATA_PG_SOCKET_DIR" -p "$STRATA_PG_PORT" \
        -U "$STRATA_PG_USER" -d "${DB:-postgres}" "$@"
}
recreate_db() {
    admin -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1"
}
expect_tables() {  # DB EXPECTED
    local got
    got="$(DB="$1" admin -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename LIKE 'bench\_t%'")"
    [ "$got" = "$2" ] || die "database $1 has $got bench tables, expected $2"
}

# measure [--limit SECONDS] CMD... : run CMD under /usr/bin/time, set T (wall
# seconds, from $EPOCHREALTIME) and RSS (peak KiB: the largest process of the
# tree). Output is discarded; stderr goes to $ERRLOG. Returns 124 when the
# limit stopped it; any other failure ends the script.
measure() {
    local limit=0 t0 t1 rc=0
    if [ "$1" = "--limit" ]; then limit="$2"; shift 2; fi
    t0="$EPOCHREALTIME"
    if [ "$limit" -gt 0 ]; then
        timeout -k 10 "$limit" /usr/bin/time -f '%e %M' -o "$WORK/time.out" "$@" >/dev/null 2>>"$ERRLOG" || rc=$?
    else
        /usr/bin/time -f '%e %M' -o "$WORK/time.out" "$@" >/dev/null 2>>"$ERRLOG" || rc=$?
    fi
    t1="$EPOCHREALTIME"
    if [ "$rc" -eq 124 ] && [ "$limit" -gt 0 ]; then return 124; fi
    if [ "$rc" -ne 0 ]; then
        tail -n 20 "$ERRLOG" >&2
        die "command failed (exit $rc): $*"
    fi
    T="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
    RSS="$(awk 'END { print $2 }' "$WORK/time.out")"
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a <= b) }'; }
lt() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

# Results: TIME[n.tool.phase], KIB[...], NOTE[...] (phase: apply, noop, status).
declare -A TIME KIB NOTE SAMPLES
record() { TIME[$1.$2.$3]="$4"; KIB[$1.$2.$3]="$5"; }

# ---------------------------------------------------------- migrations ---

generate() {  # N DIR
    local n="$1" d="$2" i num prev up width=${#1}
    [ "$width" -ge 4 ] || width=4
    mkdir -p "$d/strata" "$d/yoyo" "$d/sqitch/deploy" "$d/sqitch/revert" "$d/sqitch/verify" "$d/alembic/versions"
    cat >"$d/sqitch/sqitch.conf" <<EOF
[core]
	engine = pg
	top_dir = .
	plan_file = sqitch.plan
[engine "pg"]
	client = $PSQL
[user]
	name = Bench
	email = bench@example.com
EOF
    printf '[alembic]\nscript_location = %%(here)s\n' >"$d/alembic/alembic.ini"
    cat >"$d/alembic/env.py" <<'EOF'
import os
from alembic import context
from sqlalchemy import create_engine

engine = create_engine(os.environ["BENCH_ALEMBIC_URL"])
with engine.connect() as connection:
    # One transaction per revision, like the other tools.
    context.configure(connection=connection, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
EOF
    {
        printf '%%syntax-version=1.0.0\n%%project=bench\n\n'
        for ((i = 1; i <= n; i++)); do
            printf 't%d 2026-01-01T00:00:00Z Bench <bench@example.com> # table %d\n' "$i" "$i"
        done
    } >"$d/sqitch/sqitch.plan"
    prev=None
    for ((i = 1; i <= n; i++)); do
        up="CREATE TABLE bench_t$i (id bigint PRIMARY KEY, v text NOT NULL);
CREATE INDEX bench_t${i}_v ON bench_t$i (v);"
        printf -v num "%0${width}d" "$i"
        printf -- '-- strata:up\n%s\n-- strata:down\nDROP TABLE bench_t%d;\n' "$up" "$i" >"$d/strata/${num}_t$i.sql"
        printf '%s\n' "$up" >"$d/yoyo/${num}_t$i.sql"
        printf 'DROP TABLE bench_t%d;\n' "$i" >"$d/yoyo/${num}_t$i.rollback.sql"
        printf 'BEGIN;\n%s\nCOMMIT;\n' "$up" >"$d/sqitch/deploy/t$i.sql"
        printf 'BEGIN;\nDROP TABLE bench_t%d;\nCOMMIT;\n' "$i" >"$d/sqitch/revert/t$i.sql"
        printf 'SELECT id, v FROM bench_t%d WHERE false;\n' "$i" >"$d/sqitch/verify/t$i.sql"
        # shellcheck disable=SC2059  # the format is ALEMBIC_REV
        printf "$ALEMBIC_REV" "$num" "$prev" "$i" "$i" "$i" "$i" >"$d/alembic/versions/r${num}_t$i.py"
        prev="\"r$num\""
        printf '%s\n' "$up" >>"$d/all.sql"
        printf 'BEGIN;\n%s\nCOMMIT;\n' "$up" >>"$d/tx.sql"
    done
}
# One alembic revision (printf format: number, down_revision, then I four times).
ALEMBIC_REV='from alembic import op

revision = "r%s"
down_revision = %s
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE TABLE bench_t%d (id bigint PRIMARY KEY, v text NOT NULL)")
    op.execute("CREATE INDEX bench_t%d_v ON bench_t%d (v)")


def downgrade():
    op.execute("DROP TABLE bench_t%d")
'

# ------------------------------------------------------------ commands ---

# Each prints nothing; sets the command line in CMD for the tool and phase.
command_for() {  # TOOL PHASE DIR DB
    local tool="$1" phase="$2" d="$3" db="$4"
    case "$tool.$phase" in
        psql-1.apply) CMD=("$PSQL" -X -q -v ON_ERROR_STOP=1 -1 -f "$d/all.sql" "$(conninfo_for "$db")") ;;
        psql-tx.apply) CMD=("$PSQL" -X -q -v ON_ERROR_STOP=1 -f "$d/tx.sql" "$(conninfo_for "$db")") ;;
        strata.apply | strata.noop) CMD=("$STRATA_BIN" up -q -d "$(url_for "$db")" --dir "$d/strata") ;;
        strata-1.apply) CMD=("$STRATA_BIN" up -q --single-transaction -d "$(url_for "$db")" --dir "$d/strata") ;;
        strata.status) CMD=("$STRATA_BIN" status -d "$(url_for "$db")" --dir "$d/strata") ;;
        yoyo.apply | yoyo.noop) CMD=("$VENV/bin/yoyo" apply --batch --no-config-file -d "$(url_for "$db")" "$d/yoyo") ;;
        yoyo.status) CMD=("$VENV/bin/yoyo" list --batch --no-config-file -d "$(url_for "$db")" "$d/yoyo") ;;
        sqitch.apply | sqitch.noop) CMD=(sqitch deploy --chdir "$d/sqitch" "db:pg://$STRATA_PG_USER@127.0.0.1:$STRATA_PG_PORT/$db") ;;
        sqitch.status) CMD=(sqitch status --chdir "$d/sqitch" "db:pg://$STRATA_PG_USER@127.0.0.1:$STRATA_PG_PORT/$db") ;;
        alembic.apply | alembic.noop) CMD=(env "BENCH_ALEMBIC_URL=$(url_for "$db" | sed 's/^postgres:/postgresql+psycopg2:/')" "$VENV/bin/alembic" -c "$d/alembic/alembic.ini" upgrade head) ;;
        alembic.status) CMD=(env "BENCH_ALEMBIC_URL=$(url_for "$db" | sed 's/^postgres:/postgresql+psycopg2:/')" "$VENV/bin/alembic" -c "$d/alembic/alembic.ini" current) ;;
        *) die "no command for $tool.$phase" ;;
    esac
}
db_for() { echo "bench_${1//-/_}"; }

# Extrapolated apply time of TOOL at N from the smaller sizes already run:
# a power law through the last two, or linear from one. Empty if none.
estimate() {  # TOOL N
    local tool="$1" n="$2" m pts=()
    for m in "${NS[@]}"; do
        [ "$m" -lt "$n" ] && [ -n "${TIME[$m.$tool.apply]:-}" ] && pts+=("$m" "${TIME[$m.$tool.apply]}")
    done
    case "${#pts[@]}" in
        0) echo "" ;;
        2) awk -v n="$n" -v m="${pts[0]}" -v t="${pts[1]}" 'BEGIN { printf "%.0f", t * n / m }' ;;
        *) local k=${#pts[@]}
           awk -v n="$n" -v m1="${pts[k - 4]}" -v t1="${pts[k - 3]}" -v m2="${pts[k - 2]}" -v t2="${pts[k - 1]}" \
               'BEGIN { e = log(t2 / t1) / log(m2 / m1); if (e < 1) e = 1; printf "%.0f", t2 * (n / m2) ^ e }' ;;
    esac
}

run_apply() {  # N TOOL DIR
    local n="$1" tool="$2" d="$3" db est limit=0 rc=0
    db="$(db_for "$tool")"
    if [[ " ${PEERS[*]} " == *" $tool "* ]]; then
        est="$(estimate "$tool" "$n")"
        if [ -n "$est" ] && [ "$est" -gt "$MAX_SECONDS" ]; then
            NOTE[$n.$tool]="skipped (time): about $est s extrapolated from the smaller sizes, over --max-seconds $MAX_SECONDS"
            log "N=$n $tool: ${NOTE[$n.$tool]}"
            return
        fi
        limit=$((2 * MAX_SECONDS))
    fi
    recreate_db "$db"
    # Every apply starts with nothing left to write back: the 50,000 files of an earlier run at N = 10,000 otherwise
    # land in a checkpoint during a later one, which then took up to 1.5 times as long (whichever tool it was).
    admin -c "CHECKPOINT"
    sync
    command_for "$tool" apply "$d" "$db"
    measure --limit "$limit" "${CMD[@]}" || rc=$?
    if [ "$rc" -eq 124 ]; then
        NOTE[$n.$tool]="skipped (time): stopped after $limit s"
        log "N=$n $tool: ${NOTE[$n.$tool]}"
        return
    fi
    expect_tables "$db" "$n"
    SAMPLES[$n.$tool]="${SAMPLES[$n.$tool]:-} $T"
    [ "$RSS" -gt "${KIB[$n.$tool.apply]:-0}" ] && KIB[$n.$tool.apply]="$RSS"
    log "N=$n $tool apply: $T s, $(mib "$RSS") MiB"
}

finish_apply() {  # N TOOL: the median of its apply runs
    local n="$1" tool="$2" ts
    [ -n "${SAMPLES[$n.$tool]:-}" ] || return 0
    read -r -a ts <<<"${SAMPLES[$n.$tool]}"
    TIME[$n.$tool.apply]="$(median "${ts[@]}")"
    [ "${#ts[@]}" -gt 1 ] && log "N=$n $tool apply: median ${TIME[$n.$tool.apply]} s (runs:${SAMPLES[$n.$tool]})"
    return 0
}

run_repeat() {  # N TOOL PHASE DIR: median of $REPEAT runs, largest RSS
    local n="$1" tool="$2" phase="$3" d="$4" db r ts=() peak=0
    [ -n "${TIME[$n.$tool.apply]:-}" ] || return 0
    db="$(db_for "$tool")"
    command_for "$tool" "$phase" "$d" "$db"
    for ((r = 1; r <= REPEAT; r++)); do
        measure "${CMD[@]}"
        ts+=("$T")
        [ "$RSS" -gt "$peak" ] && peak="$RSS"
        lt "$T" 10 || break   # one run is enough when it takes over 10 s
    done
    [ "$phase" = noop ] && expect_tables "$db" "$n"
    record "$n" "$tool" "$phase" "$(median "${ts[@]}")" "$peak"
    log "N=$n $tool $phase: ${TIME[$n.$tool.$phase]} s (runs: ${ts[*]}), $(mib "$peak") MiB"
}

# ------------------------------------------------------------ measure ---

for n in "${NS[@]}"; do
    d="$WORK/n$n"
    log "generating $n migrations for every tool in $d"
    generate "$n" "$d"
    # psql and Strata take turns, so that the machine slowing down or speeding up favours neither.
    runs="$(apply_runs "$n")"
    for ((r = 1; r <= runs; r++)); do
        order=(psql-tx strata psql-1 strata-1)
        ((r % 2 == 0)) && order=(strata psql-tx strata-1 psql-1)
        for tool in "${order[@]}"; do
            wanted "$tool" && run_apply "$n" "$tool" "$d"
        done
    done
    for tool in "${PEERS[@]}"; do
        wanted "$tool" && run_apply "$n" "$tool" "$d"
    done
    for tool in "${ALL_TOOLS[@]}"; do finish_apply "$n" "$tool"; done
    for tool in strata yoyo sqitch alembic; do
        wanted "$tool" || continue
        run_repeat "$n" "$tool" noop "$d"
        run_repeat "$n" "$tool" status "$d"
    done
done
LOAD_END="$(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------- report ---

# baseline of each (tool, phase) for the ratio column
baseline_of() {  # TOOL PHASE
    case "$1.$2" in
        strata.apply) echo psql-tx ;;
        strata-1.apply) echo psql-1 ;;
        yoyo.* | sqitch.* | alembic.*) echo strata ;;
        *) echo "" ;;
    esac
}
label() {
    case "$1" in
        psql-1) echo '`psql -1 -f all.sql` (floor)' ;;
        psql-tx) echo '`psql -f` BEGIN/COMMIT per migration (floor)' ;;
        strata) echo '`strata up`' ;;
        strata-1) echo '`strata up --single-transaction`' ;;
        yoyo) echo '`yoyo apply --batch`' ;;
        sqitch) echo '`sqitch deploy`' ;;
        alembic) echo '`alembic upgrade head`' ;;
    esac
}
cell() {  # N TOOL PHASE -> "1.234 s (2.10×)"
    local n="$1" tool="$2" phase="$3" t b out
    t="${TIME[$n.$tool.$phase]:-}"
    [ -n "$t" ] || { echo "—"; return; }
    out="$t s"
    b="$(baseline_of "$tool" "$phase")"
    if [ -n "$b" ] && [ -n "${TIME[$n.$b.$phase]:-}" ]; then
        out+=" ($(ratio "$t" "${TIME[$n.$b.$phase]}")×)"
    fi
    echo "$out"
}
rss_cell() {  # N TOOL: apply / no-op / status peak RSS in MiB
    local n="$1" tool="$2" p parts=()
    for p in apply noop status; do
        [ -n "${KIB[$n.$tool.$p]:-}" ] && parts+=("$(mib "${KIB[$n.$tool.$p]}")")
    done
    local IFS=/
    echo "${parts[*]:-—}"
}

verdict() { if "$@"; then echo "PASS"; else echo "**FAIL**"; fi; }
GOALS=()
FAILED=0
goal() {  # TEXT MEASURED VERDICT
    GOALS+=("| $1 | $2 | $3 |")
    [[ "$3" == *FAIL* ]] && FAILED=1
    return 0
}
for n in "${NS[@]}"; do
    for pair in "strata psql-tx" "strata-1 psql-1"; do
        read -r s p <<<"$pair"
        if [ -n "${TIME[$n.$s.apply]:-}" ] && [ -n "${TIME[$n.$p.apply]:-}" ]; then
            r="$(ratio "${TIME[$n.$s.apply]}" "${TIME[$n.$p.apply]}")"
            goal "$(label "$s") ≤ 1.10× $(label "$p" | sed 's/ (floor)//'), N = $n" "$r×" "$(verdict le "$r" 1.10)"
        fi
    done
done
for phase in noop status; do
    what='no-op `strata up`'
    [ "$phase" = status ] && what='`strata status`'
    if [ -n "${TIME[10000.strata.$phase]:-}" ]; then
        goal "$what over 10,000 applied < 0.3 s" "${TIME[10000.strata.$phase]} s" "$(verdict lt "${TIME[10000.strata.$phase]}" 0.3)"
    else
        goal "$what over 10,000 applied < 0.3 s" "not measured (needs N = 10,000 in --sizes and strata)" "—"
    fi
done
peak=0
for key in "${!KIB[@]}"; do
    case "$key" in *.strata.* | *.strata-1.*) [ "${KIB[$key]}" -gt "$peak" ] && peak="${KIB[$key]}" ;; esac
done
if [ "$peak" -gt 0 ]; then
    goal "Strata peak RSS < 40 MiB (largest of all its runs)" "$(mib "$peak") MiB" "$(verdict lt "$(mib "$peak")" 40)"
fi

strata_version="$("$STRATA_BIN" --version 2>&1 | head -n 1 || true)"
pg_version="$("$PSQL" --version | awk '{print $3}')"
cpu="$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)"
peer_versions=()
wanted yoyo && peer_versions+=("yoyo-migrations $("$VENV/bin/pip" show yoyo-migrations 2>/dev/null | awk '/^Version/ { print $2 }')")
wanted alembic && peer_versions+=("alembic $("$VENV/bin/alembic" --version 2>/dev/null | awk '{ print $2 }')" \
    "SQLAlchemy $("$VENV/bin/pip" show sqlalchemy 2>/dev/null | awk '/^Version/ { print $2 }')")
wanted sqitch && peer_versions+=("sqitch $(sqitch --version 2>/dev/null | awk '{ print $NF }')")

REPORT="$WORK/peers-results.md"
{
    echo "# Strata against psql and its peers"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: ${cpu:-unknown CPU}, $(nproc) cores, $(uname -sr)"
    echo "- load average (1/5/15 min) at start: $LOAD_START, at end: $LOAD_END (the machine is shared: figures are noisy, compare ratios within this run)"
    echo "- strata: \`${strata_version}\` ($STRATA_SRC)"
    echo "- peers: ${peer_versions[*]:-none}${SKIP:+; skipped: $SKIP}"
    echo "- PostgreSQL $pg_version, local TCP (127.0.0.1, scram-sha-256, no TLS), default durability (fsync on), max_locks_per_transaction = 512 (for one transaction over 10,000 tables); each tool applies to its own fresh database, after a CHECKPOINT and sync"
    echo "- each migration: \`CREATE TABLE bench_tI (id bigint PRIMARY KEY, v text NOT NULL); CREATE INDEX bench_tI_v ON bench_tI (v);\`"
    runs_text="$APPLY_RUNS"
    if [ "$APPLY_RUNS" = auto ]; then runs_text="$(for n in "${NS[@]}"; do printf '%s at N = %s, ' "$(apply_runs "$n")" "$n"; done)"; runs_text="${runs_text%, }"; fi
    echo "- apply: median of $runs_text runs for \`psql\` and Strata (taking turns, each on a fresh database), one run for the peers; no-op (apply again, all applied) and status: median of $REPEAT (1 when a run takes over 10 s); ratios in brackets: Strata vs the matching psql floor, each peer vs \`strata up\`"
    echo "- one transaction per migration everywhere except \`psql -1\` and \`--single-transaction\` (alembic: \`transaction_per_migration=True\`; sqitch: BEGIN/COMMIT in each deploy script, its psql = $PSQL)"
    echo
    echo "| N | tool | apply | no-op | status | peak RSS MiB (apply/no-op/status) |"
    echo "|---:|---|---:|---:|---:|---:|"
    for n in "${NS[@]}"; do
        for tool in "${ALL_TOOLS[@]}"; do
            wanted "$tool" || continue
            if [ -n "${NOTE[$n.$tool]:-}" ]; then
                echo "| $n | $(label "$tool") | ${NOTE[$n.$tool]} | | | |"
                continue
            fi
            case "$tool" in
                psql-* | strata-1) echo "| $n | $(label "$tool") | $(cell "$n" "$tool" apply) | | | $(rss_cell "$n" "$tool") |" ;;
                *) echo "| $n | $(label "$tool") | $(cell "$n" "$tool" apply) | $(cell "$n" "$tool" noop) | $(cell "$n" "$tool" status) | $(rss_cell "$n" "$tool") |" ;;
            esac
        done
    done
    echo
    echo "Status commands: \`strata status\`, \`yoyo list\`, \`sqitch status\`, \`alembic current\`."
    echo
    echo "| goal | measured | result |"
    echo "|---|---:|---|"
    printf '%s\n' "${GOALS[@]}"
} >"$REPORT"

CSV="$WORK/peers-results.csv"
{
    echo "n,tool,phase,wall_s,peak_rss_kib,baseline,ratio,note"
    for n in "${NS[@]}"; do
        for tool in "${ALL_TOOLS[@]}"; do
            wanted "$tool" || continue
            if [ -n "${NOTE[$n.$tool]:-}" ]; then
                echo "$n,$tool,apply,,,,,\"${NOTE[$n.$tool]}\""
                continue
            fi
            for phase in apply noop status; do
                t="${TIME[$n.$tool.$phase]:-}"
                [ -n "$t" ] || continue
                b="$(baseline_of "$tool" "$phase")" r=""
                [ -n "$b" ] && [ -n "${TIME[$n.$b.$phase]:-}" ] && r="$(ratio "$t" "${TIME[$n.$b.$phase]}")"
                [ -n "$r" ] || b=""
                echo "$n,$tool,$phase,$t,${KIB[$n.$tool.$phase]},$b,$r,"
            done
        done
    done
} >"$CSV"

cat "$REPORT"
cp "$REPORT" "$ROOT/bench/peers-results.md"
cp "$CSV" "$ROOT/bench/peers-results.csv"
log "written to bench/peers-results.md and bench/peers-results.csv"
[ "$FAILED" -eq 0 ] || log "some goals were missed"
