# syntax=docker/dockerfile:1
# The strata image: the `strata` CLI on Debian slim, for Kubernetes Jobs and init containers, compose and CI.
#
#   docker build -t strata .
#   docker run --rm --read-only --tmpfs /tmp -e DATABASE_URL -v "$PWD:/app:ro" strata status
#
# Strata runs in /app: it reads /app/strata.toml (optional) and /app/migrations. Mount them, or build your
# migrations image on this one:
#   FROM strata
#   COPY strata.toml /app/
#   COPY migrations /app/migrations
#
# It runs as user 1000 (not root) and writes only to /tmp (HOME and TMPDIR), so it works with a read-only
# root filesystem (Kubernetes readOnlyRootFilesystem with an emptyDir on /tmp; docker run --read-only --tmpfs /tmp).
# pg_dump / pg_restore (the PostgreSQL 15 client) are included for `strata backup` and `strata restore`.
# Another Swift 6 toolchain: docker build --build-arg SWIFT_VERSION=6.2 .

ARG SWIFT_VERSION=6.3

# Build stage: a release build with the Swift runtime linked in, so the runtime image needs no Swift.
FROM swift:${SWIFT_VERSION}-bookworm AS build
WORKDIR /src
# Dependencies first: a change to the sources does not fetch them again. (Package.resolved, when present.)
COPY Package.* ./
RUN swift package resolve
COPY Sources ./Sources
COPY scripts/build-release.sh ./scripts/
# `swift build -c release --product strata --static-swift-stdlib`, each function in a section of its own (see the script).
RUN install -D -m 0755 "$(scripts/build-release.sh)" /out/strata \
    && /out/strata --version

# Runtime stage: Debian slim (the builder's release, so the same glibc), the PostgreSQL 15 client, a non-root user.
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates tzdata libstdc++6 zlib1g postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --gid 1000 strata \
    && useradd --uid 1000 --gid 1000 --home-dir /tmp --no-create-home --shell /usr/sbin/nologin strata \
    && mkdir -p /app \
    && pg_dump --version
COPY --from=build /out/strata /usr/local/bin/strata
ENV HOME=/tmp \
    TMPDIR=/tmp
WORKDIR /app
USER 1000:1000
ENTRYPOINT ["strata"]
CMD ["--help"]
