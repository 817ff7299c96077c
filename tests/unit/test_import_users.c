/*
 * test_import_users.c - row parsing and validation of import-users, and the
 * lockout key.
 */
#include <stdint.h>
#include <string.h>

#include "auth/throttle.h"
#include "cli/import_users.h"
#include "core/arena.h"
#include "tap.h"

#define BCRYPT	"$2b$04$abcdefghijklmnopqrstuughE8Ev8uGFaUgY2cNEySvxngrb/Jzdm"
#define ARGON	"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"

static void
test_hashes(void)
{
	static const char *const good[] = {
		BCRYPT,
		"$2y$10$abcdefghijklmnopqrstuughE8Ev8uGFaUgY2cNEySvxngrb/Jzdm",
		"$2a$12$abcdefghijklmnopqrstuughE8Ev8uGFaUgY2cNEySvxngrb/Jzdm",
		ARGON,
		"$argon2i$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA",
		"$argon2id$m=65536,t=4,p=1$c2FsdA$aGFzaA",
	};
	static const char *const bad[] = {
		"", "password", "$1$abcdefgh$abcdefghijklmnopqrstuv",
		"$5$rounds=5000$salt$hash", "$2x$10$abcdefghijklmnopqrstuughE8Ev8"
		"uGFaUgY2cNEySvxngrb/Jzdm",
		"$2b$03$abcdefghijklmnopqrstuughE8Ev8uGFaUgY2cNEySvxngrb/Jzdm",
		"$2b$32$abcdefghijklmnopqrstuughE8Ev8uGFaUgY2cNEySvxngrb/Jzdm",
		"$2b$04$abcdefghijklmnopqrstuughE8Ev8uGFaUgY2cNEySvxngrb/Jzd",
		"$2b$04$abcdefghijklmnopqrstuughE8Ev8uGFaUgY2cNEySvxngrb/Jzdm!",
		"$2b$04$abcdefghijklmnopqrstuughE8Ev8uGFaUgY2cNEySvxngrb Jzdm",
		"$argon2d$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA",
		"$argon2id$v=19$c2FsdA$aGFzaA",
		"$argon2id$v=19$m=4096,t=3,p=1$c2Fs dA$aGFzaA",
		"$argon2id$v=19$m=4096,t=3,p=1$a$b$c$d",
		"$ARGON2ID$v=19$m=4096,t=3,p=1$c2FsdA$aGFzaA",
	};
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ok(import_hash_accepted(good[i]), "accepted: %s", good[i]);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(!import_hash_accepted(bad[i]), "refused: %s", bad[i]);
	ok(!import_hash_accepted(NULL), "refused: NULL");
}

static void
test_rows(void)
{
	struct import_row r = { "Ann", "ann@example.com", "ann1", BCRYPT,
	    NULL, NULL, NULL };
	struct import_row c;

	ok(import_row_invalid(&r) == NULL, "a minimal row is valid");
	c = r;
	c.username = NULL;
	ok(import_row_invalid(&c) == NULL, "username is optional");
	c = r;
	c.role = "doctor";
	c.phone_number = "+628123456789";
	c.address = "Jl. Merdeka 1";
	ok(import_row_invalid(&c) == NULL, "every optional field");
	c = r;
	c.name = NULL;
	ok(import_row_invalid(&c) != NULL, "no name");
	c = r;
	c.email = "ann";
	ok(import_row_invalid(&c) != NULL, "bad email");
	c = r;
	c.username = "1ann";
	ok(import_row_invalid(&c) != NULL, "bad username");
	c = r;
	c.password_hash = NULL;
	ok(import_row_invalid(&c) != NULL, "no hash");
	c = r;
	c.role = "root";
	ok(import_row_invalid(&c) != NULL, "bad role");
	c = r;
	c.phone_number = "12";
	ok(import_row_invalid(&c) != NULL, "bad phone");
	c = r;
	c.name = "\xff\xfe";
	ok(import_row_invalid(&c) != NULL, "invalid UTF-8");
}

