#!/usr/bin/env bash
# bench/run-auth.sh - builds (optimised, out of tree), then runs bench/auth.pl.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../scripts/lib.sh
. "$here/../scripts/lib.sh"
ensure_packages $BUILD_PACKAGES $RUN_PACKAGES wrk
stop_system_postgres
dir=$(mktemp -d /tmp/cexup-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
build "$dir" CFLAGS="-O2 -g"
(cd "$dir" && make -s bench/argon2_time >/dev/null)
CEXUP_BIN="$dir/cexup-api" ARGON2_TIME="$dir/bench/argon2_time" \
    CEXUP_SRCDIR="$here/.." perl "$here/auth.pl"
