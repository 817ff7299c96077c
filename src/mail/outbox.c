/*
 * outbox.c - claim, send and record one outbox row per transaction.
 *
 * One row per transaction, not a batch: a crash between the relay's
 * acceptance and our COMMIT then resends at most that one mail (SMTP gives
 * at least once at that boundary; SKIP LOCKED gives "never by two mailers").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/config.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/log.h"
#include "core/util.h"
#include "mail/message.h"
#include "mail/outbox.h"
#include "mail/smtp.h"

#define ERR_MAX	300	/* last_error is for people: keep it short */

struct mail_outbox {
	const struct config	*cfg;
	struct db		*db;
	struct mail_smtp	*smtp;
	struct arena		*arena;
	char			*from_addr;	/* the envelope sender */
};

/*
 * Soonest due first, by the partial index mail_outbox_pending, so the
 * claim stays cheap however many sent rows are kept (ORDER BY id alone
 * would walk the primary key past them); id breaks ties, so new mail goes
 * out in insertion order.
 */
static const struct db_stmt claim_stmt = { "mail_claim",
	"SELECT id, to_addr, template, params::text, attempts"
	" FROM mail_outbox"
	" WHERE sent_at IS NULL AND next_attempt_at <= now()"
	" ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED", 0 };

static const struct db_stmt sent_stmt = { "mail_sent",
	"UPDATE mail_outbox SET sent_at = now(), params = '{}',"
	" attempts = attempts + 1, last_error = NULL WHERE id = $1", 1 };

/* $3: seconds until the next attempt, NULL to give up. */
static const struct db_stmt failed_stmt = { "mail_failed",
	"UPDATE mail_outbox SET attempts = attempts + 1, last_error = $2,"
	" next_attempt_at = CASE WHEN $3::integer IS NULL"
	"  THEN 'infinity'::timestamptz"
	"  ELSE now() + make_interval(secs => $3::integer) END,"
	" params = CASE WHEN $3::integer IS NULL THEN '{}'::jsonb"
	"  ELSE params END"
	" WHERE id = $1", 3 };

static const struct db_stmt due_stmt = { "mail_due",
	"SELECT greatest(0, ceil(extract(epoch FROM"
	" min(next_attempt_at) - clock_timestamp()) * 1000))::bigint"
	" FROM mail_outbox WHERE sent_at IS NULL"
	" AND next_attempt_at < 'infinity'", 0 };

struct mail_outbox *
mail_outbox_new(const struct config *cfg, struct db *db,
    struct mail_smtp *smtp)
{
	struct mail_outbox *ob = xcalloc(1, sizeof(*ob));
	const char *from;

	ob->cfg = cfg;
	ob->db = db;
	ob->smtp = smtp;
	ob->arena = arena_create(64 * 1024);
	from = mail_from_addr(ob->arena, cfg->smtp_from);
	if (from != NULL)	/* outlives every reset */
		ob->from_addr = xstrdup(from);
	arena_reset(ob->arena);
	return ob;
}

void
mail_outbox_free(struct mail_outbox *ob)
{
	arena_destroy(ob->arena);
	free(ob->from_addr);
	free(ob);
}

/* base * 2^attempts seconds, capped (attempts: those made before this). */
static int
retry_seconds(const struct config *cfg, long attempts)
{
	long s = cfg->mailer_retry_base_seconds;

	while (attempts-- > 0 && s < cfg->mailer_retry_max_seconds)
		s *= 2;
	return (int)(s > cfg->mailer_retry_max_seconds ?
	    cfg->mailer_retry_max_seconds : s);
}

