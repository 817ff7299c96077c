/*
 * test_throttle.c - the lockout counter's key (auth/throttle.c): one key
 * per account, else per lower-cased identifier, bounded, never cutting a
 * UTF-8 sequence.
 */
#include <string.h>

#include "auth/throttle.h"
#include "core/arena.h"
#include "core/validate.h"
#include "tap.h"

int
main(void)
{
	struct arena *a = arena_create(8192);
	char id[THROTTLE_KEY_MAX + 50], *p;
	const char *key;
	size_t i;

	is_str(throttle_key(a, 42, "ignored@example.com"), "user:42",
	    "a known account: its id, whatever identifier named it");
	is_str(throttle_key(a, 0, "Dude@Example.COM"), "id:dude@example.com",
	    "unknown: the identifier, ASCII lower-cased");
	is_str(throttle_key(a, 0, "\xc3\x89mile"), "id:\xc3\x89mile",
	    "non-ASCII letters are kept as sent");

	/* 'a' then a run of two-byte characters, so a cut can land inside. */
	p = id;
	*p++ = 'a';
	for (i = 0; i < (sizeof(id) - 2) / 2; i++) {
		*p++ = (char)0xc3;
		*p++ = (char)0xa9;
	}
	*p = '\0';
	key = throttle_key(a, 0, id);
	ok(strlen(key) <= THROTTLE_KEY_MAX, "bounded to THROTTLE_KEY_MAX");
	ok(strncmp(key, "id:a", 4) == 0, "... keeps the start");
	ok(valid_utf8(key, strlen(key)), "... and stays valid UTF-8");
	arena_destroy(a);
	return done_testing();
}
