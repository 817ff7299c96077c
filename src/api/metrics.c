/*
 * metrics.c - GET /api/metrics in the Prometheus text format: the node's
 * shared metrics, summed over all its workers.  Only addresses in
 * metrics_allow may read it (the figures reveal traffic, not secrets).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/handlers.h"
#include "api/routes.h"
#include "app/app.h"
#include "app/config.h"
#include "core/buf.h"
#include "core/metrics.h"
#include "core/netaddr.h"
#include "http/request.h"
#include "http/response.h"

static const char *
route_label(size_t row)
{
	return row < api_routes_count ? api_routes[row].pattern : "unmatched";
}

static void
write_requests(struct buf *b, const struct metrics *sb)
{
	size_t row, st;
	uint64_t n;
	char status[8];

	buf_puts(b, "# HELP cexup_requests_total Requests answered, by route "
	    "pattern and status.\n# TYPE cexup_requests_total counter\n");
	for (row = 0; row <= METRICS_MAX_ROUTES; row++) {
		if (row >= api_routes_count && row != METRICS_MAX_ROUTES)
			continue;
		for (st = 0; st <= metrics_n_statuses; st++) {
			if ((n = metrics_load(&sb->requests[row][st])) == 0)
				continue;
			if (st < metrics_n_statuses)
				snprintf(status, sizeof(status), "%d",
				    metrics_statuses[st]);
			else
				strcpy(status, "other");
			buf_printf(b, "cexup_requests_total{route=\"%s\","
			    "status=\"%s\"} %" PRIu64 "\n", route_label(row),
			    status, n);
		}
	}
}

static void
write_latency(struct buf *b, const struct metrics *sb)
{
	size_t row, k;
	uint64_t cumulative, total;

	buf_puts(b, "# HELP cexup_request_duration_seconds Time from the "
	    "request's arrival at a worker to its response.\n"
	    "# TYPE cexup_request_duration_seconds histogram\n");
	for (row = 0; row <= METRICS_MAX_ROUTES; row++) {
		if (row >= api_routes_count && row != METRICS_MAX_ROUTES)
			continue;
		for (total = 0, k = 0; k <= METRICS_N_BUCKETS; k++)
			total += metrics_load(&sb->latency[row][k]);
		if (total == 0)
			continue;
		for (cumulative = 0, k = 0; k <= METRICS_N_BUCKETS; k++) {
			cumulative += metrics_load(&sb->latency[row][k]);
			if (k < METRICS_N_BUCKETS)
				buf_printf(b, "cexup_request_duration_seconds_"
				    "bucket{route=\"%s\",le=\"%g\"} %" PRIu64
				    "\n", route_label(row), metrics_bucket_bounds[k],
				    cumulative);
			else
				buf_printf(b, "cexup_request_duration_seconds_"
				    "bucket{route=\"%s\",le=\"+Inf\"} %" PRIu64
				    "\n", route_label(row), cumulative);
		}
		buf_printf(b, "cexup_request_duration_seconds_sum{route=\"%s\"} "
		    "%.6f\n", route_label(row),
		    (double)metrics_load(&sb->latency_sum_us[row]) / 1e6);
		buf_printf(b, "cexup_request_duration_seconds_count{route=\"%s\"} "
		    "%" PRIu64 "\n", route_label(row), total);
	}
}

static const struct {
	enum metrics_counter	 which;
	const char		*name;
	const char		*help;
} pool_counters[] = {
	{ METRICS_DB_ERRORS, "cexup_db_errors_total",
	  "Failed database statements (connection losses included)." },
	{ METRICS_DB_RECONNECTS, "cexup_db_reconnects_total",
	  "Database connections re-established after a loss." },
	{ METRICS_HASH_BUSY, "cexup_hash_slot_timeouts_total",
	  "Logins or registrations refused because hashing could not start "
	  "within hash_wait_ms of their arrival." },
	{ METRICS_STALE, "cexup_requests_expired_total",
	  "Requests answered 503 unrun: they waited past queue_timeout_ms." },
	{ METRICS_WORKER_STARTS, "cexup_worker_starts_total",
	  "Workers started." },
	{ METRICS_WORKER_CRASHES, "cexup_worker_restarts_total",
	  "Workers that died (signal or error exit) and were replaced." },
	{ METRICS_WORKER_RECYCLES, "cexup_worker_recycles_total",
	  "Workers that exited after max_requests and were replaced." },
	{ METRICS_WORKER_TIMEOUTS, "cexup_worker_request_timeouts_total",
	  "Workers killed for running a request past request_timeout." },
	{ METRICS_CACHE_HITS, "cexup_catalog_cache_hits_total",
	  "Catalog answers served from a worker's response cache." },
	{ METRICS_CACHE_MISSES, "cexup_catalog_cache_misses_total",
	  "Cacheable catalog requests that had to query the database." },
	{ METRICS_CACHE_EVICTIONS, "cexup_catalog_cache_evictions_total",
	  "Cached catalog answers dropped to stay within catalog_cache_bytes." },
	{ METRICS_CACHE_CLEARS, "cexup_catalog_cache_clears_total",
	  "Worker caches emptied by a catalog NOTIFY or a reconnect." },
};

/* Every counter with a pool label, for each pool this node runs. */
static void
write_pool_counters(struct buf *b, const struct request *req,
    const struct metrics *sb)
{
	size_t i;
	int pool;

	for (i = 0; i < sizeof(pool_counters) / sizeof(pool_counters[0]);
	    i++) {
		buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n",
		    pool_counters[i].name, pool_counters[i].help,
		    pool_counters[i].name);
		for (pool = 0; pool < POOL_MAX; pool++)
			if (config_pool_on(req->app->cfg, pool))
				buf_printf(b, "%s{pool=\"%s\"} %" PRIu64 "\n",
				    pool_counters[i].name,
				    config_pool_name(pool), metrics_load(
				    &sb->counters[pool][pool_counters[i].which]));
	}
}

