# POST /api/login (docs/API.md §2, with §1, §4, §6, §9): the exact messages
# of the fdelux seed, the token shapes, and that nothing a client sends
# changes the database or reaches the log.
use strict;
use warnings;

use Digest::SHA qw(hmac_sha256 sha256_hex);
use Test::More;
use CexupTest qw(decode_jwt b64url_decode json_encode);

# Failed logins below must not lock anyone out; lockout has its own test.
my $t = CexupTest->new(config => { lockout_threshold => 1000,
    log_level => 'debug' });

my @BAD_BODY = ('Request body must be a valid JSON object.');
my @BOTH = ('Both "email" and "password" are required.',
    'Please provide both email and password in the request body.');
my @INVALID = ('Invalid email or password.',
    'The provided credentials do not match our records.');
my @NOT_POST = ('Only POST requests are supported for this endpoint.',
    'Please use POST to submit your login credentials.');

sub login { $t->request('POST', '/api/login', @_) }
sub users { $t->psql('SELECT count(*) FROM users') }

# ---- a user to log in with
my $name = 'Tony Stank';
my $email = $t->unique_email('tony');
my $password = 'correct horse battery staple';
my $res = $t->request('POST', '/api/register',
    json => { name => $name, email => $email, password => $password });
is($res->{status}, 201, 'registered a user to log in with')
    or BAIL_OUT("cannot register: $res->{status} $res->{body}");
my $uid = $res->{json}{data}{user}{id};
my $users_before = users();

# ---- success
$res = login(json => { email => $email, password => $password });
my $data = $t->expect_ok($res, 200, 'Login successful',
    name => 'login with the right password is 200');
