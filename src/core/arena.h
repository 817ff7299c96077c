/*
 * arena.h - bump allocator for per-request memory.
 *
 * Everything a request allocates comes from its arena and is released in one
 * step by arena_reset().  Objects owned by libraries (PGresult, yajl handles)
 * are registered with arena_cleanup_add() and released, last first, on reset.
 * Allocation failure is fatal: a worker that cannot allocate exits and the
 * master respawns it.  Arena memory is never passed to free().
 */
#ifndef CEXUP_ARENA_H
#define CEXUP_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena;

typedef void (*arena_cleanup_fn)(void *);

struct arena	*arena_create(size_t first_chunk);
void		 arena_destroy(struct arena *);
/* Runs the cleanups (LIFO), keeps the first chunk, frees the rest. */
void		 arena_reset(struct arena *);

/* Memory aligned for any type; never NULL. */
void		*arena_alloc(struct arena *, size_t);
void		*arena_calloc(struct arena *, size_t n, size_t size);
/* Grows an allocation made by this arena (old contents copied). */
void		*arena_realloc(struct arena *, void *old, size_t old_size,
		    size_t new_size);
char		*arena_strdup(struct arena *, const char *);
/* Copies exactly n bytes (NULs included) and terminates: not strndup(3). */
char		*arena_strndup(struct arena *, const char *, size_t);
char		*arena_printf(struct arena *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));
char		*arena_vprintf(struct arena *, const char *, va_list);
void		 arena_cleanup_add(struct arena *, arena_cleanup_fn, void *);

/* Bytes handed out since the last reset (for caps and tests). */
size_t		 arena_used(const struct arena *);

#endif
