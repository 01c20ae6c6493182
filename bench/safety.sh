#!/usr/bin/env bash
# Safety-pipeline benchmark (not a test). See bench/README.md.
#
#   bench/safety.sh [--scale S] [--runs R] [--no-build]
#
#   --scale S   pgbench scale of the generated database (default 68, about 1 GB)
#   --runs R    runs per measurement, median taken (default 3)
#   --no-build  use $STRATA_BIN (default: the release binary) without building
#
# Measures, in one run of this script on its own PostgreSQL 15 cluster:
#   1. the rehearsal copy by CREATE DATABASE … TEMPLATE (no other session on the
#      target) against the pg_dump + pg_restore -j route (forced by holding a
#      session open on the target): the `copy_duration_ms` of `strata up --json`;
#   2. `strata backup` against plain `pg_dump -Fc` of the same database.
# Prints a Markdown table and writes it to bench/safety-results.md.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$(pwd)"
SCALE=68
RUNS=3
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        --scale) SCALE="${2:?--scale needs a value}"; shift ;;
        --runs) RUNS="${2:?--runs needs a value}"; shift ;;
        --no-build) BUILD=0 ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done
log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }
unset PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGPASSFILE PGDATABASE PGSERVICE PGSERVICEFILE PGSSLMODE PGSSLROOTCERT PGOPTIONS

"$ROOT/scripts/pg-cluster.sh" install bc
if [ "$BUILD" -eq 1 ]; then
    log "building strata (release)"
    swift build -c release --product strata >&2
    STRATA_BIN="$(swift build -c release --show-bin-path)/strata"
elif [ -z "${STRATA_BIN:-}" ]; then
    STRATA_BIN="$(swift build -c release --show-bin-path)/strata"
fi
[ -x "$STRATA_BIN" ] || die "strata binary not found: $STRATA_BIN"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/strata-bench-safety.XXXXXX")"
PG_DIR="$(mktemp -d "${STRATA_PG_TMPDIR:-/tmp}/strata-bench-safety-pg.XXXXXX")"
HOLDER=""
cleanup() {
    [ -n "$HOLDER" ] && kill "$HOLDER" 2>/dev/null || true
    "$ROOT/scripts/pg-cluster.sh" stop "$PG_DIR" >/dev/null 2>&1 || true
    rm -rf "$WORK"
}
trap cleanup EXIT
eval "$("$ROOT/scripts/pg-cluster.sh" start --dir "$PG_DIR" --fast --max-connections 50)"
BIN="$STRATA_PG_BINDIR"
export PGPASSWORD="$STRATA_PG_PASSWORD"
CONN=(-h 127.0.0.1 -p "$STRATA_PG_PORT" -U "$STRATA_PG_USER")
URL="postgres://$STRATA_PG_USER:$STRATA_PG_PASSWORD@127.0.0.1:$STRATA_PG_PORT/bench"

log "generating the database (pgbench scale $SCALE)"
"$BIN/psql" "${CONN[@]}" -qc "CREATE DATABASE bench"
"$BIN/pgbench" "${CONN[@]}" -i -q -s "$SCALE" bench >/dev/null 2>&1
"$BIN/psql" "${CONN[@]}" -d bench -qc "VACUUM ANALYZE" >/dev/null
SIZE="$("$BIN/psql" "${CONN[@]}" -d bench -Atc "SELECT pg_size_pretty(pg_database_size('bench'))")"
log "database size: $SIZE"

cd "$WORK"
mkdir -p migrations
printf -- '-- strata:up\nCREATE TABLE bench_marker (id int);\n-- strata:down\nDROP TABLE bench_marker;\n' > migrations/0001_marker.sql
now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
copy_ms() { # $1 = label; runs a safe up without backup, prints the copy's duration, reverts
    local out
    out="$("$STRATA_BIN" up --safe --skip-backup --json -d "$URL")" || die "strata up failed: $out"
    "$STRATA_BIN" down -q -d "$URL" >/dev/null
    printf '%s' "$out" | python3 -c 'import json,sys; r=json.load(sys.stdin)["rehearsal"]; print(r["copy_duration_ms"], r["method"])'
}

log "rehearsal copy by TEMPLATE ($RUNS runs)"
: > template.txt
for _ in $(seq "$RUNS"); do copy_ms >> template.txt; done
grep -qv ' template$' template.txt && die "expected the template route: $(cat template.txt)"
log "rehearsal copy by pg_dump + pg_restore -j ($RUNS runs, a session held open on the target)"
"$BIN/psql" "${CONN[@]}" -d bench -qc "SELECT pg_sleep(100000)" >/dev/null 2>&1 &
HOLDER=$!
sleep 1
: > restore.txt
for _ in $(seq "$RUNS"); do copy_ms >> restore.txt; done
kill "$HOLDER" 2>/dev/null || true
HOLDER=""
grep -qv ' restore$' restore.txt && die "expected the restore route: $(cat restore.txt)"
T_TEMPLATE="$(cut -d' ' -f1 template.txt | median)"
T_RESTORE="$(cut -d' ' -f1 restore.txt | median)"

log "backup: strata backup vs pg_dump -Fc ($RUNS runs each, alternating)"
: > dump.txt
: > strata.txt
for i in $(seq "$RUNS"); do
    t0="$(now)"; "$BIN/pg_dump" "${CONN[@]}" -Fc -f "plain-$i.dump" bench; t1="$(now)"
    echo "$t1 - $t0" | bc -l >> dump.txt
    rm -f "plain-$i.dump"
    t0="$(now)"; "$STRATA_BIN" backup -q -d "$URL" >/dev/null; t1="$(now)"
    echo "$t1 - $t0" | bc -l >> strata.txt
    rm -rf backups
done
T_DUMP="$(median < dump.txt)"
T_STRATA="$(median < strata.txt)"

RESULT="$(cat <<MD
## Safety pipeline benchmark ($(date -u +%Y-%m-%d), pgbench scale $SCALE, database $SIZE, median of $RUNS)

| measurement | baseline | Strata | ratio | target |
|---|---|---|---|---|
| rehearsal copy: TEMPLATE vs pg_dump + pg_restore -j | $(printf '%.1f s' "$(echo "$T_RESTORE/1000" | bc -l)") (dump/restore) | $(printf '%.2f s' "$(echo "$T_TEMPLATE/1000" | bc -l)") (TEMPLATE) | $(printf '%.1f×' "$(echo "$T_RESTORE/$T_TEMPLATE" | bc -l)") faster | ≥ 10× |
| backup: strata backup vs pg_dump -Fc | $(printf '%.2f s' "$T_DUMP") | $(printf '%.2f s' "$T_STRATA") | $(printf '%+.1f%%' "$(echo "($T_STRATA/$T_DUMP - 1)*100" | bc -l)") overhead | < 5% |
MD
)"
printf '%s\n' "$RESULT"
printf '%s\n' "$RESULT" > "$ROOT/bench/safety-results.md"
