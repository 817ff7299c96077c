/*
 * router.c - method + path matching against a static route table.
 */
#include <string.h>

#include "http/router.h"

static const struct {
	const char	*name;
	unsigned	 bit;
} methods[] = {
	{ "GET",	METHOD_GET },
	{ "HEAD",	METHOD_HEAD },
	{ "POST",	METHOD_POST },
	{ "PUT",	METHOD_PUT },
	{ "PATCH",	METHOD_PATCH },
	{ "DELETE",	METHOD_DELETE },
	{ "OPTIONS",	METHOD_OPTIONS }
};

#define N_METHODS	(sizeof(methods) / sizeof(methods[0]))

unsigned
router_method_bit(const char *method)
{
	size_t	 i;

	if (method == NULL)
		return 0;
	/* Case-sensitive: HTTP method names are (RFC 9110 §9.1). */
	for (i = 0; i < N_METHODS; i++)
		if (strcmp(method, methods[i].name) == 0)
			return methods[i].bit;
	return 0;
}

void
router_allow_header(unsigned mask, char *out, size_t size)
{
	size_t	 i, len = 0, n;

	if (size == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < N_METHODS; i++) {
		if ((mask & methods[i].bit) == 0)
			continue;
		n = strlen(methods[i].name) + (len > 0 ? 2 : 0);
		if (len + n >= size)
			break;	/* never emit half a name */
		if (len > 0) {
			memcpy(out + len, ", ", 2);
			len += 2;
			n -= 2;
		}
		memcpy(out + len, methods[i].name, n);
		len += n;
		out[len] = '\0';
	}
}

/*
 * Matches path against pattern.  When caps is not NULL, records the offset
 * and length within path of each "{}" segment.  Returns the number of
 * captures, or -1 if there is no match.
 */
static int
pattern_match(const char *pat, const char *path, size_t *cap_off,
    size_t *cap_len)
{
	const char	*p = pat, *s = path;
	int		 ncap = 0;
	size_t		 seg;

	if (pat == NULL || path == NULL)
		return -1;
	for (;;) {
		/* "{}" is special only as a whole segment. */
		if (p[0] == '{' && p[1] == '}' && (p == pat || p[-1] == '/') &&
		    (p[2] == '/' || p[2] == '\0')) {
			seg = strcspn(s, "/");
			if (seg == 0 || ncap == ROUTER_MAX_PARAMS)
				return -1;
			if (cap_off != NULL) {
				cap_off[ncap] = (size_t)(s - path);
				cap_len[ncap] = seg;
			}
			ncap++;
			p += 2;
			s += seg;
			continue;
		}
		if (*p != *s)
			return -1;
		if (*p == '\0')
			return ncap;
		p++;
		s++;
	}
}

unsigned
router_allowed_methods(const struct route *table, size_t n, const char *path)
{
	unsigned	 mask = 0;
	size_t		 i;

	for (i = 0; i < n; i++)
		if (pattern_match(table[i].pattern, path, NULL, NULL) >= 0)
			mask |= table[i].methods;
	return mask;
}

enum route_result
router_match(const struct route *table, size_t n, const char *method,
    const char *path, char *scratch, const char **params, size_t *n_params,
    const struct route **out)
{
	const struct route	*found = NULL;
	enum route_result	 res = ROUTE_NOT_FOUND;
	size_t			 off[ROUTER_MAX_PARAMS], len[ROUTER_MAX_PARAMS];
	unsigned		 bit = router_method_bit(method);
	size_t			 i;
	int			 ncap, c;

	*n_params = 0;
	*out = NULL;
	for (i = 0; i < n; i++) {
		if ((c = pattern_match(table[i].pattern, path, off, len)) < 0)
			continue;
		if (table[i].methods & bit) {
			found = &table[i];
			res = ROUTE_MATCHED;
			break;
		}
		if (found == NULL) {
			found = &table[i];
			res = ROUTE_METHOD_NOT_ALLOWED;
		}
	}
	if (found == NULL)
		return ROUTE_NOT_FOUND;
	/* Walk the chosen route again: off/len hold the last one tried. */
	ncap = pattern_match(found->pattern, path, off, len);
	memcpy(scratch, path, strlen(path) + 1);
	for (c = 0; c < ncap; c++) {
		scratch[off[c] + len[c]] = '\0';
		params[c] = scratch + off[c];
	}
	*n_params = (size_t)ncap;
	*out = found;
	return res;
}
