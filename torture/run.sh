#!/usr/bin/env bash
# Strata's torture suite: crash injection, concurrency, connection loss, lock holder killed.
#
#   torture/run.sh [--short|--full] [--iterations N] [--rounds N] [--runners N] [--holder-kills N]
#                  [--only EXP]... [--skip EXP]... [--layout strata|goose|dbmate|flyway]... [--seed S] [--out FILE] [--keep] [-v]
#
# EXP: crash, window, concurrency, loss, holder. See torture/README.md for what each checks and the report.
#
# Needs a running PostgreSQL cluster, named by STRATA_TEST_PG_* (as scripts/test.sh exports them) or
# STRATA_PG_* (scripts/pg-cluster.sh start); the server-restart case also needs STRATA_PG_DIR (or
# STRATA_PG_DATA). The strata binary: $STRATA_BIN, default .build/debug/strata. psql: $STRATA_TEST_PSQL,
# default /usr/lib/postgresql/15/bin/psql (the real binary, never Debian's /usr/bin/psql wrapper).
# Exit code: 0 when every experiment passed, 1 on any inconsistent state or failure, 2 on bad usage.
set -euo pipefail

cd "$(dirname "$0")/.."
command -v python3 >/dev/null 2>&1 || { echo "torture: python3 is required" >&2; exit 2; }
export STRATA_TEST_PSQL="${STRATA_TEST_PSQL:-${STRATA_PG_PSQL:-/usr/lib/postgresql/15/bin/psql}}"
export PYTHONDONTWRITEBYTECODE=1
exec python3 torture/torture.py "$@"
