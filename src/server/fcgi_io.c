/*
 * fcgi_io.c - libfcgi <-> struct request / struct response.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/routes.h"
#include "app/app.h"
#include "app/config.h"
#include "core/arena.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/util.h"
#include "http/dispatch.h"
#include "http/request.h"
#include "http/response.h"
#include "server/fcgi_guard.h"
#include "server/fcgi_io.h"

/* The params read but not kept in the request. */
struct fcgi_extra_params {
	const char	*content_length, *https, *queued_at;
};

/*
 * Where each param goes: a field of the request (copied into its arena:
 * params die at the next accept) or of fcgi_extra_params (used at once).
 */
#define TO_REQUEST(name, field)	{ name, sizeof(name) - 1, true, \
	offsetof(struct request, field) }
#define TO_EXTRA(name, field)	{ name, sizeof(name) - 1, false, \
	offsetof(struct fcgi_extra_params, field) }

static const struct {
	const char	*name;
	size_t		 len;
	bool		 in_request;
	size_t		 offset;
} wanted_params[] = {
	TO_REQUEST("REQUEST_METHOD", method),
	TO_REQUEST("DOCUMENT_URI", path),
	TO_REQUEST("QUERY_STRING", query),
	TO_REQUEST("CONTENT_TYPE", content_type),
	TO_REQUEST("HTTP_AUTHORIZATION", authorization),
	TO_REQUEST("HTTP_X_API_KEY", api_key),
	TO_REQUEST("HTTP_IF_NONE_MATCH", if_none_match),
	TO_REQUEST("HTTP_IDEMPOTENCY_KEY", idempotency_key),
	TO_REQUEST("REQUEST_ID", request_id),
	TO_REQUEST("REMOTE_ADDR", remote_addr),
	TO_REQUEST("HTTP_HOST", host),
	TO_REQUEST("SERVER_PORT", server_port),
	TO_REQUEST("HTTP_USER_AGENT", user_agent),
	TO_EXTRA("CONTENT_LENGTH", content_length),
	TO_EXTRA("HTTPS", https),
	TO_EXTRA("REQUEST_QUEUED_AT", queued_at),
};

/*
 * One pass over the params for all the names above, where FCGX_GetParam
 * scans them all again for every name (16 scans of about 35 entries, with
 * a string compare each).  The first of repeated names wins, as there.
 */
static void
read_params(char **envp, struct request *req, struct fcgi_extra_params *x)
{
	const char *eq, **slot;
	size_t i, len;

	memset(x, 0, sizeof(*x));
	for (; envp != NULL && *envp != NULL; envp++) {
		if ((eq = strchr(*envp, '=')) == NULL)
			continue;
		len = (size_t)(eq - *envp);
		for (i = 0; i < sizeof(wanted_params) /
		    sizeof(wanted_params[0]); i++) {
			if (wanted_params[i].len != len ||
			    memcmp(wanted_params[i].name, *envp, len) != 0)
				continue;
			slot = (const char **)(void *)((char *)(
			    wanted_params[i].in_request ? (void *)req :
			    (void *)x) + wanted_params[i].offset);
			if (*slot == NULL)
				*slot = wanted_params[i].in_request ?
				    arena_strdup(req->arena, eq + 1) : eq + 1;
			break;
		}
	}
}

struct body_reader {
	FCGX_Request		*fcgi;
	struct metrics_worker	*board;
};