/* The scoreboard: workers per pool and stage, now. */
static void
write_workers(struct buf *b, const struct request *req,
    const struct metrics *sb)
{
	static const char *const stages[] = {
		[METRICS_STAGE_STARTING] = "starting",
		[METRICS_STAGE_IDLE] = "idle",
		[METRICS_STAGE_READING] = "reading",
		[METRICS_STAGE_RUNNING] = "running",
		[METRICS_STAGE_WRITING] = "writing",
	};
	unsigned n[POOL_MAX][METRICS_STAGE_WRITING + 1];
	struct metrics_worker seen;
	int pool, st, i;

	memset(n, 0, sizeof(n));
	for (i = 0; i < METRICS_MAX_WORKERS; i++) {
		metrics_worker_read(&sb->workers[i], &seen);
		if (seen.pid != 0 && seen.pool >= 0 && seen.pool < POOL_MAX &&
		    seen.stage > METRICS_STAGE_FREE &&
		    seen.stage <= METRICS_STAGE_WRITING)
			n[seen.pool][seen.stage]++;
	}
	buf_puts(b, "# HELP cexup_workers Workers by pool and stage "
	    "(idle: waiting for a request; busy: reading, running or "
	    "writing one).\n# TYPE cexup_workers gauge\n");
	for (pool = 0; pool < POOL_MAX; pool++) {
		if (!config_pool_on(req->app->cfg, pool))
			continue;
		for (st = METRICS_STAGE_STARTING; st <= METRICS_STAGE_WRITING;
		    st++)
			buf_printf(b, "cexup_workers{pool=\"%s\",stage=\"%s\"}"
			    " %u\n", config_pool_name(pool), stages[st],
			    n[pool][st]);
	}
	buf_puts(b, "# HELP cexup_workers_busy Workers of the pool busy with "
	    "a request.\n# TYPE cexup_workers_busy gauge\n");
	for (pool = 0; pool < POOL_MAX; pool++)
		if (config_pool_on(req->app->cfg, pool))
			buf_printf(b, "cexup_workers_busy{pool=\"%s\"} %u\n",
			    config_pool_name(pool),
			    n[pool][METRICS_STAGE_READING] +
			    n[pool][METRICS_STAGE_RUNNING] +
			    n[pool][METRICS_STAGE_WRITING]);
	buf_puts(b, "# HELP cexup_workers_idle Workers of the pool waiting "
	    "for a request.\n# TYPE cexup_workers_idle gauge\n");
	for (pool = 0; pool < POOL_MAX; pool++)
		if (config_pool_on(req->app->cfg, pool))
			buf_printf(b, "cexup_workers_idle{pool=\"%s\"} %u\n",
			    config_pool_name(pool), n[pool][METRICS_STAGE_IDLE]);
}

void
handle_metrics(struct request *req, struct response *resp)
{
	const struct metrics *sb = req->app->metrics;
	struct buf b;

	if (!netaddr_allowed(req->app->cfg->metrics_allow, req->remote_addr)) {
		response_error(resp, 403, "Forbidden.",
		    "Metrics are only served to the addresses in metrics_allow.");
		return;
	}
	if (sb == NULL) {
		response_error(resp, 404, "Not found.",
		    "This process keeps no metrics.");
		return;
	}
	buf_init(&b, req->arena, 16384);
	write_requests(&b, sb);
	write_latency(&b, sb);
	write_pool_counters(&b, req, sb);
	write_workers(&b, req, sb);
	buf_printf(&b, "# HELP cexup_start_time_seconds When the master "
	    "started (unix time).\n# TYPE cexup_start_time_seconds gauge\n"
	    "cexup_start_time_seconds %" PRId64 "\n", sb->started_at);
	response_bytes(resp, 200, "text/plain; version=0.0.4; charset=utf-8",
	    b.data, b.len);
}
