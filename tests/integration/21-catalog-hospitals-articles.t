# POST|GET /api/hospital, /api/hospital/show, /api/article and
# /api/article/show (docs/API.md §3, §5, §9) on the demo data, and the
# counters behind the totals.
use strict;
use warnings;

use Test::More;
use CexupTest qw(json_encode);

my $t = CexupTest->new(demo => 1);
my $KEY = 'catalog-hospital-test-key';
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

# ---- hospitals
my $n_hosp = $t->psql('SELECT count(*) FROM hospitals');
cmp_ok($n_hosp, '>=', 12, 'at least 12 demo hospitals');
cmp_ok($t->psql('SELECT count(DISTINCT city) FROM hospitals'), '>=', 4,
    '... in several cities');
my $res = api('POST', '/api/hospital', json => { data => 5 });
my $data = $t->expect_ok($res, 200, 'OK', meta => 1,
    name => 'POST /api/hospital');
is_deeply(slugs($data), psql_list('SELECT slug FROM hospitals ORDER BY '
    . 'name, id LIMIT 5'), 'first five hospitals by name');
is_deeply($res->{json}{meta}, { current_page => 1, per_page => 5,
    total => $n_hosp, last_page => int(($n_hosp + 4) / 5) }, 'meta');
is_deeply([sort keys %{ $data->[0] }], [sort qw(id slug name address city
    phone photo_url)], 'hospital fields');
my ($h_addr, $h_city, $h_phone) = split /\|/, $t->psql('SELECT address, '
    . "city, phone FROM hospitals WHERE slug = '$data->[0]{slug}'");
is_deeply([@{ $data->[0] }{qw(address city phone)}],
    [$h_addr, $h_city, $h_phone], 'address, city, phone from the table');
$res = api('GET', '/api/hospital?data=5&page=3');
is_deeply(slugs($res->{json}{data}), psql_list('SELECT slug FROM hospitals '
    . 'ORDER BY name, id LIMIT 5 OFFSET 10'), 'GET data 5 page 3');
$res = api('GET', '/api/hospital?data=5&page=' . (int($n_hosp / 5) + 2));
is_deeply($res->{json}{data}, [], 'hospital page past the end: empty');
is($res->{json}{meta}{total}, $n_hosp, '... with the total');
for my $case ([data => 0], [data => 101], [data => 'ten'], [page => 0],
    [page => 'x'], [data => \1]) {
	my ($f, $v) = @$case;
	$t->expect_error(api('POST', '/api/hospital', json => { $f => $v }),
	    400, @INVALID, errors => [$f],
	    name => "hospital $f " . json_encode($v) . ' is 400');
}
$t->expect_error(api('GET', '/api/hospital?page=%ff'), 400, @INVALID,
    errors => ['page'], name => 'hospital page not UTF-8 is 400');

# ---- hospital/show
my $hslug = $t->psql('SELECT h.slug FROM hospitals h ORDER BY (SELECT '
    . 'count(*) FROM doctor_has_hospital dh WHERE dh.hospital_id = h.id) '
    . 'DESC, h.id LIMIT 1');
