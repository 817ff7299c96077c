# API keys (docs/API.md §3, §9): `cexup-api apikey create|list|revoke`, the key
# stored as SHA-256 only, 401 without a valid key on every Cexup route, and
# the api_key_required = all setting.
use strict;
use warnings;

use Digest::SHA qw(sha256_hex);
use Test::More;
use CexupTest;

# Revocation below is checked at once, so workers must not remember keys here;
# the cache itself is tested at the end.
my $t = CexupTest->new(config => { api_key_cache_seconds => 0 });

# ---- create: only the key on stdout
my $r = $t->cli('apikey', 'create', 'Klinik Sehat app');
is($r->{rc}, 0, 'apikey create exits 0') or diag($r->{err});
like($r->{out}, qr/^[A-Za-z0-9_-]{43}\n\z/,
    'stdout is exactly one line: the key') or diag($r->{out});
chomp(my $key = $r->{out});
like($r->{err}, qr/created client \d+/, 'the rest goes to stderr');
unlike($r->{err}, qr/\Q$key\E/, 'stderr does not repeat the key');
is($t->psql("SELECT count(*) FROM api_clients WHERE name = "
    . "'Klinik Sehat app' AND key_hash = '\\x" . sha256_hex($key)
    . "'::bytea"), 1, 'stored as its SHA-256');
my $dump = $t->psql('SELECT string_agg(name || encode(key_hash, '
    . "'escape'), ',') FROM api_clients");
unlike($dump, qr/\Q$key\E/, 'the key itself is stored nowhere');
my $id = $t->psql("SELECT id FROM api_clients WHERE name = "
    . "'Klinik Sehat app'");

my $r2 = $t->cli('apikey', 'create', 'second app');
chomp(my $key2 = $r2->{out});
isnt($key2, $key, 'each key is new');

# the key opens the Cexup routes and is recorded on sessions
my ($user, $pw, $res) = $t->register_patient(username => 'keyuser');
$res = $t->request('POST', '/api/login/patient', json => {
    email => 'keyuser', password => $pw }, headers => { 'x-api-key' => $key });
is($res->{status}, 200, 'the created key works') or diag($res->{body});
is($t->psql("SELECT count(*) FROM sessions WHERE api_client_id = $id"), 1,
    'the session records the key\'s client');

# ---- list: ids, names, status, no secrets
$r = $t->cli('apikey', 'list');
is($r->{rc}, 0, 'apikey list exits 0');
like($r->{out}, qr/^\s*$id\s+active\s.*Klinik Sehat app$/m,
    'lists the client with its id, status and name');
like($r->{out}, qr/second app/, 'and the other one');
unlike($r->{out}, qr/\Q$key\E|\Q$key2\E/, 'no key in the list');
unlike($r->{out}, qr/[0-9a-f]{64}/, 'no hash either');

# ---- revoke
$r = $t->cli('apikey', 'revoke', $id);
is($r->{rc}, 0, 'apikey revoke exits 0') or diag($r->{err});
$res = $t->request('POST', '/api/login/patient', json => {
    email => 'keyuser', password => $pw }, headers => { 'x-api-key' => $key });
$t->expect_error($res, 401, 'Invalid API key.', undef,
    name => 'a revoked key is 401');
$res = $t->request('POST', '/api/login/patient', json => {
    email => 'keyuser', password => $pw }, headers => { 'x-api-key' => $key2 });
is($res->{status}, 200, 'the other key still works');
like($t->cli('apikey', 'list')->{out}, qr/^\s*$id\s+revoked\s/m,
    'list shows it revoked');
$r = $t->cli('apikey', 'revoke', $id);
is($r->{rc}, 1, 'revoking twice exits 1');
like($r->{err}, qr/already revoked/, '  saying so');
$r = $t->cli('apikey', 'revoke', '999999');
is($r->{rc}, 1, 'revoking an unknown id exits 1');
my $clients = $t->psql('SELECT count(*) FROM api_clients');
for my $bad (['revoke', 'abc'], ['revoke', '-1'], ['revoke'], ['create'],
    ['create', ''], ['create', "a\nb"], ['create', 'x' x 101], ['frobnicate'],
    [], ['list', 'extra'], ['create', 'a', 'b']) {
	$r = $t->cli('apikey', @$bad);
	is($r->{rc}, 2, "apikey @$bad is a usage error (exit 2)");
	is($r->{out}, '', '  with nothing on stdout');
}
is($t->psql('SELECT count(*) FROM api_clients'), $clients,
    'bad commands created nothing');