static void
test_csv(void)
{
	char rec[256], *f[8];

	strcpy(rec, "a,b,c\r\n");
	is_int(csv_split(rec, f, 8), 3, "three fields");
	is_str(f[2], "c", "line break dropped");
	strcpy(rec, "\"x, y\",\"say \"\"hi\"\"\",,\"multi\nline\"");
	is_int(csv_split(rec, f, 8), 4, "quoted fields");
	is_str(f[0], "x, y", "comma inside quotes");
	is_str(f[1], "say \"hi\"", "doubled quotes");
	is_str(f[2], "", "empty field");
	is_str(f[3], "multi\nline", "line break inside quotes");
	strcpy(rec, "");
	is_int(csv_split(rec, f, 8), 1, "an empty record is one empty field");
	strcpy(rec, "\"open,b");
	is_int(csv_split(rec, f, 8), -1, "unterminated quote");
	strcpy(rec, "\"a\"b,c");
	is_int(csv_split(rec, f, 8), -1, "text after a closing quote");
	strcpy(rec, "a\"b,c");
	is_int(csv_split(rec, f, 8), -1, "a quote inside a bare field");
	strcpy(rec, "a,b,c");
	is_int(csv_split(rec, f, 2), -1, "more fields than allowed");
	ok(csv_record_complete("a,\"b\",c\n"), "balanced quotes: complete");
	ok(!csv_record_complete("a,\"b\nc"), "open quote: incomplete");
	ok(csv_record_complete("a,\"b\"\"c\"\n"), "escaped quote: complete");
}

static void
test_json_rows(struct arena *a)
{
	struct import_row r;
	const char *why = NULL, *line;

	line = "{\"name\":\" Ann \",\"email\":\"ann@example.com\","
	    "\"password_hash\":\"" BCRYPT "\",\"id\":7,\"username\":null}";
	is_int(import_row_from_json(a, line, strlen(line), &r, &why), 0,
	    "a JSON row");
	is_str(r.name, "Ann", "values are trimmed");
	ok(r.username == NULL, "null is absent");
	ok(import_row_invalid(&r) == NULL, "and valid");
	line = "{\"name\":5}";
	is_int(import_row_from_json(a, line, strlen(line), &r, &why), -1,
	    "a number where a string belongs");
	line = "[1]";
	is_int(import_row_from_json(a, line, strlen(line), &r, &why), -1,
	    "not an object");
	line = "{\"name\":\"a\\u0000b\"}";
	is_int(import_row_from_json(a, line, strlen(line), &r, &why), -1,
	    "NUL in a string");
	is_int(import_field_by_name("password_hash"), IMPORT_PASSWORD_HASH,
	    "field names");
	is_int(import_field_by_name("created_at"), -1, "unknown columns");
}

static void
test_throttle_key(struct arena *a)
{
	char long_id[400];

	is_str(throttle_key(a, 42, NULL), "user:42", "an account's key");
	is_str(throttle_key(a, 0, "Ann@Example.COM"), "id:ann@example.com",
	    "an unknown identifier, lower-cased");
	is_str(throttle_key(a, 0, "J\xc3\x96RG"), "id:j\xc3\x96rg",
	    "only ASCII is folded (UTF-8 left intact)");
	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	is_int(strlen(throttle_key(a, 0, long_id)), THROTTLE_KEY_MAX,
	    "long identifiers are cut to the key limit");
	memset(long_id, 'a', sizeof(long_id));
	memcpy(long_id + THROTTLE_KEY_MAX - 4, "\xc3\xa9\xc3\xa9", 4);
	long_id[THROTTLE_KEY_MAX + 10] = '\0';
	is_int(strlen(throttle_key(a, 0, long_id)), THROTTLE_KEY_MAX - 1,
	    "never inside a UTF-8 sequence");
}

int
main(void)
{
	struct arena *a = arena_create(4096);

	test_hashes();
	test_rows();
	test_csv();
	test_json_rows(a);
	test_throttle_key(a);
	arena_destroy(a);
	return done_testing();
}