my $token = $data && $data->{token};
is(ref $token, 'HASH', 'data.token is an object');
is_deeply([sort keys %{ $token // {} }],
    [qw(access_token expires_in refresh_token type)],
    'data.token has exactly access_token, refresh_token, type, expires_in');
is($token->{type}, 'Bearer', 'token type is Bearer');
like($res->{body}, qr/"expires_in"\s*:\s*3600\b/,
    'expires_in is the number 3600');

my ($hdr, $claims, $sig) = decode_jwt($token->{access_token});
ok($hdr, 'access_token is three base64url parts with JSON header and claims')
    or diag("access_token: " . ($token->{access_token} // 'undef'));
like($token->{access_token} // '',
    qr/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/,
    'access_token is compact JWS without padding');
is($hdr->{alg}, 'HS256', 'JWT alg HS256');
is($hdr->{typ}, 'JWT', 'JWT typ JWT');
is($hdr->{kid}, 'kid1', 'JWT kid names the configured key');
{
	my ($h64, $c64, $s64) = split /\./, $token->{access_token} // '';
	my $want = hmac_sha256("$h64.$c64", $t->jwt_secret('kid1'));
	ok(defined $sig && $sig eq $want,
	    'signature is HMAC-SHA256 with the configured key');
}
is($claims->{iss}, 'cexup-api', 'iss from config');
my $aud = $claims->{aud};
ok((ref $aud eq 'ARRAY' ? grep { $_ eq 'cexup-api' } @$aud
    : ($aud // '') eq 'cexup-api'), 'aud from config');
is($claims->{sub}, "$uid", 'sub is the user id as a string');
ok(defined $claims->{sub} && !ref $claims->{sub}
    && json_encode($claims->{sub}) =~ /^"/, 'sub is a JSON string');
is($claims->{role}, 'patient', 'role is patient');
like($claims->{sid} // '', qr/^[0-9a-f-]{36}$/, 'sid is the session uuid');
ok(abs(($claims->{iat} // 0) - time) < 60, 'iat is now');
is(($claims->{exp} // 0) - ($claims->{iat} // 0), 3600, 'exp = iat + 3600');

like($token->{refresh_token} // '', qr/^[A-Za-z0-9_-]{43}$/,
    'refresh_token is 43 base64url characters (256 bits)');
my $rt_hex = sha256_hex($token->{refresh_token} // '');
is($t->psql("SELECT count(*) FROM refresh_tokens rt JOIN sessions s "
    . "ON s.id = rt.session_id WHERE rt.token_hash = '\\x$rt_hex'::bytea "
    . "AND s.user_id = $uid AND s.id = '$claims->{sid}'"), '1',
    'only the SHA-256 of the refresh token is stored, in the token\'s session');

my $user = $data && $data->{user};
for my $k (qw(id name email phone_number city address postal_code photo_url)) {
	ok(ref $user eq 'HASH' && exists $user->{$k}, "data.user has $k");
}
# (type checks before any string comparison: comparing makes a Perl
# number look like a string to JSON::PP)
like(json_encode($user->{id}), qr/^\d+$/, 'user.id is a JSON number');
is($user->{id}, $uid, 'user.id');
is($user->{name}, $name, 'user.name');
is($user->{email}, $email, 'user.email');
for my $k (qw(phone_number city address postal_code photo_url)) {
	ok(exists $user->{$k} && !defined $user->{$k}, "user.$k is null");
}
ok(!grep({ /pass|hash/i } keys %{ $user // {} }),
    'no password field in the user');
unlike($res->{body}, qr/\$argon2/, 'no hash in the response');

ok($t->psql("SELECT count(*) FROM auth_events WHERE user_id = $uid") > 0,
    'the login is recorded in auth_events');

# ---- email lookup: case-insensitive and trimmed
for my $variant (uc($email), "  $email  ", '  ' . ucfirst($email)) {
	$res = login(json => { email => $variant, password => $password });
	is($res->{status}, 200, "login as '$variant'");
}

# ---- the Authorization header is ignored by login (§9)
{
	my $secret = $t->jwt_secret('kid1');
	my $h = CexupTest::b64url_encode(json_encode(
	    { alg => 'HS256', typ => 'JWT', kid => 'kid1' }));
	my $c = CexupTest::b64url_encode(json_encode({ iss => 'cexup-api',
	    aud => 'cexup-api', sub => "$uid", role => 'patient',
	    sid => $claims->{sid}, iat => time - 7200, exp => time - 3600 }));
	my $s = CexupTest::b64url_encode(hmac_sha256("$h.$c", $secret));
	my %auth = (
		garbage		=> 'Bearer garbage',
		expired		=> "Bearer $h.$c.$s",
		empty		=> 'Bearer ',
		basic		=> 'Basic dXNlcjpwYXNz',
		valid		=> "Bearer $token->{access_token}",
	);
	for my $k (sort keys %auth) {
		$res = login(json => { email => $email, password => $password },
		    headers => { Authorization => $auth{$k} });
		is($res->{status}, 200, "login with a $k Authorization header");
	}
}

# ---- bodies that are not a JSON object
my %kind = (
	'"a string"'		=> 'String',
	'"{\"email\":1}"'	=> 'String',
	'42'			=> 'Number',
	'-1.5e3'		=> 'Number',
	'true'			=> 'Boolean',
	'false'			=> 'Boolean',
	'null'			=> 'Null',
	'[]'			=> 'Array',
	'[{"email":"a@example.com","password":"password1"}]' => 'Array',
	'{'			=> 'malformed JSON',
	'{"email":}'		=> 'malformed JSON',
	'{"email":"a@example.com","password":"x"'	=> 'malformed JSON',
	"{'email':'a'}"		=> 'malformed JSON',
	'{} {}'			=> 'malformed JSON',
	'{}x'			=> 'malformed JSON',
	# an unterminated string after the object (yajl waits for its end)
	'{"email":"a@example.com","password":"password1"}"'
				=> 'malformed JSON',
	"{\"email\":\"a\@example.com\",\"password\":\"password1\"}\"\xf7"
				=> 'malformed JSON',
	'42"x'			=> 'malformed JSON',
	'nul'			=> 'malformed JSON',
	'hello'			=> 'malformed JSON',
	''			=> 'malformed JSON',
);
for my $body (sort keys %kind) {
	$res = login(body => $body,
	    headers => { 'Content-Type' => 'application/json' });
	(my $show = $body) =~ s/([^\x20-\x7e])/sprintf '\\x%02x', ord $1/ge;
	$t->expect_error($res, 400, $BAD_BODY[0],
	    "Expected a JSON object but received: $kind{$body}",
	    name => "body '$show' is 400 ($kind{$body})");
}
# Invalid UTF-8 inside a string of a well-formed body is a field error
# (docs/API.md §7), with the route's one 400 message.
for my $c (["\xff\xfe", 'bytes 0xff 0xfe'], ["a\xc3", 'a truncated sequence']) {
	my ($bytes, $what) = @$c;
	$res = login(body => qq({"email":"$bytes\@example.com",)
	    . '"password":"password1"}',
	    headers => { 'Content-Type' => 'application/json' });
	my $j = $res->{json} // {};
	ok($res->{status} == 400
	    && ($j->{message} // '') eq 'Both "email" and "password" are required.'
	    && ref $j->{errors} eq 'HASH' && $j->{errors}{email},
	    "an email with $what is 400 with errors.email");
}
# Whitespace around a non-object does not change its type.
$res = login(body => " \n 42 \n",
    headers => { 'Content-Type' => 'application/json' });
$t->expect_error($res, 400, $BAD_BODY[0],
    'Expected a JSON object but received: Number',
    name => 'whitespace around a number is still Number');

# ---- missing, empty or non-string fields: the exact "Both ..." 400
my @fields = (
	{},
	{ email => $email },
	{ password => $password },
	{ email => '', password => $password },
	{ email => $email, password => '' },
	{ email => '', password => '' },
	{ email => 123, password => $password },
	{ email => $email, password => 12345678 },
	{ email => undef, password => $password },
	{ email => $email, password => undef },
	{ email => [$email], password => $password },
	{ email => $email, password => [$password] },
	{ email => { a => 1 }, password => $password },
	{ email => JSON::PP::true, password => $password },
	{ Email => $email, Password => $password },
);
for my $f (@fields) {
	$res = login(json => $f);
	$t->expect_error($res, 400, @BOTH, errors_optional => 1,
	    name => 'body ' . json_encode($f) . ' is the "Both" 400');
}

# ---- wrong credentials: the exact 401
$res = login(json => { email => $email, password => 'wrong password' });
$t->expect_error($res, 401, @INVALID, name => 'wrong password is 401');
$res = login(json => { email => $t->unique_email('ghost'),
    password => $password });
$t->expect_error($res, 401, @INVALID, name => 'unknown email is 401');
$res = login(json => { email => $email, password => uc $password });
$t->expect_error($res, 401, @INVALID, name => 'password is case-sensitive');
$res = login(json => { email => $email, password => "$password " });
$t->expect_error($res, 401, @INVALID, name => 'password is not trimmed');
$res = login(json => { email => $email, password => 'x' x 1025 });
$t->expect_error($res, 401, @INVALID,
    name => 'a password over 1024 bytes is a failed login');
$res = login(json => { email => $email, password => $password . ('x' x 5000) });
$t->expect_error($res, 401, @INVALID,
    name => 'right password plus 5000 bytes is a failed login');
$res = login(json => { email => $email, password => "pass\x{0}word" });
ok($res->{status} == 400 || $res->{status} == 401,
    'a NUL in the password is refused (400 or 401)');
for my $sqli ("x'; DROP TABLE users;--", "' OR '1'='1", "$email' --",
    "\" OR 1=1 --", '%', '_@_._') {
	$res = login(json => { email => $sqli, password => "' OR '1'='1" });
	$t->expect_error($res, 401, @INVALID,
	    name => "email '$sqli' is a plain failed login");
}
is($t->psql(q{SELECT count(*) FROM pg_tables WHERE tablename = 'users'}),
    '1', 'the users table survived');
# LIKE metacharacters are literal too: '%' must not match the user.
$res = login(json => { email => '%', password => $password });
is($res->{status}, 401, "email '%' with the right password is 401");

# ---- other methods: the exact 405 with Allow
for my $m (qw(GET PUT DELETE PATCH)) {
	$res = $t->request($m, '/api/login',
	    $m eq 'GET' || $m eq 'DELETE' ? () :
	    (json => { email => $email, password => $password }));
	$t->expect_error($res, 405, @NOT_POST, name => "$m /api/login is 405");
	like($res->{headers}{allow} // '', qr/\bPOST\b/,
	    "$m /api/login: Allow names POST");
}

# ---- nothing above created or changed a user
is(users(), $users_before, 'no request above created a user');
is($t->psql("SELECT name || '|' || email FROM users WHERE id = $uid"),
    "$name|$email", 'the user is unchanged');

# ---- the log never holds a password, a hash or a token
my $log = $t->server_log;
ok(length $log > 0, 'the server wrote a log');
for my $secret ($password, 'wrong password', "' OR '1'='1",
    $token->{refresh_token}, $token->{access_token}) {
	ok(index($log, $secret) < 0, 'server.log does not contain "'
	    . substr($secret, 0, 12) . '..."');
}
unlike($log, qr/\$argon2/, 'server.log holds no Argon2 hash');
my $events = $t->psql('SELECT string_agg(coalesce(identifier, \'\') '
    . "|| coalesce(user_agent, ''), ' ') FROM auth_events");
ok(index($events, $password) < 0 && index($events, 'wrong password') < 0,
    'auth_events hold no password');

$t->stop;
done_testing();
