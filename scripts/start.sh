#!/usr/bin/env bash
# scripts/start.sh - the whole stack with demo data, on a fresh Debian 12
# machine: installs what is missing, builds out of tree, starts a private
# PostgreSQL cluster, the worker pool and nginx on https://127.0.0.1:$PORT
# (default 8443), prints how to try it, and cleans everything up on Ctrl-C.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

ensure_packages $BUILD_PACKAGES $RUN_PACKAGES
stop_system_postgres
build_dir=$(mktemp -d /tmp/cexup-build.XXXXXX)
trap 'rm -rf "$build_dir"' EXIT
say "building"
build "$build_dir"
CEXUP_BIN="$build_dir/cexup-api" CEXUP_SRCDIR="$(cd "$here/.." && pwd)" \
    perl "$here/stack.pl"
