/*
 * netaddr.h - "is this client address in that list of addresses and
 * networks?" for access rules such as metrics_allow.
 */
#ifndef CEXUP_NETADDR_H
#define CEXUP_NETADDR_H

#include <stdbool.h>

/*
 * list: addresses or CIDR networks separated by spaces or commas
 * ("127.0.0.1 ::1 10.0.0.0/8").  An IPv4-mapped IPv6 client address
 * (::ffff:a.b.c.d) matches IPv4 entries.  Returns false for anything that
 * does not parse.
 */
bool	netaddr_allowed(const char *list, const char *addr);
/* True if every entry of the list parses (for configuration checks). */
bool	netaddr_list_valid(const char *list);

#endif
