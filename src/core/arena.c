/*
 * arena.c - chunked bump allocator.
 *
 * Small allocations are carved from the current chunk; when it is full a new
 * chunk of the arena's chunk size becomes current.  An allocation larger than
 * a quarter of the chunk size gets a chunk of its own, so a single big body
 * does not waste the tail of the current chunk.  Reset keeps only the first
 * chunk, so a worker's steady-state requests never touch malloc.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"

#define ARENA_ALIGN		16
#define ARENA_DEFAULT_CHUNK	8192
#define ARENA_MIN_CHUNK		256

struct chunk {
	struct chunk	*next;
	size_t		 size;	/* usable bytes after the header */
	size_t		 used;
	/* Keeps the payload 16-byte aligned relative to the chunk start. */
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct cleanup {
	struct cleanup	*next;
	arena_cleanup_fn fn;
	void		*arg;
};

struct arena {
	struct chunk	*first;		/* kept across resets */
	struct chunk	*current;	/* chunk being carved */
	struct chunk	*extra;		/* every chunk but the first */
	size_t		 chunk_size;
	size_t		 used;		/* bytes handed out since reset */
	struct cleanup	*cleanups;	/* newest first */
	/* Last allocation, so realloc can grow it in place. */
	struct chunk	*last_chunk;
	unsigned char	*last;
	size_t		 last_size;
};

static void __attribute__((noreturn))
arena_oom(size_t n)
{
	fprintf(stderr, "cexup-api: arena: out of memory (%zu bytes)\n", n);
	abort();
}

static size_t
round_up(size_t n)
{
	if (n > SIZE_MAX - (ARENA_ALIGN - 1))
		arena_oom(n);
	return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

static struct chunk *
chunk_new(size_t size)
{
	struct chunk	*c;

	if (size > SIZE_MAX - sizeof(*c))
		arena_oom(size);
	/* malloc only promises alignof(max_align_t); ask for 16 explicitly. */
	if ((c = aligned_alloc(ARENA_ALIGN, round_up(sizeof(*c) + size))) ==
	    NULL)
		arena_oom(size);
	c->next = NULL;
	c->size = size;
	c->used = 0;
	return c;
}

struct arena *
arena_create(size_t first_chunk)
{
	struct arena	*a;

	if (first_chunk == 0)
		first_chunk = ARENA_DEFAULT_CHUNK;
	if (first_chunk < ARENA_MIN_CHUNK)
		first_chunk = ARENA_MIN_CHUNK;
	first_chunk = round_up(first_chunk);
	if ((a = calloc(1, sizeof(*a))) == NULL)
		arena_oom(sizeof(*a));
	a->chunk_size = first_chunk;
	a->first = a->current = chunk_new(first_chunk);
	return a;
}

static void
run_cleanups(struct arena *a)
{
	struct cleanup	*c, *next;

	/*
	 * Detach first: a cleanup might (wrongly) register another one, which
	 * must not be run on memory we are about to free.
	 */
	c = a->cleanups;
	a->cleanups = NULL;
	for (; c != NULL; c = next) {
		next = c->next;
		c->fn(c->arg);
	}
}

static void
free_extra(struct arena *a)
{
	struct chunk	*c, *next;

	for (c = a->extra; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->extra = NULL;
}

void
arena_reset(struct arena *a)
{
	run_cleanups(a);
	free_extra(a);
	a->first->used = 0;
	a->current = a->first;
	a->used = 0;
	a->last_chunk = NULL;
	a->last = NULL;
	a->last_size = 0;
}

void
arena_destroy(struct arena *a)
{
	if (a == NULL)
		return;
	run_cleanups(a);
	free_extra(a);
	free(a->first);
	free(a);
}

/* Allocation without accounting (used for the arena's own bookkeeping). */
static void *
arena_alloc_raw(struct arena *a, size_t n)
{
	struct chunk	*c;
	size_t		 need;
	void		*p;

	need = round_up(n == 0 ? 1 : n);
	c = a->current;
	if (c->size - c->used < need) {
		c = chunk_new(need > a->chunk_size / 4 ? need : a->chunk_size);
		c->next = a->extra;
		a->extra = c;
		/*
		 * A dedicated chunk is full at once; keep carving the
		 * current one, whose tail may still serve small requests.
		 */
		if (need <= a->chunk_size / 4)
			a->current = c;
	}
	p = c->data + c->used;
	c->used += need;
	a->last_chunk = c;
	a->last = p;
	a->last_size = need;
	return p;
}

void *
arena_alloc(struct arena *a, size_t n)
{
	void	*p;

	p = arena_alloc_raw(a, n);
	a->used += n;
	return p;
}

void *
arena_calloc(struct arena *a, size_t n, size_t size)
{
	void	*p;

	if (size != 0 && n > SIZE_MAX / size)
		arena_oom(SIZE_MAX);
	p = arena_alloc(a, n * size);
	memset(p, 0, n * size);
	return p;
}

void *
arena_realloc(struct arena *a, void *old, size_t old_size, size_t new_size)
{
	void	*p;

	if (old == NULL)
		return arena_alloc(a, new_size);
	if (new_size <= old_size)
		return old;
	/* Grow in place when old is the newest block of the current chunk. */
	if (old == a->last && new_size <= SIZE_MAX - ARENA_ALIGN) {
		struct chunk	*c = a->last_chunk;
		size_t		 need = round_up(new_size);

		if (need - a->last_size <= c->size - c->used) {
			c->used += need - a->last_size;
			a->last_size = need;
			a->used += new_size - old_size;
			return old;
		}
	}
	p = arena_alloc(a, new_size);
	memcpy(p, old, old_size);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char	*p;

	if (n == SIZE_MAX)
		arena_oom(n);
	p = arena_alloc(a, n + 1);
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_vprintf(struct arena *a, const char *fmt, va_list ap)
{
	va_list	 ap2;
	char	*p;
	int	 n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		fprintf(stderr, "cexup-api: arena_vprintf: bad format\n");
		abort();
	}
	p = arena_alloc(a, (size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list	 ap;
	char	*p;

	va_start(ap, fmt);
	p = arena_vprintf(a, fmt, ap);
	va_end(ap);
	return p;
}

void
arena_cleanup_add(struct arena *a, arena_cleanup_fn fn, void *arg)
{
	struct cleanup	*c;

	c = arena_alloc_raw(a, sizeof(*c));
	c->fn = fn;
	c->arg = arg;
	c->next = a->cleanups;
	a->cleanups = c;
}

size_t
arena_used(const struct arena *a)
{
	return a->used;
}
