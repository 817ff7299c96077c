/*
 * scoreboard.h - node-wide counters in memory shared by the master and its
 * workers (mapped before the first fork).  Workers add with relaxed atomics;
 * GET /api/metrics reads the sums, so the figures cover every worker of the
 * node, including workers that have since exited.
 */
#ifndef CEXUP_SCOREBOARD_H
#define CEXUP_SCOREBOARD_H

#include <stddef.h>
#include <stdint.h>

#define SB_MAX_ROUTES	64	/* table routes; the last row is "unmatched" */
#define SB_N_BUCKETS	12

/* Upper bounds of the latency histogram, in seconds (plus +Inf). */
extern const double	sb_bucket_bounds[SB_N_BUCKETS];
/* The status codes counted individually; others count as "other". */
extern const int	sb_statuses[];
extern const size_t	sb_n_statuses;

struct scoreboard {
	uint64_t	requests[SB_MAX_ROUTES + 1][16];	/* [route][status] */
	uint64_t	latency[SB_MAX_ROUTES + 1][SB_N_BUCKETS + 1];
	uint64_t	latency_sum_us[SB_MAX_ROUTES + 1];
	uint64_t	db_errors;
	uint64_t	db_reconnects;
	uint64_t	hash_busy;		/* logins refused for lack of a slot */
	uint64_t	worker_starts;
	uint64_t	worker_crashes;		/* died by signal or non-zero exit */
	uint64_t	worker_recycles;	/* exited after max_requests */
	int64_t		started_at;		/* unix time the master started */
};

/* The node's scoreboard (NULL in command-line tools and unit tests). */
extern struct scoreboard	*scoreboard;

/* Maps the shared scoreboard; call once in the master before forking. */
int	scoreboard_create(void);

/* Records one request: route row (SB_MAX_ROUTES for unmatched), status,
 * duration. */
void	scoreboard_request(size_t route_row, int status, double seconds);
/* Relaxed atomic add on a counter of the scoreboard (no-op without one). */
void	scoreboard_add(uint64_t *counter, uint64_t n);
/* Index of status in sb_statuses, or sb_n_statuses for "other". */
size_t	scoreboard_status_index(int status);

#endif
