#!/usr/bin/env bash
# bench/run-catalog.sh - builds (optimised, out of tree), then runs
# bench/catalog.pl: catalog routes on the scale data set against nginx
# serving a static file of the same size.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../scripts/lib.sh
. "$here/../scripts/lib.sh"
bench_build
CEXUP_BIN="$BENCH_BUILD/cexup-api" CEXUP_SRCDIR="$SRC_COPY" perl "$here/catalog.pl"
