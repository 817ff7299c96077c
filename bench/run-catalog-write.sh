#!/usr/bin/env bash
# bench/run-catalog-write.sh - runs bench/catalog_write.pl: single-doctor
# writes, the bulk load and list misses on the scale data, before (the
# migrations of BEFORE_REF, default 8e73e6a, main before sql/012) and
# after (this tree's migrations).  PostgreSQL alone: nothing to build, but
# tests/lib/CexupTest.pm wants CEXUP_BIN (a built cexup-api) and
# CEXUP_SRCDIR (this tree).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec perl "$here/catalog_write.pl" "$@"
