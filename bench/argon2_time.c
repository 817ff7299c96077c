/*
 * argon2_time.c - the time of one Argon2id verification at the configured
 * parameters: the cost that bounds login throughput (cores / this time).
 *
 * usage: argon2_time [-c config] [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/password.h"
#include "app/config.h"

static int
compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct config cfg;
	struct timespec t0, t1;
	char hash[PASSWORD_HASH_MAX], err[256];
	const char *path = NULL;
	double *ms;
	int i, n = 50;

	if (argc > 2 && strcmp(argv[1], "-c") == 0) {
		path = argv[2];
		argv += 2;
		argc -= 2;
	}
	if (argc > 1)
		n = atoi(argv[1]);
	if (n < 1)
		n = 1;
	if (config_load(&cfg, path, err, sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (password_hash(&cfg.argon2, "benchmark password", 18, hash) == -1)
		return 1;
	ms = calloc((size_t)n, sizeof(*ms));
	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (!password_verify(hash, "benchmark password", 18))
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	}
	qsort(ms, (size_t)n, sizeof(*ms), compare_double);
	printf("argon2id m=%u KiB t=%u p=%u: median %.2f ms, p90 %.2f ms, "
	    "min %.2f ms over %d verifications\n", cfg.argon2.memory_kib,
	    cfg.argon2.iterations, cfg.argon2.parallelism, ms[n / 2],
	    ms[n * 9 / 10], ms[0], n);
	free(ms);
	return 0;
}
