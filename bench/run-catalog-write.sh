#!/usr/bin/env bash
# bench/run-catalog-write.sh - runs bench/catalog_write.pl: single-doctor
# writes, the bulk load and list misses on the scale data, before (the
# migrations of BEFORE_REF, default 402595d, main before sql/007) and after (this tree's) sql/007.
# PostgreSQL alone: nothing to build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
exec perl "$here/catalog_write.pl" "$@"
