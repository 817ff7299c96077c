#!/usr/bin/env bash
# scripts/fuzz.sh - runs the libFuzzer targets (tests/fuzz/fuzz_*.c), built
# with clang, ASan and UBSan, each for FUZZ_SECONDS (default 60), starting
# from its committed corpus.  A crash leaves its input in the work directory
# (kept, and named in the output) and fails the run.  MERGE=1 adds the new
# interesting inputs to tests/fuzz/corpus/, where make check replays them
# (the only change it ever makes to the checkout).  The targets are built
# from a copy of the checkout in the work directory.
#
# Usage: scripts/fuzz.sh [json|token|query|avatar|import|fcgi ...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/.." && pwd)
# shellcheck source=lib.sh
. "$here/lib.sh"

seconds=${FUZZ_SECONDS:-60}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(json token query avatar import fcgi)

# shellcheck disable=SC2086
ensure_packages $BUILD_PACKAGES $FUZZ_PACKAGES
work=$(mktemp -d /tmp/cexup-fuzz.XXXXXX)
crashed=0
cleanup() { [ "$crashed" = 1 ] || [ "${KEEP_BUILD:-0}" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT

say "building the fuzz targets with clang (in $work)"
copy_source "$work/src"
mkdir -p "$work/build"
(cd "$work/build" && CC=clang "$SRC_COPY/configure" -q --enable-fuzzing \
    --enable-sanitizers &&
    make -s -j"$(nproc)" libcexup.a >/dev/null &&
    make -s $(printf 'tests/fuzz/fuzz_%s ' "${targets[@]}") >/dev/null) ||
    die "building the fuzz targets failed"

passed=0 failed=0
for t in "${targets[@]}"; do
	mkdir -p "$work/corpus/$t"
	say "fuzz_$t: ${seconds} s"
	if "$work/build/tests/fuzz/fuzz_$t" -max_total_time="$seconds" \
	    -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix="$work/crash-$t-" \
	    "$work/corpus/$t" "$src/tests/fuzz/corpus/$t" \
	    >"$work/$t.log" 2>&1; then
		grep -E '^(Done|stat::number_of_executed_units)' "$work/$t.log" |
		    tail -1 | sed "s/^/    fuzz_$t: /" >&2
		echo "PASS: fuzz_$t ($seconds s)"
		passed=$((passed + 1))
	else
		crashed=1
		tail -30 "$work/$t.log" >&2
		echo "FAIL: fuzz_$t: input saved as $(ls "$work"/crash-"$t"-* 2>/dev/null | head -1)"
		failed=$((failed + 1))
	fi
	if [ "${MERGE:-0}" = 1 ]; then
		"$work/build/tests/fuzz/fuzz_$t" -merge=1 \
		    "$src/tests/fuzz/corpus/$t" "$work/corpus/$t" >/dev/null 2>&1
		say "fuzz_$t: corpus now $(ls "$src/tests/fuzz/corpus/$t" | wc -l) inputs"
	fi
done
echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
