/*
 * apikey.c - create, list and revoke client API keys.
 *
 * A key is 256 random bits in base64url, shown once on stdout (and nothing
 * else there: scripts capture it); only its SHA-256 is stored.  Everything
 * meant for a person goes to stderr.
 */
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/config.h"
#include "cli/apikey.h"
#include "core/arena.h"
#include "core/base64.h"
#include "core/db.h"
#include "core/digest.h"
#include "core/util.h"
#include "core/validate.h"

#define KEY_BYTES	32
#define APP_NAME_MAX_BYTES	100

static const struct db_stmt insert_client = {
	"cli_apikey_insert",
	"INSERT INTO api_clients (name, key_hash) VALUES ($1, $2::bytea)"
	" RETURNING id",
	2
};

static const struct db_stmt list_clients = {
	"cli_apikey_list",
	"SELECT id, to_char(created_at AT TIME ZONE 'UTC',"
	" 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	" coalesce(to_char(revoked_at AT TIME ZONE 'UTC',"
	" 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), '-'), name"
	" FROM api_clients ORDER BY id",
	0
};

static const struct db_stmt revoke_client = {
	"cli_apikey_revoke",
	"WITH r AS (UPDATE api_clients SET revoked_at = now()"
	"  WHERE id = $1 AND revoked_at IS NULL RETURNING name)"
	"SELECT 'revoked', name FROM r"
	" UNION ALL "
	"SELECT 'already', name FROM api_clients"
	" WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM r)",
	1
};

static void
usage(void)
{
	fprintf(stderr, "usage: cexup-api apikey create NAME\n"
	    "       cexup-api apikey list\n"
	    "       cexup-api apikey revoke ID\n");
}

static int
valid_client_name(const char *s)
{
	size_t len = strlen(s), i;

	if (len == 0 || len > APP_NAME_MAX_BYTES || !valid_utf8(s, len))
		return 0;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return 0;
	return 1;
}

static int
report_db_error(const char *what, enum db_status st)
{
	fprintf(stderr, "apikey %s: %s\n", what, st == DB_UNAVAILABLE ?
	    "cannot reach the database (see database_url)" :
	    "the database refused the statement");
	return 1;
}

static int
create_key(struct db *db, struct arena *a, const char *name)
{
	unsigned char raw[KEY_BYTES], digest[DIGEST_SHA256_LEN];
	char key[BASE64URL_ENCODED_SIZE(KEY_BYTES)];
	char hash_text[2 * DIGEST_SHA256_LEN + 3];
	const char *params[2];
	enum db_status st;
	PGresult *res;

	if (!valid_client_name(name)) {
		fprintf(stderr, "apikey create: NAME must be 1..%d bytes of "
		    "printable UTF-8\n", APP_NAME_MAX_BYTES);
		return 2;
	}
	if (RAND_bytes(raw, sizeof(raw)) != 1) {
		fprintf(stderr, "apikey create: no randomness\n");
		return 1;
	}
	base64url_encode(raw, sizeof(raw), key);
	OPENSSL_cleanse(raw, sizeof(raw));
	digest_sha256(key, strlen(key), digest);
	db_bytea_text(digest, sizeof(digest), hash_text);
	params[0] = name;
	params[1] = hash_text;
	if ((res = db_exec(db, a, &insert_client, params, &st)) == NULL) {
		OPENSSL_cleanse(key, sizeof(key));
		return report_db_error("create", st);
	}
	printf("%s\n", key);
	fflush(stdout);
	OPENSSL_cleanse(key, sizeof(key));
	fprintf(stderr, "apikey: created client %s (%s); the key above is "
	    "shown only this once\n", PQgetvalue(res, 0, 0), name);
	return 0;
}

static int
list_keys(struct db *db, struct arena *a)
{
	enum db_status st;
	PGresult *res;
	int i;

	if ((res = db_exec(db, a, &list_clients, NULL, &st)) == NULL)
		return report_db_error("list", st);
	printf("%-6s %-8s %-20s %-20s %s\n", "ID", "STATUS", "CREATED",
	    "REVOKED", "NAME");
	for (i = 0; i < PQntuples(res); i++)
		printf("%-6s %-8s %-20s %-20s %s\n", PQgetvalue(res, i, 0),
		    strcmp(PQgetvalue(res, i, 2), "-") == 0 ? "active" :
		    "revoked", PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
		    PQgetvalue(res, i, 3));
	return 0;
}

static int
revoke_key(struct db *db, struct arena *a, const char *id_text)
{
	const char *params[1];
	enum db_status st;
	PGresult *res;
	long id;

	if (parse_long(id_text, 1, 1L << 62, &id) == -1) {
		fprintf(stderr, "apikey revoke: ID must be a positive "
		    "integer (see `apikey list`)\n");
		return 2;
	}
	params[0] = id_text;
	if ((res = db_exec(db, a, &revoke_client, params, &st)) == NULL)
		return report_db_error("revoke", st);
	if (PQntuples(res) == 0) {
		fprintf(stderr, "apikey revoke: no client with id %ld\n", id);
		return 1;
	}
	if (strcmp(PQgetvalue(res, 0, 0), "already") == 0) {
		fprintf(stderr, "apikey revoke: client %ld (%s) was already "
		    "revoked\n", id, PQgetvalue(res, 0, 1));
		return 1;
	}
	fprintf(stderr, "apikey: revoked client %ld (%s)\n", id,
	    PQgetvalue(res, 0, 1));
	return 0;
}

int
cli_apikey(const struct config *cfg, int argc, char **argv)
{
	struct arena *a;
	struct db *db;
	int rc;

	if (argc < 2 || (strcmp(argv[1], "list") == 0 && argc != 2) ||
	    (strcmp(argv[1], "list") != 0 && argc != 3)) {
		usage();
		return 2;
	}
	if (strcmp(argv[1], "create") != 0 && strcmp(argv[1], "list") != 0 &&
	    strcmp(argv[1], "revoke") != 0) {
		usage();
		return 2;
	}
	a = arena_create(16 * 1024);
	db = db_open(cfg->database_url, cfg->statement_timeout_ms,
	    cfg->db_connect_timeout);
	if (strcmp(argv[1], "create") == 0)
		rc = create_key(db, a, argv[2]);
	else if (strcmp(argv[1], "list") == 0)
		rc = list_keys(db, a);
	else
		rc = revoke_key(db, a, argv[2]);
	arena_destroy(a);
	db_close(db);
	return rc;
}
