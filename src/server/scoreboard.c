/*
 * scoreboard.c - shared counters.
 */
#include <sys/mman.h>

#include <string.h>
#include <time.h>

#include "server/scoreboard.h"

struct scoreboard	*scoreboard;

const double sb_bucket_bounds[SB_N_BUCKETS] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5
};

const int sb_statuses[] = {
	200, 201, 304, 400, 401, 403, 404, 405, 409, 413, 415, 429, 500, 503
};
const size_t sb_n_statuses = sizeof(sb_statuses) / sizeof(sb_statuses[0]);

int
scoreboard_create(void)
{
	void *p = mmap(NULL, sizeof(struct scoreboard), PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return -1;
	memset(p, 0, sizeof(struct scoreboard));
	scoreboard = p;
	scoreboard->started_at = (int64_t)time(NULL);
	return 0;
}

void
scoreboard_add(uint64_t *counter, uint64_t n)
{
	if (scoreboard != NULL)
		__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

size_t
scoreboard_status_index(int status)
{
	size_t i;

	for (i = 0; i < sb_n_statuses; i++)
		if (sb_statuses[i] == status)
			return i;
	return sb_n_statuses;
}

void
scoreboard_request(size_t route_row, int status, double seconds)
{
	size_t b;

	if (scoreboard == NULL)
		return;
	if (route_row > SB_MAX_ROUTES)
		route_row = SB_MAX_ROUTES;
	scoreboard_add(&scoreboard->requests[route_row]
	    [scoreboard_status_index(status)], 1);
	for (b = 0; b < SB_N_BUCKETS && seconds > sb_bucket_bounds[b]; b++)
		;
	scoreboard_add(&scoreboard->latency[route_row][b], 1);
	scoreboard_add(&scoreboard->latency_sum_us[route_row],
	    (uint64_t)(seconds * 1e6));
}
