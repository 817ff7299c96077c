#!/usr/bin/env bash
# bench/run-auth.sh - builds (optimised, out of tree), then runs bench/auth.pl.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../scripts/lib.sh
. "$here/../scripts/lib.sh"
bench_build
(cd "$BENCH_BUILD" && make -s bench/argon2_time >/dev/null)
CEXUP_BIN="$BENCH_BUILD/cexup-api" ARGON2_TIME="$BENCH_BUILD/bench/argon2_time" \
    CEXUP_SRCDIR="$SRC_COPY" perl "$here/auth.pl"
