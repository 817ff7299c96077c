/*
 * test_lru.c - the byte-bounded LRU of the catalog response cache.
 */
#include <stdio.h>
#include <string.h>

#include "core/lru.h"
#include "tap.h"

static int
get(struct lru *c, const char *key, time_t now, int *status,
    const char **body)
{
	const void *b;
	size_t len;
	int hit = lru_get(c, key, strlen(key), now, status, &b, &len);

	if (hit)
		*body = b;
	return hit;
}

static void
test_basic(void)
{
	struct lru *c = lru_create(4096, 60);
	struct lru_stats st;
	const char *body = NULL;
	int status = 0;

	ok(!get(c, "a", 0, &status, &body), "empty cache misses");
	is_int(lru_put(c, "a", 1, 0, 200, "hello", 5), 0, "put stores");
	ok(get(c, "a", 1, &status, &body) && status == 200 &&
	    memcmp(body, "hello", 5) == 0, "hit returns status and body");
	lru_put(c, "a", 1, 0, 404, "gone", 4);
	ok(get(c, "a", 1, &status, &body) && status == 404 &&
	    memcmp(body, "gone", 4) == 0, "put replaces the same key");
	ok(!get(c, "ab", 1, &status, &body), "a longer key is another key");
	lru_stats(c, &st);
	is_int(st.entries, 1, "one entry after replace");
	is_int(st.bytes, LRU_ENTRY_OVERHEAD + 1 + 4, "bytes charged");
	is_int(st.hits, 2, "hits counted");
	is_int(st.misses, 2, "misses counted");
	lru_clear(c);
	lru_stats(c, &st);
	ok(st.entries == 0 && st.bytes == 0, "clear empties");
	ok(!get(c, "a", 1, &status, &body), "cleared entry misses");
	lru_free(c);
}

static void
test_bound(void)
{
	/* Room for exactly three 100-byte bodies with 2-byte keys. */
	size_t each = LRU_ENTRY_OVERHEAD + 2 + 100;
	struct lru *c = lru_create(3 * each, 0);
	char body[100], key[3];
	struct lru_stats st;
	const char *b;
	int status, i, bounded = 1;

	memset(body, 'x', sizeof(body));
	lru_put(c, "k0", 2, 0, 200, body, 100);
	lru_put(c, "k1", 2, 0, 200, body, 100);
	lru_put(c, "k2", 2, 0, 200, body, 100);
	ok(get(c, "k0", 0, &status, &b), "k0 touched: now the newest");
	lru_put(c, "k3", 2, 0, 200, body, 100);
	ok(!get(c, "k1", 0, &status, &b), "least recent (k1) evicted");
	ok(get(c, "k0", 0, &status, &b) && get(c, "k2", 0, &status, &b) &&
	    get(c, "k3", 0, &status, &b), "the other three remain");
	lru_stats(c, &st);
	is_int(st.evictions, 1, "one eviction");
	for (i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "%02d", i % 100);
		lru_put(c, key, 2, 0, 200, body, (size_t)(i % 100));
		lru_stats(c, &st);
		if (st.bytes > 3 * each)
			bounded = 0;
	}
	ok(bounded, "bytes never exceed the bound over 1000 puts");
	is_int(lru_put(c, "big", 3, 0, 200, body, 3 * each), -1,
	    "entry larger than the bound refused");
	lru_free(c);

	c = lru_create(0, 0);
	is_int(lru_put(c, "a", 1, 0, 200, "x", 1), -1, "bound 0 stores nothing");
	ok(!get(c, "a", 0, &status, &b), "and so never hits");
	lru_free(c);
}

static void
test_age(void)
{
	struct lru *c = lru_create(4096, 60);
	struct lru_stats st;
	const char *b;
	int status;

	lru_put(c, "a", 1, 1000, 200, "x", 1);
	ok(get(c, "a", 1059, &status, &b), "hit at 59 s");
	ok(!get(c, "a", 1060, &status, &b), "miss at max_age");
	lru_stats(c, &st);
	is_int(st.entries, 0, "expired entry dropped");
	lru_free(c);
}

int
main(void)
{
	test_basic();
	test_bound();
	test_age();
	return done_testing();
}
