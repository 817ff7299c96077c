/*
 * import_users.c - bulk import of users with their existing hashes.
 *
 * Each row is validated here and inserted on its own (autocommit), so one
 * bad or duplicate row never costs the others; ON CONFLICT DO NOTHING
 * turns a duplicate email or username into a reported skip.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/user.h"
#include "app/config.h"
#include "cli/import_users.h"
#include "core/arena.h"
#include "core/db.h"
#include "core/json.h"
#include "core/validate.h"

#define ADDRESS_MAX_BYTES	500
#define HASH_MAX_BYTES		255
#define RECORD_MAX_BYTES	(64 * 1024)
#define CSV_MAX_COLUMNS		64

static const char *const field_names[IMPORT_FIELD_COUNT] = {
	"name", "email", "username", "password_hash", "role", "phone_number",
	"address"
};

static const struct db_stmt insert_user = {
	"cli_import_user",
	"INSERT INTO users (name, email, username, password_hash, role,"
	" phone_number, address)"
	" VALUES ($1, $2, $3, $4, coalesce($5, 'patient'), $6, $7)"
	" ON CONFLICT DO NOTHING RETURNING id",
	7
};

int
import_field_by_name(const char *name)
{
	int i;

	for (i = 0; i < IMPORT_FIELD_COUNT; i++)
		if (strcmp(name, field_names[i]) == 0)
			return i;
	return -1;
}

static bool
bcrypt_well_formed(const char *h)
{
	static const char alphabet[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789";
	int cost;

	/* $2y$NN$ + 22 characters of salt + 31 of hash. */
	if (strlen(h) != 60 || h[0] != '$' || h[1] != '2' ||
	    (h[2] != 'a' && h[2] != 'b' && h[2] != 'y') || h[3] != '$' ||
	    !isdigit((unsigned char)h[4]) || !isdigit((unsigned char)h[5]) ||
	    h[6] != '$')
		return false;
	cost = (h[4] - '0') * 10 + (h[5] - '0');
	return cost >= 4 && cost <= 31 && strspn(h + 7, alphabet) == 53;
}

static bool
argon2_well_formed(const char *h)
{
	static const char allowed[] = "$=,+/ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789";
	size_t parts = 0;
	const char *p;

	if (strspn(h, allowed) != strlen(h) || strstr(h, "$m=") == NULL)
		return false;
	for (p = h; *p != '\0'; p++)
		parts += *p == '$';
	/* $argon2id$v=19$m=..,t=..,p=..$salt$hash (v= optional). */
	return parts == 4 || parts == 5;
}

bool
import_hash_accepted(const char *h)
{
	if (h == NULL || strlen(h) > HASH_MAX_BYTES)
		return false;
	if (strncmp(h, "$2y$", 4) == 0 || strncmp(h, "$2b$", 4) == 0 ||
	    strncmp(h, "$2a$", 4) == 0)
		return bcrypt_well_formed(h);
	if (strncmp(h, "$argon2id$", 10) == 0 ||
	    strncmp(h, "$argon2i$", 9) == 0)
		return argon2_well_formed(h);
	return false;
}

const char *
import_row_invalid(const struct import_row *r)
{
	const char *all[IMPORT_FIELD_COUNT] = { r->name, r->email, r->username,
	    r->password_hash, r->role, r->phone_number, r->address };
	int i;

	for (i = 0; i < IMPORT_FIELD_COUNT; i++)
		if (all[i] != NULL && !valid_utf8(all[i], strlen(all[i])))
			return "a field is not valid UTF-8";
	if (r->name == NULL)
		return "name is missing";
	if (strlen(r->name) > USER_NAME_MAX_BYTES)
		return "name is longer than 255 bytes";
	if (r->email == NULL)
		return "email is missing";
	if (!valid_email(r->email, strlen(r->email)))
		return "email is not a valid address";
	if (r->username != NULL && !valid_username(r->username,
	    strlen(r->username)))
		return "username must be letters followed by optional digits";
	if (r->password_hash == NULL)
		return "password_hash is missing";
	if (!import_hash_accepted(r->password_hash))
		return "password_hash is not a well-formed $2y$/$2b$/$2a$ "
		    "bcrypt or $argon2id$/$argon2i$ hash";
	if (r->role != NULL && strcmp(r->role, "patient") != 0 &&
	    strcmp(r->role, "doctor") != 0 && strcmp(r->role, "admin") != 0)
		return "role must be patient, doctor or admin";
	if (r->phone_number != NULL && !valid_phone(r->phone_number,
	    strlen(r->phone_number)))
		return "phone_number must be 8 to 15 digits, optionally "
		    "after +";
	if (r->address != NULL && strlen(r->address) > ADDRESS_MAX_BYTES)
		return "address is longer than 500 bytes";
	return NULL;
}

