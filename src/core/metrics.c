/*
 * metrics.c - shared counters.
 */
#include <sys/mman.h>

#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/metrics.h"
#include "core/util.h"

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
metrics_counter(struct metrics *m, int pool, enum metrics_counter which)
{
	if (m == NULL || pool < 0 || pool >= METRICS_MAX_POOLS)
		return NULL;
	return &m->counters[pool][which];
}

struct metrics_worker *
metrics_worker(struct metrics *m, int place)
{
	if (m == NULL || place < 0 || place >= METRICS_MAX_WORKERS)
		return NULL;
	return &m->workers[place];
}

void
metrics_worker_claim(struct metrics_worker *w, int pool)
{
	if (w == NULL)
		return;
	__atomic_store_n(&w->pool, pool, __ATOMIC_RELAXED);
	__atomic_store_n(&w->route, -1, __ATOMIC_RELAXED);
	__atomic_store_n(&w->request_start_ms, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&w->stage, METRICS_STAGE_STARTING, __ATOMIC_RELAXED);
	__atomic_store_n(&w->pid, (int32_t)getpid(), __ATOMIC_RELEASE);
}

void
metrics_worker_stage(struct metrics_worker *w, int stage)
{
	if (w != NULL)
		__atomic_store_n(&w->stage, stage, __ATOMIC_RELEASE);
}

void
metrics_worker_begin(struct metrics_worker *w, const char *request_id)
{
	size_t i;

	if (w == NULL)
		return;
	for (i = 0; i + 1 < sizeof(w->request_id) && request_id != NULL &&
	    request_id[i] != '\0'; i++)
		__atomic_store_n(&w->request_id[i], request_id[i],
		    __ATOMIC_RELAXED);
	__atomic_store_n(&w->request_id[i], '\0', __ATOMIC_RELAXED);
	__atomic_store_n(&w->route, -1, __ATOMIC_RELAXED);
	__atomic_store_n(&w->request_start_ms, monotonic_ms(),
	    __ATOMIC_RELEASE);
}

void
metrics_worker_route(struct metrics_worker *w, int route)
{
	if (w != NULL)
		__atomic_store_n(&w->route, route, __ATOMIC_RELAXED);
}

void
metrics_worker_read(const struct metrics_worker *w, struct metrics_worker *out)
{
	size_t i;

	out->pid = __atomic_load_n(&w->pid, __ATOMIC_ACQUIRE);
	out->pool = __atomic_load_n(&w->pool, __ATOMIC_RELAXED);
	out->stage = __atomic_load_n(&w->stage, __ATOMIC_ACQUIRE);
	out->route = __atomic_load_n(&w->route, __ATOMIC_RELAXED);
	out->request_start_ms = __atomic_load_n(&w->request_start_ms,
	    __ATOMIC_ACQUIRE);
	for (i = 0; i < sizeof(out->request_id); i++)
		out->request_id[i] = __atomic_load_n(&w->request_id[i],
		    __ATOMIC_RELAXED);
	out->request_id[sizeof(out->request_id) - 1] = '\0';
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
