#!/usr/bin/env bash
# bench/run-catalog.sh - builds (optimised, out of tree), then runs
# bench/catalog.pl: catalog routes on the scale data set against nginx
# serving a static file of the same size.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../scripts/lib.sh
. "$here/../scripts/lib.sh"
ensure_packages $BUILD_PACKAGES $RUN_PACKAGES wrk
dir=$(mktemp -d /tmp/cexup-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
copy_source "$dir/src"
build "$dir/build" CFLAGS="-O2 -g"
CEXUP_BIN="$dir/build/cexup-api" CEXUP_SRCDIR="$SRC_COPY" perl "$here/catalog.pl"
