#!/usr/bin/env bash
# scripts/test.sh - the whole test suite, from a fresh Debian 12 machine:
# installs what is missing, builds a copy of the checkout in a temporary
# directory, runs `make check` (unit tests and the integration tests through
# nginx and throwaway PostgreSQL clusters of their own), then
# the same suite built with AddressSanitizer + UndefinedBehaviorSanitizer,
# then each libFuzzer target for FUZZ_SECONDS (default 30; scripts/fuzz.sh).
# Build directories are removed at the end unless KEEP_BUILD=1.  The
# checkout is only read, and services already running on the machine
# (Debian's PostgreSQL cluster, nginx) are left alone.
#
# spectral (the OpenAPI linter, from npm) is installed into
# SPECTRAL_CACHE (default /var/cache/cexup-test-tools, or
# ~/.cache/cexup-test-tools when not root), outside the checkout, and passed to make check as $SPECTRAL; without network access
# to npm the test that uses it is skipped.
#
# Usage: scripts/test.sh [--no-sanitizers] [--no-fuzz]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

sanitizers=1 fuzz=1
for arg in "$@"; do
	case $arg in
	--no-sanitizers) sanitizers=0 ;;
	--no-fuzz) fuzz=0 ;;
	*) die "usage: scripts/test.sh [--no-sanitizers] [--no-fuzz]" ;;
	esac
done

packages="$BUILD_PACKAGES $RUN_PACKAGES $TEST_PACKAGES"
[ "$fuzz" = 1 ] && packages="$packages $FUZZ_PACKAGES"
# shellcheck disable=SC2086
ensure_packages $packages

work=$(mktemp -d /tmp/cexup-test.XXXXXX)
chmod 755 "$work"
cleanup() { [ "${KEEP_BUILD:-0}" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT

# spectral, for the OpenAPI lint test.
if [ "$(id -u)" = 0 ]; then cache=/var/cache/cexup-test-tools
else cache=${XDG_CACHE_HOME:-$HOME/.cache}/cexup-test-tools; fi
cache=${SPECTRAL_CACHE:-$cache}
if [ -x "$cache/node_modules/.bin/spectral" ]; then
	export SPECTRAL="$cache/node_modules/.bin/spectral"
elif command -v npm >/dev/null &&
    mkdir -p "$cache" 2>/dev/null &&
    say "installing @stoplight/spectral-cli into $cache" &&
    timeout 600 npm install --prefix "$cache" --no-audit --no-fund \
	--loglevel=error @stoplight/spectral-cli >"$work/npm.log" 2>&1 &&
    [ -x "$cache/node_modules/.bin/spectral" ]; then
	export SPECTRAL="$cache/node_modules/.bin/spectral"
else
	say "could not install spectral with npm (no network?); the OpenAPI lint test will be skipped"
	if [ -s "$work/npm.log" ]; then tail -5 "$work/npm.log" >&2; fi
	unset SPECTRAL
fi
if [ -n "${SPECTRAL:-}" ]; then say "SPECTRAL=$SPECTRAL"; fi

say "copying the checkout to $work/src"
copy_source "$work/src"
# make check runs from the copy; 97-guest-scripts.t checks the checkout.
export CEXUP_CHECKOUT="$SRC"

passed=0 failed=0 skipped=0
# record_failures NAME BUILD_DIR: each failed test's FAIL lines and the end
# of its log (diag included) go to $work/failures, printed again just
# before the summary so that they survive a reader who keeps only the tail.
record_failures() {
	local name=$1 dir=$2 trs log
	for trs in "$dir"/tests/*/*.trs; do
		[ -e "$trs" ] || continue
		grep -qE '^:test-result: (FAIL|ERROR|XPASS)' "$trs" || continue
		log=${trs%.trs}.log
		{
			echo "---- $name: ${log#"$dir"/}"
			grep -a -E '^(not ok|# )' "$log" | head -40
			echo "     (last lines)"
			tail -n 15 "$log" | cut -c1-300
		} >>"$work/failures"
	done
}
# run_suite NAME BUILD_DIR: make check, then count results from the .trs files.
run_suite() {
	local name=$1 dir=$2 rc=0 p f s
	say "$name: make check"
	# PIPESTATUS must be read right after the pipeline: `|| true` would
	# replace it with true's status.
	set +e
	# -a: a test's output may hold binary bytes, and grep would then
	# print "binary file matches" instead of the FAIL lines after them.
	(cd "$dir" && make -s check -j1 VERBOSE=1 2>&1) | tee "$work/$name.out" |
	    grep -a -E '^(PASS|FAIL|ERROR|XPASS|SKIP|# )'
	rc=${PIPESTATUS[0]}
	set -e
	p=$(cat "$dir"/tests/*/*.trs 2>/dev/null | grep -c '^:test-result: PASS' || true)
	f=$(cat "$dir"/tests/*/*.trs 2>/dev/null | grep -cE '^:test-result: (FAIL|ERROR|XPASS)' || true)
	s=$(cat "$dir"/tests/*/*.trs 2>/dev/null | grep -c '^:test-result: SKIP' || true)
	say "$name: $p passed, $f failed, $s skipped (make check exit $rc)"
	record_failures "$name" "$dir"
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
}

say "building"
build "$work/build" --enable-werror
run_suite plain "$work/build"

if [ "$sanitizers" = 1 ]; then
	say "building with ASan + UBSan"
	build "$work/asan" --enable-werror --enable-sanitizers
	# The sanitizer build skips the valgrind test: the two do not mix.
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 CEXUP_SKIP_VALGRIND=1 \
	    run_suite sanitizers "$work/asan"
fi

if [ "$fuzz" = 1 ]; then
	say "fuzzing"
	set +e
	FUZZ_SECONDS=${FUZZ_SECONDS:-30} "$here/fuzz.sh" | tee "$work/fuzz.out"
	rc=${PIPESTATUS[0]}
	set -e
	p=$(grep -c '^PASS: fuzz_' "$work/fuzz.out" || true)
	f=$(grep -c '^FAIL: fuzz_' "$work/fuzz.out" || true)
	say "fuzz: $p passed, $f failed (exit $rc)"
	passed=$((passed + p)); failed=$((failed + f))
	[ "$rc" -eq 0 ] || [ "$f" -gt 0 ] || failed=$((failed + 1))
fi

echo
if [ -s "$work/failures" ]; then
	echo "==> failed tests, with their diagnostics:"
	cat "$work/failures"
	echo
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
