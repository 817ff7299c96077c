/*
 * request.h - one FastCGI request as the handlers see it.
 *
 * Every string is a copy in the request arena (libfcgi frees its params at the
 * next accept).  Handlers never touch libfcgi: that keeps them testable.
 */
#ifndef CEXUP_REQUEST_H
#define CEXUP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct response;
struct app;
struct auth_caller;
struct json_value;
struct route;

#define REQUEST_MAX_PATH_PARAMS	4

struct request {
	struct arena		*arena;
	struct app		*app;		/* the worker's long-lived state */

	const char		*method;	/* REQUEST_METHOD */
	const char		*path;		/* DOCUMENT_URI: decoded, no query */
	const char		*query;		/* QUERY_STRING, "" when absent */
	const char		*content_type;	/* NULL when absent */
	const char		*authorization;	/* HTTP_AUTHORIZATION */
	const char		*api_key;	/* HTTP_X_API_KEY */
	const char		*if_none_match;	/* HTTP_IF_NONE_MATCH */
	const char		*idempotency_key; /* HTTP_IDEMPOTENCY_KEY */
	const char		*request_id;	/* REQUEST_ID, set by nginx */
	const char		*remote_addr;
	const char		*scheme;	/* "https" when HTTPS=on */
	const char		*host;		/* HTTP_HOST */
	const char		*server_port;	/* SERVER_PORT */
	const char		*user_agent;
	/*
	 * Time between nginx handing the request upstream (its $msec, passed
	 * as REQUEST_QUEUED_AT) and this worker reading it: nginx and the
	 * backlog.  -1 when unknown.  started_ms: CLOCK_MONOTONIC then.
	 */
	long			 queued_ms;
	long long		 started_ms;

	const char		*body;		/* NUL-terminated copy */
	size_t			 body_len;

	const struct route	*route;
	const char		*path_params[REQUEST_MAX_PATH_PARAMS];
	size_t			 n_path_params;

	struct json_value	*json;		/* parsed body (object) or NULL */
	int64_t			 api_client_id;	/* 0: no key presented */
	int64_t			 user_id;	/* 0 until authenticated */
	/* Set by respcache_lookup_raw: the request's bytes, as a key. */
	const char		*raw_cache_key;
	size_t			 raw_cache_key_len;
	/* Set by respcache_lookup on a miss: store the answer under it. */
	const char		*cache_key;
	size_t			 cache_key_len;
	uint64_t		 cache_epoch;
};

/*
 * What is left of hash_wait_ms for this request, counted from its arrival
 * in nginx (the queue, then the work done so far); <= 0: refuse, do not
 * hash.
 */
int		request_hash_wait_ms(const struct request *);
/*
 * True when that is already spent: the request has been answered 503
 * (counted as a hash refusal) before any database work, so that a refusal
 * under a flood costs next to nothing.  Handlers that hash call it once
 * their input is valid.
 */
bool		request_hash_too_late(struct request *, struct response *);

/*
 * Value of query parameter `name`, percent-decoded ('+' is a space), in the
 * arena; NULL if absent.  Sets *invalid when the value decodes to bytes that
 * are not valid UTF-8 or contain NUL (the value is then NULL).
 */
const char	*request_query_param(struct request *, const char *name,
		    int *invalid);

/*
 * "scheme://host[:port]" of this request, in the arena.  nginx passes
 * HTTP_HOST as $host (Debian's fastcgi_params), which has no port, so the
 * port nginx accepted on is added unless it is the scheme's default or the
 * host already names one.  Behind a proxy that changes the port or scheme,
 * the operator sets public_base_url instead.
 */
const char	*request_origin(struct request *);

/* The auth modules' view of this request: connection, arena, who asks. */
void		 request_caller(const struct request *, struct auth_caller *);

#endif
