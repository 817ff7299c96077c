/*
 * fuzz.h - shared by the fuzz targets.
 *
 * Each target defines LLVMFuzzerTestOneInput.  Built with --enable-fuzzing
 * (clang), libFuzzer drives it (scripts/fuzz.sh); otherwise replay.c runs
 * it over its committed corpus as a TAP test in make check.  A broken
 * property aborts, which both drivers report as a failure.
 */
#ifndef CEXUP_FUZZ_H
#define CEXUP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: property failed: %s\n",		\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

#endif
