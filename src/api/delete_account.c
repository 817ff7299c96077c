/*
 * delete_account.c - POST /api/account/delete (docs/API.md §10): a patient
 * removes their account with a live access token and their password.
 *
 * The row is anonymised rather than deleted: appointments keep pointing at
 * it (referential integrity, and the doctor's schedule stays true), while
 * everything personal goes: name, email (replaced by a placeholder, so the
 * address can register again), username, contact and ID fields, the
 * avatar, the password (an unusable hash), its reset and verification
 * tokens and unsent mails, and the addresses, user agents and identifiers
 * in its sessions and audit events.  Every session ends and its refresh
 * tokens are deleted.  One `account_delete` event stays, with the user id
 * and nothing personal.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "api/handlers.h"
#include "api/login.h"
#include "app/app.h"
#include "auth/caller.h"
#include "core/db.h"
#include "core/json.h"
#include "http/bearer.h"
#include "http/param.h"
#include "http/request.h"
#include "http/response.h"

/*
 * All in one statement, so a deletion is whole or not at all.  "old" reads
 * the email before the update (one snapshot) for the lockout counter kept
 * under it.  Compare-and-set on the verified hash ($3).  "!" is no hash
 * format password_verify() knows: it never matches.
 */
static const struct db_stmt delete_account = {
	"account_delete",
	"WITH old AS (SELECT 'id:' || lower(email) AS key, lower(email) AS"
	"  addr FROM users WHERE id = $2),"
	" u AS ("
	"  UPDATE users SET name = 'Deleted user',"
	"   email = 'deleted-' || users.id || '@deleted.invalid',"
	"   username = NULL, password_hash = '!', phone_number = NULL,"
	"   city = NULL, address = NULL, postal_code = NULL, gender = NULL,"
	"   id_type = NULL, id_number = NULL, avatar_sha256 = NULL,"
	"   updated_at = now()"
	"  FROM sessions s WHERE users.id = $2 AND s.id = $1::uuid"
	"  AND s.user_id = users.id AND s.revoked_at IS NULL"
	"  AND users.password_hash = $3 AND users.role = 'patient'"
	"  RETURNING users.id),"
	" av AS (DELETE FROM avatars WHERE user_id IN (SELECT id FROM u)),"
	/* Unused reset and verification tokens die with the account. */
	" at AS (DELETE FROM account_tokens WHERE user_id IN (SELECT id FROM u)),"
	/* Unsent mails hold the address, the name and a token. */
	" mo AS (DELETE FROM mail_outbox WHERE sent_at IS NULL"
	"  AND lower(to_addr) = (SELECT addr FROM old"
	"   WHERE EXISTS (SELECT 1 FROM u))),"
	" s AS ("
	"  UPDATE sessions SET revoked_at = coalesce(revoked_at, now()),"
	"   revoked_reason = coalesce(revoked_reason, 'account_delete'),"
	"   remote_addr = NULL, user_agent = NULL"
	"  WHERE user_id IN (SELECT id FROM u) RETURNING id),"
	" rt AS (DELETE FROM refresh_tokens"
	"  WHERE session_id IN (SELECT id FROM s)),"
	" ev AS (UPDATE auth_events SET identifier = NULL, remote_addr = NULL,"
	"  user_agent = NULL WHERE user_id IN (SELECT id FROM u)),"
	" lf AS (DELETE FROM login_failures WHERE key = 'user:' || $2"
	"  OR key = (SELECT key FROM old WHERE EXISTS (SELECT 1 FROM u))),"
	" e AS ("
	"  INSERT INTO auth_events (event, user_id, session_id, api_client_id)"
	"  SELECT 'account_delete', id, $1::uuid, $4::bigint FROM u)"
	"SELECT id FROM u",
	4
};

void
handle_account_delete(struct request *req, struct response *resp)
{
	char client[AUTH_CLIENT_TEXT_SIZE];
	const char *pw = NULL, *stored, *params[7];
	struct auth_caller caller;
	struct field_errors fe;
	struct json_writer *w;
	size_t pw_len = 0;
	struct bearer b;
	PGresult *res;

	field_errors_init(&fe, req->arena);
	if (param_string(req, &fe, "password", PARAM_REQUIRED, SIZE_MAX, &pw,
	    &pw_len) != PARAM_PRESENT) {
		response_invalid(resp, &fe);
		return;
	}
	if (!bearer_authenticate(req, resp, &b))
		return;
	/* Doctors are in the catalog: the operator removes those. */
	if (!bearer_require_role(&b, resp, "patient",
	    "Only a patient account can be deleted this way."))
		return;
	if (!login_reauthenticate(req, resp, &b, pw, pw_len, &stored))
		return;

	request_caller(req, &caller);
	params[2] = stored;
	/* Only the client app: no address or user agent in this record. */
	auth_caller_params(&caller, client, params + 3);
	/* No row: the session ended, or the password changed meanwhile. */
	if ((res = bearer_query(req, resp, &b, &delete_account, params, NULL,
	    NULL)) == NULL)
		return;
	w = envelope_begin(resp, "Account deleted");
	json_w_null(w);
	envelope_finish(resp, 200, w);
}
