#!/usr/bin/env bash
# bench/run-booking.sh - builds (optimised, out of tree), then runs
# bench/booking.pl.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../scripts/lib.sh
. "$here/../scripts/lib.sh"
bench_build
CEXUP_BIN="$BENCH_BUILD/cexup-api" CEXUP_SRCDIR="$SRC_COPY" perl "$here/booking.pl"
