/*
 * caller.c - the audit parameters of whoever asks.
 */
#include <inttypes.h>
#include <stdio.h>

#include "auth/caller.h"

void
auth_caller_params(const struct auth_caller *c,
    char client[AUTH_CLIENT_TEXT_SIZE], const char **params)
{
	snprintf(client, AUTH_CLIENT_TEXT_SIZE, "%" PRId64, c->api_client_id);
	params[0] = c->api_client_id > 0 ? client : NULL;
	params[1] = c->remote_addr;
	params[2] = c->user_agent;
}
