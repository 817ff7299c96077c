# The envelope of docs/API.md §1 and §8 as a client sees it through nginx:
# JSON bodies, Content-Type, X-Request-Id, the errors nginx answers itself,
# body size limit, content type, health and readiness.
use strict;
use warnings;

use Test::More;
use CexupTest;

my $t = CexupTest->new;

my $JSON_CT = 'application/json; charset=utf-8';
my %NGINX_404 = (
	message => 'Not found.',
	details => 'The requested resource does not exist.',
);
my %NGINX_413 = (
	message => 'Request body too large.',
	details => 'The request body exceeds the maximum allowed size.',
);

# ---- health and readiness (§8)
my $res = $t->request('GET', '/api/health');
$t->expect_ok($res, 200, 'OK', name => 'GET /api/health is 200 OK');

$res = $t->request('GET', '/api/ready');
$t->expect_ok($res, 200, 'OK', name => 'GET /api/ready is 200 after migrate');

# Health and readiness need no API key even with api_key_required = all is
# tested elsewhere; here: no key, no body, any Accept.
$res = $t->request('GET', '/api/health', headers => { Accept => '*/*' });
is($res->{status}, 200, 'health ignores Accept');

$res = $t->request('POST', '/api/health');
$t->expect_error($res, 405, undef, undef,
    name => 'POST /api/health is 405 JSON');
like($res->{headers}{allow} // '', qr/\bGET\b/, '405 carries Allow: GET');

# ---- unknown routes inside /api/ are the application's 404
for my $path ('/api/nope', '/api/login/', '/api/LOGIN', '/api/health/x',
    '/api/') {
	$res = $t->request('GET', $path);
	$t->expect_error($res, 404, undef, undef,
	    name => "GET $path is a 404 envelope");
}
$res = $t->request('POST', '/api/nope', json => {});
$t->expect_error($res, 404, undef, undef,
    name => 'POST to an unknown route is 404 (route before method)');

# ---- outside /api/: nginx's own 404, still JSON
for my $path ('/', '/index.html', '/api', '/favicon.ico', '/robots.txt',
    '/.cexup-error/502', '/apix/login', '/API/login') {
	$res = $t->request('GET', $path);
	$t->expect_error($res, 404, $NGINX_404{message}, $NGINX_404{details},
	    name => "GET $path is nginx's 404 JSON");
}
$res = $t->request('POST', '/login', json => { a => 1 });
$t->expect_error($res, 404, $NGINX_404{message}, $NGINX_404{details},
    name => 'POST /login is 404 JSON');

# ---- X-Request-Id: 32 hex digits on every response, never the client's
my %seen;
my $all_ok = 1;
for my $req (['GET', '/api/health'], ['GET', '/api/nope'], ['GET', '/'],
    ['POST', '/api/login', json => {}], ['DELETE', '/api/login'],
    ['POST', '/api/login', json => { email => 'nobody@example.com',
	password => 'wrong password' }]) {
	my ($m, $p, %o) = @$req;
	$res = $t->request($m, $p, %o,
	    headers => { 'X-Request-Id' => 'client-chosen-id' });
	my $id = $res->{headers}{'x-request-id'} // '';
	unless ($id =~ /^[0-9a-f]{32}$/) {
		$all_ok = 0;
		diag("$m $p: X-Request-Id '$id'");
	}
	$seen{$id}++;
	unlike($res->{body}, qr/client-chosen-id/,
	    "$m $p does not echo the client's request id in the body");
	is($res->{headers}{'content-type'}, $JSON_CT,
	    "$m $p answers $JSON_CT");
}
ok($all_ok, 'every response carries X-Request-Id of 32 hex digits');
is(scalar(grep { $seen{$_} > 1 } keys %seen), 0, 'request ids are unique');

# The id the application logs is the one the client got (REQUEST_ID).
$res = $t->request('GET', '/api/nope');
my $rid = $res->{headers}{'x-request-id'};
my $found = $t->wait_until(3, sub { index($t->server_log, $rid) >= 0 });
ok($found, 'the request id of a 404 appears in the server log')
    or diag("id $rid not in server.log");

# ---- body size: 64 KiB for /api/ routes (nginx answers 413 itself)
my $big = '{"email":"a@example.com","password":"' . ('x' x 70000) . '"}';
$res = $t->request('POST', '/api/login', body => $big,
    headers => { 'Content-Type' => 'application/json' });
$t->expect_error($res, 413, $NGINX_413{message}, $NGINX_413{details},
    name => 'a 70000-byte body to /api/login is 413 JSON');

$res = $t->request('POST', '/api/register', body => 'x' x (65536 + 1),
    headers => { 'Content-Type' => 'application/json' });
$t->expect_error($res, 413, $NGINX_413{message}, $NGINX_413{details},
    name => '64 KiB + 1 byte to /api/register is 413 JSON');

# Exactly 64 KiB is allowed: a well-formed login padded with JSON whitespace.
my $exact = '{"email":"nobody.64k@example.com","password":"wrong password"}';
$exact .= ' ' x (65536 - length $exact);
is(length $exact, 65536, 'padded body is exactly 64 KiB');
$res = $t->request('POST', '/api/login', body => $exact,
    headers => { 'Content-Type' => 'application/json' });
$t->expect_error($res, 401, 'Invalid email or password.',
    'The provided credentials do not match our records.',
    name => 'a body of exactly 64 KiB is processed (401 for a stranger)');

# ---- content type (§9: 415 only for a non-empty body that is not JSON)
$res = $t->request('POST', '/api/login',
    body => '{"email":"a@example.com","password":"password1"}',
    headers => { 'Content-Type' => 'text/plain' });
$t->expect_error($res, 415, undef, undef,
    name => 'text/plain body to /api/login is 415 JSON');

$res = $t->request('POST', '/api/register',
    body => 'name=a&email=b%40example.com&password=password1',
    headers => { 'Content-Type' => 'application/x-www-form-urlencoded' });
$t->expect_error($res, 415, undef, undef,
    name => 'form-encoded body to /api/register is 415 JSON');

$res = $t->request('POST', '/api/login',
    body => '{"email":"a@example.com","password":"password1"}');
$t->expect_error($res, 415, undef, undef,
    name => 'a body without Content-Type is 415 JSON');

# Parameters on the JSON type are fine.
$res = $t->request('POST', '/api/login',
    body => '{"email":"ct.param@example.com","password":"wrong password"}',
    headers => { 'Content-Type' => 'application/json; charset=utf-8' });
is($res->{status}, 401, 'application/json; charset=utf-8 is accepted');
$res = $t->request('POST', '/api/login',
    body => '{"email":"ct.case@example.com","password":"wrong password"}',
    headers => { 'Content-Type' => 'Application/JSON' });
is($res->{status}, 401, 'media type compares case-insensitively');

# Method before content type (§9 order): GET with a text body is 405.
$res = $t->request('GET', '/api/login', body => 'hello',
    headers => { 'Content-Type' => 'text/plain' });
is($res->{status}, 405, 'wrong method wins over wrong content type');

# ---- the database was not touched by any of this
is($t->psql('SELECT count(*) FROM users'), '0', 'no user was created');

$t->stop;
done_testing();
