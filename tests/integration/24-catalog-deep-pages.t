# Deep pages of the unfiltered lists: doctors are read from doctor_list
# (sql/004; sparse positions, paged through sorted lists since sql/012),
# hospitals and published articles start from
# catalog_page_marks (sql/003).  Every page must be exactly what OFFSET
# over the whole ordered table gives, across mark boundaries, with ties in
# the sort key, and after inserts, renames, deletes, speciality changes,
# (un)publishing and TRUNCATE rebuild the derived tables.
use strict;
use warnings;

use Test::More;
use CexupTest;

my $t = CexupTest->new;
my $KEY = 'catalog-deep-pages-key';
$t->psql("INSERT INTO api_clients (name, key_hash) VALUES ('test', "
    . "sha256(convert_to('$KEY', 'UTF8')))");

sub api {
	my ($method, $path, %o) = @_;
	$o{headers} = { 'x-api-key' => $KEY };
	return $t->request($method, $path, %o);
}

my %order = (
	'/api/doctor' => "SELECT slug FROM doctors ORDER BY name, id",
	'/api/hospital' => "SELECT slug FROM hospitals ORDER BY name, id",
	'/api/article' => "SELECT slug FROM articles WHERE status = "
	    . "'published' ORDER BY published_at DESC, id DESC",
);

