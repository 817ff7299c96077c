/*
 * util.h - small helpers shared by the server and the tests.
 *
 * The x* allocators never return NULL: running out of memory is fatal (the
 * master respawns a worker that exits).
 */
#ifndef CEXUP_UTIL_H
#define CEXUP_UTIL_H

#include <stddef.h>

/*
 * Parses the whole of s as a decimal integer in [min, max] (strtonum-style:
 * no empty string, no trailing characters).  Returns 0, or -1 on failure.
 */
int	 parse_long(const char *s, long min, long max, long *out);

/*
 * Parses a time in seconds with up to millisecond precision, as nginx's
 * $msec prints it ("1700000000.123"; more fraction digits are read and
 * dropped, no sign, no exponent) into milliseconds.  Returns 0, or -1 when
 * s is empty, malformed or beyond 2^40 seconds.
 */
int	 parse_msec(const char *s, long long *out_ms);

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
char	*xstrdup(const char *);

/* Copies with truncation, always NUL-terminates (size > 0); returns strlen(src). */
size_t	 strlcpy_safe(char *dst, const char *src, size_t size);

/* CLOCK_MONOTONIC in milliseconds: the same clock in every process. */
long long monotonic_ms(void);
/* Wall-clock time in milliseconds. */
long long realtime_ms(void);

/* Zeroes memory in a way the compiler cannot optimise away. */
void	 secure_wipe(void *, size_t);

#endif
