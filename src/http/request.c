/*
 * request.c - query string access, the request's origin.
 */
#include <string.h>

#include "app/app.h"
#include "app/config.h"
#include "auth/caller.h"
#include "core/arena.h"
#include "core/metrics.h"
#include "core/util.h"
#include "core/validate.h"
#include "http/request.h"
#include "http/response.h"

static int
hex_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes [s, s+len) into the arena; -1 on a bad %XX escape. */
static char *
percent_decode(struct arena *a, const char *s, size_t len, size_t *out_len)
{
	char *out = arena_alloc(a, len + 1);
	size_t i, o = 0;
	int hi, lo;

	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			out[o++] = ' ';
		else if (s[i] == '%') {
			if (i + 2 >= len)
				return NULL;
			hi = hex_value((unsigned char)s[i + 1]);
			lo = hex_value((unsigned char)s[i + 2]);
			if (hi < 0 || lo < 0)
				return NULL;
			out[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else
			out[o++] = s[i];
	}
	out[o] = '\0';
	*out_len = o;
	return out;
}

const char *
request_query_param(struct request *req, const char *name, int *invalid)
{
	const char *p = req->query, *amp, *eq, *value = NULL;
	size_t name_len = strlen(name), seg_len, value_len = 0, out_len;
	char *decoded;

	*invalid = 0;
	while (p != NULL && *p != '\0') {
		amp = strchr(p, '&');
		seg_len = amp ? (size_t)(amp - p) : strlen(p);
		eq = memchr(p, '=', seg_len);
		if ((eq ? (size_t)(eq - p) : seg_len) == name_len &&
		    memcmp(p, name, name_len) == 0) {
			/* The last occurrence wins, as in PHP/Laravel. */
			value = eq ? eq + 1 : p + seg_len;
			value_len = eq ? seg_len - name_len - 1 : 0;
		}
		p = amp ? amp + 1 : NULL;
	}
	if (value == NULL)
		return NULL;
	decoded = percent_decode(req->arena, value, value_len, &out_len);
	if (decoded == NULL || !valid_utf8(decoded, out_len)) {
		*invalid = 1;
		return NULL;
	}
	return decoded;
}

/* Whether host ends in ":port" (after an IPv6 literal's "]"). */
static int
host_has_port(const char *host)
{
	const char *colon = strrchr(host, ':');
	const char *bracket = strrchr(host, ']');

	return colon != NULL && (bracket == NULL || colon > bracket) &&
	    (host[0] == '[' || strchr(host, ':') == colon);
}

static int
is_port(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 5)
			return 0;
	}
	return i > 0;
}

const char *
request_origin(struct request *req)
{
	const char *scheme = req->scheme != NULL ? req->scheme : "http";
	const char *host = req->host != NULL && *req->host != '\0' ?
	    req->host : "localhost";
	const char *port = req->server_port;
	const char *default_port = strcmp(scheme, "https") == 0 ? "443" : "80";

	if (port == NULL || !is_port(port) || strcmp(port, default_port) == 0 ||
	    host_has_port(host))
		return arena_printf(req->arena, "%s://%s", scheme, host);
	return arena_printf(req->arena, "%s://%s:%s", scheme, host, port);
}

void
request_caller(const struct request *req, struct auth_caller *c)
{
	c->db = req->app->db;
	c->arena = req->arena;
	c->api_client_id = req->api_client_id;
	c->remote_addr = req->remote_addr;
	c->user_agent = req->user_agent;
}

int
request_hash_wait_ms(const struct request *req)
{
	long long left = req->app->cfg->hash_wait_ms;

	if (req->queued_ms > 0)
		left -= req->queued_ms;
	if (req->started_ms > 0)
		left -= monotonic_ms() - req->started_ms;
	return left < 0 ? 0 : left > 60000 ? 60000 : (int)left;
}

bool
request_hash_too_late(struct request *req, struct response *resp)
{
	if (request_hash_wait_ms(req) > 0)
		return false;
	metrics_add(req->app->passwords.busy_counter, 1);
	response_busy(resp);
	return true;
}
