/*
 * fuzz_import.c - `import-users` input.  A CSV record that splits gives the
 * same fields back after being written out again with every field quoted;
 * a JSON line either becomes a row of valid UTF-8 fields or is refused
 * with a reason, and the row check never crashes.
 */
#include <string.h>

#include "cli/import_users.h"
#include "core/arena.h"
#include "core/validate.h"
#include "fuzz.h"

#define MAX_FIELDS	16

/* fields quoted, '"' doubled, joined by ',' into the arena. */
static char *
write_record(struct arena *a, char **fields, int n)
{
	size_t cap = 1, i;
	char *out, *o;
	int k;

	for (k = 0; k < n; k++)
		cap += 2 * strlen(fields[k]) + 3;
	o = out = arena_alloc(a, cap);
	for (k = 0; k < n; k++) {
		if (k > 0)
			*o++ = ',';
		*o++ = '"';
		for (i = 0; fields[k][i] != '\0'; i++) {
			if (fields[k][i] == '"')
				*o++ = '"';
			*o++ = fields[k][i];
		}
		*o++ = '"';
	}
	*o = '\0';
	return out;
}

static void
check_csv(struct arena *a, const uint8_t *data, size_t size)
{
	char *rec = arena_alloc(a, size + 1), *again;
	char *fields[MAX_FIELDS], *fields2[MAX_FIELDS];
	int n, m, k;

	memcpy(rec, data, size);
	rec[size] = '\0';
	if (!csv_record_complete(rec))
		return;
	if ((n = csv_split(rec, fields, MAX_FIELDS)) < 0)
		return;
	FUZZ_CHECK(n >= 1);
	/* A trailing line break inside the last field would be dropped. */
	if (strpbrk(fields[n - 1], "\r\n") != NULL)
		return;
	again = write_record(a, fields, n);
	FUZZ_CHECK(csv_record_complete(again));
	m = csv_split(again, fields2, MAX_FIELDS);
	FUZZ_CHECK(m == n);
	for (k = 0; k < n; k++)
		FUZZ_CHECK(strcmp(fields[k], fields2[k]) == 0);
}

static void
check_json_line(struct arena *a, const uint8_t *data, size_t size)
{
	struct import_row row;
	const char *why = NULL;
	const char *v[IMPORT_FIELD_COUNT];
	size_t i;

	memset(&row, 0, sizeof(row));
	if (import_row_from_json(a, (const char *)data, size, &row,
	    &why) == -1) {
		FUZZ_CHECK(why != NULL);
		return;
	}
	v[0] = row.name;
	v[1] = row.email;
	v[2] = row.username;
	v[3] = row.password_hash;
	v[4] = row.role;
	v[5] = row.phone_number;
	v[6] = row.address;
	for (i = 0; i < IMPORT_FIELD_COUNT; i++)
		if (v[i] != NULL)
			FUZZ_CHECK(valid_utf8(v[i], strlen(v[i])));
	(void)import_row_invalid(&row);
	if (row.password_hash != NULL)
		(void)import_hash_accepted(row.password_hash);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct arena *a = arena_create(4096);

	check_csv(a, data, size);
	check_json_line(a, data, size);
	arena_destroy(a);
	return 0;
}
