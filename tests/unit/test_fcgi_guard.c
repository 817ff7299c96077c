/*
 * test_fcgi_guard.c - the check of a FastCGI request's head
 * (BEGIN_REQUEST and PARAMS) before libfcgi reads it.
 */
#include <stdlib.h>
#include <string.h>

#include "server/fcgi_guard.h"
#include "tap.h"

static unsigned char	buf[FCGI_GUARD_MAX_HEAD * 2];
static size_t		used;

static void
put(const void *p, size_t n)
{
	if (used + n > sizeof(buf))
		abort();
	memcpy(buf + used, p, n);
	used += n;
}

static void
header(int version, int type, unsigned id, size_t content, size_t padding)
{
	unsigned char h[8] = { (unsigned char)version, (unsigned char)type,
	    (unsigned char)(id >> 8), (unsigned char)id,
	    (unsigned char)(content >> 8), (unsigned char)content,
	    (unsigned char)padding, 0 };

	put(h, sizeof(h));
}

static void
record(int type, const void *content, size_t len)
{
	static const unsigned char zeros[8];
	size_t pad = (8 - len % 8) % 8;

	header(1, type, 1, len, pad);
	put(content, len);
	put(zeros, pad);
}

static void
begin(int role, int flags)
{
	unsigned char body[8] = { 0, (unsigned char)role, (unsigned char)flags };

	record(1, body, sizeof(body));
}

/* Appends one name-value pair to p (lengths in 1 or 4 bytes). */
static size_t
pair(unsigned char *p, const char *name, size_t name_len, const char *value,
    size_t value_len, int long_lengths)
{
	size_t n = 0, lens[2] = { name_len, value_len }, i;

	for (i = 0; i < 2; i++) {
		if (lens[i] < 128 && !long_lengths) {
			p[n++] = (unsigned char)lens[i];
		} else {
			p[n++] = (unsigned char)(lens[i] >> 24 | 0x80);
			p[n++] = (unsigned char)(lens[i] >> 16);
			p[n++] = (unsigned char)(lens[i] >> 8);
			p[n++] = (unsigned char)lens[i];
		}
	}
	memcpy(p + n, name, name_len);
	n += name_len;
	memcpy(p + n, value, value_len);
	return n + value_len;
}

static unsigned char	params[70000];
static char		big_value[70000];	/* never params itself: no overlap */

static size_t
health_params(void)
{
	size_t n = 0;

	n += pair(params + n, "REQUEST_METHOD", 14, "GET", 3, 0);
	n += pair(params + n, "DOCUMENT_URI", 12, "/api/health", 11, 0);
	n += pair(params + n, "HTTP_X", 6, "a=b", 3, 1);
	n += pair(params + n, "EMPTY", 5, "", 0, 0);
	return n;
}

static enum fcgi_guard_verdict
check(struct fcgi_guard_result *r)
{
	return fcgi_guard_check(buf, used, r);
}

static void
expect_invalid(const char *what, const char *reason)
{
	struct fcgi_guard_result r;

	is_int(check(&r), FCGI_GUARD_INVALID, what);
	ok(r.reason != NULL && strstr(r.reason, reason) != NULL,
	    "  reason: %s", r.reason ? r.reason : "(none)");
}

