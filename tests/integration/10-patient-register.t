# POST /api/register/patient and POST /api/register/check-id/{type}
# (docs/API.md §3, §7, §9): the API key, every field's validation, uniqueness
# (409 with errors), and that bad input changes nothing.
use strict;
use warnings;

use Test::More;
use CexupTest qw(json_encode);

my $t = CexupTest->new;

my @INVALID = ('The given data was invalid.', undef);
sub users { $t->psql('SELECT count(*) FROM users') }
sub register { $t->cexup_request('POST', '/api/register/patient', @_) }

my %good = (
	name		=> 'Siti Rahayu',
	address		=> 'Jl. Merdeka 17, Bandung',
	username	=> 'sitirahayu7',
	email		=> 'Siti.Rahayu@Example.com',
	password	=> 'correct horse battery',
);

# ---- success
my $res = register(json => \%good);
my $data = $t->expect_ok($res, 201, 'Registration successful',
    name => 'a complete registration is 201');
my $user = $data && $data->{user};
is(ref $user, 'HASH', 'data.user is an object');
for my $k (qw(id name email phone_number city address postal_code photo_url
    username role gender id_type id_number)) {
	ok(exists $user->{$k}, "data.user has $k");
}
like(json_encode($user->{id}), qr/^\d+$/, 'user.id is a JSON number');
is($user->{name}, $good{name}, 'name as given');
is($user->{email}, $good{email}, 'email stored as given');
is($user->{username}, $good{username}, 'username');
is($user->{address}, $good{address}, 'address');
is($user->{role}, 'patient', 'role is patient');
ok(!defined $user->{$_}, "$_ is null") for qw(gender id_type id_number
    photo_url phone_number);
unlike($res->{body}, qr/argon2|password/i, 'no password or hash in the body');
like($t->psql("SELECT password_hash FROM users WHERE id = $user->{id}"),
    qr/^\$argon2id\$/, 'the password is stored as an Argon2id hash');
is($t->psql("SELECT count(*) FROM auth_events WHERE event = 'register' "
    . "AND user_id = $user->{id} AND api_client_id IS NOT NULL"), 1,
    'the registration is audited with its client app');

# the new patient can log in with username and with email
ok($t->login_patient('SITIRAHAYU7', $good{password}),
    'the new patient logs in by username (any case)');
ok($t->login_patient(lc $good{email}, $good{password}),
    'and by email');

my $count = users();

# ---- API key
for my $case (['missing', {}], ['unknown', { 'x-api-key' => 'nope' x 11 }],
    ['empty', { 'x-api-key' => '' }]) {
	my ($what, $h) = @$case;
	my %body = (%good, username => $t->unique_username,
	    email => $t->unique_email);
	$res = $t->request('POST', '/api/register/patient', json => \%body,
	    headers => $h);
	$t->expect_error($res, 401, 'Invalid API key.', undef,
	    name => "$what API key is 401");
}
{
	my $key = $t->api_key('revoked-app');
	$t->psql("UPDATE api_clients SET revoked_at = now() WHERE key_hash = "
	    . "sha256('$key'::bytea)");
	$res = $t->request('POST', '/api/register/patient',
	    json => { %good, username => 'someone', email => 'x@example.com' },
	    headers => { 'x-api-key' => $key });
	$t->expect_error($res, 401, 'Invalid API key.', undef,
	    name => 'a revoked API key is 401');
}
is(users(), $count, 'no user was created without a valid key');

# ---- every field required, each wrong type refused
for my $f (sort keys %good) {
	my %body = %good;
	delete $body{$f};
	$t->expect_error(register(json => \%body), 400, @INVALID,
	    errors => [$f], name => "missing $f is 400 with errors.$f");
	for my $bad ([num => 42], [bool => JSON::PP::true], [array => [1]],
	    [object => { a => 1 }], [null => undef], [empty => ''],
	    [blank => '   ']) {
		$body{$f} = $bad->[1];
		$t->expect_error(register(json => \%body), 400, @INVALID,
		    errors => [$f], name => "$f as $bad->[0] is 400 with errors.$f");
	}
}
$t->expect_error(register(json => {}), 400, @INVALID,
    errors => [sort keys %good], name => 'an empty object lists every field');

