/*
 * message.h - a mail from an outbox row: template, placeholders, headers.
 *
 * A template is a plain text file <mail_templates_dir>/<name>.txt: its first
 * line is "Subject: ...", then one empty line, then the body.  {{key}} in
 * the body is replaced by params[key] (a JSON object: strings and numbers)
 * or by {{base_url}} (public_base_url); unknown keys become empty.  The
 * Subject is taken from the template as written (no placeholders), and the
 * To and From addresses are checked, so nothing from a row can add a
 * header line.
 */
#ifndef CEXUP_MAIL_MESSAGE_H
#define CEXUP_MAIL_MESSAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

#define MAIL_TEMPLATE_MAX	65536	/* bytes of a template file */

/* A plain addr-spec: local@domain, printable ASCII, no space or specials. */
bool		 mail_addr_ok(const char *);
/* The addr-spec of "addr" or "Display Name <addr>"; NULL if malformed. */
const char	*mail_from_addr(struct arena *, const char *from);
/* The same check without an arena (configuration checks). */
bool		 mail_from_ok(const char *from);
/* [a-z0-9_-]{1,64}: a file name, never a path. */
bool		 mail_template_name_ok(const char *);
/* "@example.com" for the logs (the address itself is personal data). */
const char	*mail_addr_domain(const char *);

struct mail_render {
	const char	*templates_dir;
	const char	*template;	/* name without .txt */
	const char	*params_json;	/* JSON object text */
	const char	*base_url;
	const char	*from;		/* smtp_from as configured */
	const char	*to;
	int64_t		 id;		/* outbox row, for the Message-ID */
};

/*
 * The whole message (headers Date, From, To, Subject, Message-ID, MIME;
 * CRLF line ends) in *out.  Returns 0, or -1 with the reason in err (a bad
 * address, template or params: retrying will not help).
 */
int	mail_render_message(struct arena *, const struct mail_render *,
	    char **out, size_t *outlen, char *err, size_t errsize);

/* Only the subject and body (for tests). */
int	mail_render_template(struct arena *, const char *text, size_t len,
	    const char *params_json, const char *base_url, char **subject,
	    char **body, char *err, size_t errsize);

#endif