static enum mail_step
step(struct mail_outbox *ob)
{
	const struct config *cfg = ob->cfg;
	struct mail_render r;
	enum mail_result res;
	enum db_status st;
	PGresult *row;
	const char *params[3];
	char err[ERR_MAX], idtext[24], delay[16], *msg;
	size_t len;
	long attempts;
	int retry = 0;

	if (!db_ready(ob->db) || db_begin(ob->db) != DB_OK)
		return MAIL_STEP_DB_DOWN;
	row = db_exec(ob->db, ob->arena, &claim_stmt, NULL, &st);
	if (row == NULL)
		return MAIL_STEP_DB_DOWN;
	if (PQntuples(row) == 0) {
		db_rollback(ob->db);
		return MAIL_STEP_IDLE;
	}
	memset(&r, 0, sizeof(r));
	r.id = db_int(row, 0, 0);
	r.to = db_value(row, 0, 1);
	r.template = db_value(row, 0, 2);
	r.params_json = db_value(row, 0, 3);
	attempts = (long)db_int(row, 0, 4);
	r.templates_dir = cfg->mail_templates_dir;
	r.base_url = cfg->public_base_url;
	r.from = cfg->smtp_from;
	snprintf(idtext, sizeof(idtext), "%lld", (long long)r.id);

	err[0] = '\0';
	if (mail_render_message(ob->arena, &r, &msg, &len, err,
	    sizeof(err)) == -1)
		res = MAIL_PERMFAIL;	/* the same row fails the same way */
	else {
		res = mail_smtp_send(ob->smtp, ob->from_addr, r.to, msg, len,
		    err, sizeof(err));
		/* A 5xx is final only after mailer_max_attempts of them. */
		if (res == MAIL_PERMFAIL &&
		    attempts + 1 < cfg->mailer_max_attempts)
			retry = 1;
		secure_wipe(msg, len);	/* it holds the token */
	}

	params[0] = idtext;
	if (res == MAIL_SENT)
		row = db_exec(ob->db, ob->arena, &sent_stmt, params, &st);
	else {
		if (res == MAIL_TEMPFAIL || retry)
			snprintf(delay, sizeof(delay), "%d",
			    retry_seconds(cfg, attempts));
		params[1] = err;
		params[2] = res == MAIL_TEMPFAIL || retry ? delay : NULL;
		row = db_exec(ob->db, ob->arena, &failed_stmt, params, &st);
	}
	if (row == NULL || db_commit(ob->db) != DB_OK) {
		/* Rolled back: the row is due again, and may be resent. */
		log_warnx("mail %s %s to %s: %s, but recording it failed "
		    "(it will be tried again)", idtext, r.template,
		    mail_addr_domain(r.to),
		    res == MAIL_SENT ? "sent" : "not sent");
		return MAIL_STEP_DB_DOWN;
	}
	if (res == MAIL_SENT)
		log_info("mail %s %s to %s: sent", idtext, r.template,
		    mail_addr_domain(r.to));
	else if (params[2] != NULL)
		log_warnx("mail %s %s to %s: attempt %ld failed, next in %s s: "
		    "%s", idtext, r.template, mail_addr_domain(r.to),
		    attempts + 1, delay, err);
	else
		log_warnx("mail %s %s to %s: given up after %ld attempts: %s",
		    idtext, r.template, mail_addr_domain(r.to), attempts + 1,
		    err);
	return MAIL_STEP_DONE;
}

enum mail_step
mail_outbox_step(struct mail_outbox *ob)
{
	enum mail_step s;

	if (ob->from_addr == NULL) {
		log_warnx("smtp_from '%s' is not an address",
		    ob->cfg->smtp_from);
		return MAIL_STEP_IDLE;
	}
	s = step(ob);
	db_request_done(ob->db);	/* rolls back whatever is left open */
	arena_reset(ob->arena);
	return s;
}

long
mail_outbox_next_due_ms(struct mail_outbox *ob)
{
	enum db_status st;
	PGresult *res;
	long ms = -1;

	res = db_exec(ob->db, ob->arena, &due_stmt, NULL, &st);
	if (res != NULL && PQntuples(res) == 1 && db_value(res, 0, 0) != NULL)
		ms = (long)db_int(res, 0, 0);
	db_request_done(ob->db);
	arena_reset(ob->arena);
	return ms;
}
