# POST|GET /api/doctor and /api/doctor/show and GET /api/speciality
# (docs/API.md §3, §5, §7, §9) on the demo data: every total and page is
# compared with what PostgreSQL says the data holds.
use strict;
use warnings;

use Test::More;
use CexupTest qw(json_encode);

my $t = CexupTest->new(demo => 1);
my $KEY = 'catalog-doctor-test-key';
$t->psql("INSERT INTO api_clients (name, key_hash) VALUES ('test', "
    . "sha256(convert_to('$KEY', 'UTF8')))");

my @INVALID = ('The given data was invalid.', undef);

sub api {
	my ($method, $path, %o) = @_;
	$o{headers} = { 'x-api-key' => $KEY, %{ $o{headers} // {} } };
	return $t->request($method, $path, %o);
}
sub slugs { [ map { $_->{slug} } @{ $_[0] // [] } ] }
sub psql_list { [ split /\n/, $t->psql($_[0]) ] }
sub sql_str { my $s = shift; $s =~ s/'/''/g; "'$s'" }

# ---- the unfiltered list
my $total = $t->psql('SELECT count(*) FROM doctors');
cmp_ok($total, '>=', 60, 'demo data has at least 60 doctors');
my $res = api('POST', '/api/doctor', json => {});
my $data = $t->expect_ok($res, 200, 'OK', meta => 1,
    name => 'POST /api/doctor with {} is a 200 list');
is_deeply($res->{json}{meta}, { current_page => 1, per_page => 10,
    total => $total, last_page => int(($total + 9) / 10) },
    'meta: page 1 of 10, total from the table');
is_deeply(slugs($data),
    psql_list('SELECT slug FROM doctors ORDER BY name, id LIMIT 10'),
    'first page: the first ten doctors by name');
my $d0 = $data->[0];
is_deeply([sort keys %$d0], [sort qw(id slug name title photo_url
    years_of_practice speciality)], 'list item fields');
is_deeply([sort keys %{ $d0->{speciality} }], [qw(id name slug)],
    'speciality object fields');
like(json_encode($d0->{id}), qr/^\d+$/, 'id is a JSON number');
is($d0->{speciality}{slug}, $t->psql('SELECT s.slug FROM doctors d JOIN '
    . "specialities s ON s.id = d.speciality_id WHERE d.slug = "
    . sql_str($d0->{slug})), 'the speciality is the doctor\'s');

# Empty body (no Content-Type) and GET without parameters: the defaults.
$res = api('POST', '/api/doctor');
is($res->{status}, 200, 'POST with an empty body uses the defaults');
is(scalar @{ $res->{json}{data} // [] }, 10, '... ten doctors');
$res = api('GET', '/api/doctor');
is($res->{status}, 200, 'GET without parameters');
is_deeply(slugs($res->{json}{data}), slugs($data), '... the same page');

# ---- pagination
my $last = int(($total + 6) / 7);
$res = api('POST', '/api/doctor', json => { data => 7, page => 2 });
is_deeply(slugs($res->{json}{data}), psql_list('SELECT slug FROM doctors '
    . 'ORDER BY name, id LIMIT 7 OFFSET 7'), 'data 7, page 2');
is_deeply($res->{json}{meta}, { current_page => 2, per_page => 7,
    total => $total, last_page => $last }, '... meta');
$res = api('GET', '/api/doctor?data=7&page=2');
is_deeply(slugs($res->{json}{data}), psql_list('SELECT slug FROM doctors '
    . 'ORDER BY name, id LIMIT 7 OFFSET 7'), 'GET ?data=7&page=2: the same');
$res = api('POST', '/api/doctor', json => { data => '7', page => '2' });
is($res->{json}{meta}{per_page}, 7, 'data and page as strings of digits');
$res = api('POST', '/api/doctor', json => { data => 7, page => $last });
is(scalar @{ $res->{json}{data} }, $total - 7 * ($last - 1),
    'the last page holds the remainder');
$res = api('POST', '/api/doctor', json => { data => 7, page => $last + 1 });
$data = $t->expect_ok($res, 200, 'OK', meta => 1,
    name => 'a page past the end is 200');
is_deeply($data, [], '... with an empty list');
is_deeply($res->{json}{meta}, { current_page => $last + 1, per_page => 7,
    total => $total, last_page => $last }, '... and the real total');
$res = api('GET', '/api/doctor?page=10000000');
is_deeply($res->{json}{data}, [], 'the largest page number is accepted');
$res = api('POST', '/api/doctor', json => { data => 100 });
is(scalar @{ $res->{json}{data} }, $total > 100 ? 100 : $total,
    'data 100: everything on one page');
$res = api('POST', '/api/doctor', json => { data => 1 });
is(scalar @{ $res->{json}{data} }, 1, 'data 1: one doctor');
# Body before query string; the query string when the body lacks it.
$res = api('POST', '/api/doctor?data=3', json => { data => 4 });
is($res->{json}{meta}{per_page}, 4, 'the body wins over the query string');
$res = api('POST', '/api/doctor?data=3', json => {});
is($res->{json}{meta}{per_page}, 3, 'POST reads the query string too');

for my $case ([data => 0], [data => 101], [data => 'ten'], [data => -1],
    [data => 1.5], [data => '1e1'], [data => \1], [data => [5]],
    [data => { n => 5 }], [data => ' 5x'], [page => 0], [page => -3],
    [page => 'two'], [page => 10000001], [page => '99999999999999999999']) {
	my ($field, $value) = @$case;
	$res = api('POST', '/api/doctor', json => { $field => $value });
	$t->expect_error($res, 400, @INVALID, errors => [$field],
	    name => "$field " . json_encode($value) . ' is 400');
}
for my $q ('data=0', 'data=101', 'data=ten', 'data=-1', 'page=0',
    'page=1.0', 'data=%2B5') {
	my ($field) = $q =~ /^(\w+)/;
	$t->expect_error(api('GET', "/api/doctor?$q"), 400, @INVALID,
	    errors => [$field], name => "GET ?$q is 400");
}
$res = api('POST', '/api/doctor', json => { data => 0, page => 'x' });
is_deeply([sort keys %{ $res->{json}{errors} // {} }], [qw(data page)],
    'both bad fields are reported at once');
is($res->{json}{errors}{data}[0], 'The data must be between 1 and 100.',
    'the range is named');

# ---- filters
my $spec = 'pediatrics';
my $n_spec = $t->psql('SELECT count(*) FROM doctors d JOIN specialities s '
    . "ON s.id = d.speciality_id WHERE s.slug = '$spec'");
cmp_ok($n_spec, '>', 1, "demo data has several $spec doctors");
$res = api('POST', '/api/doctor', json => { speciality => $spec,
    data => 100 });
is($res->{json}{meta}{total}, $n_spec, 'speciality filter: total');
is_deeply(slugs($res->{json}{data}), psql_list('SELECT d.slug FROM doctors '
    . 'd JOIN specialities s ON s.id = d.speciality_id '
    . "WHERE s.slug = '$spec' ORDER BY d.name, d.id"),
    '... exactly that speciality\'s doctors, by name');
ok(!grep({ $_->{speciality}{slug} ne $spec } @{ $res->{json}{data} }),
    '... each with that speciality');

my $hosp = $t->psql('SELECT slug FROM hospitals ORDER BY id LIMIT 1');
my $hosp_sql = 'SELECT d.slug FROM doctors d JOIN doctor_has_hospital dh '
    . 'ON dh.doctor_id = d.id JOIN hospitals h ON h.id = dh.hospital_id '
    . "WHERE h.slug = '$hosp'";
my $n_hosp = scalar @{ psql_list($hosp_sql) };
cmp_ok($n_hosp, '>', 1, 'the first hospital has several doctors');
$res = api('GET', "/api/doctor?hospital=$hosp&data=100");
is($res->{json}{meta}{total}, $n_hosp, 'hospital filter (GET): total');
is_deeply(slugs($res->{json}{data}),
    psql_list("$hosp_sql ORDER BY d.name, d.id"),
    '... exactly the doctors practising there');

my $q_sql = "SELECT slug FROM doctors WHERE name ILIKE '%ang%' "
    . 'ORDER BY name, id';
$res = api('POST', '/api/doctor', json => { q => 'ANG', data => 100 });
is_deeply(slugs($res->{json}{data}), psql_list($q_sql),
    'q matches anywhere in the name, case-insensitively');
is($res->{json}{meta}{total}, scalar @{ psql_list($q_sql) }, '... total');
$res = api('GET', '/api/doctor?q=%20%20ang%20&data=100');
is($res->{json}{meta}{total}, scalar @{ psql_list($q_sql) },
    'q is trimmed');

# A search box sends its first keystrokes: q of one and two characters
# (below the trigram index's reach) gives exactly the matching doctors, in
# list order, alone and with each filter (docs/API.md §9: no minimum).
for my $q ('a', 'N', 'an', 'Ri', "\x{e9}") {
	my $like = lc $q;
	my $sql = "SELECT slug FROM doctors WHERE lower(name) LIKE "
	    . sql_str("%$like%") . ' ORDER BY name, id';
	utf8::encode($sql);
	my $want = psql_list($sql);
	$res = api('POST', '/api/doctor', json => { q => $q, data => 100 });
	is($res->{status}, 200, "q '$q' is answered");
	is($res->{json}{meta}{total}, scalar @$want, "q '$q': total");
	is_deeply(slugs($res->{json}{data}),
	    [ @$want[0 .. ($#$want < 99 ? $#$want : 99)] ],
	    "q '$q': exactly the matching doctors, in order");
}
cmp_ok(scalar @{ psql_list("SELECT slug FROM doctors WHERE name ILIKE "
    . "'%a%'") }, '>', 10, 'q a matches many demo doctors (not vacuous)');
{
	my ($sp) = split /\n/, $t->psql('SELECT s.slug FROM specialities s '
	    . 'JOIN doctors d ON d.speciality_id = s.id GROUP BY s.slug '
	    . 'ORDER BY count(*) DESC LIMIT 1');
	my $want = psql_list('SELECT d.slug FROM doctors d JOIN specialities '
	    . "s ON s.id = d.speciality_id WHERE s.slug = " . sql_str($sp)
	    . " AND lower(d.name) LIKE '%a%' ORDER BY d.name, d.id");
	$res = api('GET', "/api/doctor?speciality=$sp&q=a&data=100");
	is_deeply(slugs($res->{json}{data}), $want,
	    'q of one letter with a speciality: the matching doctors');
	ok(@$want >= 1, '... of which there are some');
}

# The short q against a brute-force LIKE on lower(name), as the trigram
# path matches: with each combination of filters, on every page (pages of
# 7, through the one past the end), after doctors are added, renamed and
# deleted.  lower() is PostgreSQL's, so non-ASCII letters fold (or not)
# exactly as for a longer q.
sub like_escape { my $s = shift; $s =~ s/([%_\\])/\\$1/g; $s }
sub short_q_want {
	my (%f) = @_;
	(my $q = $f{q}) =~ s/^\s+|\s+$//g;	# as the server trims
	my $sql = 'SELECT d.slug FROM doctors d JOIN specialities s ON '
	    . 's.id = d.speciality_id WHERE lower(d.name) LIKE lower('
	    . sql_str('%' . like_escape($q) . '%') . ')';
	$sql .= ' AND s.slug = ' . sql_str($f{speciality}) if $f{speciality};
	$sql .= ' AND d.id IN (SELECT dh.doctor_id FROM doctor_has_hospital '
	    . 'dh JOIN hospitals h ON h.id = dh.hospital_id WHERE h.slug = '
	    . sql_str($f{hospital}) . ')' if $f{hospital};
	utf8::encode($sql);
	return psql_list("$sql ORDER BY d.name, d.id");
}
sub check_short_q {
	my ($what, %f) = @_;
	my $want = short_q_want(%f);
	my $label = "$what: q '$f{q}'" . join '', map { " $_ $f{$_}" }
	    grep { $_ ne 'q' && $f{$_} } sort keys %f;
	utf8::encode($label);
	my (@got, $res, $page, $meta_ok);
	$meta_ok = 1;
	for ($page = 1; ; $page++) {
		$res = api('POST', '/api/doctor', json => { %f, data => 7,
		    page => $page });
		last unless $res->{status} == 200
		    && @{ $res->{json}{data} };
		push @got, @{ slugs($res->{json}{data}) };
		$meta_ok = 0 if $res->{json}{meta}{total} != @$want;
		last if $page > 200;
	}
	is_deeply(\@got, $want, "$label: every page of 7, in order")
	    or diag("stopped at page $page: $res->{status} $res->{body}");
	ok($meta_ok && $res->{status} == 200
	    && $res->{json}{meta}{total} == @$want
	    && $page == int((@$want + 6) / 7) + 1,
	    "$label: the page past the end is empty with the total ("
	    . scalar(@$want) . ')');
	return scalar @$want;
}
{
	# A speciality and a hospital with many doctors, and both at once.
	my ($sp, $hp) = split /\|/, $t->psql('SELECT s.slug, h.slug FROM '
	    . 'doctors d JOIN specialities s ON s.id = d.speciality_id JOIN '
	    . 'doctor_has_hospital dh ON dh.doctor_id = d.id JOIN hospitals h '
	    . 'ON h.id = dh.hospital_id GROUP BY s.slug, h.slug '
	    . 'ORDER BY count(*) DESC, s.slug, h.slug LIMIT 1');
	my %seen;
	for my $q ('a', 'E', 'i', 'ra', 'AN', 'q', '%', '_', '\\') {
		for my $f ([], [speciality => $sp], [hospital => $hp],
		    [speciality => $sp, hospital => $hp]) {
			my $n = check_short_q('demo', q => $q, @$f);
			$seen{ @$f ? 'filtered' : 'alone' } += $n;
		}
	}
	# The GET form, with q trimmed.
	$res = api('GET', "/api/doctor?q=%20R%09&hospital=$hp&data=100");
	is_deeply(slugs($res->{json}{data}), short_q_want(q => 'r',
	    hospital => $hp), 'GET: q " R\\t" (trimmed) with a hospital');
	cmp_ok($seen{alone}, '>', 100, 'short q alone matched many (not '
	    . 'vacuous)');
	cmp_ok($seen{filtered}, '>', 10, 'short q with filters matched some');

	# Added, renamed and deleted doctors, with non-ASCII and LIKE's
	# special characters in their names.
	$t->psql(<<'SQL');
INSERT INTO doctors (slug, name, speciality_id)
SELECT 'short-q-' || g, (ARRAY['Zoë Éclair', 'Qxj 50% off',
    'Under_Back\slash', 'Ürsula Qxj'])[g],
    (SELECT id FROM specialities ORDER BY id LIMIT 1)
FROM generate_series(1, 4) g
SQL
	my $sp1 = $t->psql('SELECT slug FROM specialities ORDER BY id LIMIT 1');
	for my $q ("\x{eb}", "\x{c9}", "\x{e9}", "\x{fc}", "\x{dc}",
	    " \x{eb} ", "\x{c9}c", " Qx\t", 'qx', 'XJ', '0%', '%', '_b',
	    '\\s', '\\') {
		check_short_q('after inserts', q => $q);
		check_short_q('after inserts', q => $q, speciality => $sp1);
	}
	is_deeply(short_q_want(q => "\x{eb}"), ['short-q-1'],
	    'a multibyte letter matches its doctor (not vacuous)');
	is_deeply(short_q_want(q => 'qx'), ['short-q-2', 'short-q-4'],
	    'a two-letter piece matches both doctors (not vacuous)');
	$t->psql("UPDATE doctors SET name = 'Wyv Renamed' WHERE slug = "
	    . "'short-q-2'");
	$t->psql("DELETE FROM doctors WHERE slug = 'short-q-4'");
	for my $q ('qx', 'wy', 'V', '%', 'ed') {
		check_short_q('after a rename and a delete', q => $q);
	}
	$res = api('POST', '/api/doctor', json => { q => 'qx' });
	is_deeply(slugs($res->{json}{data}), [],
	    'the renamed and the deleted doctor no longer match their old '
	    . 'name');
	$res = api('POST', '/api/doctor', json => { q => 'wy', data => 100 });
	ok(grep({ $_ eq 'short-q-2' } @{ slugs($res->{json}{data}) }),
	    '... the renamed one matches its new name');
	$t->psql("DELETE FROM doctors WHERE slug LIKE 'short-q-%'");
}

my $combo_sql = 'SELECT d.slug FROM doctors d JOIN specialities s ON '
    . 's.id = d.speciality_id JOIN doctor_has_hospital dh ON dh.doctor_id = '
    . "d.id JOIN hospitals h ON h.id = dh.hospital_id WHERE s.slug = "
    . "'%s' AND h.slug = '%s' AND d.name ILIKE '%%%s%%' ORDER BY d.name, d.id";
my ($cs, $ch, $cq) = split /\|/, $t->psql('SELECT s.slug, h.slug, '
    . 'lower(substr(d.name, 2, 3)) FROM doctors d JOIN specialities s ON '
    . 's.id = d.speciality_id JOIN doctor_has_hospital dh ON '
    . 'dh.doctor_id = d.id JOIN hospitals h ON h.id = dh.hospital_id '
    . 'ORDER BY d.id LIMIT 1');
$res = api('POST', '/api/doctor', json => { speciality => $cs,
    hospital => $ch, q => $cq });
my $want = psql_list(sprintf $combo_sql, $cs, $ch, $cq);
ok(@$want >= 1, 'a combination of all three filters with results');
is_deeply(slugs($res->{json}{data}), $want, 'all three filters at once');
$res = api('POST', '/api/doctor', json => { speciality => $cs, q => $cq });
is($res->{json}{meta}{total}, $t->psql('SELECT count(*) FROM doctors d JOIN '
    . "specialities s ON s.id = d.speciality_id WHERE s.slug = '$cs' AND "
    . "d.name ILIKE '%$cq%'"), 'speciality and q');
$res = api('POST', '/api/doctor', json => { hospital => $ch, q => $cq });
is($res->{json}{meta}{total}, $t->psql('SELECT count(*) FROM doctors d JOIN '
    . 'doctor_has_hospital dh ON dh.doctor_id = d.id JOIN hospitals h ON '
    . "h.id = dh.hospital_id WHERE h.slug = '$ch' AND d.name ILIKE "
    . "'%$cq%'"), 'hospital and q');
$res = api('POST', '/api/doctor', json => { hospital => $ch,
    speciality => $cs });
is($res->{json}{meta}{total}, $t->psql('SELECT count(*) FROM doctors d JOIN '
    . 'doctor_has_hospital dh ON dh.doctor_id = d.id JOIN hospitals h ON '
    . "h.id = dh.hospital_id JOIN specialities s ON s.id = d.speciality_id "
    . "WHERE h.slug = '$ch' AND s.slug = '$cs'"), 'speciality and hospital');

for my $f ([speciality => 'no-such-speciality'],
    [hospital => 'no-such-hospital'], [q => 'zzzqqqxxx']) {
	$res = api('POST', '/api/doctor', json => { @$f });
	$data = $t->expect_ok($res, 200, 'OK', meta => 1,
	    name => "unknown $f->[0] is 200, not 404");
	is_deeply($data, [], '... an empty list');
	is_deeply($res->{json}{meta}, { current_page => 1, per_page => 10,
	    total => 0, last_page => 1 }, '... total 0, last_page 1');
}
# An empty filter is no filter (a form's empty field).
$res = api('GET', '/api/doctor?speciality=&hospital=&q=');
is($res->{json}{meta}{total}, $total, 'empty filters are ignored');

# '%', '_' and '\' are literal in q.
$t->psql(q{INSERT INTO doctors (slug, name, speciality_id) SELECT
    'percent-test', 'Percent 100% Test', id FROM specialities ORDER BY id
    LIMIT 1});
$t->psql(q{INSERT INTO doctors (slug, name, speciality_id) SELECT
    'underscore-test', 'Under_score Back\slash', id FROM specialities
    ORDER BY id LIMIT 1});
for my $case (['00%', ['percent-test']], ['0% t', ['percent-test']],
    ['r_s', ['underscore-test']], ['k\\s', ['underscore-test']],
    ['%%%', []], ['a_d', []], ['0%%', []], ['\\\\\\', []]) {
	my ($q, $slugs) = @$case;
	$res = api('POST', '/api/doctor', json => { q => $q });
	is_deeply(slugs($res->{json}{data}), $slugs,
	    "q '$q' is matched literally");
}
$res = api('GET', '/api/doctor?q=100%25');
is_deeply(slugs($res->{json}{data}), ['percent-test'],
    'GET q=100%25 (percent-encoded)');
$t->psql("DELETE FROM doctors WHERE slug IN ('percent-test', "
    . "'underscore-test')");
is($t->psql("SELECT n FROM catalog_counts WHERE name = 'doctors'"),
    $t->psql('SELECT count(*) FROM doctors'),
    'the counter follows inserts and deletes');

# ---- wrong types and bad encodings
for my $case ([speciality => 5], [hospital => \0], [q => [1]],
    [q => { a => 1 }], [speciality => "pedi\x{0}atrics"],
    [q => 'x' x 101], [speciality => 'a' x 201], [q => 3]) {
	my ($field, $value) = @$case;
	$res = api('POST', '/api/doctor', json => { $field => $value });
	$t->expect_error($res, 400, @INVALID, errors => [$field],
	    name => "$field " . substr(json_encode($value), 0, 20)
	    . ' is 400');
}
for my $q ('q=%ff', 'q=%zz', 'q=%00', 'speciality=%c3%28', 'hospital=%e2%82',
    'data=%ff') {
	my ($field) = $q =~ /^(\w+)/;
	$t->expect_error(api('GET', "/api/doctor?$q"), 400, @INVALID,
	    errors => [$field], name => "GET ?$q (bad encoding) is 400");
}
$t->expect_error(api('POST', '/api/doctor', body => '[1]',
    headers => { 'Content-Type' => 'application/json' }), 400,
    'Request body must be a valid JSON object.',
    'Expected a JSON object but received: Array',
    name => 'an array body is 400');
$t->expect_error(api('POST', '/api/doctor', body => '{"data":',
    headers => { 'Content-Type' => 'application/json' }), 400,
    'Request body must be a valid JSON object.',
    'Expected a JSON object but received: malformed JSON',
    name => 'malformed JSON is 400');
$t->expect_error(api('POST', '/api/doctor', body => 'data=5',
    headers => { 'Content-Type' => 'application/x-www-form-urlencoded' }),
    415, undef, undef, name => 'a form body is 415');
$res = api('DELETE', '/api/doctor');
is($res->{status}, 405, 'DELETE is 405');
like($res->{headers}{allow} // '', qr/^GET, POST$/, '... Allow: GET, POST');

# ---- specialities
my $n_spec_all = $t->psql('SELECT count(*) FROM specialities');
cmp_ok($n_spec_all, '>=', 15, 'at least 15 specialities');
$res = api('GET', '/api/speciality?data=100');
$data = $t->expect_ok($res, 200, 'OK', meta => 1,
    name => 'GET /api/speciality');
is_deeply(slugs($data), psql_list('SELECT slug FROM specialities ORDER BY '
    . 'name, id'), 'every speciality, by name');
is($res->{json}{meta}{total}, $n_spec_all, '... total');
is_deeply([sort keys %{ $data->[0] }], [qw(description id name slug)],
    'speciality fields');
$res = api('POST', '/api/speciality', json => { data => 5, page => 2 });
is_deeply(slugs($res->{json}{data}), psql_list('SELECT slug FROM '
    . 'specialities ORDER BY name, id LIMIT 5 OFFSET 5'), 'POST data 5 page 2');
$res = api('GET', '/api/speciality?page=' . (int($n_spec_all / 5) + 2)
    . '&data=5');
is_deeply($res->{json}{data}, [], 'speciality page past the end: empty');
$t->expect_error(api('GET', '/api/speciality?data=101'), 400, @INVALID,
    errors => ['data'], name => 'speciality data=101 is 400');
$t->expect_error(api('POST', '/api/speciality', json => { page => 'ten' }),
    400, @INVALID, errors => ['page'], name => 'speciality page "ten"');

# ---- doctor/show
my $slug = $t->psql('SELECT d.slug FROM doctors d WHERE (SELECT count(*) '
    . 'FROM doctor_has_hospital dh WHERE dh.doctor_id = d.id) > 1 '
    . 'ORDER BY d.id LIMIT 1');
ok($slug, 'a doctor who practises at several hospitals');
$res = api('POST', '/api/doctor/show', json => { slug => $slug });
$data = $t->expect_ok($res, 200, 'OK', name => 'doctor/show');
my ($id, $name, $bio, $years, $sp) = split /\|/, $t->psql('SELECT d.id, '
    . 'd.name, d.bio, d.years_of_practice, s.slug FROM doctors d JOIN '
    . "specialities s ON s.id = d.speciality_id WHERE d.slug = '$slug'");
is($data->{id}, $id, 'id');
is($data->{name}, $name, 'name');
is($data->{bio}, $bio, 'bio');
is($data->{years_of_practice}, $years, 'years of practice');
is($data->{speciality}{slug}, $sp, 'speciality');
my $hosp_rows = psql_list('SELECT dh.id || \'|\' || h.slug || \'|\' || '
    . 'dh.consultation_fee || \'|\' || dh.offers_online || \'|\' || '
    . 'dh.offers_offline FROM doctor_has_hospital dh JOIN hospitals h ON '
    . "h.id = dh.hospital_id WHERE dh.doctor_id = $id ORDER BY h.name, h.id");
is_deeply([ map { join '|', $_->{doctor_has_hospital_id}, $_->{slug},
    $_->{consultation_fee},
    (grep({ $_ eq 'online' } @{ $_->{appointment_types} }) ? 'true'
    : 'false'),
    (grep({ $_ eq 'offline' } @{ $_->{appointment_types} }) ? 'true'
    : 'false') }
    @{ $data->{hospitals} // [] } ], $hosp_rows,
    'hospitals: each with its doctor_has_hospital_id, fee and types');
is_deeply([sort keys %{ $data->{hospitals}[0] // {} }],
    [sort qw(doctor_has_hospital_id id slug name address city phone
    photo_url consultation_fee appointment_types)], 'hospital entry fields');
$res = api('GET', "/api/doctor/show?slug=$slug");
is_deeply($res->{json}{data}, $data, 'GET ?slug= gives the same doctor');
$res = api('POST', '/api/doctor/show', json => { slug => "  $slug " });
is($res->{status}, 200, 'the slug is trimmed');

# A doctor who practises nowhere yet: an empty list of hospitals.
$t->psql(q{INSERT INTO doctors (slug, name, speciality_id) SELECT
    'new-doctor', 'New Doctor', id FROM specialities ORDER BY id LIMIT 1});
$res = api('GET', '/api/doctor/show?slug=new-doctor');
is_deeply($res->{json}{data}{hospitals}, [], 'no practice: hospitals []');

$t->expect_error(api('POST', '/api/doctor/show',
    json => { slug => 'no-such-doctor' }), 404, 'Doctor not found.', undef,
    name => 'unknown slug is 404');
$t->expect_error(api('GET', '/api/doctor/show?slug=NO%20SUCH'), 404,
    'Doctor not found.', undef, name => 'unknown slug (GET) is 404');
for my $body ({}, { slug => '' }, { slug => '   ' }, { slug => undef }) {
	$t->expect_error(api('POST', '/api/doctor/show', json => $body), 400,
	    @INVALID, errors => ['slug'],
	    name => 'missing slug ' . json_encode($body) . ' is 400');
}
$t->expect_error(api('POST', '/api/doctor/show'), 400, @INVALID,
    errors => ['slug'], name => 'no body, no slug: 400');
$t->expect_error(api('GET', '/api/doctor/show'), 400, @INVALID,
    errors => ['slug'], name => 'GET without slug: 400');
for my $v (12, [$slug], { slug => $slug }, \1) {
	$t->expect_error(api('POST', '/api/doctor/show', json => { slug => $v }),
	    400, @INVALID, errors => ['slug'],
	    name => 'slug ' . json_encode($v) . ' is 400');
}
$t->expect_error(api('GET', '/api/doctor/show?slug=%ff'), 400, @INVALID,
    errors => ['slug'], name => 'slug not UTF-8 is 400');
is($res = $t->psql('SELECT count(*) FROM doctors'), $total + 1,
    'bad requests changed nothing');

$t->stop;
done_testing();
