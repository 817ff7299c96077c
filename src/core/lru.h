/*
 * lru.h - a byte-bounded least-recently-used map from opaque keys to a
 * status and a body (the worker's catalog response cache).
 *
 * Every entry costs its key, its body and a fixed overhead against the
 * bound; storing past the bound evicts from the cold end.  An entry larger
 * than the whole bound is not stored.  Entries older than max_age seconds
 * count as absent (and are dropped when met).  Single-threaded: one per
 * worker.
 */
#ifndef CEXUP_LRU_H
#define CEXUP_LRU_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct lru;

struct lru_stats {
	uint64_t	hits;
	uint64_t	misses;
	uint64_t	evictions;	/* for room, not for clear or age */
	size_t		bytes;		/* charged against the bound */
	size_t		entries;
};

/* Fixed cost of one entry beyond its key and body. */
#define LRU_ENTRY_OVERHEAD	64

/* max_bytes 0: a cache that stores nothing (disabled). */
struct lru	*lru_create(size_t max_bytes, long max_age);
void		 lru_free(struct lru *);

/*
 * The entry for key, made the most recent, or NULL (a miss).  *body stays
 * valid until the next lru_put or lru_clear.
 */
int		 lru_get(struct lru *, const void *key, size_t key_len,
		    time_t now, int *status, const void **body,
		    size_t *body_len);
/* Stores a copy (replacing the same key); 0, or -1 if not stored. */
int		 lru_put(struct lru *, const void *key, size_t key_len,
		    time_t now, int status, const void *body, size_t body_len);
/* Drops every entry. */
void		 lru_clear(struct lru *);
void		 lru_stats(const struct lru *, struct lru_stats *);

#endif