# ---- field rules
for my $u ('1abc', 'ab_c', 'abc1d', 'ab c', 'abc-1', 'a' x 65, "ab\x{e9}",
    "x'; DROP TABLE users;--") {
	$t->expect_error(register(json => { %good, username => $u,
	    email => $t->unique_email }), 400, @INVALID, errors => ['username'],
	    name => "username '" . substr($u, 0, 20) . "' breaks the pattern");
}
for my $e ('plain', 'a@b', '@example.com', 'a b@example.com',
    'a@' . ('x' x 250) . '.com') {
	$t->expect_error(register(json => { %good, email => $e,
	    username => $t->unique_username }), 400, @INVALID,
	    errors => ['email'], name => "email '" . substr($e, 0, 20)
	    . "' is invalid");
}
for my $p (['7 bytes', 'x' x 7], ['1025 bytes', 'x' x 1025],
    ['a NUL', "abcd\0efgh"]) {
	$t->expect_error(register(json => { %good, password => $p->[1],
	    username => $t->unique_username, email => $t->unique_email }), 400,
	    @INVALID, errors => ['password'], name => "password with $p->[0]");
}
$t->expect_error(register(json => { %good, name => 'x' x 256,
    username => $t->unique_username, email => $t->unique_email }), 400,
    @INVALID, errors => ['name'], name => 'a name over 255 bytes');
$t->expect_error(register(json => { %good, name => "a\0b",
    username => $t->unique_username, email => $t->unique_email }), 400,
    @INVALID, errors => ['name'], name => 'a name with NUL');
# 8 and 1024 bytes are the limits, inclusive
for my $len (8, 1024) {
	my ($u, undef, $r) = $t->register_patient(password => 'p' x $len);
	is($r->{status}, 201, "a password of $len bytes is accepted");
}
$count = users();

# ---- bodies that are not an object, bad bytes
for my $raw (['"x"', 'String'], ['[]', 'Array'], ['1', 'Number'],
    ['null', 'Null'], ['{', 'malformed JSON'], ['', 'malformed JSON']) {
	$res = register(body => $raw->[0],
	    headers => { 'Content-Type' => 'application/json' });
	$t->expect_error($res, 400, 'Request body must be a valid JSON object.',
	    "Expected a JSON object but received: $raw->[1]",
	    name => "body '$raw->[0]' is 400 $raw->[1]");
}
# Bad bytes inside a string of a well-formed body: a field error (§7).
$res = register(body => qq({"name":"\xff\xfe"}),
    headers => { 'Content-Type' => 'application/json' });
$t->expect_error($res, 400, @INVALID, errors => ['name'],
    name => 'a name that is not UTF-8 is 400 errors.name');
$res = register(body => 'name=a', headers => { 'Content-Type' =>
    'application/x-www-form-urlencoded' });
