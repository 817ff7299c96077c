/*
 * article.c - POST|GET /api/article (published articles, newest first)
 * and POST|GET /api/article/show (one published article) (docs/API.md §3,
 * §5, §9).  A draft is invisible: its slug answers 404 like an unknown one.
 */
#include "api/catalog.h"
#include "api/handlers.h"
#include "api/page.h"
#include "app/app.h"
#include "core/db.h"
#include "core/json.h"
#include "http/request.h"
#include "http/response.h"

/* ISO 8601 in UTC, e.g. 2024-05-01T03:00:00Z. */
#define ISO_UTC(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/*
 * Shape as the unfiltered doctor list (doctor.c); the page comes from the
 * partial index of published articles, newest first, starting at the page
 * mark before the offset (with no mark: from the newest possible key).
 */
static const struct db_stmt article_list = {
	"article_list",
	"SELECT t.total, p.id, p.slug, p.title, p.excerpt, p.thumbnail_url,"
	" p.author, " ISO_UTC("p.published_at")
	" FROM (SELECT n AS total FROM catalog_counts"
	"  WHERE name = 'articles_published') t"
	" LEFT JOIN LATERAL (SELECT position, sort_time, id"
	"  FROM catalog_page_marks WHERE list = 'articles_published'"
	"  AND position <= $2::bigint"
	"  ORDER BY position DESC LIMIT 1) mark ON true"
	" LEFT JOIN LATERAL (SELECT x.*"
	"  FROM (SELECT * FROM (SELECT a0.id, a0.published_at FROM articles a0"
	"   WHERE a0.status = 'published' AND t.total > $2::bigint"
	"   AND (a0.published_at, a0.id) <="
	"    (coalesce(mark.sort_time, 'infinity'),"
	"     coalesce(mark.id, 9223372036854775807))"
	"   ORDER BY a0.published_at DESC, a0.id DESC LIMIT " PAGE_SIZE_MAX_SQL
	"   OFFSET $2::bigint - coalesce(mark.position, 0)) page"
	"   LIMIT $1::bigint) pg"
	"  CROSS JOIN LATERAL (SELECT a.id, a.slug, a.title, a.excerpt,"
	"   a.thumbnail_url, a.author, a.published_at FROM articles a"
	"   WHERE a.id = pg.id LIMIT 1) x) p ON true"
	" ORDER BY p.published_at DESC, p.id DESC",
	2
};

static const struct db_stmt article_show = {
	"article_show",
	"SELECT a.id, a.slug, a.title, a.excerpt, a.thumbnail_url, a.author,"
	" " ISO_UTC("a.published_at") ", a.body"
	" FROM articles a WHERE a.slug = $1 AND a.status = 'published'",
	1
};

/* id, slug, title, excerpt, thumbnail_url, author, published_at. */
static void
write_article_summary(struct json_writer *w, const PGresult *res, int row,
    int col)
{
	json_w_kv_int(w, "id", db_int(res, row, col));
	json_w_kv_string(w, "slug", db_value(res, row, col + 1));
	json_w_kv_string(w, "title", db_value(res, row, col + 2));
	json_w_kv_string(w, "excerpt", db_value(res, row, col + 3));
	json_w_kv_string(w, "thumbnail_url", db_value(res, row, col + 4));
	json_w_kv_string(w, "author", db_value(res, row, col + 5));
	json_w_kv_string(w, "published_at", db_value(res, row, col + 6));
}

void
handle_article_list(struct request *req, struct response *resp)
{
	page_respond_list(req, resp, &article_list, write_article_summary);
}

void
handle_article_show(struct request *req, struct response *resp)
{
	struct json_writer *w;
	PGresult *res;

	if ((res = catalog_fetch_by_slug(req, resp, &article_show,
	    "Article not found.", "No published article has this slug.")) == NULL)
		return;
	w = envelope_begin(resp, "OK");
	json_w_object_open(w);
	write_article_summary(w, res, 0, 0);
	json_w_kv_string(w, "body", db_value(res, 0, 7));
	json_w_object_close(w);
	envelope_finish(resp, 200, w);
}
