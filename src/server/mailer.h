/*
 * mailer.h - `cexup-api mailer`: the process that sends the mail outbox.
 *
 * Runs until SIGTERM/SIGINT (it finishes the mail in hand, then exits 0).
 * Wakes on NOTIFY cexup_mail, when a failed mail is due again, and every
 * mailer_poll_seconds in any case.  Any number may run at once: they share
 * the rows (sql/010_mail_outbox.sql, src/mail/outbox.h).
 */
#ifndef CEXUP_SERVER_MAILER_H
#define CEXUP_SERVER_MAILER_H

struct config;

/* Returns the process exit status. */
int	mailer_run(const struct config *);

#endif
