/*
 * netaddr.c - address lists with CIDR prefixes.
 */
#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/netaddr.h"
#include "core/util.h"

struct ip {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	bytes[16];
};

/* Parses an address; folds ::ffff:a.b.c.d to IPv4. */
static bool
parse_ip(const char *s, struct ip *out)
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0xff, 0xff };

	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, s, out->bytes) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, out->bytes) == 1) {
		out->family = AF_INET6;
		if (memcmp(out->bytes, mapped, sizeof(mapped)) == 0) {
			memmove(out->bytes, out->bytes + 12, 4);
			memset(out->bytes + 4, 0, 12);
			out->family = AF_INET;
		}
		return true;
	}
	return false;
}

/* One entry "addr" or "addr/prefix". */
static bool
parse_entry(const char *entry, struct ip *net, long *prefix)
{
	char text[64], *slash;
	long max;

	if (strlen(entry) >= sizeof(text))
		return false;
	strlcpy_safe(text, entry, sizeof(text));
	if ((slash = strchr(text, '/')) != NULL)
		*slash = '\0';
	if (!parse_ip(text, net))
		return false;
	max = net->family == AF_INET ? 32 : 128;
	*prefix = max;
	return slash == NULL || parse_long(slash + 1, 0, max, prefix) == 0;
}

static bool
prefix_matches(const struct ip *net, long prefix, const struct ip *addr)
{
	long full = prefix / 8, rest = prefix % 8;
	unsigned char mask;

	if (net->family != addr->family)
		return false;
	if (memcmp(net->bytes, addr->bytes, (size_t)full) != 0)
		return false;
	if (rest == 0)
		return true;
	mask = (unsigned char)(0xff << (8 - rest));
	return (net->bytes[full] & mask) == (addr->bytes[full] & mask);
}

/* Calls fn for each entry; stops early when fn returns true. */
static bool
each_entry(const char *list, bool (*fn)(const char *, void *), void *arg)
{
	char entry[64];
	const char *p = list;
	size_t n;

	while (*p != '\0') {
		p += strspn(p, " ,\t");
		n = strcspn(p, " ,\t");
		if (n == 0)
			break;
		if (n >= sizeof(entry))
			n = sizeof(entry) - 1;	/* too long: will not parse */
		memcpy(entry, p, n);
		entry[n] = '\0';
		if (fn(entry, arg))
			return true;
		p += strcspn(p, " ,\t");
	}
	return false;
}

static bool
entry_matches(const char *entry, void *arg)
{
	const struct ip *addr = arg;
	struct ip net;
	long prefix;

	return parse_entry(entry, &net, &prefix) &&
	    prefix_matches(&net, prefix, addr);
}

static bool
entry_invalid(const char *entry, void *arg)
{
	struct ip net;
	long prefix;

	(void)arg;
	return !parse_entry(entry, &net, &prefix);
}

bool
netaddr_allowed(const char *list, const char *addr)
{
	struct ip ip;

	if (list == NULL || addr == NULL || !parse_ip(addr, &ip))
		return false;
	return each_entry(list, entry_matches, &ip);
}

bool
netaddr_list_valid(const char *list)
{
	return !each_entry(list, entry_invalid, NULL);
}
