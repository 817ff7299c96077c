#!/usr/bin/env bash
# bench/run-auth-load.sh - builds (optimised, out of tree), then runs
# bench/auth_load.pl: login and registration at 16, 64 and 256 connections
# at default settings, beside the Argon2 ceiling.  One command:
#   bench/run-auth-load.sh            (DURATION=8 CONNECTIONS="16 64 256")
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../scripts/lib.sh
. "$here/../scripts/lib.sh"
ensure_packages $BUILD_PACKAGES $RUN_PACKAGES wrk
dir=$(mktemp -d /tmp/cexup-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
copy_source "$dir/src"
build "$dir/build" CFLAGS="-O2 -g"
(cd "$dir/build" && make -s bench/argon2_time >/dev/null)
CEXUP_BIN="$dir/build/cexup-api" ARGON2_TIME="$dir/build/bench/argon2_time" \
    CEXUP_SRCDIR="$SRC_COPY" perl "$here/auth_load.pl"