static void
test_valid(void)
{
	struct fcgi_guard_result r;
	size_t n = health_params(), head, len;
	int incomplete = 1;

	used = 0;
	begin(1, 1);
	record(4, params, n);
	record(4, "", 0);
	head = used;
	record(5, "{}", 2);
	record(5, "", 0);
	is_int(check(&r), FCGI_GUARD_COMPLETE, "nginx's head is complete");
	is_int(r.length, head, "  its length ends at the empty PARAMS record");
	is_int(r.pairs, 4, "  4 params");
	is_int(r.params_bytes, n, "  params bytes");
	ok(r.input_complete, "  and its STDIN ends within the bytes seen");
	for (len = 0; len < head; len++)
		if (fcgi_guard_check(buf, len, &r) != FCGI_GUARD_INCOMPLETE)
			incomplete = 0;
	ok(incomplete, "every shorter prefix is incomplete");
	/* Every prefix that stops short of the empty STDIN record. */
	incomplete = 1;
	for (len = head; len < used; len++)
		if (fcgi_guard_check(buf, len, &r) != FCGI_GUARD_COMPLETE ||
		    r.input_complete)
			incomplete = 0;
	ok(incomplete, "STDIN cut anywhere before its end: the head is "
	    "complete, the input is not");
	is_int(fcgi_guard_check(buf, used, &r), FCGI_GUARD_COMPLETE,
	    "  the whole of it again");
	ok(r.input_complete, "  is complete input");

	/* STDIN of another request id, or another record: not ours. */
	used = head;
	header(1, 5, 2, 0, 0);
	check(&r);
	ok(!r.input_complete, "an empty STDIN of another request id does "
	    "not end the input");
	used = head;
	record(6, "x", 1);
	record(5, "", 0);
	check(&r);
	ok(!r.input_complete, "a record other than STDIN first: not "
	    "complete input");
	/* A padded STDIN record, and a body in three records. */
	used = head;
	header(1, 5, 1, 3, 5);
	put("abc\0\0\0\0\0", 8);
	record(5, "defg", 4);
	header(1, 5, 1, 0, 3);
	put("\0\0\0", 3);
	check(&r);
	ok(r.input_complete, "padded STDIN records ending in an empty one");
	used--;
	check(&r);
	ok(!r.input_complete, "  without the last padding byte: not yet");

	/* A pair split over records, and padding. */
	used = 0;
	begin(1, 0);
	n = pair(params, "NAME", 4, "value", 5, 0);
	record(4, params, 3);
	record(4, params + 3, n - 3);
	header(1, 4, 1, 0, 7);
	put("\0\0\0\0\0\0\0", 7);
	head = used;
	is_int(check(&r), FCGI_GUARD_COMPLETE, "a pair split over two records");
	is_int(r.length, head, "  the empty record's padding is part of it");
	used--;
	is_int(check(&r), FCGI_GUARD_INCOMPLETE, "  without its last byte, "
	    "incomplete");

	used = 0;
	begin(1, 0);
	record(4, "", 0);
	is_int(check(&r), FCGI_GUARD_COMPLETE, "no params at all is valid");
}

static void
test_records(void)
{
	size_t n = health_params();
	unsigned char body[8] = { 0, 1 };

	used = 0;
	header(2, 1, 1, 8, 0);
	expect_invalid("version 2", "version");
	used = 0;
	header(1, 42, 1, 8, 0);
	expect_invalid("an unknown type first", "BEGIN_REQUEST");
	used = 0;
	header(1, 9, 0, 0, 0);
	expect_invalid("a management record first", "BEGIN_REQUEST");
	used = 0;
	header(1, 1, 0, 8, 0);
	expect_invalid("BEGIN_REQUEST for request id 0", "id 0");
	used = 0;
	header(1, 1, 1, 16, 0);
	expect_invalid("a 16-byte BEGIN_REQUEST", "8 bytes");
	used = 0;
	begin(3, 0);
	expect_invalid("the FILTER role", "RESPONDER");
	used = 0;
	begin(1, 0);
	record(5, "", 0);
	expect_invalid("STDIN before the params end", "other than PARAMS");
	used = 0;
	begin(1, 0);
	header(1, 4, 2, n, 0);
	expect_invalid("PARAMS of request 2 after BEGIN_REQUEST 1",
	    "another request id");
	used = 0;
	begin(1, 0);
	header(1, 2, 1, 0, 0);
	expect_invalid("ABORT_REQUEST among the params", "other than PARAMS");
	used = 0;
	header(1, 1, 1, 8, 0);
	put(body, 1);
	{
		struct fcgi_guard_result r;

		is_int(check(&r), FCGI_GUARD_INCOMPLETE,
		    "half a BEGIN_REQUEST body is incomplete");
	}
}

