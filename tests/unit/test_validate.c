/*
 * test_validate.c - input checks.
 */
#include <string.h>

#include "core/validate.h"
#include "tap.h"

#define S(s)	(s), strlen(s)

static void
test_email(void)
{
	static const char *const good[] = {
		"a@b.co", "john.doe@example.com", "x+tag@mail.example.org",
		"o'brien@example.ie", "a_b-c@sub-domain.example.com",
		"user@xn--bcher-kva.example", "1@a1.b2", "a!#$%&*/=?^`{|}~@x.io",
	};
	static const char *const bad[] = {
		"", "plain", "@example.com", "user@", "a@@b.com", "a@b@c.com",
		".a@b.com", "a.@b.com", "a..b@c.com", "a@b.com.", "a@.b.com",
		"a@b..com", "a@b", "a@-b.com", "a@b-.com", "a@b.c-",
		"a b@c.com", "a@b c.com", " a@b.com", "a@b.com ", "a\t@b.com",
		"a@b_c.com", "a@1.2.3.4", "a@b.123", "\"a\"@b.com", "a(b)@c.com",
		"a,b@c.com", "a;b@c.com", "a<b>@c.com", "a[b]@c.com",
		"a:b@c.com", "a\\b@c.com", "j\xc3\xb6rg@example.com",
		"jorg@ex\xc3\xa4mple.com", "a@b.com\n",
	};
	char	 buf[400];
	size_t	 i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(valid_email(S(good[i])), "email ok: %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(!valid_email(S(bad[i])), "email bad #%zu", i);
	ok(!valid_email("a\0b@c.com", 9), "email with NUL");

	/* Local part: 64 ok, 65 not. */
	memset(buf, 'l', 64);
	strcpy(buf + 64, "@example.com");
	ok(valid_email(S(buf)), "local part of 64 bytes ok");
	memset(buf, 'l', 65);
	strcpy(buf + 65, "@example.com");
	ok(!valid_email(S(buf)), "local part of 65 bytes rejected");

	/* Label: 63 ok, 64 not. */
	strcpy(buf, "a@");
	memset(buf + 2, 'd', 63);
	strcpy(buf + 65, ".com");
	ok(valid_email(S(buf)), "label of 63 ok");
	strcpy(buf, "a@");
	memset(buf + 2, 'd', 64);
	strcpy(buf + 66, ".com");
	ok(!valid_email(S(buf)), "label of 64 rejected");

	/* Total: 254 ok, 255 not (labels of 60 + dots). */
	{
		size_t	 len;

		strcpy(buf, "u@");
		while (strlen(buf) + 61 <= 254 - 4) {
			len = strlen(buf);
			memset(buf + len, 'd', 60);
			strcpy(buf + len + 60, ".");
		}
		len = strlen(buf);
		while (len < 250) {
			buf[len++] = 'e';
		}
		strcpy(buf + len, ".com");
		is_int(strlen(buf), 254, "built a 254-byte address");
		ok(valid_email(S(buf)), "254 bytes ok");
		memmove(buf + 1, buf, strlen(buf) + 1);
		buf[0] = 'v';
		ok(!valid_email(S(buf)), "255 bytes rejected");
	}
}

static void
test_username(void)
{
	char	 buf[80];

	ok(valid_username(S("abc")), "abc");
	ok(valid_username(S("abc123")), "abc123");
	ok(valid_username(S("ABC")), "ABC");
	ok(valid_username(S("a1")), "a1");
	ok(!valid_username(S("123abc")), "123abc rejected");
	ok(!valid_username(S("abc123x")), "abc123x rejected");
	ok(!valid_username(S("a_b")), "a_b rejected");
	ok(!valid_username(S("")), "empty rejected");
	ok(!valid_username(S("123")), "digits only rejected");
	ok(!valid_username(S("ab c")), "space rejected");
	ok(!valid_username(S("\xc3\xa9t\xc3\xa9")), "non-ASCII rejected");
	ok(!valid_username("ab\0", 3), "NUL rejected");
	memset(buf, 'a', 64);
	ok(valid_username(buf, 64), "64 chars ok");
	memset(buf, 'a', 65);
	ok(!valid_username(buf, 65), "65 chars rejected");
}

static void
test_date(void)
{
	int	 y = 0, m = 0, d = 0;

	ok(valid_date(S("2024-02-29"), &y, &m, &d) && y == 2024 && m == 2 &&
	    d == 29, "2024-02-29 ok, parts returned");
	ok(valid_date(S("2000-02-29"), NULL, NULL, NULL), "2000-02-29 ok");
	ok(!valid_date(S("1900-02-29"), NULL, NULL, NULL), "1900-02-29 bad");
	ok(!valid_date(S("2023-02-29"), NULL, NULL, NULL), "2023-02-29 bad");
	ok(valid_date(S("1900-01-01"), NULL, NULL, NULL), "1900-01-01 ok");
	ok(!valid_date(S("1899-12-31"), NULL, NULL, NULL), "1899 bad");
	ok(valid_date(S("9999-12-31"), NULL, NULL, NULL), "9999-12-31 ok");
	ok(!valid_date(S("2024-2-1"), NULL, NULL, NULL), "2024-2-1 bad");
	ok(!valid_date(S("2024-13-01"), NULL, NULL, NULL), "2024-13-01 bad");
	ok(!valid_date(S("2024-00-10"), NULL, NULL, NULL), "2024-00-10 bad");
	ok(!valid_date(S("2024-01-00"), NULL, NULL, NULL), "2024-01-00 bad");
	ok(!valid_date(S("2024-04-31"), NULL, NULL, NULL), "2024-04-31 bad");
	ok(valid_date(S("2024-12-31"), NULL, NULL, NULL), "2024-12-31 ok");
	ok(!valid_date(S("2024-01-32"), NULL, NULL, NULL), "2024-01-32 bad");
	ok(!valid_date(S("2024-01-01x"), NULL, NULL, NULL), "trailing bad");
	ok(!valid_date(S("2024-01-01 "), NULL, NULL, NULL), "trailing space");
	ok(!valid_date(S(" 2024-01-01"), NULL, NULL, NULL), "leading space");
	ok(!valid_date(S("2024/01/01"), NULL, NULL, NULL), "slashes bad");
	ok(!valid_date(S("+024-01-01"), NULL, NULL, NULL), "sign bad");
	ok(!valid_date(S("2024-0a-01"), NULL, NULL, NULL), "letter bad");
	ok(!valid_date(S(""), NULL, NULL, NULL), "empty bad");
	ok(!valid_date("2024-01-01", 9, NULL, NULL, NULL), "short len bad");
}

static void
test_utf8(void)
{
	ok(valid_utf8(S("")), "empty ok");
	ok(valid_utf8(S("plain ascii")), "ASCII ok");
	ok(valid_utf8(S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80")),
	    "2, 3, 4-byte ok");
	ok(valid_utf8(S("\xf4\x8f\xbf\xbf")), "U+10FFFF ok");
	ok(valid_utf8(S("\xed\x9f\xbf")), "U+D7FF ok");
	ok(valid_utf8(S("\xee\x80\x80")), "U+E000 ok");
	ok(!valid_utf8("a\0b", 3), "NUL rejected");
	ok(!valid_utf8(S("\xff")), "0xff rejected");
	ok(!valid_utf8(S("\x80")), "lone continuation rejected");
	ok(!valid_utf8(S("\xc3")), "truncated 2-byte rejected");
	ok(!valid_utf8(S("\xe2\x82")), "truncated 3-byte rejected");
	ok(!valid_utf8(S("\xf0\x9f\x98")), "truncated 4-byte rejected");
	ok(!valid_utf8(S("\xc3\x28")), "bad continuation rejected");
	ok(!valid_utf8(S("\xc0\xaf")), "overlong 2-byte rejected");
	ok(!valid_utf8(S("\xc1\xbf")), "overlong c1 rejected");
	ok(!valid_utf8(S("\xe0\x80\xaf")), "overlong 3-byte rejected");
	ok(!valid_utf8(S("\xf0\x80\x80\xaf")), "overlong 4-byte rejected");
	ok(!valid_utf8(S("\xed\xa0\x80")), "high surrogate rejected");
	ok(!valid_utf8(S("\xed\xbf\xbf")), "low surrogate rejected");
	ok(!valid_utf8(S("\xf4\x90\x80\x80")), "above U+10FFFF rejected");
	ok(!valid_utf8(S("\xf5\x80\x80\x80")), "0xf5 lead rejected");
	ok(!valid_utf8(S("\xf8\x88\x80\x80\x80")), "5-byte rejected");
	ok(!valid_utf8("\xc3\xa9", 1), "length cuts a sequence");
}

static void
test_misc(void)
{
	ok(all_digits(S("0")), "all_digits 0");
	ok(all_digits(S("0123456789")), "all_digits 0-9");
	ok(!all_digits(S("")), "all_digits empty");
	ok(!all_digits(S("12a")), "all_digits letter");
	ok(!all_digits(S("-1")), "all_digits sign");
	ok(!all_digits(S(" 1")), "all_digits space");
	ok(!all_digits("1\0", 2), "all_digits NUL");

	ok(valid_phone(S("12345678")), "phone 8 digits");
	ok(valid_phone(S("+123456789012345")), "phone + and 15 digits");
	ok(!valid_phone(S("1234567")), "phone 7 digits");
	ok(!valid_phone(S("1234567890123456")), "phone 16 digits");
	ok(!valid_phone(S("+")), "phone + only");
	ok(!valid_phone(S("++12345678")), "phone double +");
	ok(!valid_phone(S("123-45678")), "phone dash");
	ok(!valid_phone(S("12345678+")), "phone trailing +");
	ok(!valid_phone(S("")), "phone empty");
}

int
main(void)
{
	test_email();
	test_username();
	test_date();
	test_utf8();
	test_misc();
	return done_testing();
}
