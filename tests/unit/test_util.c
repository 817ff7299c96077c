/*
 * test_util.c - parse_long and parse_msec (nginx's $msec, REQUEST_QUEUED_AT).
 */
#include "core/util.h"
#include "tap.h"

static const struct {
	const char	*in;
	int		 rc;
	long long	 ms;
} msec_cases[] = {
	{ "1700000000.123", 0, 1700000000123LL },
	{ "1700000000.1", 0, 1700000000100LL },
	{ "1700000000.12", 0, 1700000000120LL },
	{ "1700000000.123999", 0, 1700000000123LL },	/* extra digits dropped */
	{ "1700000000", 0, 1700000000000LL },
	{ "0.000", 0, 0 },
	{ "", -1, 0 },
	{ ".5", -1, 0 },
	{ "1700000000.", -1, 0 },
	{ "1700000000.12x", -1, 0 },
	{ "-1700000000.123", -1, 0 },
	{ "+1.0", -1, 0 },
	{ " 1.0", -1, 0 },
	{ "1.0 ", -1, 0 },
	{ "1e9", -1, 0 },
	{ "1.2.3", -1, 0 },
	{ "99999999999999999999999.000", -1, 0 },	/* would overflow */
};

static void
test_parse_msec(void)
{
	size_t i;

	for (i = 0; i < sizeof msec_cases / sizeof msec_cases[0]; i++) {
		long long ms = -7;
		int rc = parse_msec(msec_cases[i].in, &ms);

		is_int(rc, msec_cases[i].rc, msec_cases[i].in);
		if (msec_cases[i].rc == 0)
			is_int(ms, msec_cases[i].ms, msec_cases[i].in);
		else
			is_int(ms, -7, "failure leaves the output alone");
	}
	ok(parse_msec(NULL, &(long long){ 0 }) == -1, "NULL is refused");
}

static void
test_parse_long(void)
{
	long v = 0;

	ok(parse_long("42", 0, 100, &v) == 0 && v == 42, "42 in [0,100]");
	ok(parse_long("101", 0, 100, &v) == -1, "101 beyond max");
	ok(parse_long("-1", 0, 100, &v) == -1, "-1 below min");
	ok(parse_long("", 0, 100, &v) == -1, "empty refused");
	ok(parse_long("4x", 0, 100, &v) == -1, "trailing garbage refused");
}

int
main(void)
{
	test_parse_msec();
	test_parse_long();
	return done_testing();
}