# Every page of size $size must match the table; one test per list.
sub check_pages {
	my ($path, $size, $what) = @_;
	my @want = split /\n/, $t->psql($order{$path});
	my (@got, $bad);
	my $pages = int((@want + $size - 1) / $size) || 1;
	for my $page (1 .. $pages + 1) {
		my $res = api('GET', "$path?data=$size&page=$page");
		if ($res->{status} != 200
		    || $res->{json}{meta}{total} != @want) {
			$bad = "page $page: $res->{status} total "
			    . ($res->{json}{meta}{total} // '?');
			last;
		}
		push @got, map { $_->{slug} } @{ $res->{json}{data} };
	}
	ok(!$bad && "@got" eq "@want",
	    "$path: all pages of $size ($what), " . scalar(@want) . ' rows')
	    or diag($bad // 'pages differ from OFFSET over the table');
}

sub marks_exact {
	my ($list) = @_;
	my $sql = $list eq 'articles_published'
	    ? "SELECT count(*) FROM (SELECT published_at, id, row_number() "
	    . "OVER (ORDER BY published_at DESC, id DESC) - 1 AS pos FROM "
	    . "articles WHERE status = 'published') r WHERE r.pos > 0 AND "
	    . "r.pos % 100 = 0 AND NOT EXISTS (SELECT 1 FROM catalog_page_marks "
	    . "m WHERE m.list = '$list' AND m.position = r.pos AND m.id = r.id "
	    . "AND m.sort_time = r.published_at)"
	    : "SELECT count(*) FROM (SELECT name, id, row_number() OVER "
	    . "(ORDER BY name, id) - 1 AS pos FROM $list) r WHERE r.pos > 0 "
	    . "AND r.pos % 100 = 0 AND NOT EXISTS (SELECT 1 FROM "
	    . "catalog_page_marks m WHERE m.list = '$list' AND m.position = "
	    . "r.pos AND m.id = r.id AND m.sort_text = r.name)";
	my $count = $list eq 'articles_published'
	    ? "SELECT count(*) FROM articles WHERE status = 'published'"
	    : "SELECT count(*) FROM $list";
	is($t->psql($sql), 0, "$list: every hundredth row has its mark");
	is($t->psql("SELECT count(*) FROM catalog_page_marks WHERE list = "
	    . "'$list'"), int(($t->psql($count) - 1) / 100) > 0
	    ? int(($t->psql($count) - 1) / 100) : 0, "$list: and no other");
}

# doctor_list is doctors joined to specialities, its positions in list
# order (sparse since sql/012: compared by rank), with nothing missing,
# extra or stale; doctor_list_orders holds the sorted positions of the
# whole list and of each speciality.
sub doctor_list_exact {
	my ($what) = @_;
	is($t->psql(<<'SQL'), 0, "doctor_list mirrors doctors ($what)");
SELECT count(*) FROM (
  (SELECT row_number() OVER (ORDER BY d.name, d.id),
     d.id, d.slug::text, d.name, d.title, d.photo_url, d.years_of_practice,
     s.id, s.slug::text, s.name
   FROM doctors d JOIN specialities s ON s.id = d.speciality_id
   EXCEPT ALL
   SELECT row_number() OVER (ORDER BY position), doctor_id, slug, name,
     title, photo_url, years_of_practice, speciality_id, speciality_slug,
     speciality_name FROM doctor_list)
  UNION ALL
  (SELECT row_number() OVER (ORDER BY position), doctor_id, slug, name,
     title, photo_url, years_of_practice, speciality_id, speciality_slug,
     speciality_name FROM doctor_list
   EXCEPT ALL
   SELECT row_number() OVER (ORDER BY d.name, d.id),
     d.id, d.slug::text, d.name, d.title, d.photo_url, d.years_of_practice,
     s.id, s.slug::text, s.name
   FROM doctors d JOIN specialities s ON s.id = d.speciality_id)) diff
SQL
	is($t->psql(<<'SQL'), 0, "doctor_list_orders exact ($what)");
SELECT count(*) FROM (SELECT 'all'::text AS kind, 0::bigint AS key
  UNION SELECT 'speciality', id FROM specialities
  UNION SELECT kind, key FROM doctor_list_orders) k
LEFT JOIN doctor_list_orders o USING (kind, key)
WHERE coalesce(o.positions, '{}') IS DISTINCT FROM ARRAY(SELECT
  l.position::integer FROM doctor_list l
  WHERE k.kind = 'all' OR l.speciality_id = k.key ORDER BY l.position)
SQL
	is($t->psql('SELECT count(*) FROM doctor_list l FULL JOIN doctor_search '
	    . 'n ON n.position = l.position WHERE n.name_lower IS DISTINCT '
	    . 'FROM lower(l.name)'), 0,
	    "doctor_search mirrors doctor_list ($what)");
	# Every one- and two-character piece of the names, each with exactly
	# the positions whose name contains it, in order.
	is($t->psql(<<'SQL'), 0, "doctor_search_pieces exact ($what)");
SELECT count(*) FROM (
  SELECT DISTINCT substr(name_lower, i, n) AS piece FROM doctor_search,
    generate_series(1, length(name_lower)) i, generate_series(1, 2) n
  WHERE i + n - 1 <= length(name_lower)) every_piece
FULL JOIN doctor_search_pieces p USING (piece)
WHERE p.positions IS DISTINCT FROM ARRAY(SELECT s.position::integer
  FROM doctor_search s WHERE strpos(s.name_lower, piece) > 0
  ORDER BY s.position)
SQL
}

# 457 doctors with many equal names (ties broken by id), 321 hospitals,
# 389 articles of which some share a publication time and some are drafts.
$t->psql(<<'SQL');
INSERT INTO specialities (slug, name) VALUES ('s', 'S');
INSERT INTO doctors (slug, name, speciality_id)
SELECT 'doc-' || g, 'Name ' || (g % 37), 1 FROM generate_series(1, 457) g;
INSERT INTO hospitals (slug, name, address, city)
SELECT 'rs-' || g, 'RS ' || (g % 50), 'Jl. ' || g, 'Kota'
FROM generate_series(1, 321) g;
INSERT INTO articles (slug, title, body, author, status, published_at)
SELECT 'art-' || g, 'T' || g, 'b', 'a',
    CASE WHEN g % 9 = 0 THEN 'draft' ELSE 'published' END,
    CASE WHEN g % 9 = 0 THEN NULL
	 ELSE timestamptz '2024-01-01' + interval '1 hour' * (g / 3) END
FROM generate_series(1, 389) g;
SQL
marks_exact($_) for qw(hospitals articles_published);
doctor_list_exact('after inserts');
is($t->psql("SELECT count(*) FROM catalog_page_marks WHERE list = "
    . "'doctors'"), 0, 'doctors need no page marks');
check_pages('/api/doctor', 23, 'ties in names');
check_pages('/api/doctor', 100, 'pages on mark boundaries');
check_pages('/api/hospital', 7, 'ties in names');
check_pages('/api/article', 17, 'ties in published_at, drafts between');
check_pages('/api/article', 50, 'half a mark apart');

# Exactly at a mark: page 3 of 50 starts at position 100.
my $res = api('POST', '/api/doctor', json => { data => 50, page => 3 });
is_deeply([ map { $_->{slug} } @{ $res->{json}{data} } ],
    [ split /\n/, $t->psql("$order{'/api/doctor'} LIMIT 50 OFFSET 100") ],
    'a page starting exactly at a mark');

# Writes move the marks.
$t->psql(q{UPDATE doctors SET name = 'AAA ' || name WHERE id % 5 = 0;
    DELETE FROM doctors WHERE id % 7 = 0;
    INSERT INTO doctors (slug, name, speciality_id)
    SELECT 'late-' || g, 'Name ' || g, 1 FROM generate_series(1, 60) g;
    UPDATE hospitals SET name = 'ZZ ' || name WHERE id < 40;
    UPDATE articles SET status = 'published',
	published_at = timestamptz '2025-01-01' + interval '1 minute' * id
	WHERE status = 'draft';
    UPDATE articles SET status = 'draft' WHERE id % 11 = 0;});
marks_exact($_) for qw(hospitals articles_published);
doctor_list_exact('after renames, deletes, inserts');
check_pages('/api/doctor', 23, 'after renames, deletes, inserts');
$res = api('POST', '/api/doctor', json => { q => 'aaa name 1', data => 100 });
is_deeply([ map { $_->{slug} } @{ $res->{json}{data} } ],
    [ split /\n/, $t->psql("SELECT slug FROM doctors WHERE name ILIKE "
    . "'%aaa name 1%' ORDER BY name, id") ], 'q finds renamed doctors');
cmp_ok(scalar @{ $res->{json}{data} }, '>', 1, '... several of them');
check_pages('/api/hospital', 9, 'after renames');
check_pages('/api/article', 17, 'after publishing and unpublishing');
is($t->psql("SELECT n FROM catalog_counts WHERE name = 'doctors'"),
    $t->psql('SELECT count(*) FROM doctors'), 'doctor counter exact');
is($t->psql("SELECT n FROM catalog_counts WHERE name = "
    . "'articles_published'"), $t->psql("SELECT count(*) FROM articles "
    . "WHERE status = 'published'"), 'article counter exact');

# Per-speciality totals follow inserts, moves and deletes.
$t->psql(q{INSERT INTO specialities (slug, name) VALUES ('t', 'T');
    UPDATE doctors SET speciality_id = 2 WHERE id % 3 = 0;
    DELETE FROM doctors WHERE id % 11 = 0;
    INSERT INTO doctors (slug, name, speciality_id)
    SELECT 'more-' || g, 'More ' || g, 1 + g % 2 FROM generate_series(1, 9) g});
for my $sp ('s', 't') {
	$res = api('GET', "/api/doctor?speciality=$sp&data=100&page=2");
	my $n = $t->psql('SELECT count(*) FROM doctors d JOIN specialities s ON '
	    . "s.id = d.speciality_id WHERE s.slug = '$sp'");
	is($res->{json}{meta}{total}, $n,
	    "speciality '$sp': total follows moves ($n)");
	is_deeply([ map { $_->{slug} } @{ $res->{json}{data} } ],
	    [ split /\n/, $t->psql('SELECT d.slug FROM doctors d JOIN '
	    . "specialities s ON s.id = d.speciality_id WHERE s.slug = '$sp' "
	    . 'ORDER BY d.name, d.id LIMIT 100 OFFSET 100') ],
	    "speciality '$sp': page 2 of 100");
}
doctor_list_exact('after speciality moves');

# A renamed speciality shows in the list items at once.
$t->psql(q{UPDATE specialities SET name = 'Renamed', slug = 's-new'
    WHERE slug = 's'});
doctor_list_exact('after a speciality rename');
$res = api('GET', '/api/doctor?speciality=s-new&data=1');
is($res->{json}{data}[0]{speciality}{name}, 'Renamed',
    'list items carry the new speciality name');
$t->psql(q{UPDATE specialities SET name = 'S', slug = 's'
    WHERE slug = 's-new'});

is($t->psql('SELECT count(*) FROM speciality_doctor_counts c WHERE n <> '
    . '(SELECT count(*) FROM doctors d WHERE d.speciality_id = '
    . 'c.speciality_id)'), 0, 'every per-speciality count is exact');

$t->psql('TRUNCATE doctors CASCADE');
doctor_list_exact('after TRUNCATE');
$res = api('GET', '/api/doctor?page=2');
is_deeply([$res->{json}{data}, $res->{json}{meta}{total}], [[], 0],
    'no doctors: an empty list with total 0');

$t->psql('TRUNCATE articles');
marks_exact('articles_published');
$res = api('GET', '/api/article?page=3');
is_deeply([$res->{json}{data}, $res->{json}{meta}{total}], [[], 0],
    'after TRUNCATE: an empty list with total 0');

$t->stop;
done_testing();
