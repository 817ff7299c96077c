#!/usr/bin/env bash
# bench/run-catalog-cache.sh - builds (optimised, out of tree), then runs
# bench/catalog_cache.pl: catalog hits, misses and mixed traffic, the
# update route, GET /api/health and nginx serving the same bytes, in one
# run, with CPU per request by process (issue 10, bench/RESULTS.md).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../scripts/lib.sh
. "$here/../scripts/lib.sh"
bench_build
CEXUP_BIN="$BENCH_BUILD/cexup-api" CEXUP_SRCDIR="$SRC_COPY" perl "$here/catalog_cache.pl"
