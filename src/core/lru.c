/*
 * lru.c - hash chains for lookup, one doubly linked list for recency.
 * The key and body live in the entry's own allocation, so an entry is one
 * malloc and one free.
 */
#include <stdlib.h>
#include <string.h>

#include "core/lru.h"
#include "core/util.h"

struct lru_entry {
	struct lru_entry	*chain;		/* next in its bucket */
	struct lru_entry	*newer, *older;
	uint64_t		 hash;
	time_t			 stored;
	int			 status;
	size_t			 key_len, body_len;
	unsigned char		 data[];	/* key, then body */
};

struct lru {
	size_t			 max_bytes;
	long			 max_age;
	struct lru_entry	**buckets;
	size_t			 n_buckets;	/* power of two */
	struct lru_entry	*newest, *oldest;
	struct lru_stats	 st;
};

/* FNV-1a: keys are short and chosen by us, not by an attacker alone. */
static uint64_t
hash_key(const void *key, size_t len)
{
	const unsigned char *p = key;
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t
entry_cost(const struct lru_entry *e)
{
	return LRU_ENTRY_OVERHEAD + e->key_len + e->body_len;
}

struct lru *
lru_create(size_t max_bytes, long max_age)
{
	struct lru *c = xcalloc(1, sizeof(*c));
	size_t n = 64;

	c->max_bytes = max_bytes;
	c->max_age = max_age;
	/* About one bucket per 2 KiB of bound: a list page's size. */
	while (n < max_bytes / 2048 && n < (1u << 20))
		n <<= 1;
	c->n_buckets = n;
	c->buckets = xcalloc(n, sizeof(*c->buckets));
	return c;
}

static void
unlink_recency(struct lru *c, struct lru_entry *e)
{
	if (e->newer != NULL)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	if (e->older != NULL)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
	e->newer = e->older = NULL;
}

static void
push_newest(struct lru *c, struct lru_entry *e)
{
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest != NULL)
		c->newest->newer = e;
	c->newest = e;
	if (c->oldest == NULL)
		c->oldest = e;
}

static void
remove_entry(struct lru *c, struct lru_entry *e)
{
	struct lru_entry **pp = &c->buckets[e->hash & (c->n_buckets - 1)];

	while (*pp != e)
		pp = &(*pp)->chain;
	*pp = e->chain;
	unlink_recency(c, e);
	c->st.bytes -= entry_cost(e);
	c->st.entries--;
	free(e);
}

static struct lru_entry *
find(struct lru *c, const void *key, size_t key_len, uint64_t h)
{
	struct lru_entry *e;

	for (e = c->buckets[h & (c->n_buckets - 1)]; e != NULL; e = e->chain)
		if (e->hash == h && e->key_len == key_len &&
		    memcmp(e->data, key, key_len) == 0)
			return e;
	return NULL;
}

static int
expired(const struct lru *c, const struct lru_entry *e, time_t now)
{
	return c->max_age > 0 && now - e->stored >= c->max_age;
}

int
lru_get(struct lru *c, const void *key, size_t key_len, time_t now,
    int *status, const void **body, size_t *body_len)
{
	struct lru_entry *e;

	e = find(c, key, key_len, hash_key(key, key_len));
	if (e != NULL && expired(c, e, now)) {
		remove_entry(c, e);
		e = NULL;
	}
	if (e == NULL) {
		c->st.misses++;
		return 0;
	}
	c->st.hits++;
	unlink_recency(c, e);
	push_newest(c, e);
	*status = e->status;
	*body = e->data + e->key_len;
	*body_len = e->body_len;
	return 1;
}

int
lru_put(struct lru *c, const void *key, size_t key_len, time_t now,
    int status, const void *body, size_t body_len)
{
	struct lru_entry *e;
	uint64_t h = hash_key(key, key_len);
	size_t cost = LRU_ENTRY_OVERHEAD + key_len + body_len;

	if ((e = find(c, key, key_len, h)) != NULL)
		remove_entry(c, e);
	if (cost > c->max_bytes)
		return -1;
	while (c->st.bytes + cost > c->max_bytes && c->oldest != NULL) {
		remove_entry(c, c->oldest);
		c->st.evictions++;
	}
	e = malloc(sizeof(*e) + key_len + body_len);
	if (e == NULL)
		return -1;
	e->hash = h;
	e->stored = now;
	e->status = status;
	e->key_len = key_len;
	e->body_len = body_len;
	memcpy(e->data, key, key_len);
	if (body_len > 0)
		memcpy(e->data + key_len, body, body_len);
	e->chain = c->buckets[h & (c->n_buckets - 1)];
	c->buckets[h & (c->n_buckets - 1)] = e;
	push_newest(c, e);
	c->st.bytes += cost;
	c->st.entries++;
	return 0;
}

void
lru_clear(struct lru *c)
{
	while (c->oldest != NULL)
		remove_entry(c, c->oldest);
}

void
lru_stats(const struct lru *c, struct lru_stats *out)
{
	*out = c->st;
}

void
lru_free(struct lru *c)
{
	if (c == NULL)
		return;
	lru_clear(c);
	free(c->buckets);
	free(c);
}