static int
read_body(void *ctx, char *buf, size_t len)
{
	struct body_reader *r = ctx;
	size_t got = 0;
	int n, chunk;

	metrics_worker_stage(r->board, METRICS_STAGE_READING);
	/* FCGX_GetStr takes an int and returns short at the end of stdin. */
	fcgi_guard_input_begin();
	while (got < len) {
		chunk = len - got > 65536 ? 65536 : (int)(len - got);
		n = FCGX_GetStr(buf + got, chunk, r->fcgi->in);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	fcgi_guard_input_end();
	metrics_worker_stage(r->board, METRICS_STAGE_RUNNING);
	return got < len ? -1 : 0;
}

/*
 * Milliseconds since nginx handed the request upstream: REQUEST_QUEUED_AT
 * is its $msec then ("1700000000.123", wall clock: nginx and the worker
 * share a host, or NTP).  -1 when absent, malformed or implausible (a
 * clock step), so that a bad value never refuses a request.
 */
static long
queued_ms(const char *msec)
{
	long long at;

	if (msec == NULL || parse_msec(msec, &at) == -1)
		return -1;
	at = realtime_ms() - at;
	return at < 0 ? 0 : at > 3600 * 1000 ? -1 : (long)at;
}

static long
content_length(const char *s)
{
	long n;

	if (s == NULL || *s == '\0')
		return 0;
	if (parse_long(s, 0, 1L << 40, &n) == -1)
		return -1;
	return n;
}

static void
write_response(FCGX_Request *fcgi, struct arena *a, const struct response *r)
{
	struct buf_head {
		char	*data;
		size_t	 len;
	} h;
	char *p;
	size_t i, cap = 256 + r->n_headers * 256;
	int n;

	h.data = arena_alloc(a, cap);
	n = snprintf(h.data, cap, "Status: %d %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\n", r->status,
	    response_status_text(r->status), r->content_type, r->body_len);
	h.len = (size_t)n;
	for (i = 0; i < r->n_headers; i++) {
		size_t need = strlen(r->headers[i].name) +
		    strlen(r->headers[i].value) + 5;

		if (h.len + need >= cap)
			break;
		p = h.data + h.len;
		h.len += (size_t)snprintf(p, cap - h.len, "%s: %s\r\n",
		    r->headers[i].name, r->headers[i].value);
	}
	h.data[h.len++] = '\r';
	h.data[h.len++] = '\n';
	if (FCGX_PutStr(h.data, (int)h.len, fcgi->out) < 0 ||
	    (r->body_len > 0 && FCGX_PutStr(r->body, (int)r->body_len,
	    fcgi->out) < 0))
		log_debug("client went away before the response was sent");
}

/* A copy safe for a log line: control bytes and spaces become '?'. */
static const char *
printable(struct arena *a, const char *s)
{
	/* At most 512 bytes, never past the string's end. */
	char *copy = arena_strndup(a, s, strnlen(s, 512)), *p;

	for (p = copy; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			*p = '?';
	return copy;
}

static double
elapsed_ms(const struct timespec *start)
{
	struct timespec end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	return (double)(end.tv_sec - start->tv_sec) * 1000.0 +
	    (double)(end.tv_nsec - start->tv_nsec) / 1e6;
}

void
fcgi_handle(struct app *app, FCGX_Request *fcgi)
{
	struct arena *a = app->arena;
	struct request req;
	struct response resp;
	struct body_source body;
	struct body_reader reader = { fcgi, app->board };
	struct fcgi_extra_params extra;
	struct timespec start;
	double seconds;

	clock_gettime(CLOCK_MONOTONIC, &start);
	memset(&req, 0, sizeof(req));
	req.arena = a;
	req.app = app;
	req.started_ms = monotonic_ms();
	read_params(fcgi->envp, &req, &extra);
	req.queued_ms = queued_ms(extra.queued_at);
	req.scheme = extra.https != NULL && *extra.https != '\0' ? "https" :
	    "http";
	if (req.method == NULL)
		req.method = "GET";
	if (req.path == NULL)
		req.path = "/";
	if (req.query == NULL)
		req.query = "";
	if (req.content_type != NULL && *req.content_type == '\0')
		req.content_type = NULL;

	body.content_length = content_length(extra.content_length);
	body.read = read_body;
	body.ctx = &reader;

	metrics_worker_begin(app->board, req.request_id);
	metrics_worker_stage(app->board, METRICS_STAGE_RUNNING);
	response_init(&resp, a);
	if (req.queued_ms > app->cfg->queue_timeout_ms) {
		/*
		 * nginx has given up on it, or is about to: running it now
		 * could commit a write for a client told it failed.
		 */
		metrics_add(metrics_counter(app->metrics, app->pool,
		    METRICS_STALE), 1);
		log_warnx("request id=%s waited %ld ms (queue_timeout_ms "
		    "%d): answered 503 without running it",
		    req.request_id ? printable(a, req.request_id) : "-",
		    req.queued_ms, app->cfg->queue_timeout_ms);
		response_busy(&resp);
	} else
		dispatch(&req, &resp, api_routes, api_routes_count, &body);
	metrics_worker_stage(app->board, METRICS_STAGE_WRITING);
	write_response(fcgi, a, &resp);
	seconds = elapsed_ms(&start) / 1000.0;
	metrics_request(app->metrics, req.route != NULL ? req.route->index :
	    METRICS_MAX_ROUTES, resp.status, seconds);

	/*
	 * One line per request; never a body, token, key or password.
	 * queued: ms in nginx and the backlog before this worker read it.
	 */
	log_info("request id=%s method=%s path=%s status=%d ms=%.1f "
	    "queued=%ld user=%lld",
	    req.request_id ? printable(a, req.request_id) : "-",
	    printable(a, req.method), printable(a, req.path),
	    resp.status, seconds * 1000.0, req.queued_ms,
	    (long long)req.user_id);
}

/*
 * Ends the request.  libfcgi's own close lingers: shutdown(), then wait up
 * to 2 s for the peer to close first, so that unread input cannot make the
 * kernel reset a TCP connection before nginx has read the response.  That
 * wait costs a sleep and a wake-up per request while nginx gets round to
 * closing.  Reading what is left of stdin here removes the risk instead
 * (nginx sends nothing after the end of stdin; its request body is bounded
 * by client_max_body_size), so the connection is closed at once.  On a
 * read error the lingering close stays, bounded by the request's deadline
 * (fcgi_guard.h), as the drain is.
 */
void
fcgi_finish(FCGX_Request *fcgi)
{
	char trash[4096];

	if (fcgi->in != NULL) {
		fcgi_guard_input_begin();
		while (FCGX_GetStr(trash, (int)sizeof(trash), fcgi->in) > 0)
			continue;
		/* Detached: libfcgi closes without shutdown() and waiting. */
		if (FCGX_HasSeenEOF(fcgi->in) == EOF &&
		    FCGX_GetError(fcgi->in) == 0) {
			fcgi_guard_input_end();
			(void)FCGX_Detach(fcgi);
		} else
			(void)FCGX_Attach(fcgi);
	}
	/* Still armed after a failed read: the deadline also ends the
	 * lingering close, which a peer sending a byte every 2 s prolongs. */
	FCGX_Finish_r(fcgi);
	fcgi_guard_input_end();
}
