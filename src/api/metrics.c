/*
 * metrics.c - GET /api/metrics in the Prometheus text format: the node's
 * scoreboard, summed over all its workers.  Only addresses in
 * metrics_allow may read it (the figures reveal traffic, not secrets).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "api/handlers.h"
#include "api/routes.h"
#include "core/buf.h"
#include "core/netaddr.h"
#include "http/request.h"
#include "http/response.h"
#include "server/app.h"
#include "server/config.h"
#include "server/scoreboard.h"

static uint64_t
load(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

static const char *
route_label(size_t row)
{
	return row < api_routes_count ? api_routes[row].pattern : "unmatched";
}

static void
write_requests(struct buf *b, const struct scoreboard *sb)
{
	size_t row, st;
	uint64_t n;
	char status[8];

	buf_puts(b, "# HELP cexup_requests_total Requests answered, by route "
	    "pattern and status.\n# TYPE cexup_requests_total counter\n");
	for (row = 0; row <= SB_MAX_ROUTES; row++) {
		if (row >= api_routes_count && row != SB_MAX_ROUTES)
			continue;
		for (st = 0; st <= sb_n_statuses; st++) {
			if ((n = load(&sb->requests[row][st])) == 0)
				continue;
			if (st < sb_n_statuses)
				snprintf(status, sizeof(status), "%d",
				    sb_statuses[st]);
			else
				strcpy(status, "other");
			buf_printf(b, "cexup_requests_total{route=\"%s\","
			    "status=\"%s\"} %" PRIu64 "\n", route_label(row),
			    status, n);
		}
	}
}

static void
write_latency(struct buf *b, const struct scoreboard *sb)
{
	size_t row, k;
	uint64_t cumulative, total;

	buf_puts(b, "# HELP cexup_request_duration_seconds Time from the "
	    "request's arrival at a worker to its response.\n"
	    "# TYPE cexup_request_duration_seconds histogram\n");
	for (row = 0; row <= SB_MAX_ROUTES; row++) {
		if (row >= api_routes_count && row != SB_MAX_ROUTES)
			continue;
		for (total = 0, k = 0; k <= SB_N_BUCKETS; k++)
			total += load(&sb->latency[row][k]);
		if (total == 0)
			continue;
		for (cumulative = 0, k = 0; k <= SB_N_BUCKETS; k++) {
			cumulative += load(&sb->latency[row][k]);
			if (k < SB_N_BUCKETS)
				buf_printf(b, "cexup_request_duration_seconds_"
				    "bucket{route=\"%s\",le=\"%g\"} %" PRIu64
				    "\n", route_label(row), sb_bucket_bounds[k],
				    cumulative);
			else
				buf_printf(b, "cexup_request_duration_seconds_"
				    "bucket{route=\"%s\",le=\"+Inf\"} %" PRIu64
				    "\n", route_label(row), cumulative);
		}
		buf_printf(b, "cexup_request_duration_seconds_sum{route=\"%s\"} "
		    "%.6f\n", route_label(row),
		    (double)load(&sb->latency_sum_us[row]) / 1e6);
		buf_printf(b, "cexup_request_duration_seconds_count{route=\"%s\"} "
		    "%" PRIu64 "\n", route_label(row), total);
	}
}

static void
write_counter(struct buf *b, const char *name, const char *help, uint64_t v)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s counter\n%s %" PRIu64 "\n",
	    name, help, name, name, v);
}

void
handle_metrics(struct request *req, struct response *resp)
{
	const struct scoreboard *sb = scoreboard;
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
	write_counter(&b, "cexup_db_errors_total",
	    "Failed database statements (connection losses included).",
	    load(&sb->db_errors));
	write_counter(&b, "cexup_db_reconnects_total",
	    "Database connections re-established after a loss.",
	    load(&sb->db_reconnects));
	write_counter(&b, "cexup_hash_slot_timeouts_total",
	    "Logins or registrations refused because no hash slot came free.",
	    load(&sb->hash_busy));
	write_counter(&b, "cexup_worker_starts_total", "Workers started.",
	    load(&sb->worker_starts));
	write_counter(&b, "cexup_worker_restarts_total",
	    "Workers that died (signal or error exit) and were replaced.",
	    load(&sb->worker_crashes));
	write_counter(&b, "cexup_worker_recycles_total",
	    "Workers that exited after max_requests and were replaced.",
	    load(&sb->worker_recycles));
	buf_printf(&b, "# HELP cexup_start_time_seconds When the master "
	    "started (unix time).\n# TYPE cexup_start_time_seconds gauge\n"
	    "cexup_start_time_seconds %" PRId64 "\n", sb->started_at);
	response_bytes(resp, 200, "text/plain; version=0.0.4; charset=utf-8",
	    b.data, b.len);
}