# ---- every Cexup route wants the key; the others do not
my $login = $t->login_patient('keyuser', $pw);
my $auth = $t->bearer($login->{token}{access_token});
my @cexup = (['POST', '/api/login/patient', { email => 'keyuser',
    password => $pw }], ['POST', '/api/register/patient', {}],
    ['POST', '/api/register/check-id/username?username=abc', undef],
    ['POST', '/api/update/patient', { user_id => $user->{id} }],
    ['POST', '/api/avatar', { user_id => $user->{id} }]);
for my $c (@cexup) {
	my ($m, $p, $body) = @$c;
	for my $k (['missing', undef], ['unknown', 'Z' x 43], ['empty', ''],
	    ['revoked', $key]) {
		my %h = %$auth;
		$h{'x-api-key'} = $k->[1] if defined $k->[1];
		$res = $t->request($m, $p, defined $body ? (json => $body) : (),
		    headers => \%h);
		$t->expect_error($res, 401, 'Invalid API key.', undef,
		    name => "$k->[0] key on $p is 401");
	}
}
for my $c (['GET', '/api/me'], ['POST', '/api/token/refresh',
    { refresh_token => $login->{token}{refresh_token} }],
    ['POST', '/api/login', { email => 'nobody@example.com',
    password => 'whatever1' }], ['GET', '/api/health']) {
	my ($m, $p, $body) = @$c;
	$res = $t->request($m, $p, defined $body ? (json => $body) : (),
	    headers => $auth);
	isnt($res->{status}, 401, "$p needs no key by default")
	    unless $p eq '/api/login';
	is($res->{status}, 401, '/api/login: 401 for the credentials only')
	    if $p eq '/api/login';
	unlike($res->{body}, qr/API key/, "  $p does not ask for one");
}
$t->stop;

# ---- api_key_required = all
{
	my $t2 = CexupTest->new(config => { api_key_required => 'all' });
	my ($u, $p) = $t2->register_patient(username => 'allkeys');
	my $l = $t2->login_patient('allkeys', $p);
	my $bh = $t2->bearer($l->{token}{access_token});
	for my $c (['POST', '/api/login', { email => 'x@example.com',
	    password => 'whatever1' }], ['POST', '/api/register', {}],
	    ['GET', '/api/me'], ['POST', '/api/token/refresh',
	    { refresh_token => $l->{token}{refresh_token} }],
	    ['POST', '/api/logout']) {
		my ($m, $path, $body) = @$c;
		$res = $t2->request($m, $path, defined $body ? (json => $body)
		    : (), headers => $bh);
		$t2->expect_error($res, 401, 'Invalid API key.', undef,
		    name => "api_key_required=all: $path without a key is 401");
	}
	$res = $t2->cexup_request('GET', '/api/me', headers => $bh);
	is($res->{status}, 200, '  /api/me with the key is 200');
	$res = $t2->cexup_request('POST', '/api/token/refresh',
	    json => { refresh_token => $l->{token}{refresh_token} });
	is($res->{status}, 200, '  refresh with the key is 200');
	is($t2->request('GET', '/api/health')->{status}, 200,
	    '  health needs no key');
	is($t2->request('GET', "/api/users/$u->{id}/avatar")->{status}, 404,
	    '  the avatar image needs no key (404: none uploaded)');
	$t2->stop;
}

# ---- the per-worker cache of verified keys: a revoked key stops working
# within api_key_cache_seconds, and is accepted meanwhile only by workers
# that verified it just before.
{
	my $t3 = CexupTest->new(config => { api_key_cache_seconds => 2,
	    workers => 1 });
	my $k = $t3->cli('apikey', 'create', 'cached app')->{out};
	chomp $k;
	is($t3->request('POST', '/api/register/check-id/email?email=a@b.co',
	    headers => { 'x-api-key' => $k })->{status}, 200,
	    'cache: the key works (and is now remembered)');
	my ($cid) = $t3->cli('apikey', 'list')->{out} =~ /^\s*(\d+)\s+active\s.*cached app/m;
	is($t3->cli('apikey', 'revoke', $cid)->{rc}, 0, 'cache: key revoked');
	is($t3->request('POST', '/api/register/check-id/email?email=a@b.co',
	    headers => { 'x-api-key' => $k })->{status}, 200,
	    'cache: accepted within api_key_cache_seconds of its last check');
	sleep 3;
	is($t3->request('POST', '/api/register/check-id/email?email=a@b.co',
	    headers => { 'x-api-key' => $k })->{status}, 401,
	    'cache: refused once the cached entry expired');
	$t3->stop;
}
done_testing();
