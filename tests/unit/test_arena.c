/*
 * test_arena.c - arena and buf.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/util.h"
#include "tap.h"

static int cleanup_log[8];
static int cleanup_n;

static void
record(void *arg)
{
	cleanup_log[cleanup_n++] = *(int *)arg;
}

static void
test_alloc(void)
{
	struct arena	*a = arena_create(256);
	unsigned char	*p[100];
	int		 i, aligned = 1, distinct = 1;
	char		*big, *s;

	is_int(arena_used(a), 0, "fresh arena has used 0");
	for (i = 0; i < 100; i++) {
		p[i] = arena_alloc(a, (size_t)i + 1);
		memset(p[i], i, (size_t)i + 1);
		if ((uintptr_t)p[i] % 16 != 0)
			aligned = 0;
	}
	for (i = 0; i < 100; i++) {
		size_t k;

		for (k = 0; k <= (size_t)i; k++)
			if (p[i][k] != (unsigned char)i)
				distinct = 0;
	}
	ok(aligned, "allocations are 16-byte aligned across chunks");
	ok(distinct, "allocations do not overlap");
	is_int(arena_used(a), 5050, "arena_used counts bytes handed out");

	big = arena_alloc(a, 100000);
	memset(big, 'x', 100000);
	ok((uintptr_t)big % 16 == 0, "large allocation aligned");
	is_int(arena_used(a), 105050, "large allocation counted");

	s = arena_strdup(a, "hello");
	is_str(s, "hello", "strdup");
	s = arena_strndup(a, "hello world", 5);
	is_str(s, "hello", "strndup stops at n");
	s = arena_printf(a, "%s-%d", "abc", 42);
	is_str(s, "abc-42", "printf");
	s = arena_printf(a, "%s", "");
	is_str(s, "", "printf empty");

	{
		int *z = arena_calloc(a, 64, sizeof(int)), allz = 1;

		for (i = 0; i < 64; i++)
			if (z[i] != 0)
				allz = 0;
		ok(allz, "calloc zeroes");
	}
	ok(arena_alloc(a, 0) != NULL, "zero-size allocation is not NULL");

	arena_reset(a);
	is_int(arena_used(a), 0, "reset clears used");
	s = arena_strdup(a, "after reset");
	is_str(s, "after reset", "usable after reset");
	arena_destroy(a);
}

static void
test_realloc(void)
{
	struct arena	*a = arena_create(0);
	char		*p, *q, *r;

	p = arena_alloc(a, 10);
	memcpy(p, "0123456789", 10);
	q = arena_realloc(a, p, 10, 20);
	ok(q == p, "realloc of last block grows in place");
	ok(memcmp(q, "0123456789", 10) == 0, "contents kept in place");
	r = arena_alloc(a, 4);
	memcpy(r, "rrrr", 4);
	p = arena_realloc(a, q, 20, 5000);
	ok(p != q, "realloc of older block moves");
	ok(memcmp(p, "0123456789", 10) == 0, "contents copied on move");
	ok(memcmp(r, "rrrr", 4) == 0, "neighbour untouched");
	ok(arena_realloc(a, p, 5000, 100) == p, "shrink returns same block");
	p = arena_realloc(a, NULL, 0, 32);
	ok(p != NULL, "realloc(NULL) allocates");
	arena_destroy(a);
}

static void
test_cleanup(void)
{
	struct arena	*a = arena_create(512);
	int		 v[3] = { 1, 2, 3 }, i;

	for (i = 0; i < 3; i++)
		arena_cleanup_add(a, record, &v[i]);
	/* Enough allocation to spill into extra chunks. */
	for (i = 0; i < 50; i++)
		arena_alloc(a, 100);
	arena_reset(a);
	is_int(cleanup_n, 3, "reset runs every cleanup");
	ok(cleanup_log[0] == 3 && cleanup_log[1] == 2 && cleanup_log[2] == 1,
	    "cleanups run last first");
	arena_reset(a);
	is_int(cleanup_n, 3, "cleanups run once");
	arena_cleanup_add(a, record, &v[0]);
	arena_destroy(a);
	is_int(cleanup_n, 4, "destroy runs cleanups");
	arena_destroy(NULL);
	ok(1, "destroy(NULL) is harmless");
}

static void
test_buf(void)
{
	struct arena	*a = arena_create(0);
	struct buf	 b;
	int		 i;
	char		 want[2048];

	buf_init(&b, a, 0);
	is_str(b.data, "", "new buf is empty string");
	is_int(b.len, 0, "new buf len 0");
	buf_puts(&b, "abc");
	buf_append(&b, "de\0f", 4);
	is_int(b.len, 7, "append counts embedded NUL");
	ok(memcmp(b.data, "abcde\0f", 8) == 0, "contents and terminator");
	buf_printf(&b, "%d/%s", 12, "x");
	is_int(b.len, 11, "printf appends");
	ok(b.data[b.len] == '\0', "printf keeps NUL");

	buf_init(&b, a, 4);
	want[0] = '\0';
	for (i = 0; i < 200; i++) {
		buf_printf(&b, "%03d,", i);
		snprintf(want + i * 4, sizeof(want) - (size_t)i * 4, "%03d,",
		    i);
	}
	is_str(b.data, want, "many printf growths");
	is_int(b.len, 800, "length after growth");
	buf_printf(&b, "%s", "");
	is_int(b.len, 800, "empty printf adds nothing");
	buf_append(&b, "", 0);
	is_int(b.len, 800, "empty append adds nothing");
	arena_destroy(a);
}

/* util.c rides along here: it has no test program of its own. */
static void
test_util(void)
{
	long	 v = 99;
	char	 small[4], *d;
	int	 w[4] = { 1, 2, 3, 4 };

	ok(parse_long("123", 0, 1000, &v) == 0 && v == 123, "parse_long 123");
	ok(parse_long("-5", -10, 10, &v) == 0 && v == -5, "parse_long -5");
	v = 99;
	ok(parse_long("", 0, 10, &v) == -1 && v == 99, "parse_long empty");
	ok(parse_long("12x", 0, 100, &v) == -1, "parse_long trailing junk");
	ok(parse_long(" 1", 0, 100, &v) == -1, "parse_long leading space");
	ok(parse_long("+1", 0, 100, &v) == -1, "parse_long plus sign");
	ok(parse_long("11", 0, 10, &v) == -1, "parse_long above max");
	ok(parse_long("-1", 0, 10, &v) == -1, "parse_long below min");
	ok(parse_long("99999999999999999999", 0, 10, &v) == -1,
	    "parse_long overflow");
	ok(parse_long(NULL, 0, 10, &v) == -1, "parse_long NULL");

	is_int(strlcpy_safe(small, "abcdef", sizeof(small)), 6,
	    "strlcpy_safe returns strlen(src)");
	is_str(small, "abc", "strlcpy_safe truncates and terminates");
	is_int(strlcpy_safe(small, "ab", sizeof(small)), 2, "short copy");
	is_str(small, "ab", "short copy intact");


	secure_wipe(w, sizeof(w));
	ok(w[0] == 0 && w[3] == 0, "secure_wipe zeroes");
	d = xstrdup("dup");
	is_str(d, "dup", "xstrdup");
	free(d);
	d = xcalloc(3, 5);
	ok(d[0] == 0 && d[14] == 0, "xcalloc zeroes");
	free(d);
	free(xmalloc(0));
	ok(1, "xmalloc(0) is freeable");
}

int
main(void)
{
	test_util();
	test_alloc();
	test_realloc();
	test_cleanup();
	test_buf();
	return done_testing();
}
