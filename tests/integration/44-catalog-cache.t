# The catalog response cache (src/http/respcache.h) in one worker: a hit
# is byte for byte the miss it repeats, on every cached route; the three
# spellings of one request share an entry; a hit sends nothing to
# PostgreSQL; the time list is never cached; a small catalog_cache_bytes
# evicts and still answers right.
use strict;
use warnings;
use Test::More;
use CexupTest;

my $KEY = 'catalog-cache-test-key';

sub metrics {
	my ($t) = @_;
	my %m;
	for (split /\n/, $t->request('GET', '/api/metrics')->{body} // '') {
		$m{$1} = $2 if /^cexup_catalog_cache_(\w+)_total\{pool="api"\} (\d+)$/;
	}
	return \%m;
}

sub setup {
	my (%config) = @_;
	# One api worker: the second request meets the first one's entry.
	my $t = CexupTest->new(demo => 1, config => { workers => 1,
	    auth_workers => 1, catalog_cache_max_age => 600,
	    log_level => 'debug',
	    api_key_cache_seconds => 600, %config });
	$t->psql("INSERT INTO api_clients (name, key_hash) VALUES ('test', "
	    . "sha256(convert_to('$KEY', 'UTF8')))");
	return $t;
}

sub api {
	my ($t, $method, $path, %o) = @_;
	$o{headers} = { 'x-api-key' => $KEY, %{ $o{headers} // {} } };
	return $t->request($method, $path, %o);
}

my $t = setup();
my $doctor = $t->psql('SELECT slug FROM doctors ORDER BY id LIMIT 1');
my $spec = $t->psql('SELECT slug FROM specialities ORDER BY id LIMIT 1');
my $hosp = $t->psql('SELECT slug FROM hospitals ORDER BY id LIMIT 1');
my $art = $t->psql("SELECT slug FROM articles WHERE status = 'published' "
    . 'ORDER BY id LIMIT 1');

# Every cached route, with parameters, and the answers that are cached too.
my @CASES = (
	[ 'POST', '/api/doctor', { data => 5, page => 2 } ],
	[ 'POST', '/api/doctor', { speciality => $spec, q => 'a' } ],
	[ 'POST', '/api/doctor/show', { slug => $doctor } ],
	[ 'POST', '/api/doctor/show', { slug => 'no-such-doctor' } ],
	[ 'POST', '/api/speciality', {} ],
	[ 'POST', '/api/hospital', { data => 3 } ],
	[ 'POST', '/api/hospital/show', { slug => $hosp } ],
	[ 'POST', '/api/article', { page => 1 } ],
	[ 'POST', '/api/article/show', { slug => $art } ],
);
my $m0 = metrics($t);
for my $c (@CASES) {
	my ($m, $p, $j) = @$c;
	my $name = "$p " . CexupTest::json_encode($j);
	my $miss = api($t, $m, $p, json => $j);
	my $hit = api($t, $m, $p, json => $j);
	ok($miss->{status} == 200 || $miss->{status} == 404,
	    "$name: $miss->{status}");
	is($hit->{status}, $miss->{status}, "$name: same status");
	ok($hit->{body} eq $miss->{body}, "$name: same bytes");
	is($hit->{headers}{'content-type'}, $miss->{headers}{'content-type'},
	    "$name: same content type");
}
my $m1 = metrics($t);
is($m1->{hits} - ($m0->{hits} // 0), scalar @CASES, 'one hit per route');
is($m1->{misses} - ($m0->{misses} // 0), scalar @CASES,
    'one miss per route');

# {"data":"7"}, {"data":7} and ?data=7: one entry.
my @forms = (api($t, 'POST', '/api/hospital', json => { data => '7' }),
    api($t, 'POST', '/api/hospital', json => { data => 7 }),
    api($t, 'GET', '/api/hospital?data=7'),
    api($t, 'POST', '/api/hospital?data=7', json => {}));
my $m2 = metrics($t);
ok(!grep({ $_->{body} ne $forms[0]{body} } @forms), 'four spellings, '
    . 'one answer');
is($m2->{misses} - $m1->{misses}, 1, '... one miss');
is($m2->{hits} - $m1->{hits}, 3, '... three hits');

# The same bytes again skip the parsing (respcache_lookup_raw): an alias
# of the entry, made by the first hit or miss, answers them.  Another
# spelling of the same request still meets the entry through its parsed
# key, and gets its own alias.
my $aliased = sub { scalar(() = $t->server_log =~
    /catalog cache: answered from the request's bytes/g) };
my $a0 = $aliased->();
my $raw = '{"data":4,"page":1}';
my $spaced = '{ "data" : 4, "page" : 1 }';
my @raw = map { api($t, 'POST', '/api/hospital', body => $_,
    headers => { 'content-type' => 'application/json' }) }
    $raw, $raw, $spaced, $spaced, $raw;
ok(!grep({ $_->{status} != 200 || $_->{body} ne $raw[0]{body} } @raw),
    'five requests in two spellings: one answer');
is($aliased->() - $a0, 3, '... the three repeats answered from their bytes');
my $m2a = metrics($t);
is($m2a->{misses} - $m2->{misses}, 1, '... after one miss');
is($m2a->{hits} - $m2->{hits}, 4, '... and four hits');

# The query is part of the bytes: the same body with ?data=4 (the same
# parameters) is another request to the alias, met by the parsed key.
my $a1 = $aliased->();
is(api($t, 'POST', '/api/hospital?data=4', body => $raw,
    headers => { 'content-type' => 'application/json' })->{body},
    $raw[0]{body}, 'the same body with a query: the same answer');
is($aliased->(), $a1, '... not through an alias of the body alone');
# An error is never aliased: the same bad bytes are parsed every time.
my $bad = '{"data":0}';
for (1 .. 2) {
	is(api($t, 'POST', '/api/doctor', body => $bad,
	    headers => { 'content-type' => 'application/json' })->{status},
	    400, "bad bytes, try $_: 400");
}
$m2 = metrics($t);

# Errors are answered, not cached: a bad page is a 400 every time.
is(api($t, 'POST', '/api/doctor', json => { data => 0 })->{status}, 400,
    'invalid parameters: 400');
is(metrics($t)->{misses}, $m2->{misses}, '... not a cache lookup');

# The time list is not cached (bookings change it).
my $m3 = metrics($t);
api($t, 'POST', '/api/doctor/get-time-list', json => { slug => $doctor })
    for 1 .. 2;
my $m4 = metrics($t);
ok($m4->{hits} == $m3->{hits} && $m4->{misses} == $m3->{misses},
    'the time list neither hits nor misses');

# A hit sends nothing to PostgreSQL: the api worker's backend starts no
# statement (the API key is in its own cache, api_key_cache_seconds).
my $last = sub { $t->psql("SELECT coalesce(max(query_start)::text, '') FROM "
    . "pg_stat_activity WHERE application_name = 'cexup-api'") };
api($t, 'POST', '/api/doctor', json => { data => 5, page => 2 });
my $before = $last->();
api($t, 'POST', '/api/doctor', json => { data => 5, page => 2 }) for 1 .. 5;
is($last->(), $before, 'five hits: no statement started');
api($t, 'POST', '/api/doctor', json => { data => 5, page => 3 });
isnt($last->(), $before, '... and a miss does start one (the check works)');
$t->stop;

# A small bound: entries are evicted, answers stay right.
$t = setup(catalog_cache_bytes => 8192);
my %first;
for my $round (1 .. 2) {
	for my $page (1 .. 8) {
		my $res = api($t, 'POST', '/api/doctor',
		    json => { data => 20, page => $page });
		$first{$page} //= $res->{body};
		ok($res->{status} == 200 && $res->{body} eq $first{$page},
		    "round $round page $page") if $round == 2;
	}
}
my $m = metrics($t);
cmp_ok($m->{evictions}, '>', 0, "8 KiB bound: $m->{evictions} evictions");
cmp_ok($m->{hits}, '<', 8, "... fewer hits ($m->{hits}) than pages asked "
    . 'again');
$t->stop;

# catalog_cache_bytes = 0: no cache, no lookups.
$t = setup(catalog_cache_bytes => 0);
api($t, 'POST', '/api/speciality', json => {}) for 1 .. 2;
$m = metrics($t);
is(($m->{hits} // 0) + ($m->{misses} // 0), 0, 'disabled: no lookups');
$t->stop;
done_testing();