$t->expect_error($res, 415, undef, undef, name => 'a form body is 415');
$res = $t->cexup_request('GET', '/api/register/patient');
$t->expect_error($res, 405, undef, undef, name => 'GET is 405');
like($res->{headers}{allow} // '', qr/POST/, 'Allow names POST');
is(users(), $count, 'no bad request created a user');

# ---- uniqueness: 409 with errors naming the taken fields
my %dupe = (%good, username => uc $good{username}, email => uc $good{email});
$res = register(json => \%dupe);
$t->expect_error($res, 409, undef, undef, errors => [qw(username email)],
    name => 'taken username and email (other case) is 409 naming both');
$res = register(json => { %dupe, email => $t->unique_email });
$t->expect_error($res, 409, undef, undef, errors => ['username'],
    name => 'a taken username alone is 409 errors.username');
ok(!exists $res->{json}{errors}{email}, 'and does not blame the email');
$res = register(json => { %dupe, username => $t->unique_username,
    email => "  $good{email}  " });
$t->expect_error($res, 409, undef, undef, errors => ['email'],
    name => 'a taken email (padded) is 409 errors.email');
# an fdelux user's email is taken too
{
	my ($email) = $t->register_user;
	$count = users();
	$res = register(json => { %good, username => $t->unique_username,
	    email => $email });
	$t->expect_error($res, 409, undef, undef, errors => ['email'],
	    name => 'an fdelux account\'s email is taken for patients too');
}
is(users(), $count, 'conflicts created nobody');

# ---- SQL metacharacters are just text
{
	my $name = q{Robert'); DROP TABLE users; -- "x" \\ %_};
	my ($u, undef, $r) = $t->register_patient(name => $name,
	    address => q{1' OR '1'='1});
	is($r->{status}, 201, 'SQL metacharacters register fine');
	is($u->{name}, $name, 'and come back verbatim');
	is($t->psql("SELECT address FROM users WHERE id = $u->{id}"),
	    q{1' OR '1'='1}, 'and are stored verbatim');
}

# ---- check-id
sub check { $t->cexup_request('POST', "/api/register/check-id/$_[0]", @_[1 .. $#_]) }
$res = check('username?username=SitiRahayu7');
$data = $t->expect_ok($res, 200, 'OK', name => 'check-id username is 200');
is_deeply($data, { type => 'username', value => 'SitiRahayu7',
    available => JSON::PP::false }, 'a taken username is not available');
$res = check('username?username=freshname42');
$data = $t->expect_ok($res, 200, 'OK');
ok($data && JSON::PP::is_bool($data->{available}) && $data->{available},
    'a free username is available (a JSON boolean)');
$res = check('email?email=' . uc($good{email}) =~ s/@/%40/r);
$data = $t->expect_ok($res, 200, 'OK', name => 'check-id email is 200');
ok($data && !$data->{available}, 'a taken email (other case) is not available');
is($data->{type}, 'email', 'type echoed');
$res = check('email?email=nobody%40example.com');
$data = $t->expect_ok($res, 200, 'OK');
ok($data && $data->{available}, 'a free email is available');
is($data->{value}, 'nobody@example.com', 'the value is percent-decoded');

for my $q (['username?username=1abc', 'username'],
    ['username?username=a_b', 'username'],
    ['email?email=not-an-email', 'email'],
    ['username', 'username'], ['username?username=', 'username'],
    ['username?email=a%40b.com', 'username'], ['email?email=%20', 'email'],
    ['email?email=%ff%fe', 'email']) {
	$t->expect_error(check($q->[0]), 400, @INVALID, errors => [$q->[1]],
	    name => "check-id/$q->[0] is 400 errors.$q->[1]");
}
$t->expect_error(check('phone?phone=123'), 404, undef, undef,
    name => 'check-id/phone is 404');
$t->expect_error(check('Username?Username=abc'), 404, undef, undef,
    name => 'the type is case-sensitive');
$res = check('username?username=abc', body => 'whatever',
    headers => { 'Content-Type' => 'text/plain' });
$t->expect_error($res, 415, undef, undef,
    name => 'a non-empty non-JSON body is 415');
$res = check('username?username=abc', body => '',
    headers => { 'Content-Type' => 'text/plain' });
is($res->{status}, 200, 'an empty body with any content type is fine');
$res = check('username?username=abc', json => {});
is($res->{status}, 200, 'an empty JSON object is fine');
$res = $t->request('POST', '/api/register/check-id/username?username=abc');
$t->expect_error($res, 401, 'Invalid API key.', undef,
    name => 'check-id without a key is 401');
$res = $t->request('POST', '/api/register/check-id/nope?nope=abc');
$t->expect_error($res, 401, 'Invalid API key.', undef,
    name => 'the key is checked before the type (404 comes from the handler)');
$res = $t->cexup_request('GET', '/api/register/check-id/username?username=a');
$t->expect_error($res, 405, undef, undef, name => 'check-id GET is 405');
is(users(), $count + 1, 'check-id changes nothing');

$t->stop;
done_testing();
