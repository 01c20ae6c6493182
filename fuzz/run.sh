#!/usr/bin/env bash
# Builds the libFuzzer target over Strata's file parser and statement splitter, then fuzzes for
# SECONDS (default 60). Crashing inputs land in fuzz/crashes/; new interesting inputs in
# .build-fuzz/corpus (the seeds in fuzz/corpus/ are only read).
#   fuzz/run.sh 600            # ten minutes
#   fuzz/run.sh 0 crashes/x    # replay one input (no fuzzing)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
scratch="$root/.build-fuzz"
seconds="${1:-60}"
shift || true

cd "$here"
swift build -c debug --scratch-path "$scratch" \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library >&2
bin="$scratch/debug/StrataFuzz"

if [ "$#" -gt 0 ]; then
    SWIFT_BACKTRACE=enable=no exec "$bin" "$@"
fi

mkdir -p "$scratch/corpus" "$here/crashes"
# -max_len 4096: migrations are longer, but every construct fits; longer inputs only slow the search.
# The Swift runtime's backtracer trips AddressSanitizer (a false stack-buffer-underflow); libFuzzer prints the stack.
export SWIFT_BACKTRACE=enable=no
exec "$bin" "$scratch/corpus" "$here/corpus" \
    -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -dict="$here/sql.dict" -artifact_prefix="$here/crashes/" -print_final_stats=1