void
import_row_set(struct arena *a, struct import_row *r, enum import_field f,
    const char *value, size_t len)
{
	const char **slot[IMPORT_FIELD_COUNT] = { &r->name, &r->email,
	    &r->username, &r->password_hash, &r->role, &r->phone_number,
	    &r->address };

	while (len > 0 && isspace((unsigned char)*value)) {
		value++;
		len--;
	}
	while (len > 0 && isspace((unsigned char)value[len - 1]))
		len--;
	*slot[f] = len == 0 ? NULL : arena_strndup(a, value, len);
}

bool
csv_record_complete(const char *s)
{
	bool quoted = false;

	for (; *s != '\0'; s++)
		if (*s == '"')
			quoted = !quoted;
	return !quoted;
}

int
csv_split(char *rec, char **fields, int max)
{
	char *in = rec, *out = rec;
	int n = 0;
	size_t len = strlen(rec);

	/* The record's own line break is not part of the last field. */
	while (len > 0 && (rec[len - 1] == '\n' || rec[len - 1] == '\r'))
		rec[--len] = '\0';
	for (;;) {
		if (n == max)
			return -1;
		fields[n++] = out;
		if (*in == '"') {
			in++;
			for (;;) {
				if (*in == '\0')
					return -1;
				if (*in == '"' && in[1] == '"') {
					*out++ = '"';
					in += 2;
				} else if (*in == '"') {
					in++;
					break;
				} else
					*out++ = *in++;
			}
			if (*in != ',' && *in != '\0')
				return -1;
		} else {
			while (*in != ',' && *in != '\0') {
				if (*in == '"')
					return -1;
				*out++ = *in++;
			}
		}
		if (*in == '\0') {
			*out = '\0';
			return n;
		}
		*out++ = '\0';
		in++;
	}
}

int
import_row_from_json(struct arena *a, const char *line, size_t len,
    struct import_row *row, const char **why)
{
	const struct json_value *obj, *v;
	size_t i;
	int f;

	memset(row, 0, sizeof(*row));
	obj = json_parse(a, line, len, NULL);
	if (obj == NULL || obj->type != JSON_OBJECT) {
		*why = "not a JSON object";
		return -1;
	}
	for (i = 0; i < obj->u.object.count; i++) {
		if ((f = import_field_by_name(obj->u.object.members[i].key)) ==
		    -1)
			continue;	/* id, created_at, ...: not ours */
		v = obj->u.object.members[i].value;
		if (v->type == JSON_NULL) {
			import_row_set(a, row, (enum import_field)f, "", 0);
			continue;
		}
		if (!json_string_ok(v)) {
			*why = arena_printf(a, "%s must be a UTF-8 string",
			    obj->u.object.members[i].key);
			return -1;
		}
		import_row_set(a, row, (enum import_field)f, v->u.string.ptr,
		    v->u.string.len);
	}
	return 0;
}

/* ---- the command ---- */

struct import_stats {
	unsigned long	imported, invalid, duplicate;
};

static enum db_status
insert_row(struct db *db, struct arena *a, const struct import_row *r,
    bool *inserted)
{
	const char *params[7] = { r->name, r->email, r->username,
	    r->password_hash, r->role, r->phone_number, r->address };
	enum db_status st;
	PGresult *res;

	*inserted = false;
	if ((res = db_exec(db, a, &insert_user, params, &st)) == NULL)
		return st;
	*inserted = PQntuples(res) == 1;
	return DB_OK;
}

/* Validates and inserts one row; -1 only when the database is gone. */
static int
import_one(struct db *db, struct arena *a, const struct import_row *r,
    unsigned long line, struct import_stats *stats)
{
	const char *why;
	enum db_status st;
	bool inserted;

	if ((why = import_row_invalid(r)) != NULL) {
		fprintf(stderr, "line %lu: skipped: %s\n", line, why);
		stats->invalid++;
		return 0;
	}
	st = insert_row(db, a, r, &inserted);
	if (st == DB_UNAVAILABLE) {
		fprintf(stderr, "line %lu: the database went away\n", line);
		return -1;
	}
	if (st != DB_OK) {
		fprintf(stderr, "line %lu: skipped: the database refused the "
		    "row\n", line);
		stats->invalid++;
	} else if (!inserted) {
		fprintf(stderr, "line %lu: skipped: duplicate email or "
		    "username\n", line);
		stats->duplicate++;
	} else
		stats->imported++;
	return 0;
}

/* Column index -> field (-1: ignored), from the header record. */
static int
read_csv_header(char *header, int map[CSV_MAX_COLUMNS], int *ncols)
{
	char *cols[CSV_MAX_COLUMNS];
	bool seen[IMPORT_FIELD_COUNT] = { false };
	int i, f;
	char *p;

	if ((*ncols = csv_split(header, cols, CSV_MAX_COLUMNS)) == -1) {
		fprintf(stderr, "import-users: the CSV header is malformed\n");
		return -1;
	}
	for (i = 0; i < *ncols; i++) {
		for (p = cols[i]; *p != '\0'; p++)
			*p = (char)tolower((unsigned char)*p);
		while (*cols[i] == ' ')
			cols[i]++;
		p = cols[i] + strlen(cols[i]);
		while (p > cols[i] && p[-1] == ' ')
			*--p = '\0';
		map[i] = f = import_field_by_name(cols[i]);
		if (f >= 0) {
			if (seen[f]) {
				fprintf(stderr, "import-users: column %s "
				    "appears twice\n", cols[i]);
				return -1;
			}
			seen[f] = true;
		}
	}
	if (!seen[IMPORT_NAME] || !seen[IMPORT_EMAIL] ||
	    !seen[IMPORT_PASSWORD_HASH]) {
		fprintf(stderr, "import-users: the CSV header must name the "
		    "columns name, email and password_hash\n");
		return -1;
	}
	return 0;
}

