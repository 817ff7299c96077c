/*
 * validate.c - pure checks on client input.
 */
#include <string.h>

#include "core/validate.h"

bool
valid_utf8(const char *str, size_t len)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, n, k;
	unsigned char		 lo, hi;

	while (i < len) {
		unsigned char c = s[i];

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf)
			n = 2;
		else if (c >= 0xe0 && c <= 0xef) {
			n = 3;
			if (c == 0xe0)
				lo = 0xa0;	/* overlong */
			else if (c == 0xed)
				hi = 0x9f;	/* surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 4;
			if (c == 0xf0)
				lo = 0x90;	/* overlong */
			else if (c == 0xf4)
				hi = 0x8f;	/* > U+10FFFF */
		} else
			return false;	/* 0x80..0xc1, 0xf5..0xff */
		if (len - i < n || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (k = 2; k < n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xbf)
				return false;
		i += n;
	}
	return true;
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
valid_local_part(const char *s, size_t len)
{
	size_t	 i;

	if (len < 1 || len > 64 || s[0] == '.' || s[len - 1] == '.')
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		/* Printable ASCII; excludes space, controls and non-ASCII. */
		if (c <= 0x20 || c >= 0x7f)
			return false;
		if (strchr("()<>[]:;@\\,\"", c) != NULL)
			return false;
		if (c == '.' && s[i + 1] == '.')
			return false;
	}
	return true;
}

static bool
valid_domain(const char *s, size_t len)
{
	size_t	 i, start = 0, labels = 0;
	bool	 all_num = true;

	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			size_t l = i - start;

			/* Empty label covers leading, trailing, double dot. */
			if (l < 1 || l > 63 || s[start] == '-' || s[i - 1] == '-')
				return false;
			labels++;
			if (i == len)
				break;
			start = i + 1;
			all_num = true;
			continue;
		}
		if (is_digit(s[i]))
			continue;
		all_num = false;
		if (!is_alpha(s[i]) && s[i] != '-')
			return false;
	}
	/* "user@1.2.3.4" is not a mail domain we deliver to. */
	return labels >= 2 && !all_num;
}

bool
valid_email(const char *s, size_t len)
{
	const char	*at;

	if (len > 254 || (at = memchr(s, '@', len)) == NULL)
		return false;
	return valid_local_part(s, (size_t)(at - s)) &&
	    valid_domain(at + 1, len - (size_t)(at - s) - 1);
}

bool
valid_username(const char *s, size_t len)
{
	size_t	 i = 0;

	if (len < 1 || len > 64)
		return false;
	while (i < len && is_alpha(s[i]))
		i++;
	if (i == 0)
		return false;
	while (i < len && is_digit(s[i]))
		i++;
	return i == len;
}

static int
digits_value(const char *s, size_t n)
{
	int	 v = 0;
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

bool
valid_date(const char *s, size_t len, int *year, int *month, int *day)
{
	static const int mdays[12] =
	    { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int	 y, m, d, dim;

	if (len != 10 || s[4] != '-' || s[7] != '-')
		return false;
	if ((y = digits_value(s, 4)) < 0 || (m = digits_value(s + 5, 2)) < 0 ||
	    (d = digits_value(s + 8, 2)) < 0)
		return false;
	if (y < 1900 || m < 1 || m > 12 || d < 1)
		return false;
	dim = mdays[m - 1];
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		dim = 29;
	if (d > dim)
		return false;
	if (year != NULL)
		*year = y;
	if (month != NULL)
		*month = m;
	if (day != NULL)
		*day = d;
	return true;
}

bool
all_digits(const char *s, size_t len)
{
	size_t	 i;

	if (len == 0)
		return false;
	for (i = 0; i < len; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

bool
valid_phone(const char *s, size_t len)
{
	if (len > 0 && s[0] == '+') {
		s++;
		len--;
	}
	return len >= 8 && len <= 15 && all_digits(s, len);
}

bool
valid_uuid(const char *s)
{
	size_t i;

	if (strlen(s) != 36)
		return false;
	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!((s[i] >= '0' && s[i] <= '9') ||
		    (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	}
	return true;
}
