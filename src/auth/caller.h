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

/* Text of the client id; sized for any int64. */
#define AUTH_CLIENT_TEXT_SIZE	24

/*
 * The three audit parameters of a statement, in this order: the client
 * app's id (NULL without one; its text goes to client), the address and
 * the user agent.
 */
void	auth_caller_params(const struct auth_caller *,
	    char client[AUTH_CLIENT_TEXT_SIZE], const char **params);

#endif
