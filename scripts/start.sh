#!/usr/bin/env bash
# scripts/start.sh - the whole stack with demo data, on a fresh Debian 12
# machine: installs what is missing, builds a copy of the checkout in a
# temporary directory, starts a private PostgreSQL cluster (its own data
# directory and unix socket, no TCP), the worker pool and nginx on
# https://127.0.0.1:$PORT (default 8443), prints how to try it, and removes
# everything it created on Ctrl-C.  Services already running on the machine
# (Debian's PostgreSQL cluster, nginx) are left alone; if PORT is taken the
# script says so and exits 1.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

PORT=${PORT:-8443}
case $PORT in
'' | *[!0-9]*) die "PORT=$PORT is not a port number" ;;
esac
[ "$PORT" -ge 1 ] && [ "$PORT" -le 65535 ] || die "PORT=$PORT is out of range"

ensure_packages $BUILD_PACKAGES $RUN_PACKAGES
port_free "$PORT" ||
    die "port $PORT on 127.0.0.1 is already in use; choose another: PORT=8444 $0"
work=$(mktemp -d /tmp/cexup-build.XXXXXX)
# nginx's workers and PostgreSQL run as other users when we are root.
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
say "building (in $work)"
copy_source "$work/src"
build "$work/build"
# Check again: the build takes a while.
port_free "$PORT" ||
    die "port $PORT on 127.0.0.1 is already in use; choose another: PORT=8444 $0"
export PORT
CEXUP_BIN="$work/build/cexup-api" CEXUP_SRCDIR="$SRC_COPY" \
    perl "$here/stack.pl"
