/*
 * metrics.h - node-wide counters in memory shared by the master and its
 * workers (mapped before the first fork).  Whoever counts is handed a
 * pointer to its counter and adds with relaxed atomics; GET /api/metrics
 * reads the sums, so the figures cover every worker of the node, including
 * workers that have since exited.  Without a mapping (command-line tools,
 * unit tests) the pointers are NULL and counting is a no-op.
 */
#ifndef CEXUP_METRICS_H
#define CEXUP_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* Table routes; one row more counts "unmatched". */
#define METRICS_MAX_ROUTES	64
#define METRICS_N_BUCKETS	12

/* Upper bounds of the latency histogram, in seconds (plus +Inf). */
extern const double	metrics_bucket_bounds[METRICS_N_BUCKETS];
/* The status codes counted individually; others count as "other". */
extern const int	metrics_statuses[];
extern const size_t	metrics_n_statuses;

enum metrics_counter {
	METRICS_DB_ERRORS,	/* failed statements, connection losses too */
	METRICS_DB_RECONNECTS,
	METRICS_HASH_BUSY,	/* logins refused for lack of a hash slot */
	METRICS_WORKER_STARTS,
	METRICS_WORKER_CRASHES,	/* died by signal or non-zero exit */
	METRICS_WORKER_RECYCLES,	/* exited after max_requests */
	METRICS_N_COUNTERS
};

struct metrics {
	/* [route][status index] */
	uint64_t	requests[METRICS_MAX_ROUTES + 1][16];
	uint64_t	latency[METRICS_MAX_ROUTES + 1][METRICS_N_BUCKETS + 1];
	uint64_t	latency_sum_us[METRICS_MAX_ROUTES + 1];
	uint64_t	counters[METRICS_N_COUNTERS];
	int64_t		started_at;	/* unix time the master started */
};

/* Maps a zeroed shared block; call once in the master before forking. */
struct metrics	*metrics_create(void);

/* The counter's address, for whoever counts it; NULL without metrics. */
uint64_t	*metrics_counter(struct metrics *, enum metrics_counter);
/* Relaxed atomic add; a NULL counter is ignored. */
void		 metrics_add(uint64_t *counter, uint64_t n);
/* Relaxed atomic read. */
uint64_t	 metrics_load(const uint64_t *counter);

/*
 * Records one request: route index (METRICS_MAX_ROUTES or more counts as
 * unmatched), status, duration.  No-op on NULL.
 */
void		 metrics_request(struct metrics *, size_t route_index,
		    int status, double seconds);
/* Index of status in metrics_statuses, or metrics_n_statuses: "other". */
size_t		 metrics_status_index(int status);

#endif
