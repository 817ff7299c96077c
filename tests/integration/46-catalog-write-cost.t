# Single-doctor catalog writes (issue 10, point 3; sql/007): a fee, a bio, a
# title, a rename, a change of speciality, a speciality rename, a moved
# hospital link, a delete and an insert, one at a time on a catalog of
# 3,000 doctors.  After each, through the API (whose responses are cached:
# the write must also reach the cache), every list that shows the doctor
# (unfiltered, by speciality, by hospital, by q of 1, 2 and 3+ characters),
# its total and its details must be exactly what the tables say, and the
# derived tables must mirror the base tables.  The time of one update is
# printed, not tested (bench/catalog_write.sh measures it).
use strict;
use warnings;

use Test::More;
use CexupTest;

my $t = CexupTest->new;
my $KEY = 'catalog-write-cost-key';
$t->psql("INSERT INTO api_clients (name, key_hash) VALUES ('test', "
    . "sha256(convert_to('$KEY', 'UTF8')))");

sub api {
	my ($method, $path, %o) = @_;
	$o{headers} = { 'x-api-key' => $KEY };
	return $t->request($method, $path, %o);
}
sub sql_str { my $s = shift; $s =~ s/'/''/g; "'$s'" }
sub psql_list { [ split /\n/, $t->psql($_[0]) ] }

# Names repeat (ties broken by id) and share fragments, as real ones do.
$t->psql(<<'SQL');
INSERT INTO specialities (slug, name)
SELECT 'sp-' || g, 'Speciality ' || g FROM generate_series(1, 5) g;
INSERT INTO hospitals (slug, name, address, city)
SELECT 'rs-' || g, 'RS ' || g, 'Jl. ' || g, 'Kota' FROM generate_series(1, 60) g;
INSERT INTO doctors (slug, name, title, speciality_id, bio)
SELECT 'doc-' || g,
    (ARRAY['Andi', 'Siti', 'Budi', 'Dewi', 'Rizky', 'Putu', 'Made',
	'Nurul'])[1 + g % 8] || ' ' ||
    (ARRAY['Pratama', 'Santoso', 'Kusuma', 'Halim', 'Wijaya'])[1 + g % 5]
	|| ' ' || (g % 400),
    'dr.', 1 + g % 5, 'Bio ' || g
FROM generate_series(1, 3000) g;
INSERT INTO doctor_has_hospital (doctor_id, hospital_id, consultation_fee)
SELECT id, 1 + id % 60, 100000 + id FROM doctors;
INSERT INTO doctor_has_hospital (doctor_id, hospital_id, consultation_fee)
SELECT id, 1 + (id + 7) % 60, 200000 + id FROM doctors WHERE id % 3 = 0;
SQL
is($t->psql('SELECT count(*) FROM doctors'), 3000, '3,000 doctors');

my $FROM = 'FROM doctors d JOIN specialities s ON s.id = d.speciality_id';
my $ITEM = q{d.slug || '|' || d.name || '|' || coalesce(d.title, '-') || '|'
    || coalesce(d.photo_url, '-') || '|'
    || coalesce(d.years_of_practice::text, '-') || '|' || s.slug || '|'
    || s.name};

# One page of 100 of POST /api/doctor with $params against the doctors
# matching $where: the total, and each item's slug, name, title, photo,
# years and speciality.
sub expect_page {
	my ($what, $params, $where, $page) = @_;
	my $res = api('POST', '/api/doctor',
	    json => { %$params, data => 100, page => $page });
	# One psql: the total, then the page's items.
	my ($total, @want) = split /\n/, $t->psql("SELECT (SELECT count(*) "
	    . "$FROM WHERE $where) || coalesce((SELECT string_agg(E'\\n' || "
	    . "item, '' ORDER BY name, id) FROM (SELECT $ITEM AS item, d.name, "
	    . "d.id $FROM WHERE $where ORDER BY d.name, d.id LIMIT 100 OFFSET "
	    . ($page - 1) * 100 . ') pg), \'\')');
	my $want = \@want;
	my $got = [ map { join '|', $_->{slug}, $_->{name},
	    $_->{title} // '-', $_->{photo_url} // '-',
	    $_->{years_of_practice} // '-', $_->{speciality}{slug},
	    $_->{speciality}{name} } @{ $res->{json}{data} // [] } ];
	my $ok = $res->{status} == 200
	    && ($res->{json}{meta}{total} // -1) == $total
	    && "@$got" eq "@$want";
	ok($ok, "$what: page $page, total $total");
	diag("status $res->{status}, total "
	    . ($res->{json}{meta}{total} // '?') . ', ' . scalar(@$got)
	    . ' items, ' . scalar(@$want) . ' expected') unless $ok;
}

# The page of 100 on which doctor $id is in the doctors matching $where.
sub page_of {
	my ($id, $where) = @_;
	return 1 + int($t->psql("SELECT count(*) $FROM WHERE $where AND "
	    . "(d.name, d.id) < (SELECT name, id FROM doctors WHERE id = $id)")
	    / 100);
}

# doctor_list (sql/004) is doctors joined to specialities, its positions
# in list order (sparse since sql/012: compared by rank); doctor_search
# and its pieces (sql/005) follow its names; doctor_list_orders (sql/012)
# holds the sorted positions of the whole list and of each speciality;
# both are views of the lists' chunks (sorted_list_chunks, sql/012), each
# chunk sorted, without repeats, n long (1 to twice the chunk size), keyed
# by its first position, and below the next chunk of its list.
my $CHUNKS_BROKEN = <<'SQL';
SELECT count(*) FROM (SELECT c.*, lead(first_position) OVER (PARTITION BY
  kind, key ORDER BY first_position) AS next_first
  FROM sorted_list_chunks c) c
WHERE n IS DISTINCT FROM cardinality(positions) OR n < 1
  OR n > 2 * sorted_list_chunk_size()
  OR first_position IS DISTINCT FROM positions[1]
  OR positions IS DISTINCT FROM intarray.uniq(intarray.sort(positions))
  OR positions[n] >= next_first
SQL
sub derived_exact {
	my ($what) = @_;
	my $mine = q{SELECT row_number() OVER (ORDER BY d.name, d.id),
	    d.id, d.slug::text, d.name, d.title, d.photo_url,
	    d.years_of_practice, s.id, s.slug::text, s.name
	    FROM doctors d JOIN specialities s ON s.id = d.speciality_id};
	my $theirs = q{SELECT row_number() OVER (ORDER BY position), doctor_id,
	    slug, name, title, photo_url, years_of_practice, speciality_id,
	    speciality_slug, speciality_name FROM doctor_list};
	# One psql: the rows that differ, in each of the four tables.
	my $search = 'SELECT count(*) FROM doctor_list l FULL JOIN '
	    . 'doctor_search n ON n.position = l.position WHERE '
	    . 'n.name_lower IS DISTINCT FROM lower(l.name)';
	my $pieces = <<'SQL';
SELECT count(*) FROM (
  SELECT DISTINCT substr(name_lower, i, n) AS piece FROM doctor_search,
    generate_series(1, length(name_lower)) i, generate_series(1, 2) n
  WHERE i + n - 1 <= length(name_lower)) every_piece
FULL JOIN doctor_search_pieces p USING (piece)
WHERE p.positions IS DISTINCT FROM ARRAY(SELECT s.position::integer
  FROM doctor_search s WHERE strpos(s.name_lower, piece) > 0
  ORDER BY s.position)
SQL
	my $orders = <<'SQL';
SELECT count(*) FROM (SELECT 'all'::text AS kind, 0::bigint AS key
  UNION SELECT 'speciality', id FROM specialities
  UNION SELECT kind, key FROM doctor_list_orders) k
LEFT JOIN doctor_list_orders o USING (kind, key)
WHERE coalesce(o.positions, '{}') IS DISTINCT FROM ARRAY(SELECT
  l.position::integer FROM doctor_list l
  WHERE k.kind = 'all' OR l.speciality_id = k.key ORDER BY l.position)
SQL
	is($t->psql("SELECT (SELECT count(*) FROM (($mine EXCEPT ALL $theirs) "
	    . "UNION ALL ($theirs EXCEPT ALL $mine)) diff) || ' ' || ($search) "
	    . "|| ' ' || ($pieces) || ' ' || ($orders) || ' ' || "
	    . "($CHUNKS_BROKEN)"), '0 0 0 0 0',
	    "$what: doctor_list mirrors doctors, doctor_search doctor_list, "
	    . 'doctor_search_pieces and doctor_list_orders exact, chunks sound');
}

sub by_hospital {
	"d.id IN (SELECT doctor_id FROM doctor_has_hospital dh JOIN hospitals "
	    . "h ON h.id = dh.hospital_id WHERE h.slug = " . sql_str($_[0]) . ')';
}
sub by_q { 'strpos(lower(d.name), lower(' . sql_str($_[0]) . ')) > 0' }

# Every list that shows doctor $id (or showed $gone), and its details.
sub check_doctor {
	my ($what, $id) = @_;
	my ($slug, $name, $sp) = split /\|/, $t->psql('SELECT d.slug, d.name, '
	    . "s.slug $FROM WHERE d.id = $id");
	expect_page("$what: unfiltered", {}, 'true', page_of($id, 'true'));
	my $w = 's.slug = ' . sql_str($sp);
	expect_page("$what: speciality $sp", { speciality => $sp }, $w,
	    page_of($id, $w));
	for my $h (@{ psql_list('SELECT h.slug FROM doctor_has_hospital dh '
	    . "JOIN hospitals h ON h.id = dh.hospital_id WHERE dh.doctor_id = "
	    . "$id ORDER BY h.slug") }) {
		expect_page("$what: hospital $h", { hospital => $h },
		    by_hospital($h), 1);
	}
	for my $q ($name, lc substr($name, 1, 2), substr($name, 0, 1)) {
		expect_page("$what: q '$q'", { q => $q }, by_q($q),
		    page_of($id, by_q($q)));
	}
	my $res = api('POST', '/api/doctor/show', json => { slug => $slug });
	my $d = $res->{json}{data} // {};
	my $want = $t->psql("SELECT d.name || '|' || coalesce(d.bio, '-') || "
	    . "'|' || s.slug || '|' || coalesce((SELECT string_agg(h.slug || "
	    . "':' || dh.consultation_fee, ',' ORDER BY h.name, h.id) FROM "
	    . 'doctor_has_hospital dh JOIN hospitals h ON h.id = dh.hospital_id '
	    . "WHERE dh.doctor_id = d.id), '') $FROM WHERE d.id = $id");
	is(join('|', $d->{name} // '?', $d->{bio} // '-',
	    $d->{speciality}{slug} // '?', join(',', map {
	    "$_->{slug}:$_->{consultation_fee}" } @{ $d->{hospitals} // [] })),
	    $want, "$what: doctor/show");
	derived_exact($what);
}

# One statement in its own transaction; its time in PostgreSQL in ms.
sub timed {
	my ($sql) = @_;
	return $t->psql("BEGIN; SELECT 1 WHERE set_config('cexup.t0', "
	    . "clock_timestamp()::text, true) IS NULL; $sql; SELECT "
	    . 'round(extract(epoch FROM clock_timestamp() - '
	    . "current_setting('cexup.t0')::timestamptz) * 1000, 2); COMMIT");
}

my $id = $t->psql("SELECT id FROM doctors WHERE slug = 'doc-1234'");
check_doctor('before any write', $id);

my $dhh = $t->psql("SELECT min(id) FROM doctor_has_hospital WHERE "
    . "doctor_id = $id");
timed("UPDATE doctor_has_hospital SET consultation_fee = 777777 WHERE "
    . "id = $dhh");
check_doctor('fee', $id);

my $ms = timed("UPDATE doctors SET bio = 'A new bio.' WHERE id = $id");
diag("one doctor's bio update at 3,000 doctors: $ms ms in PostgreSQL "
    . "(the first in its session: the trigger functions' planning included)");
check_doctor('bio', $id);

$ms = timed("UPDATE doctors SET title = 'Sp.PD', photo_url = "
    . "'https://cdn.example/p.jpg', years_of_practice = 12 WHERE id = $id");
diag("one doctor's title update: $ms ms");
check_doctor('title, photo, years', $id);

$ms = timed("UPDATE doctors SET name = 'Aaron Zulkifli' WHERE id = $id");
diag("one doctor's rename: $ms ms");
check_doctor('rename', $id);

$ms = timed("UPDATE doctors SET speciality_id = (SELECT id FROM "
    . "specialities WHERE slug = 'sp-5') WHERE id = $id");
diag("one doctor's change of speciality: $ms ms");
is($t->psql("SELECT s.slug $FROM WHERE d.id = $id"), 'sp-5',
    'moved to sp-5');
check_doctor('speciality', $id);

timed("UPDATE specialities SET name = 'Renamed 5', slug = 'sp-five' WHERE "
    . "slug = 'sp-5'");
check_doctor('speciality renamed', $id);

my $old = $t->psql("SELECT h.slug FROM doctor_has_hospital dh JOIN "
    . "hospitals h ON h.id = dh.hospital_id WHERE dh.id = $dhh");
timed("UPDATE doctor_has_hospital SET hospital_id = (SELECT id FROM "
    . "hospitals WHERE slug = 'rs-59') WHERE id = $dhh");
check_doctor('hospital link moved', $id);
expect_page("hospital link moved: old hospital $old", { hospital => $old },
    by_hospital($old), 1);

# A delete: the doctor's neighbours close up in every list it was in.
my $gone = $t->psql("SELECT id FROM doctors WHERE slug = 'doc-2000'");
my ($gslug, $gname, $gsp) = split /\|/, $t->psql("SELECT d.slug, d.name, "
    . "s.slug $FROM WHERE d.id = $gone");
my @pages = (page_of($gone, 'true'),
    page_of($gone, 's.slug = ' . sql_str($gsp)), page_of($gone, by_q($gname)));
timed("DELETE FROM doctors WHERE id = $gone");
expect_page('delete: unfiltered', {}, 'true', $pages[0]);
expect_page("delete: speciality $gsp", { speciality => $gsp },
    's.slug = ' . sql_str($gsp), $pages[1]);
expect_page("delete: q '$gname'", { q => $gname }, by_q($gname), $pages[2]);
is(api('POST', '/api/doctor/show', json => { slug => $gslug })->{status},
    404, 'delete: doctor/show 404');
derived_exact('delete');

$t->psql(q{INSERT INTO doctors (slug, name, speciality_id, bio) VALUES
    ('doc-new', 'Made Kusuma 77', 2, 'Newcomer.');
    INSERT INTO doctor_has_hospital (doctor_id, hospital_id, consultation_fee)
    SELECT id, 5, 150000 FROM doctors WHERE slug = 'doc-new'});
check_doctor('insert', $t->psql("SELECT id FROM doctors WHERE slug = 'doc-new'"));
is($t->psql("SELECT n FROM catalog_counts WHERE name = 'doctors'"), 3000,
    'doctor counter exact');

# Sparse positions (sql/012): inserts, renames and deletes patch the rows
# and lists concerned.  Each case: what it does, its statement, and the
# doctors (by slug) whose lists and details are checked after it, with
# every derived table (check_doctor; a sub: found before the statement);
# a deleted slug must answer 404.
sub slug_id {
	$t->psql('SELECT id FROM doctors WHERE slug = ' . sql_str($_[0]));
}
# The doctor after $slug in list order, which a delete's gap closes on.
sub next_slug {
	$t->psql('SELECT slug FROM doctors WHERE (name, id) > (SELECT name, id '
	    . 'FROM doctors WHERE slug = ' . sql_str($_[0])
	    . ') ORDER BY name, id LIMIT 1');
}
my $far = $t->psql("SELECT slug FROM doctors ORDER BY name, id LIMIT 1");
my @cases = (
	[ 'insert at the front', q{INSERT INTO doctors (slug, name,
	    speciality_id) VALUES ('t-front', 'Aaaa Front', 1)}, ['t-front'] ],
	[ 'insert at the end', q{INSERT INTO doctors (slug, name, title,
	    speciality_id) VALUES ('t-end', 'Zzzz End', 'dr.', 3)},
	    ['t-end'] ],
	[ 'a rename that moves a doctor far (first to last)',
	    "UPDATE doctors SET name = 'Zzzz Moved' WHERE slug = '$far'",
	    [$far, 't-end'] ],
	[ 'a multi-row rename in one statement (30 doctors)',
	    q{UPDATE doctors SET name = name || ' Sr' WHERE id % 100 = 7},
	    [ 'doc-107', 'doc-1507', 'doc-2907' ] ],
	[ 'a multi-row insert in one statement (3 doctors)',
	    q{INSERT INTO doctors (slug, name, speciality_id) VALUES
	    ('t-m1', 'Made Kusuma 77', 2), ('t-m2', 'Made Kusuma 77', 4),
	    ('t-m3', 'Andi Halim 1x', 2)}, [ 't-m1', 't-m2', 't-m3' ] ],
	[ 'a rename and a change of speciality in one statement',
	    q{UPDATE doctors SET name = 'Budi Halim 3x', speciality_id = 5
	    WHERE slug = 't-m2'}, ['t-m2'] ],
	[ 'a delete (the first doctor)', q{DELETE FROM doctors WHERE slug =
	    't-front'}, sub { [ next_slug('t-front') ] }, ['t-front'] ],
	[ 'a multi-row delete', q{DELETE FROM doctors WHERE slug IN ('t-m1',
	    'doc-333', 't-end')}, sub { [ 't-m3', next_slug('doc-333') ] },
	    [ 't-m1', 'doc-333', 't-end' ] ],
	[ 'a bulk rename (over 200 rows: one rebuild)',
	    q{UPDATE doctors SET name = name || ' B' WHERE id % 10 = 3},
	    [ 'doc-13', 'doc-2503' ] ],
);
for my $c (@cases) {
	my ($what, $sql, $check, $gone) = @$c;
	# Neighbours are found before the statement.
	$check = $check->() if ref $check eq 'CODE';
	my $ms = timed($sql);
	diag("$what: $ms ms");
	check_doctor($what, slug_id($_)) for @$check;
	is(api('POST', '/api/doctor/show', json => { slug => $_ })->{status},
	    404, "$what: $_ gone") for @{ $gone // [] };
}

# 40 single inserts into one gap, each just after the one before: the
# gap halves each time, runs out of integers (3,000 doctors: gap 666,444,
# about 19 halvings), and that insert rebuilds, spreading the positions
# again; every insert stays correct.
my $anchor = $t->psql("SELECT name FROM doctors WHERE slug = 'doc-1000'");
my $spread_again = 0;
for my $k (1 .. 40) {
	$t->psql("INSERT INTO doctors (slug, name, speciality_id) VALUES "
	    . "('t-gap-$k', " . sql_str("$anchor " . ('a' x $k)) . ', 1)');
	# A rebuild leaves every position at rank x gap.
	$spread_again++ if $t->psql('SELECT bool_and(position = rank * gap) '
	    . 'FROM (SELECT position, row_number() OVER (ORDER BY position) '
	    . 'AS rank, 2000000000 / (count(*) OVER () + 1) AS gap FROM '
	    . 'doctor_list) r') eq 't';
	check_doctor("gap insert $k", slug_id("t-gap-$k"))
	    if $k % 10 == 0 || $spread_again == 1;
	$spread_again++ if $spread_again == 1;
}
ok($spread_again, '40 inserts into one gap: it ran out and was re-spread');
check_doctor('after the gap inserts', slug_id('doc-1000'));

# Chunks (sql/012) split and emptied: with a chunk size of 4 (the
# function replaced, every list cut again), inserts into one chunk grow
# it past 8 and split it, deletes empty chunks, among them a list's first.
sub chunk_size {
	$t->psql("CREATE OR REPLACE FUNCTION sorted_list_chunk_size() RETURNS "
	    . "integer LANGUAGE sql IMMUTABLE AS 'SELECT $_[0]'; "
	    . 'SELECT doctor_list_refill(); SELECT doctor_search_refill()');
}
sub all_chunks {
	$t->psql("SELECT count(*) || ' ' || max(n) FROM sorted_list_chunks "
	    . "WHERE kind = 'all'");
}
chunk_size(4);
derived_exact('chunk size 4');
my $before_split = all_chunks();
is($before_split, $t->psql("SELECT (count(*) + 3) / 4 || ' 4' FROM "
    . 'doctor_list'), 'chunk size 4: the whole list cut into chunks of 4');
my $stem = $t->psql("SELECT name FROM doctors WHERE slug = 'doc-1500'");
for my $k (1 .. 12) {
	$t->psql("INSERT INTO doctors (slug, name, speciality_id) VALUES "
	    . "('t-split-$k', " . sql_str("$stem " . ('b' x $k)) . ', 2)');
	check_doctor("chunk split: insert $k", slug_id("t-split-$k"))
	    if $k % 4 == 0;
}
$t->psql("INSERT INTO doctors (slug, name, speciality_id) SELECT "
    . "'t-split-m' || g, " . sql_str("$stem c") . ' || g, 3 '
    . 'FROM generate_series(10, 29) g');
check_doctor('chunk split: 20 inserts in one statement',
    slug_id('t-split-m20'));
my ($chunks_after, $max_n) = split / /, all_chunks();
ok($chunks_after > (split / /, $before_split)[0] + 5 && $max_n <= 8,
    "chunks split: $before_split -> $chunks_after $max_n");
$t->psql("DELETE FROM doctors WHERE slug LIKE 't-split-m%'");
check_doctor('chunk emptied: 20 deletes in one statement',
    slug_id('t-split-12'));
$t->psql("DELETE FROM doctors WHERE slug = 't-split-$_'") for 1 .. 12;
check_doctor('chunk emptied: 12 single deletes', slug_id('doc-1500'));
ok((split / /, all_chunks())[0] < $chunks_after,
    'emptied chunks deleted: ' . all_chunks());
# The first 9 doctors in list order, one by one: the lists' first chunks
# empty; then arrivals before every chunk left.
my $first = psql_list('SELECT slug FROM doctors ORDER BY name, id LIMIT 9');
my $then_first = next_slug($first->[8]);
$t->psql("DELETE FROM doctors WHERE slug = " . sql_str($_)) for @$first;
check_doctor('first chunks emptied', slug_id($then_first));
$t->psql("INSERT INTO doctors (slug, name, speciality_id) VALUES "
    . "('t-first-$_', 'Aaaa First $_', 1)") for 1 .. 3;
check_doctor('arrivals before the first chunk', slug_id('t-first-1'));
chunk_size(256);
derived_exact('chunk size 256 again');

$t->psql('TRUNCATE doctor_has_hospital, doctors CASCADE');
expect_page('truncate: unfiltered', {}, 'true', 1);
derived_exact('truncate');
$t->psql(q{INSERT INTO doctors (slug, name, speciality_id) VALUES
    ('t-after', 'Siti After', 1)});
check_doctor('insert after truncate', slug_id('t-after'));

$t->stop;
done_testing;
