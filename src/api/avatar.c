/*
 * avatar.c - POST /api/avatar (upload, docs/API.md §3, §9) and
 * GET /api/users/{id}/avatar (the image, for <img>: no key, no token).
 *
 * The image lives in PostgreSQL so that every node can serve it; its
 * SHA-256 is the ETag and versions photo_url, so the image can be cached
 * for a long time: a new image has a new URL.
 */

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/avatar.h"
#include "api/handlers.h"
#include "api/user.h"
#include "app/app.h"
#include "core/arena.h"
#include "core/base64.h"
#include "core/db.h"
#include "core/digest.h"
#include "core/json.h"
#include "http/bearer.h"
#include "http/param.h"
#include "http/request.h"
#include "http/response.h"

#define AVATAR_CACHE_CONTROL	"public, max-age=86400"

/* Session check, upsert and the user's hash in one round trip. */
static const struct db_stmt store_avatar = {
	"avatar_store",
	"WITH s AS ("
	"  SELECT user_id FROM sessions"
	"  WHERE id = $1::uuid AND revoked_at IS NULL"
	"  AND user_id = $2::bigint),"
	" a AS ("
	"  INSERT INTO avatars (user_id, content, content_type, sha256)"
	"  SELECT user_id, $3::bytea, $4, $5 FROM s"
	"  ON CONFLICT (user_id) DO UPDATE SET content = excluded.content,"
	"   content_type = excluded.content_type, sha256 = excluded.sha256,"
	"   updated_at = now()"
	"  RETURNING user_id),"
	" u AS ("
	"  UPDATE users SET avatar_sha256 = $5, updated_at = now() FROM a"
	"  WHERE users.id = a.user_id"
	"  RETURNING " USER_COLUMNS ")"
	"SELECT * FROM u",
	5
};

/*
 * The image, unless the client's If-None-Match ($2) already names it: then
 * only the headers' data comes back and the bytes stay in the database.
 * Binary results: text arrives as its bytes, bool as one byte.
 */
static const struct db_stmt fetch_avatar = {
	"avatar_fetch",
	"SELECT sha256, content_type,"
	" CASE WHEN fresh THEN NULL ELSE content END, fresh"
	" FROM (SELECT sha256, content_type, content,"
	"  coalesce(strpos($2::text, '\"' || sha256 || '\"') > 0"
	"   OR btrim($2::text) = '*', false) AS fresh"
	"  FROM avatars WHERE user_id = $1::bigint) a",
	2
};

enum image_type
image_type_from_name(const char *name)
{
	if (strcmp(name, "png") == 0)
		return IMAGE_PNG;
	if (strcmp(name, "jpeg") == 0 || strcmp(name, "jpg") == 0)
		return IMAGE_JPEG;
	if (strcmp(name, "webp") == 0)
		return IMAGE_WEBP;
	return IMAGE_UNKNOWN;
}

const char *
image_mime_type(enum image_type t)
{
	switch (t) {
	case IMAGE_PNG:
		return "image/png";
	case IMAGE_JPEG:
		return "image/jpeg";
	case IMAGE_WEBP:
		return "image/webp";
	case IMAGE_UNKNOWN:
		break;
	}
	return NULL;
}

enum image_type
image_sniff(const unsigned char *p, size_t n)
{
	static const unsigned char png[8] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n' };

	if (n >= sizeof(png) && memcmp(p, png, sizeof(png)) == 0)
		return IMAGE_PNG;
	/* SOI, then the first marker's 0xFF. */
	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
		return IMAGE_JPEG;
	/* RIFF container, size, then the WebP form type. */
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 && memcmp(p + 8, "WEBP", 4) ==
	    0)
		return IMAGE_WEBP;
	return IMAGE_UNKNOWN;
}

const char *
avatar_strip_data_url(const char *s, size_t len, size_t *rest_len,
    enum image_type *declared)
{
	const char *comma, *sub;
	char name[16];
	size_t sub_len, i;

	*declared = IMAGE_UNKNOWN;
	if (len < 5 || strncasecmp(s, "data:", 5) != 0) {
		*rest_len = len;
		return s;
	}
	if ((comma = memchr(s, ',', len)) == NULL)
		return NULL;
	/* "data:" "image/" subtype ";base64" */
	if ((size_t)(comma - s) < 5 + 6 + 7 ||
	    strncasecmp(s + 5, "image/", 6) != 0 ||
	    strncasecmp(comma - 7, ";base64", 7) != 0)
		return NULL;
	sub = s + 5 + 6;
	sub_len = (size_t)(comma - 7 - sub);
	if (sub_len == 0 || sub_len >= sizeof(name))
		return NULL;
	memcpy(name, sub, sub_len);
	name[sub_len] = '\0';
	for (i = 0; i < sub_len; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			name[i] = (char)(name[i] - 'A' + 'a');
	if ((*declared = image_type_from_name(name)) == IMAGE_UNKNOWN)
		return NULL;
	*rest_len = len - (size_t)(comma + 1 - s);
	return comma + 1;
}

/* ---- POST /api/avatar ---- */

struct avatar_upload {
	int64_t			 user_id;
	enum image_type		 type;
	const unsigned char	*bytes;
	size_t			 len;
};

/*
 * The body's fields, decoded and checked.  Returns 0, or the status of the
 * answer already written (400, 413).
 */
static int
read_avatar_upload(struct request *req, struct response *resp,
    struct avatar_upload *up)
{
	enum image_type declared = IMAGE_UNKNOWN;
	struct field_errors fe;
	const char *b64 = NULL, *type = NULL, *file = NULL;
	unsigned char *out;
	size_t b64_len = 0, file_len = 0;
	long n;

