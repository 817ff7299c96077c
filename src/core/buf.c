/*
 * buf.c - growable byte buffer in an arena.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/buf.h"

void
buf_init(struct buf *b, struct arena *a, size_t initial)
{
	if (initial < 16)
		initial = 16;
	b->arena = a;
	b->data = arena_alloc(a, initial);
	b->data[0] = '\0';
	b->len = 0;
	b->cap = initial;
}

/* Makes room for n more bytes plus the terminating NUL. */
static void
buf_reserve(struct buf *b, size_t n)
{
	size_t	 want, cap;

	if (n > SIZE_MAX - b->len - 1) {
		fprintf(stderr, "cexup-api: buf: size overflow\n");
		abort();
	}
	want = b->len + n + 1;
	if (want <= b->cap)
		return;
	cap = b->cap;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? want : cap * 2;
	b->data = arena_realloc(b->arena, b->data, b->cap, cap);
	b->cap = cap;
}

void
buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return;
	buf_reserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list	 ap;
	size_t	 room;
	int	 n;

	room = b->cap - b->len;
	va_start(ap, fmt);
	n = vsnprintf(b->data + b->len, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		fprintf(stderr, "cexup-api: buf_printf: bad format\n");
		abort();
	}
	if ((size_t)n >= room) {
		/* Did not fit: grow and format again. */
		buf_reserve(b, (size_t)n);
		va_start(ap, fmt);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	b->len += (size_t)n;
}
