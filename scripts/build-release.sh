#!/usr/bin/env bash
# Builds the release `strata` binary as it ships and prints its path. The Dockerfile, the benchmarks and
# scripts/link-order.sh build with this; `swift build -c release` gives a working binary too, only a larger one at
# run time.
#
#   scripts/build-release.sh [more swift build arguments]
#
# What it adds to `swift build -c release --product strata`:
#   --static-swift-stdlib   the Swift runtime linked in: the binary runs without a Swift toolchain.
#   -function-sections      every function of every Swift module, dependencies included, in a section of its own
#   (-ffunction-sections    for the C and C++ targets: SQLite, BoringSSL). The release link places the functions a
#                           run executes together (Sources/strata/Linking/hot-functions.txt, see Package.swift); by
#                           default Swift gives only public functions a section of their own, and the rest of each
#                           file (async function parts, closures, private helpers) moves as one block, so a run
#                           mapped blocks spread over the whole binary. With it, a run maps about 2 MB less code
#                           (peak RSS of a no-op `up` over 10,000 applied migrations 38.2 -> 35.8 MiB; bench/README.md).
#
# Exits non-zero when the build fails (its output goes to stderr).
set -euo pipefail
cd "$(dirname "$0")/.."
args=(-c release --product strata --static-swift-stdlib
      -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections -Xcxx -ffunction-sections "$@")
swift build "${args[@]}" >&2
echo "$(swift build "${args[@]}" --show-bin-path)/strata"
