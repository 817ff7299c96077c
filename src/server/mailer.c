/*
 * mailer.c - the outbox loop with its signals, waits and reconnects.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app/config.h"
#include "core/db.h"
#include "core/log.h"
#include "mail/message.h"
#include "mail/outbox.h"
#include "mail/smtp.h"
#include "server/mailer.h"
#include "server/notify.h"

#define DB_BACKOFF_MAX_MS	30000
#define IDLE_MIN_MS		200

static volatile sig_atomic_t stopping;

static void
on_signal(int signo)
{
	(void)signo;
	stopping = 1;
}

int
mailer_run(const struct config *cfg)
{
	struct mail_outbox *ob;
	struct mail_smtp *smtp;
	struct sigaction sa;
	struct db *db;
	sigset_t block, waitmask;
	char err[512];
	long due, wait_ms, db_backoff = 0;
	enum mail_step s;
	int sent = 0;

	log_set_role("mailer");
	if (!mail_from_ok(cfg->smtp_from)) {
		log_warnx("mailer: smtp_from must be an address "
		    "(addr or \"Name <addr>\"), got '%s'", cfg->smtp_from);
		return 1;
	}
	if (cfg->public_base_url[0] == '\0') {
		log_warnx("mailer: public_base_url is not set (the links in "
		    "the mails are built from it)");
		return 1;
	}
	if ((smtp = mail_smtp_open(cfg, err, sizeof(err))) == NULL) {
		log_warnx("mailer: %s", err);
		return 1;
	}

	/*
	 * SIGTERM stays blocked except inside the waits (ppoll), so a mail
	 * being sent is always finished and recorded before we exit.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);

	db = db_open(cfg->database_url, cfg->statement_timeout_ms,
	    cfg->db_connect_timeout);
	db_listen(db, "cexup_mail");
	ob = mail_outbox_new(cfg, db, smtp);
	log_info("mailer started: relay %s, TLS %s%s", cfg->smtp_url,
	    cfg->smtp_tls, cfg->smtp_credentials_file[0] ? ", AUTH" : "");
	notify_systemd("READY=1");

	while (!stopping) {
		s = mail_outbox_step(ob);
		if (s == MAIL_STEP_DONE) {
			db_backoff = 0;
			sent++;
			continue;
		}
		if (s == MAIL_STEP_DB_DOWN) {
			/* 0.5 s, doubling to 30 s, while the database is away. */
			db_backoff = db_backoff == 0 ? 500 :
			    db_backoff * 2 > DB_BACKOFF_MAX_MS ?
			    DB_BACKOFF_MAX_MS : db_backoff * 2;
			(void)db_wait(db, (int)db_backoff, &waitmask);
			continue;
		}
		db_backoff = 0;
		wait_ms = cfg->mailer_poll_seconds * 1000L;
		due = mail_outbox_next_due_ms(ob);
		if (due >= 0 && due < wait_ms)
			wait_ms = due;
		/*
		 * Due yet not claimed: another mailer holds it.  Do not spin
		 * while it sends.
		 */
		if (wait_ms < IDLE_MIN_MS)
			wait_ms = IDLE_MIN_MS;
		(void)db_wait(db, (int)wait_ms, &waitmask);
	}
	notify_systemd("STOPPING=1");
	log_info("mailer stopping (%d mails handled)", sent);
	mail_outbox_free(ob);
	db_close(db);
	mail_smtp_close(smtp);
	return 0;
}
