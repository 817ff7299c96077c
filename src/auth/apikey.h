/*
 * apikey.h - x-api-key of white-label client apps (CONTRACT §3, §9).
 * Keys are random, shown once, stored as SHA-256.
 */
#ifndef CEXUP_APIKEY_H
#define CEXUP_APIKEY_H

struct request;

enum apikey_result {
	APIKEY_OK,		/* req->api_client_id set */
	APIKEY_MISSING,
	APIKEY_INVALID,		/* unknown or revoked */
	APIKEY_UNAVAILABLE	/* database down: 503 */
};

enum apikey_result	apikey_check(struct request *);

#endif
