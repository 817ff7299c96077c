/*
 * metrics.c - shared counters.
 */
#include <sys/mman.h>

#include <string.h>
#include <time.h>

#include "core/metrics.h"

const double metrics_bucket_bounds[METRICS_N_BUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
};

const int metrics_statuses[] = {
	200, 201, 304, 400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 503
};
const size_t metrics_n_statuses =
    sizeof(metrics_statuses) / sizeof(metrics_statuses[0]);

struct metrics *
metrics_create(void)
{
	struct metrics *m;
	void *p = mmap(NULL, sizeof(struct metrics), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	m = p;
	memset(m, 0, sizeof(*m));
	m->started_at = (int64_t)time(NULL);
	return m;
}

uint64_t *
metrics_counter(struct metrics *m, enum metrics_counter which)
{
	return m != NULL ? &m->counters[which] : NULL;
}

void
metrics_add(uint64_t *counter, uint64_t n)
{
	if (counter != NULL)
		__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

uint64_t
metrics_load(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

size_t
metrics_status_index(int status)
{
	size_t i;

	for (i = 0; i < metrics_n_statuses; i++)
		if (metrics_statuses[i] == status)
			return i;
	return metrics_n_statuses;
}

void
metrics_request(struct metrics *m, size_t route, int status, double seconds)
{
	size_t b;

	if (m == NULL)
		return;
	if (route > METRICS_MAX_ROUTES)
		route = METRICS_MAX_ROUTES;
	metrics_add(&m->requests[route][metrics_status_index(status)], 1);
	for (b = 0; b < METRICS_N_BUCKETS && seconds > metrics_bucket_bounds[b];
	    b++)
		;
	metrics_add(&m->latency[route][b], 1);
	metrics_add(&m->latency_sum_us[route], (uint64_t)(seconds * 1e6));
}
