/*
 * smtp.h - sending one message to the relay with libcurl.
 *
 * One curl handle for the mailer's life, so consecutive mails reuse the
 * relay connection.  TLS: smtps:// is implicit TLS; for smtp:// smtp_tls
 * chooses STARTTLS when offered (try), always (required) or never (off).
 * The peer certificate is verified.  AUTH uses the first line of
 * smtp_credentials_file, "user:password" (the password may hold ':').
 */
#ifndef CEXUP_MAIL_SMTP_H
#define CEXUP_MAIL_SMTP_H

#include <stddef.h>

struct config;
struct mail_smtp;

enum mail_result {
	MAIL_SENT,
	MAIL_TEMPFAIL,	/* no connection, timeout, 4xx: retry */
	MAIL_PERMFAIL	/* a 5xx reply or a message we cannot build */
};

/*
 * Reads the credentials (the file must not be readable by group or
 * others) and prepares the handle.  NULL with the reason in err.
 */
struct mail_smtp	*mail_smtp_open(const struct config *, char *err,
			    size_t errsize);
void			 mail_smtp_close(struct mail_smtp *);

/*
 * Sends msg from envelope sender `from` to `to`.  On failure err holds
 * curl's error text and the last SMTP reply code: never the message.
 */
enum mail_result	 mail_smtp_send(struct mail_smtp *, const char *from,
			    const char *to, const char *msg, size_t len,
			    char *err, size_t errsize);

#endif
