/*
 * outbox.h - the mail_outbox table (sql/010_mail_outbox.sql), one row at a
 * time.
 *
 * Each step is one transaction: claim the oldest due row with FOR UPDATE
 * SKIP LOCKED (another mailer skips it), render and send it, record the
 * outcome, COMMIT.  Sent: sent_at = now(), params = '{}' (the token goes).
 * Failed: attempts + 1, last_error, next_attempt_at = now() + base * 2^n
 * capped at the maximum.  A row that cannot be rendered (bad address or
 * template) or that the relay refused with a 5xx for the mailer_max_attempts
 * time is given up: next_attempt_at = 'infinity', params = '{}', sent_at
 * stays NULL and last_error says why.
 */
#ifndef CEXUP_MAIL_OUTBOX_H
#define CEXUP_MAIL_OUTBOX_H

struct config;
struct db;
struct mail_smtp;
struct mail_outbox;

enum mail_step {
	MAIL_STEP_IDLE,		/* nothing due */
	MAIL_STEP_DONE,		/* one row sent, retried or given up */
	MAIL_STEP_DB_DOWN	/* no database: back off and try again */
};

struct mail_outbox	*mail_outbox_new(const struct config *, struct db *,
			    struct mail_smtp *);
void			 mail_outbox_free(struct mail_outbox *);
enum mail_step		 mail_outbox_step(struct mail_outbox *);
/* Milliseconds until the next unsent row is due; -1: none (or no db). */
long			 mail_outbox_next_due_ms(struct mail_outbox *);

#endif