	memset(up, 0, sizeof(*up));
	field_errors_init(&fe, req->arena);
	(void)param_body_id(req, &fe, "user_id", &up->user_id);

	if (param_string(req, &fe, "type", PARAM_REQUIRED, SIZE_MAX, &type,
	    NULL) == PARAM_PRESENT &&
	    (up->type = image_type_from_name(type)) == IMAGE_UNKNOWN)
		field_error_add(&fe, "type",
		    "The type must be one of png, jpeg, jpg, webp.");

	if (param_string(req, &fe, "file", PARAM_REQUIRED, SIZE_MAX, &file,
	    &file_len) == PARAM_PRESENT) {
		if ((b64 = avatar_strip_data_url(file, file_len, &b64_len,
		    &declared)) == NULL)
			field_error_add(&fe, "file", "The file must be base64 "
			    "image data, optionally as a data:image/...;base64, "
			    "URL.");
		else if (declared != IMAGE_UNKNOWN &&
		    up->type != IMAGE_UNKNOWN && declared != up->type)
			field_error_add(&fe, "file", "The data: URL's image "
			    "type does not match the type field.");
	}
	if (field_errors_any(&fe)) {
		response_invalid(resp, &fe);
		return 400;
	}

	/* Far too long to be 2 MiB of image: refuse before decoding. */
	if (b64_len / 4 * 3 > AVATAR_MAX_BYTES + AVATAR_MAX_BYTES / 8)
		goto too_large;
	out = arena_alloc(req->arena, b64_len * 3 / 4 + 1);
	if ((n = base64_decode(b64, b64_len, out)) <= 0) {
		field_error_add(&fe, "file",
		    "The file must be valid, non-empty base64.");
		response_invalid(resp, &fe);
		return 400;
	}
	if (n > AVATAR_MAX_BYTES)
		goto too_large;
	if (image_sniff(out, (size_t)n) != up->type) {
		field_error_add(&fe, "file", arena_printf(req->arena,
		    "The file is not a %s image.", type));
		response_invalid(resp, &fe);
		return 400;
	}
	up->bytes = out;
	up->len = (size_t)n;
	return 0;
too_large:
	response_error(resp, 413, "Avatar too large.",
	    "The image may be at most 2 MiB (2097152 bytes) once decoded.");
	return 413;
}

void
handle_avatar_upload(struct request *req, struct response *resp)
{
	unsigned char digest[DIGEST_SHA256_LEN];
	char hex[2 * DIGEST_SHA256_LEN + 1];
	const char *params[5];
	int lengths[5] = { 0 }, formats[5] = { 0 };
	struct avatar_upload up;
	struct user_row user;
	struct json_writer *w;
	struct bearer b;
	PGresult *res;
	size_t i;

	if (read_avatar_upload(req, resp, &up) != 0)
		return;
	if (!bearer_authenticate(req, resp, &b))
		return;
	if (up.user_id != b.user_id) {
		response_error(resp, 403, "Forbidden.",
		    "You may only change your own avatar.");
		return;
	}

	digest_sha256(up.bytes, up.len, digest);
	for (i = 0; i < sizeof(digest); i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	params[2] = (const char *)up.bytes;
	lengths[2] = (int)up.len;
	formats[2] = 1;
	params[3] = image_mime_type(up.type);
	params[4] = hex;
	if ((res = bearer_query(req, resp, &b, &store_avatar, params, lengths,
	    formats)) == NULL)
		return;
	user_row_read(res, 0, &user);
	w = envelope_begin(resp, "Avatar updated");
	json_w_object_open(w);
	json_w_kv_string(w, "photo_url", user_photo_url(req, &user));
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}

/* ---- GET /api/users/{id}/avatar ---- */

void
handle_avatar_image(struct request *req, struct response *resp)
{
	const char *params[2];
	char uid[24], *etag, *type;
	enum db_status st;
	PGresult *res;
	int64_t id;

	if (param_path_id(req->path_params[0], &id) == -1)
		goto none;
	snprintf(uid, sizeof(uid), "%" PRId64, id);
	params[0] = uid;
	params[1] = req->if_none_match;
	res = db_exec_bin(req->app->db, req->arena, &fetch_avatar, params,
	    NULL, NULL, 1, &st);
	if (res == NULL) {
		response_db_failure(resp, st);
		return;
	}
	if (PQntuples(res) != 1)
		goto none;
	etag = arena_printf(req->arena, "\"%.*s\"", PQgetlength(res, 0, 0),
	    PQgetvalue(res, 0, 0));
	type = arena_strndup(req->arena, PQgetvalue(res, 0, 1),
	    (size_t)PQgetlength(res, 0, 1));
	response_header(resp, "ETag", etag);
	response_header(resp, "Cache-Control", AVATAR_CACHE_CONTROL);
	if (PQgetvalue(res, 0, 3)[0] != 0) {
		response_bytes(resp, 304, type, "", 0);
		return;
	}
	response_bytes(resp, 200, type, PQgetvalue(res, 0, 2),
	    (size_t)PQgetlength(res, 0, 2));
	return;
none:
	response_error(resp, 404, "Not found.", "This user has no avatar.");
}
