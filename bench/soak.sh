#!/usr/bin/env bash
# bench/soak.sh - builds (optimised, out of tree), then runs bench/soak.pl:
# a mixed load (catalog reads, logins, refreshes, registrations) through
# nginx for DURATION seconds (default 600), sampling every worker's RSS and
# descriptors, the master's, PostgreSQL's connections and the request rate;
# writes bench/soak.csv and bench/soak.png and exits 1 if RSS or
# descriptors grew from the first minute to the last beyond the limits
# (see bench/soak.pl).  The load runs under nice -n 10: the machine is
# shared.  One command:
#   bench/soak.sh            (DURATION=600; e.g. DURATION=300 bench/soak.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=../scripts/lib.sh
. "$here/../scripts/lib.sh"
ensure_packages $BUILD_PACKAGES $RUN_PACKAGES gnuplot-nox
dir=$(mktemp -d /tmp/cexup-soak.XXXXXX)
# nginx's workers and PostgreSQL run as other users when we are root.
chmod 755 "$dir"
trap 'rm -rf "$dir"' EXIT
copy_source "$dir/src"
build "$dir/build" CFLAGS="-O2 -g"
CEXUP_BIN="$dir/build/cexup-api" CEXUP_SRCDIR="$SRC_COPY" \
    nice -n 10 perl "$here/soak.pl"