/* Reads one record (CSV records may span lines inside quotes). */
static char *
next_record(FILE *fp, char **line, size_t *cap, unsigned long *lineno,
    bool csv, struct arena *a)
{
	char *rec = NULL;
	size_t len = 0;
	ssize_t n;

	while ((n = getline(line, cap, fp)) != -1) {
		(*lineno)++;
		if (rec == NULL) {
			rec = arena_strndup(a, *line, (size_t)n);
			len = (size_t)n;
		} else {
			rec = arena_realloc(a, rec, len + 1, len + (size_t)n +
			    1);
			memcpy(rec + len, *line, (size_t)n + 1);
			len += (size_t)n;
		}
		if (len > RECORD_MAX_BYTES || !csv || csv_record_complete(rec))
			return rec;
	}
	return rec;
}

static bool
blank(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return *s == '\0';
}

int
cli_import_users(const struct config *cfg, int argc, char **argv)
{
	struct import_stats stats = { 0, 0, 0 };
	int map[CSV_MAX_COLUMNS], ncols = 0, rc = 0, i, c;
	unsigned long lineno = 0, start;
	char *line = NULL, *rec, *cols[CSV_MAX_COLUMNS];
	struct import_row row;
	size_t cap = 0;
	struct arena *a;
	struct db *db;
	bool csv;
	FILE *fp;

	if (argc != 2) {
		fprintf(stderr, "usage: cexup-api import-users FILE "
		    "(JSON lines, or CSV with a header line)\n");
		return 2;
	}
	if ((fp = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "import-users: %s: %s\n", argv[1],
		    strerror(errno));
		return 1;
	}
	/* JSON lines start with '{'; anything else is CSV with a header. */
	while ((c = getc(fp)) != EOF && isspace(c))
		;
	csv = c != '{';
	rewind(fp);

	a = arena_create(64 * 1024);
	db = db_open(cfg->database_url, cfg->statement_timeout_ms,
	    cfg->db_connect_timeout);
	if (!db_ready(db)) {
		fprintf(stderr, "import-users: cannot reach the database "
		    "(see database_url)\n");
		rc = -1;
		goto done;
	}
	if (csv) {
		rec = next_record(fp, &line, &cap, &lineno, true, a);
		if (rec == NULL || read_csv_header(rec, map, &ncols) == -1) {
			if (rec == NULL)
				fprintf(stderr, "import-users: %s is empty\n",
				    argv[1]);
			rc = -1;
			goto done;
		}
	}
	for (;;) {
		arena_reset(a);
		start = lineno + 1;
		if ((rec = next_record(fp, &line, &cap, &lineno, csv, a)) ==
		    NULL)
			break;
		if (blank(rec))
			continue;
		if (strlen(rec) > RECORD_MAX_BYTES) {
			fprintf(stderr, "line %lu: skipped: longer than %d "
			    "bytes\n", start, RECORD_MAX_BYTES);
			stats.invalid++;
			continue;
		}
		if (!csv) {
			const char *why;

			if (import_row_from_json(a, rec, strlen(rec), &row,
			    &why) == -1) {
				fprintf(stderr, "line %lu: skipped: %s\n",
				    start, why);
				stats.invalid++;
				continue;
			}
		} else {
			memset(&row, 0, sizeof(row));
			if ((c = csv_split(rec, cols, CSV_MAX_COLUMNS)) !=
			    ncols) {
				fprintf(stderr, "line %lu: skipped: %s\n",
				    start, c == -1 ? "malformed CSV" :
				    "wrong number of columns");
				stats.invalid++;
				continue;
			}
			for (i = 0; i < ncols; i++)
				if (map[i] >= 0)
					import_row_set(a, &row,
					    (enum import_field)map[i], cols[i],
					    strlen(cols[i]));
		}
		if (import_one(db, a, &row, start, &stats) == -1) {
			rc = -1;
			break;
		}
	}
done:
	free(line);
	fclose(fp);
	arena_destroy(a);
	db_close(db);
	printf("imported %lu, skipped %lu (invalid %lu, duplicate %lu)\n",
	    stats.imported, stats.invalid + stats.duplicate, stats.invalid,
	    stats.duplicate);
	if (rc == -1 || stats.imported == 0)
		return 1;
	return 0;
}