static void
test_caps(void)
{
	struct fcgi_guard_result r;
	size_t n, i;
	char name[16];

	/* The 2 GiB declaration: refused from its 8 bytes alone. */
	used = 0;
	begin(1, 0);
	n = 0;
	params[n++] = 0xff;
	params[n++] = 0xff;
	params[n++] = 0xff;
	params[n++] = 0xf0;
	params[n++] = 0xff;
	params[n++] = 0xff;
	params[n++] = 0xff;
	params[n++] = 0xf0;
	record(4, params, n);
	expect_invalid("a 0x7ffffff0-byte name", "beyond the cap");
	used = 0;
	begin(1, 0);
	n = pair(params, "N", 1, "", 0, 0);
	params[1] = 0x80;	/* value length: 4 bytes, follow */
	params[2] = 0x00;
	params[3] = 0xff;
	params[4] = 0xff;
	record(4, params, 2);
	is_int(check(&r), FCGI_GUARD_INCOMPLETE, "half a 4-byte length waits");
	used = 0;
	begin(1, 0);
	params[0] = 1;
	params[1] = 0x80;
	params[2] = 0x01;
	params[3] = 0x00;
	params[4] = 0x00;	/* 65536: more than the cap allows here */
	record(4, params, 5);
	expect_invalid("a value of 65536 bytes", "beyond the cap");

	/* Exactly the cap, in one pair over two records. */
	used = 0;
	begin(1, 0);
	memset(big_value, 'v', sizeof(big_value));
	n = pair(params, "BIG", 3, big_value,
	    FCGI_GUARD_MAX_PARAMS_BYTES - 1 - 4 - 3, 0);
	is_int(n, FCGI_GUARD_MAX_PARAMS_BYTES, "(the pair fills the cap)");
	record(4, params, 65535);
	record(4, params + 65535, n - 65535);
	record(4, "", 0);
	is_int(check(&r), FCGI_GUARD_COMPLETE, "params of exactly the cap");
	used = 0;
	begin(1, 0);
	header(1, 4, 1, 65535, 0);
	used += 65535;
	header(1, 4, 1, 2, 0);
	expect_invalid("params of cap + 1 bytes", "larger than the cap");

	used = 0;
	begin(1, 0);
	for (i = 0; i <= FCGI_GUARD_MAX_PARAMS_RECORDS; i++)
		record(4, "\001\000A", 3);
	expect_invalid("17 PARAMS records", "too many PARAMS records");
	used = 0;
	begin(1, 0);
	for (i = 0; i + 1 < FCGI_GUARD_MAX_PARAMS_RECORDS; i++)
		record(4, "\001\000A", 3);
	record(4, "", 0);
	is_int(check(&r), FCGI_GUARD_COMPLETE, "16 PARAMS records");

	for (i = 0, n = 0; i < FCGI_GUARD_MAX_PAIRS; i++) {
		snprintf(name, sizeof(name), "P%zu", i);
		n += pair(params + n, name, strlen(name), "", 0, 0);
	}
	used = 0;
	begin(1, 0);
	record(4, params, n);
	record(4, "", 0);
	is_int(check(&r), FCGI_GUARD_COMPLETE, "256 params");
	n += pair(params + n, "X", 1, "", 0, 0);
	used = 0;
	begin(1, 0);
	record(4, params, n);
	expect_invalid("257 params", "too many params");
}

static void
test_names(void)
{
	struct fcgi_guard_result r;
	size_t n;

	used = 0;
	begin(1, 0);
	n = pair(params, "", 0, "x", 1, 0);
	record(4, params, n);
	expect_invalid("an empty name", "empty param name");
	used = 0;
	begin(1, 0);
	n = pair(params, "A=B", 3, "x", 1, 0);
	record(4, params, n);
	expect_invalid("a name with '='", "'=' or NUL");
	used = 0;
	begin(1, 0);
	n = pair(params, "A\0B", 3, "x", 1, 0);
	record(4, params, n);
	expect_invalid("a name with NUL", "'=' or NUL");
	/* A name split over two records, '=' in the second part. */
	used = 0;
	begin(1, 0);
	n = pair(params, "ABC=D", 5, "x", 1, 0);
	record(4, params, 4);
	record(4, params + 4, n - 4);
	expect_invalid("a name split over records, '=' after the split",
	    "'=' or NUL");
	used = 0;
	begin(1, 0);
	n = pair(params, "ABCDE", 5, "x", 1, 0);
	record(4, params, 4);
	record(4, params + 4, n - 4);
	record(4, "", 0);
	is_int(check(&r), FCGI_GUARD_COMPLETE, "the same name without '=' "
	    "is fine");
	used = 0;
	begin(1, 0);
	n = pair(params, "NAME", 4, "value", 5, 0);
	record(4, params, n - 1);
	record(4, "", 0);
	expect_invalid("a value cut off by the end of the params", "cut off");
	used = 0;
	begin(1, 0);
	n = pair(params, "NAME", 4, "v", 1, 1);
	record(4, params, 2);
	record(4, "", 0);
	expect_invalid("a length cut off by the end of the params", "cut off");
}

int
main(void)
{
	test_valid();
	test_records();
	test_caps();
	test_names();
	return done_testing();
}
