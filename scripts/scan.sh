#!/usr/bin/env bash
# scripts/scan.sh - release checks, not run in CI (they take minutes and
# attack the server): builds a copy of the checkout in a temporary
# directory, starts the real stack there (private PostgreSQL with the demo
# data, both worker pools, nginx with the shipped server block serving a
# certificate from a CA made for the run) and runs scripts/scan.pl:
# sqlmap on every parameter of docs/openapi.yaml, testssl.sh on the TLS
# settings, slowhttptest (slowloris and slow body) while a normal client's
# latency is measured.  Prints a summary; exits 1 on an injection, a
# HIGH/CRITICAL TLS finding or a check that could not run.  Everything it
# starts is stopped and removed at the end; services already running on the
# machine are left alone.  The scanners run under nice -n 10.
#   scripts/scan.sh                      (all checks)
#   CHECKS=testssl scripts/scan.sh       (some: sqlmap testssl slow)
# Other settings (SQLMAP_LEVEL, SLOW_CONNECTIONS, ...): see scripts/scan.pl.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

ensure_packages $BUILD_PACKAGES $RUN_PACKAGES libyaml-libyaml-perl \
    $SCAN_PACKAGES
work=$(mktemp -d /tmp/cexup-scan-build.XXXXXX)
# nginx's workers and PostgreSQL run as other users when we are root.
chmod 755 "$work"
trap 'rm -rf "$work"' EXIT
say "building (in $work)"
copy_source "$work/src"
build "$work/build"
CEXUP_BIN="$work/build/cexup-api" CEXUP_SRCDIR="$SRC_COPY" \
    perl "$here/scan.pl"
