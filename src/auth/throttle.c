/*
 * throttle.c - the failed-login counter in PostgreSQL.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/caller.h"
#include "auth/throttle.h"
#include "core/arena.h"
#include "core/db.h"

/*
 * One atomic upsert counts the failure and sets the lock; concurrent
 * failures of one key serialise on its row, so none is lost.  $2..$4 are
 * the lockout settings, $5 how long a counter is remembered.
 */
#define NEXT_COUNT \
	"CASE WHEN lf.last_failure_at < now() - make_interval(secs => " \
	"$5::float8) THEN 1 ELSE lf.failures + 1 END"

static const struct db_stmt count_failure = {
	"throttle_failure",
	"WITH f AS ("
	"  INSERT INTO login_failures AS lf (key, failures, locked_until,"
	"   last_failure_at)"
	"  VALUES ($1, 1, login_locked_until(1, $2, $3, $4), now())"
	"  ON CONFLICT (key) DO UPDATE SET"
	"   failures = " NEXT_COUNT ","
	"   locked_until = login_locked_until(" NEXT_COUNT ", $2, $3, $4),"
	"   last_failure_at = now()"
	"  RETURNING failures,"
	"   coalesce(ceil(extract(epoch FROM locked_until - now())), 0)"
	"   AS lock_seconds),"
	" e AS ("
	"  INSERT INTO auth_events (event, user_id, identifier, api_client_id,"
	"   remote_addr, user_agent)"
	"  SELECT 'login_failed', $6::bigint, left($7, 254), $8::bigint, $9,"
	"   left($10, 512)"
	"  UNION ALL"
	"  SELECT 'lockout', $6::bigint, left($7, 254), $8::bigint, $9,"
	"   left($10, 512)"
	"  FROM f WHERE lock_seconds > 0)"
	"SELECT failures, lock_seconds::bigint FROM f",
	10
};

static const struct db_stmt record_blocked = {
	"throttle_blocked",
	"INSERT INTO auth_events (event, user_id, identifier, api_client_id,"
	" remote_addr, user_agent)"
	" VALUES ('login_blocked', $1, left($2, 254), $3, $4, left($5, 512))",
	5
};

static const struct db_stmt clear_failures = {
	"throttle_reset",
	"DELETE FROM login_failures WHERE key = $1",
	1
};

const char *
throttle_key(struct arena *a, int64_t user_id, const char *identifier)
{
	size_t len, i;
	char *key;

	if (user_id > 0)
		return arena_printf(a, "user:%" PRId64, user_id);
	len = strlen(identifier);
	if (len > THROTTLE_KEY_MAX - 3) {
		len = THROTTLE_KEY_MAX - 3;
		/* Never cut a UTF-8 sequence: PostgreSQL would refuse it. */
		while (len > 0 && ((unsigned char)identifier[len] & 0xc0) ==
		    0x80)
			len--;
	}
	key = arena_printf(a, "id:%.*s", (int)len, identifier);
	for (i = 3; key[i] != '\0'; i++)
		if (key[i] >= 'A' && key[i] <= 'Z')
			key[i] = (char)(key[i] - 'A' + 'a');
	return key;
}

static void
event_params(const struct auth_caller *c, int64_t user_id,
    const char *identifier, char uid[24],
    char client[AUTH_CLIENT_TEXT_SIZE], const char **params)
{
	snprintf(uid, 24, "%" PRId64, user_id);
	params[0] = user_id > 0 ? uid : NULL;
	params[1] = identifier;
	auth_caller_params(c, client, params + 2);
}

enum db_status
throttle_record_failure(const struct auth_caller *c,
    const struct lockout_params *lp, const char *key, int64_t user_id,
    const char *identifier, long *locked_seconds)
{
	char threshold[16], base[16], max[16], memory[16], uid[24], client[24];
	const char *params[10];
	enum db_status st;
	PGresult *res;

	*locked_seconds = 0;
	snprintf(threshold, sizeof(threshold), "%d", lp->threshold);
	snprintf(base, sizeof(base), "%d", lp->base_seconds);
	snprintf(max, sizeof(max), "%d", lp->max_seconds);
	snprintf(memory, sizeof(memory), "%d", lp->memory_seconds);
	params[0] = key;
	params[1] = threshold;
	params[2] = base;
	params[3] = max;
	params[4] = memory;
	event_params(c, user_id, identifier, uid, client, params + 5);
	res = db_exec(c->db, c->arena, &count_failure, params, &st);
	if (res == NULL)
		return st;
	if (PQntuples(res) == 1)
		*locked_seconds = strtol(PQgetvalue(res, 0, 1), NULL, 10);
	return DB_OK;
}

void
throttle_record_blocked(const struct auth_caller *c, int64_t user_id,
    const char *identifier)
{
	char uid[24], client[24];
	const char *params[5];
	enum db_status st;

	event_params(c, user_id, identifier, uid, client, params);
	(void)db_exec(c->db, c->arena, &record_blocked, params, &st);
}

void
throttle_reset(const struct auth_caller *c, const char *key)
{
	const char *params[1] = { key };
	enum db_status st;

	(void)db_exec(c->db, c->arena, &clear_failures, params, &st);
}
