/*
 * buf.h - growable byte buffer living in an arena.
 */
#ifndef CEXUP_BUF_H
#define CEXUP_BUF_H

#include <stddef.h>

struct arena;

struct buf {
	struct arena	*arena;
	char		*data;	/* always NUL-terminated */
	size_t		 len;
	size_t		 cap;
};

void	buf_init(struct buf *, struct arena *, size_t initial);
void	buf_append(struct buf *, const void *, size_t);
void	buf_puts(struct buf *, const char *);
void	buf_printf(struct buf *, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
