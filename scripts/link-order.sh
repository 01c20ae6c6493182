#!/usr/bin/env bash
# Regenerates Sources/strata/Linking/hot-functions.txt, the symbol ordering file the release build links with.
#
#   scripts/link-order.sh [--no-build]
#
#   --no-build  use $STRATA_BIN (default: the release binary) instead of building it
#
# Why: the kernel maps a binary's code in 64 KiB windows around each page a run touches. The few thousand
# functions a run executes are spread over the 33 MB of code of the static binary, so a run used to map most of it
# (19 of 33 MB); placed together at link time they fill a few MB. Peak RSS of `strata up` drops by about 9 MB.
#
# How: every command below runs once under valgrind's callgrind (an instruction-level record of every function
# executed, however briefly), on SQLite and on PostgreSQL with and without TLS, and over 150 migrations (code that
# only longer runs take: merge sorts, grouped --single-transaction runs); the union of the executed functions that
# the binary defines, sorted, is the ordering file. Build the binary with scripts/build-release.sh (the default
# without --no-build): lld orders sections, and only with -function-sections does every function have its own. Package.swift passes it to lld
# (`--symbol-ordering-file`) in release builds on Linux. Functions added since the file was made are simply
# placed after the listed ones: a stale file costs memory, never correctness. Run this after changes to what a
# run executes (new dependencies, a different start-up path) and commit the result.
#
# Needs valgrind and binutils (installed with apt when missing) and starts its own PostgreSQL cluster.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$(pwd)"
OUT="$ROOT/Sources/strata/Linking/hot-functions.txt"
BUILD=1
while [ $# -gt 0 ]; do
    case "$1" in
        --no-build) BUILD=0 ;;
        -h | --help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
    shift
done

log() { printf '[link-order] %s\n' "$*" >&2; }
die() { printf '[link-order] error: %s\n' "$*" >&2; exit 1; }

"$ROOT/scripts/pg-cluster.sh" install valgrind binutils
command -v python3 >/dev/null || die "python3 is needed (apt-get install python3)"
if [ "$BUILD" -eq 1 ]; then
    log "building strata (release)"
    STRATA_BIN="$("$ROOT/scripts/build-release.sh")"
fi
STRATA_BIN="${STRATA_BIN:-$(swift build -c release --show-bin-path)/strata}"
[ -x "$STRATA_BIN" ] || die "strata binary not found: $STRATA_BIN"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/strata-link-order.XXXXXX")"
PG_DIR="$(mktemp -d "${STRATA_PG_TMPDIR:-/tmp}/strata-link-order-pg.XXXXXX")"
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    "$ROOT/scripts/pg-cluster.sh" stop "$PG_DIR" >/dev/null 2>&1 || rmdir "$PG_DIR" 2>/dev/null || true
    if [ "$rc" -eq 0 ]; then rm -rf "$WORK"; else log "kept $WORK for its logs"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# valgrind cannot read the release binary's DWARF; the symbol table is all it needs.
BIN="$WORK/strata"
strip --strip-debug -o "$BIN" "$STRATA_BIN"

pg_env="$("$ROOT/scripts/pg-cluster.sh" start --tls --fast --dir "$PG_DIR")"
eval "$pg_env"
unset PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE PGSSLMODE DATABASE_URL STRATA_ENV
URL="postgres://$STRATA_PG_USER:$STRATA_PG_PASSWORD@127.0.0.1:$STRATA_PG_PORT"
for db in plain tls many many1; do "$STRATA_PG_PSQL" -X -q "$URL/postgres" -c "CREATE DATABASE $db"; done

MIG="$WORK/migrations"
mkdir -p "$MIG"
for i in 1 2 3; do
    printf -- '-- strata:up\nCREATE TABLE t%d (id bigint PRIMARY KEY, v text NOT NULL);\nCREATE INDEX t%d_v ON t%d (v);\n-- strata:down\nDROP TABLE t%d;\n' \
        "$i" "$i" "$i" "$i" >"$MIG/000${i}_t$i.sql"
done
printf -- '-- strata:up\n-- strata:no-transaction\nCREATE INDEX CONCURRENTLY t1_id_v ON t1 (id, v);\n-- strata:down\nDROP INDEX t1_id_v;\n' >"$MIG/0004_concurrently.sql"

