/*
 * recovery.h - the tokens that account mails carry (password reset, email
 * verification; docs/API.md §10), for the routes of recovery.c and for
 * the registrations, which send the first verification mail.
 *
 * A token is 256 random bits in base64url (session_new_refresh_token's);
 * account_tokens keeps only its SHA-256, mail_outbox (sql/010, sent by
 * `cexup-api mailer`) the raw token until the mail is sent.  Both rows
 * are written by one statement, so a token never exists without its mail
 * nor a mail without its token.
 */
#ifndef CEXUP_API_RECOVERY_H
#define CEXUP_API_RECOVERY_H

#include <stdbool.h>

#include "auth/session.h"

struct request;

/*
 * CTEs (to put after others, each ending the list with no comma) that
 * give every row of the CTE `from` (columns id, name, email) a new token
 * of purpose ("reset" or "verify") and its mail: <purpose>_old marks the
 * user's unused tokens of that purpose used (the latest mail supersedes
 * the older ones), <purpose>_tok stores the hash, <purpose>_mail queues
 * the mail.  hash, ttl and raw are the placeholders ("$9") of the
 * bytea text of the hash, the lifetime in seconds and the raw token.
 */
#define ACCOUNT_MAIL_CTES(purpose, from, hash, ttl, raw) \
	" " purpose "_old AS (" \
	"  UPDATE account_tokens SET used_at = now()" \
	"  WHERE user_id IN (SELECT id FROM " from ")" \
	"  AND purpose = '" purpose "' AND used_at IS NULL)," \
	" " purpose "_tok AS (" \
	"  INSERT INTO account_tokens (user_id, purpose, token_sha256," \
	"   expires_at)" \
	"  SELECT id, '" purpose "', " hash "::bytea," \
	"   now() + make_interval(secs => " ttl "::float8) FROM " from \
	"  RETURNING user_id)," \
	" " purpose "_mail AS (" \
	"  INSERT INTO mail_outbox (to_addr, template, params)" \
	"  SELECT email, '" purpose "'," \
	"   jsonb_build_object('token', " raw "::text, 'name', name)" \
	"  FROM " from " WHERE id IN (SELECT user_id FROM " purpose "_tok))"

/* The three parameters of ACCOUNT_MAIL_CTES. */
struct account_mail {
	char		 hash[SESSION_HASH_TEXT_SIZE];
	char		 ttl[24];
	const char	*token;		/* in the request's arena */
};

/* A fresh token living ttl seconds; false if the random source failed. */
bool	account_mail_prepare(struct request *, struct account_mail *,
	    long ttl);

#endif
