/*
 * caller.h - where an auth operation runs and for whom: the database
 * connection and arena of the request, and who is asking (client app,
 * address, user agent), which every audit event records.  The HTTP layer
 * fills it from the request; auth/ never sees a request.
 */
#ifndef CEXUP_CALLER_H
#define CEXUP_CALLER_H

#include <stdint.h>

struct arena;
struct db;

struct auth_caller {
	struct db	*db;
	struct arena	*arena;
	int64_t		 api_client_id;	/* 0: no key presented */
	const char	*remote_addr;
	const char	*user_agent;
};

#endif
