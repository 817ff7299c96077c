/*
 * test_mail.c - the mail message rules (src/mail/message.c): addresses,
 * sender forms, template names, placeholders, the Subject, CRLF, headers.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/arena.h"
#include "mail/message.h"
#include "tap.h"

static void
test_addresses(void)
{
	static const char *good[] = { "a@b.c", "ana.maria+tag@example.com",
	    "x_y-z@sub.example.co.id" };
	static const char *bad[] = { "", "a", "@b.c", "a@", "a@@b.c",
	    "a@b@c", "a b@c.d", "a@b.c\r\nBcc: x@y.z", "a@b.c\n", "<a@b.c>",
	    "a,b@c.d", "a\"b@c.d", "a@b.c.", "a@.b.c", "\xc3\xa9@b.c",
	    "a@b;c.d" };
	size_t i;

	for (i = 0; i < sizeof good / sizeof good[0]; i++)
		ok(mail_addr_ok(good[i]), "address ok: %s", good[i]);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++)
		ok(!mail_addr_ok(bad[i]), "address refused: %zu", i);
	ok(mail_from_ok("no-reply@cexup.com"), "from: plain");
	ok(mail_from_ok("Cexup <no-reply@cexup.com>"), "from: with a name");
	ok(!mail_from_ok("Cexup <no-reply@cexup.com"), "from: unclosed <");
	ok(!mail_from_ok("Cexup <no-reply@cexup.com> x"), "from: trailer");
	ok(!mail_from_ok("Cexup\r\nBcc: a@b.c <n@c.com>"), "from: CRLF");
	ok(!mail_from_ok(""), "from: empty");
	is_str(mail_addr_domain("ana@example.com"), "@example.com",
	    "domain for the log");
	ok(mail_template_name_ok("reset") && mail_template_name_ok("a-b_9"),
	    "template names");
	ok(!mail_template_name_ok("../reset") && !mail_template_name_ok("") &&
	    !mail_template_name_ok("a/b") && !mail_template_name_ok("Reset") &&
	    !mail_template_name_ok("reset.txt"), "template paths refused");
}

static int
render(struct arena *a, const char *tpl, const char *params, char **subject,
    char **body)
{
	char err[256];

	return mail_render_template(a, tpl, strlen(tpl), params,
	    "https://api.example", subject, body, err, sizeof(err));
}

static void
test_templates(void)
{
	struct arena *a = arena_create(4096);
	char *subject, *body, err[256];

	ok(render(a, "Subject: Hi {{name}}\n\nHello {{name}}, {{n}} "
	    "[{{nope}}] {{ x }} {{base_url}}/r?t={{token}}\n", "{\"name\":"
	    "\"Ana\",\"n\":7,\"token\":\"abc\",\"o\":{}}", &subject,
	    &body) == 0, "renders");
	is_str(subject, "Hi {{name}}", "Subject as written");
	is_str(body, "Hello Ana, 7 [] {{ x }} https://api.example/r?t=abc\r\n",
	    "placeholders, unknown empty, CRLF");
	ok(render(a, "Subject: S\r\n\r\nline1\r\nline2", "{}", &subject,
	    &body) == 0, "CRLF template");
	is_str(body, "line1\r\nline2\r\n", "CRLF kept, final line ended");
	ok(render(a, "Subject: S\n\n{{v}}\n", "{\"v\":\"a\\r\\nb\\u0001c\"}",
	    &subject, &body) == 0, "control characters in a value");
	is_str(body, "a  b c\r\n", "become spaces");
	ok(render(a, "Subject: S\n\n{{v}}{{\n", "{\"v\":[1]}", &subject,
	    &body) == 0, "an array value, an open {{");
	is_str(body, "{{\r\n", "nothing for the array; {{ kept");
	ok(render(a, "Hello\n\nbody", "{}", &subject, &body) == -1,
	    "no Subject line: refused");
	ok(render(a, "Subject: S\nbody", "{}", &subject, &body) == -1,
	    "no empty line: refused");
	ok(render(a, "Subject: S\n\nb", "[1]", &subject, &body) == -1,
	    "params not an object: refused");
	ok(render(a, "Subject: S\n\nb", "{", &subject, &body) == -1,
	    "params not JSON: refused");
	ok(mail_render_template(a, "Subject: S\n\n{{base_url}}/r", 26, "{}",
	    "https://api.example//", &subject, &body, err, sizeof(err)) == 0,
	    "base_url with trailing slashes");
	is_str(body, "https://api.example/r\r\n", "trailing slashes dropped");
	ok(render(a, "Subject: a\tb\n\nb", "{}", &subject, &body) == 0,
	    "a tab in the Subject is fine");
	arena_destroy(a);
}

static void
test_message(void)
{
	struct arena *a = arena_create(4096);
	char dir[] = "/tmp/test_mail_XXXXXX", path[64], err[256], *msg;
	struct mail_render r;
	size_t len, i, bare;
	FILE *fp;

	ok(mkdtemp(dir) != NULL, "temporary directory");
	snprintf(path, sizeof(path), "%s/hi.txt", dir);
	fp = fopen(path, "w");
	fputs("Subject: Kata sandi \xc3\xa9t\xc3\xa9 "
	    "0123456789012345678901234567890123456789\n\nHi {{name}}\n", fp);
	fclose(fp);
	memset(&r, 0, sizeof(r));
	r.templates_dir = dir;
	r.template = "hi";
	r.params_json = "{\"name\":\"Bo\"}";
	r.base_url = "https://x";
	r.from = "Cexup <no-reply@cexup.test>";
	r.to = "bo@example.org";
	r.id = 42;
	ok(mail_render_message(a, &r, &msg, &len, err, sizeof(err)) == 0,
	    "message renders");
	ok(strncmp(msg, "Date: ", 6) == 0, "starts with Date");
	ok(strstr(msg, "\r\nFrom: Cexup <no-reply@cexup.test>\r\n") != NULL,
	    "From");
	ok(strstr(msg, "\r\nTo: bo@example.org\r\n") != NULL, "To");
	ok(strstr(msg, "\r\nSubject: =?UTF-8?B?") != NULL &&
	    strstr(msg, "?=\r\n =?UTF-8?B?") != NULL,
	    "non-ASCII Subject: encoded words, folded");
	ok(strstr(msg, "\r\nMessage-ID: <42.") != NULL &&
	    strstr(msg, "@cexup.test>\r\n") != NULL, "Message-ID");
	ok(strstr(msg, "\r\n\r\nHi Bo\r\n") != NULL, "body after the blank line");
	is_int(len, strlen(msg), "length");
	for (i = 0, bare = 0; i < len; i++)
		if (msg[i] == '\n' && (i == 0 || msg[i - 1] != '\r'))
			bare++;
	is_int(bare, 0, "no bare LF: CRLF line ends");
	r.to = "bo@example.org\r\nBcc: x@y.z";
	ok(mail_render_message(a, &r, &msg, &len, err, sizeof(err)) == -1,
	    "header injection in To: refused");
	r.to = "bo@example.org";
	r.template = "../hi";
	ok(mail_render_message(a, &r, &msg, &len, err, sizeof(err)) == -1,
	    "a path as template: refused");
	r.template = "missing";
	ok(mail_render_message(a, &r, &msg, &len, err, sizeof(err)) == -1 &&
	    strstr(err, "No such file") != NULL, "a missing template: %s",
	    err);
	unlink(path);
	rmdir(dir);
	arena_destroy(a);
}

int
main(void)
{
	test_addresses();
	test_templates();
	test_message();
	return done_testing();
}