$res = api('POST', '/api/hospital/show', json => { slug => $hslug });
$data = $t->expect_ok($res, 200, 'OK', name => 'hospital/show');
is($data->{slug}, $hslug, 'the hospital asked for');
is_deeply([ map { "$_->{doctor_has_hospital_id}|$_->{slug}|"
    . "$_->{consultation_fee}" } @{ $data->{doctors} // [] } ],
    psql_list("SELECT dh.id || '|' || d.slug || '|' || dh.consultation_fee "
    . 'FROM doctor_has_hospital dh JOIN doctors d ON d.id = dh.doctor_id '
    . "JOIN hospitals h ON h.id = dh.hospital_id WHERE h.slug = '$hslug' "
    . 'ORDER BY d.name, d.id'),
    'its doctors, by name, each with doctor_has_hospital_id and fee');
cmp_ok(scalar @{ $data->{doctors} }, '>', 1, '... several of them');
is_deeply([sort keys %{ $data->{doctors}[0] }], [sort qw(
    doctor_has_hospital_id id slug name title photo_url years_of_practice
    speciality consultation_fee appointment_types)], 'doctor entry fields');
ok(!grep({ !@{ $_->{appointment_types} } || grep({ !/^(online|offline)$/ }
    @{ $_->{appointment_types} }) } @{ $data->{doctors} }),
    'appointment_types are online and/or offline');
$res = api('GET', "/api/hospital/show?slug=$hslug");
is_deeply($res->{json}{data}, $data, 'GET ?slug= gives the same');
$t->psql(q{INSERT INTO hospitals (slug, name, address, city) VALUES
    ('rs-empty', 'RS Kosong', 'Jl. Baru 1', 'Bogor')});
$res = api('GET', '/api/hospital/show?slug=rs-empty');
is_deeply($res->{json}{data}{doctors}, [], 'a hospital without doctors');
is($t->psql("SELECT n FROM catalog_counts WHERE name = 'hospitals'"),
    $n_hosp + 1, 'the hospital counter follows the insert');
$t->expect_error(api('POST', '/api/hospital/show', json => { slug =>
    'no-such-hospital' }), 404, 'Hospital not found.', undef,
    name => 'unknown hospital is 404');
$t->expect_error(api('POST', '/api/hospital/show', json => {}), 400,
    @INVALID, errors => ['slug'], name => 'hospital/show without slug: 400');
$t->expect_error(api('GET', '/api/hospital/show'), 400, @INVALID,
    errors => ['slug'], name => 'GET hospital/show without slug: 400');
$t->expect_error(api('POST', '/api/hospital/show', json => { slug => 7 }),
    400, @INVALID, errors => ['slug'], name => 'hospital slug 7 is 400');
$t->expect_error(api('GET', '/api/hospital/show?slug=' . ('a' x 201)), 400,
    @INVALID, errors => ['slug'], name => 'a 201-byte slug is 400');

# ---- articles
my $n_pub = $t->psql("SELECT count(*) FROM articles WHERE status = "
    . "'published'");
my $n_draft = $t->psql("SELECT count(*) FROM articles WHERE status = "
    . "'draft'");
cmp_ok($n_pub + $n_draft, '>=', 30, 'at least 30 demo articles');
cmp_ok($n_draft, '>=', 1, '... some unpublished');
my $article_order = "SELECT slug FROM articles WHERE status = 'published' "
    . 'ORDER BY published_at DESC, id DESC';
$res = api('POST', '/api/article', json => {});
$data = $t->expect_ok($res, 200, 'OK', meta => 1, name => 'POST /api/article');
is_deeply(slugs($data), psql_list("$article_order LIMIT 10"),
    'the ten newest published articles');
is_deeply($res->{json}{meta}, { current_page => 1, per_page => 10,
    total => $n_pub, last_page => int(($n_pub + 9) / 10) },
    'total counts published articles only');
is_deeply([sort keys %{ $data->[0] }], [sort qw(id slug title excerpt
    thumbnail_url author published_at)], 'article list fields (no body)');
like($data->[0]{published_at}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    'published_at is ISO 8601 UTC');
is($data->[0]{published_at}, $t->psql("SELECT to_char(published_at AT TIME "
    . "ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM articles WHERE "
    . "slug = '$data->[0]{slug}'"), '... the stored instant');
$res = api('GET', '/api/article?data=100');
is(scalar @{ $res->{json}{data} }, $n_pub, 'all published on one page');
my %listed = map { $_ => 1 } @{ slugs($res->{json}{data}) };
ok(!grep({ $listed{$_} } @{ psql_list("SELECT slug FROM articles WHERE "
    . "status = 'draft'") }), 'no draft is listed');
$res = api('GET', '/api/article?data=4&page=2');
is_deeply(slugs($res->{json}{data}), psql_list("$article_order LIMIT 4 "
    . 'OFFSET 4'), 'GET data 4 page 2');
$res = api('POST', '/api/article', json => { page => 99 });
is_deeply($res->{json}{data}, [], 'article page past the end: empty');
$t->expect_error(api('POST', '/api/article', json => { data => 101 }), 400,
    @INVALID, errors => ['data'], name => 'article data 101 is 400');
$t->expect_error(api('GET', '/api/article?page=ten'), 400, @INVALID,
    errors => ['page'], name => 'article page "ten" is 400');

# Publishing and unpublishing move the counter (and the list).
my $draft = $t->psql("SELECT slug FROM articles WHERE status = 'draft' "
    . 'ORDER BY id LIMIT 1');
$t->psql("UPDATE articles SET status = 'published', published_at = now() "
    . "WHERE slug = '$draft'");
$res = api('POST', '/api/article', json => { data => 1 });
is_deeply(slugs($res->{json}{data}), [$draft],
    'a freshly published article comes first');
is($res->{json}{meta}{total}, $n_pub + 1, '... and is counted');
$t->psql("UPDATE articles SET status = 'draft' WHERE slug = '$draft'");
$res = api('POST', '/api/article', json => { data => 1 });
is($res->{json}{meta}{total}, $n_pub, 'unpublishing uncounts it');
is($t->psql("SELECT n FROM catalog_counts WHERE name = "
    . "'articles_published'"), $t->psql("SELECT count(*) FROM articles "
    . "WHERE status = 'published'"), 'the counter is exact');

# ---- article/show
my $aslug = $data->[2]{slug};
$res = api('POST', '/api/article/show', json => { slug => $aslug });
my $article = $t->expect_ok($res, 200, 'OK', name => 'article/show');
is($article->{body}, $t->psql("SELECT body FROM articles WHERE slug = "
    . "'$aslug'"), 'the full body');
is_deeply([sort keys %$article], [sort qw(id slug title excerpt
    thumbnail_url author published_at body)], 'article fields');
$res = api('GET', "/api/article/show?slug=$aslug");
is_deeply($res->{json}{data}, $article, 'GET ?slug= gives the same');
$t->expect_error(api('POST', '/api/article/show', json => { slug => $draft }),
    404, 'Article not found.', undef, name => 'a draft is 404');
$t->expect_error(api('GET', '/api/article/show?slug=no-such-article'), 404,
    'Article not found.', undef, name => 'unknown article is 404');
$t->expect_error(api('POST', '/api/article/show', json => { slug => '' }),
    400, @INVALID, errors => ['slug'], name => 'empty slug is 400');
$t->expect_error(api('POST', '/api/article/show', json => { slug => [] }),
    400, @INVALID, errors => ['slug'], name => 'slug [] is 400');

$t->stop;
done_testing();
