/*
 * apikey.c - look an API key up by its SHA-256.
 */
#include <openssl/sha.h>

#include <stdlib.h>
#include <string.h>

#include "auth/apikey.h"
#include "core/db.h"
#include "core/util.h"
#include "http/request.h"
#include "server/app.h"

#define APIKEY_MAX_LEN	256

static const struct db_stmt find_client = {
	"apikey_find",
	"SELECT id FROM api_clients WHERE key_hash = $1::bytea "
	"AND revoked_at IS NULL",
	1
};

enum apikey_result
apikey_check(struct request *req)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	char hex[2 + SHA256_DIGEST_LENGTH * 2 + 1];
	const char *params[1];
	enum db_status st;
	PGresult *res;
	size_t len;

	if (req->api_key == NULL || *req->api_key == '\0')
		return APIKEY_MISSING;
	len = strlen(req->api_key);
	if (len > APIKEY_MAX_LEN)
		return APIKEY_INVALID;
	SHA256((const unsigned char *)req->api_key, len, digest);
	db_bytea_text(digest, sizeof(digest), hex);
	params[0] = hex;
	res = db_exec(req->app->db, req->arena, &find_client, params, &st);
	if (res == NULL)
		return st == DB_UNAVAILABLE ? APIKEY_UNAVAILABLE :
		    APIKEY_INVALID;
	if (PQntuples(res) != 1)
		return APIKEY_INVALID;
	req->api_client_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	return APIKEY_OK;
}
