/*
 * argon2_time.c - the time of one Argon2id verification at the configured
 * parameters: the cost that bounds login throughput (cores / this time),
 * and the page faults per verification (a fresh work buffer faults in
 * m KiB each time; a reused one none).
 *
 * usage: argon2_time [-c config] [iterations]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/resource.h>

#include "auth/password.h"
#include "app/config.h"

static double
cpu_ms(const struct rusage *r)
{
	return (double)(r->ru_utime.tv_sec + r->ru_stime.tv_sec) * 1e3 +
	    (double)(r->ru_utime.tv_usec + r->ru_stime.tv_usec) / 1e3;
}

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
	struct rusage r0, r1;
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
	getrusage(RUSAGE_SELF, &r0);
	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_MONOTONIC, &t0);
		if (!password_verify(hash, "benchmark password", 18))
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms[i] = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
		    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	}
	getrusage(RUSAGE_SELF, &r1);
	qsort(ms, (size_t)n, sizeof(*ms), compare_double);
	printf("argon2id m=%u KiB t=%u p=%u: median %.2f ms, p90 %.2f ms, "
	    "min %.2f ms over %d verifications; each: %.2f ms CPU (%.2f ms "
	    "system), %.0f page faults\n", cfg.argon2.memory_kib,
	    cfg.argon2.iterations, cfg.argon2.parallelism, ms[n / 2],
	    ms[n * 9 / 10], ms[0], n, (cpu_ms(&r1) - cpu_ms(&r0)) / n,
	    ((double)(r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1e3 +
	    (double)(r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e3) / n,
	    (double)(r1.ru_minflt - r0.ru_minflt) / n);
	free(ms);
	return 0;
}
