#!/usr/bin/env bash
# bench/run-doctor-search.sh - builds (optimised, out of tree), then runs
# bench/doctor_search.pl: the doctor list's name search on the scale data
# set, in PostgreSQL (short-q statements before and after sql/005), through
# nginx, and the rebuild a doctor UPDATE triggers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../scripts/lib.sh
. "$here/../scripts/lib.sh"
bench_build
CEXUP_BIN="$BENCH_BUILD/cexup-api" CEXUP_SRCDIR="$SRC_COPY" \
    perl "$here/doctor_search.pl"
