/*
 * util.c - small helpers.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "core/util.h"

int
parse_long(const char *s, long min, long max, long *out)
{
	char	*end;
	long	 v;

	/* strtol skips leading space and accepts '+'; we want digits only. */
	if (s == NULL || *s == '\0' || isspace((unsigned char)*s) || *s == '+')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static void
oom(size_t n)
{
	fprintf(stderr, "cexup-api: out of memory (%zu bytes)\n", n);
	exit(1);
}

void *
xmalloc(size_t n)
{
	void	*p;

	if ((p = malloc(n == 0 ? 1 : n)) == NULL)
		oom(n);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void	*p;

	if (n == 0 || size == 0)
		n = size = 1;
	if ((p = calloc(n, size)) == NULL)
		oom(n * size);
	return p;
}

char *
xstrdup(const char *s)
{
	size_t	 len = strlen(s) + 1;
	char	*p;

	p = xmalloc(len);
	memcpy(p, s, len);
	return p;
}

size_t
strlcpy_safe(char *dst, const char *src, size_t size)
{
	size_t	 len = strlen(src);

	if (size > 0) {
		size_t	 n = len < size - 1 ? len : size - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

void
secure_wipe(void *p, size_t n)
{
	if (p != NULL && n > 0)
		OPENSSL_cleanse(p, n);
}

long long
monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
parse_msec(const char *s, long long *out_ms)
{
	long long sec = 0, ms = 0;
	const char *p;
	int digits = 0, frac = 0;

	if (s == NULL)
		return -1;
	for (p = s; *p >= '0' && *p <= '9'; p++, digits++)
		if ((sec = sec * 10 + (*p - '0')) > 1LL << 40)
			return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, frac++)
			if (frac < 3)
				ms = ms * 10 + (*p - '0');
		if (frac == 0)
			return -1;
		for (; frac < 3; frac++)
			ms *= 10;
	}
	if (*p != '\0' || digits == 0)
		return -1;
	*out_ms = sec * 1000 + ms;
	return 0;
}

long long
realtime_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
