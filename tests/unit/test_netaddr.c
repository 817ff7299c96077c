/*
 * test_netaddr.c - address lists for metrics_allow.
 */
#include "core/netaddr.h"
#include "tap.h"

int
main(void)
{
	const char *list = "127.0.0.1, ::1 10.0.0.0/8 192.168.1.128/25 "
	    "fd00::/8";

	ok(netaddr_allowed(list, "127.0.0.1"), "exact IPv4");
	ok(!netaddr_allowed(list, "127.0.0.2"), "neighbour of exact IPv4");
	ok(netaddr_allowed(list, "::1"), "exact IPv6");
	ok(netaddr_allowed(list, "10.255.3.4"), "inside /8");
	ok(!netaddr_allowed(list, "11.0.0.1"), "outside /8");
	ok(netaddr_allowed(list, "192.168.1.200"), "inside /25");
	ok(!netaddr_allowed(list, "192.168.1.100"), "outside /25");
	ok(netaddr_allowed(list, "fd12:3456::1"), "inside IPv6 /8");
	ok(!netaddr_allowed(list, "fe80::1"), "outside IPv6 /8");
	ok(netaddr_allowed(list, "::ffff:10.1.2.3"),
	    "IPv4-mapped IPv6 matches IPv4 networks");
	ok(!netaddr_allowed(list, "not-an-ip"), "garbage address");
	ok(!netaddr_allowed(list, ""), "empty address");
	ok(!netaddr_allowed(list, NULL), "no address");
	ok(!netaddr_allowed("", "127.0.0.1"), "empty list allows nothing");
	ok(netaddr_allowed("0.0.0.0/0", "8.8.8.8"), "/0 allows all IPv4");
	ok(!netaddr_allowed("0.0.0.0/0", "::1"), "/0 IPv4 is not IPv6");
	ok(!netaddr_allowed("10.0.0.0/33", "10.0.0.1"), "bad prefix never matches");

	ok(netaddr_list_valid(list), "valid list");
	ok(netaddr_list_valid(""), "empty list is valid");
	ok(!netaddr_list_valid("127.0.0.1 localhost"), "host names rejected");
	ok(!netaddr_list_valid("10.0.0.0/33"), "prefix too long");
	ok(!netaddr_list_valid("10.0.0.0/x"), "prefix not a number");
	ok(!netaddr_list_valid("::1/129"), "IPv6 prefix too long");
	return done_testing();
}
