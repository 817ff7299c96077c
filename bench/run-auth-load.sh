#!/usr/bin/env bash
# bench/run-auth-load.sh - builds (optimised, out of tree), then runs
# bench/auth_load.pl: login and registration at 16, 64 and 256 connections
# at default settings, beside the Argon2 ceiling.  One command:
#   bench/run-auth-load.sh            (DURATION=8 CONNECTIONS="16 64 256")
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../scripts/lib.sh
. "$here/../scripts/lib.sh"
bench_build
(cd "$BENCH_BUILD" && make -s bench/argon2_time >/dev/null)
CEXUP_BIN="$BENCH_BUILD/cexup-api" ARGON2_TIME="$BENCH_BUILD/bench/argon2_time" \
    CEXUP_SRCDIR="$SRC_COPY" perl "$here/auth_load.pl"