# Enough migrations for the code that only larger runs take (sorting by merge, grouped single-transaction runs).
MANY="$WORK/many"
mkdir -p "$MANY"
for i in $(seq 1 150); do
    printf -- '-- strata:up\nCREATE TABLE m%d (id bigint PRIMARY KEY);\n-- strata:down\nDROP TABLE m%d;\n' "$i" "$i" >"$MANY/$(printf %04d "$i")_m$i.sql"
done

run=0
traced() {   # DIR ARGS...: one strata command under callgrind, in DIR
    local dir="$1"
    shift
    run=$((run + 1))
    (cd "$dir" && valgrind --tool=callgrind --demangle=no --callgrind-out-file="$WORK/cg.$run" "$BIN" "$@" >/dev/null 2>"$WORK/log.$run") ||
        die "strata $* failed under valgrind (see $WORK/log.$run)"
}

log "recording the functions each command executes (valgrind callgrind)"
traced "$WORK" --version
traced "$WORK" --help
SQLITE="$WORK/sqlite"
mkdir -p "$SQLITE"
traced "$SQLITE" init
traced "$SQLITE" new create_users
traced "$SQLITE" up
traced "$SQLITE" status
traced "$SQLITE" down
for target in "$URL/plain" "$URL/tls?sslmode=require"; do
    traced "$WORK" ping -d "$target"
    traced "$WORK" validate -d "$target" --dir "$MIG"
    traced "$WORK" up -d "$target" --dir "$MIG"
    traced "$WORK" up -d "$target" --dir "$MIG"
    traced "$WORK" status -d "$target" --dir "$MIG"
    traced "$WORK" status --json -d "$target" --dir "$MIG"
    traced "$WORK" history -d "$target" --dir "$MIG"
    traced "$WORK" down --to 0 -d "$target" --dir "$MIG"
    traced "$WORK" up --single-transaction -d "$target" --dir "$MIG" --to 0003
done
traced "$WORK" up -d "$URL/many" --dir "$MANY"
traced "$WORK" up -q -d "$URL/many" --dir "$MANY"
traced "$WORK" status -d "$URL/many" --dir "$MANY"
traced "$WORK" up -q --single-transaction -d "$URL/many1" --dir "$MANY"

# Every executed function the binary defines (callgrind also names functions of libc and friends, and addresses
# it has no name for), once, sorted: a stable file that diffs well.
nm --defined-only "$BIN" | awk '{print $NF}' | LC_ALL=C sort -u >"$WORK/defined.txt"
python3 - "$WORK" >"$WORK/executed.txt" <<'EOF'
import glob, re, sys
names = set()
for path in glob.glob(sys.argv[1] + "/cg.*"):
    ids = {}
    for line in open(path, errors="replace"):
        m = re.match(r"c?fn=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if not m:
            continue
        if m.group(2):
            ids[m.group(1)] = m.group(2).split("'")[0]
        if m.group(1) in ids:
            names.add(ids[m.group(1)])
print("\n".join(sorted(names)))
EOF
LC_ALL=C sort -u "$WORK/executed.txt" | LC_ALL=C comm -12 - "$WORK/defined.txt" >"$WORK/executed-defined.txt"
# First, every protocol conformance descriptor (symbols ending in `Mc`): the Swift runtime reads all 11,000 of them
# each time it looks up a conformance it has not looked up before (a few hundred times per run, mostly while the
# arguments are parsed). Spread over 37 MB of read-only data they cost a cache and TLB miss each; placed together
# they fill 0.8 MB. Then the executed functions.
{ grep 'Mc$' "$WORK/defined.txt" || true; cat "$WORK/executed-defined.txt"; } >"$WORK/hot.txt"
count="$(wc -l <"$WORK/executed-defined.txt")"
descriptors="$(($(wc -l <"$WORK/hot.txt") - count))"
[ "$count" -gt 1000 ] || die "only $count functions recorded; something went wrong (see the logs in $WORK)"
mkdir -p "$(dirname "$OUT")"
cp "$WORK/hot.txt" "$OUT"
log "wrote $descriptors conformance descriptors and $count functions from $run runs to ${OUT#"$ROOT"/}"
