#!/usr/bin/env bash
# bench/run-doctor-search.sh - builds (optimised, out of tree), then runs
# bench/doctor_search.pl: the doctor list's name search on the scale data
# set, in PostgreSQL (short-q statements before and after sql/005), through
# nginx, and the rebuild a doctor UPDATE triggers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../scripts/lib.sh
. "$here/../scripts/lib.sh"
ensure_packages $BUILD_PACKAGES $RUN_PACKAGES wrk
dir=$(mktemp -d /tmp/cexup-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
copy_source "$dir/src"
build "$dir/build" CFLAGS="-O2 -g"
CEXUP_BIN="$dir/build/cexup-api" CEXUP_SRCDIR="$SRC_COPY" \
    perl "$here/doctor_search.pl"
