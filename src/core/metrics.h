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
/* Worker pools (the app layer names them) and worker places. */
#define METRICS_MAX_POOLS	2
#define METRICS_MAX_WORKERS	1024

/* Upper bounds of the latency histogram, in seconds (plus +Inf). */
extern const double	metrics_bucket_bounds[METRICS_N_BUCKETS];
/* The status codes counted individually; others count as "other". */
extern const int	metrics_statuses[];
extern const size_t	metrics_n_statuses;

/* Counted per pool. */
enum metrics_counter {
	METRICS_DB_ERRORS,	/* failed statements, connection losses too */
	METRICS_DB_RECONNECTS,
	METRICS_HASH_BUSY,	/* logins refused: no hash in hash_wait_ms */
	METRICS_STALE,		/* refused unrun: queued past queue_timeout */
	METRICS_WORKER_STARTS,
	METRICS_WORKER_CRASHES,	/* died by signal or non-zero exit */
	METRICS_WORKER_RECYCLES,	/* exited after max_requests */
	METRICS_WORKER_TIMEOUTS,	/* killed past request_timeout */
	METRICS_CACHE_HITS,	/* catalog answers from the worker's cache */
	METRICS_CACHE_MISSES,
	METRICS_CACHE_EVICTIONS,	/* entries dropped for room */
	METRICS_CACHE_CLEARS,	/* caches emptied by NOTIFY or reconnect */
	METRICS_N_COUNTERS
};

/*
 * The scoreboard: what each worker is doing.  Zero is a free place.
 */
enum metrics_stage {
	METRICS_STAGE_FREE,
	METRICS_STAGE_STARTING,	/* forked, not ready yet */
	METRICS_STAGE_IDLE,	/* waiting for a connection */
	METRICS_STAGE_READING,	/* params and body */
	METRICS_STAGE_RUNNING,	/* the handler */
	METRICS_STAGE_WRITING	/* the response */
};

#define METRICS_REQUEST_ID_SIZE	40

/*
 * One worker's place, written only by that worker while it lives (the
 * master clears it after reaping), read by the master and /api/metrics
 * with relaxed atomics: a torn request id in a log line is acceptable.
 */
struct metrics_worker {
	int32_t		pid;
	int32_t		pool;
	int32_t		stage;		/* enum metrics_stage */
	int32_t		route;		/* route index, -1: not matched yet */
	int64_t		request_start_ms;	/* CLOCK_MONOTONIC */
	char		request_id[METRICS_REQUEST_ID_SIZE];
};

struct metrics {
	/* [route][status index] */
	uint64_t	requests[METRICS_MAX_ROUTES + 1][16];
	uint64_t	latency[METRICS_MAX_ROUTES + 1][METRICS_N_BUCKETS + 1];
	uint64_t	latency_sum_us[METRICS_MAX_ROUTES + 1];
	uint64_t	counters[METRICS_MAX_POOLS][METRICS_N_COUNTERS];
	int64_t		started_at;	/* unix time the master started */
	struct metrics_worker workers[METRICS_MAX_WORKERS];
};

/* Maps a zeroed shared block; call once in the master before forking. */
struct metrics	*metrics_create(void);

/*
 * The pool's counter's address, for whoever counts it; NULL without
 * metrics.
 */
uint64_t	*metrics_counter(struct metrics *, int pool, enum metrics_counter);
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
/* A worker's scoreboard place; NULL without metrics or out of range. */
struct metrics_worker *metrics_worker(struct metrics *, int place);
/* Claims the place for this process (pid, pool, STARTING). */
void		 metrics_worker_claim(struct metrics_worker *, int pool);
/* The worker moves to another stage (enum metrics_stage). */
void		 metrics_worker_stage(struct metrics_worker *, int stage);
/* A request begins: its id (may be NULL) and start time. */
void		 metrics_worker_begin(struct metrics_worker *,
		    const char *request_id);
void		 metrics_worker_route(struct metrics_worker *, int route);
/* Copies a place with relaxed loads (the master and /api/metrics). */
void		 metrics_worker_read(const struct metrics_worker *,
		    struct metrics_worker *out);
/* Index of status in metrics_statuses, or metrics_n_statuses: "other". */
size_t		 metrics_status_index(int status);

#endif
