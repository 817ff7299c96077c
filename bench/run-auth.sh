#!/usr/bin/env bash
# bench/run-auth.sh - builds (optimised, out of tree), then runs bench/auth.pl.
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
    CEXUP_SRCDIR="$SRC_COPY" perl "$here/auth.pl"
