# GET /api/me and POST /api/update/{role} (docs/API.md §3, §4, §9): Bearer
# verification (tampered, expired, alg:none, unknown kid, revoked session),
# ownership and role (403), the ID document rules, partial updates, the
# order of checks, and that bad input changes nothing.
use strict;
use warnings;

use Digest::SHA qw(hmac_sha256);
use Test::More;
use CexupTest qw(decode_jwt b64url_encode json_encode);

my $t = CexupTest->new(config => { lockout_threshold => 1000 });

my @INVALID = ('The given data was invalid.', undef);
my @UNAUTH = ('Unauthenticated.', undef);

my ($alice) = $t->register_patient(name => 'Alice', username => 'alice');
my ($bob) = $t->register_patient(name => 'Bob', username => 'bob');
my $a_login = $t->login_patient('alice', 'correct horse battery');
my $b_login = $t->login_patient('bob', 'correct horse battery');
my $tok = $a_login->{token}{access_token};
my $bob_tok = $b_login->{token}{access_token};
ok($tok && $bob_tok, 'two patients logged in') or BAIL_OUT('no login');
my (undef, $claims) = decode_jwt($tok);

sub me { $t->request('GET', '/api/me', headers => $_[0] // {}) }
sub update {
	my ($role, $token, %o) = @_;
	return $t->cexup_request('POST', "/api/update/$role", %o,
	    headers => { %{ $o{headers} // {} },
	    defined $token ? (Authorization => "Bearer $token") : () });
}
sub row {
	return $t->psql("SELECT concat_ws('|', name, address, gender, "
	    . "phone_number, id_type, id_number, updated_at) FROM users "
	    . "WHERE id = $_[0]");
}

# forged tokens
my $secret = $t->jwt_secret('kid1');
sub forge {
	my (%o) = @_;
	my $h = b64url_encode(json_encode($o{header}
	    // { alg => 'HS256', typ => 'JWT', kid => 'kid1' }));
	my $c = b64url_encode(json_encode({ iss => 'cexup-api',
	    aud => 'cexup-api', sub => "$alice->{id}", role => 'patient',
	    sid => $claims->{sid}, iat => time - 10, exp => time + 3600,
	    %{ $o{claims} // {} } }));
	my $s = exists $o{sig} ? $o{sig}
	    : b64url_encode(hmac_sha256("$h.$c", $o{secret} // $secret));
	return "$h.$c.$s";
}

# ---- GET /api/me
my $res = me($t->bearer($tok));
my $data = $t->expect_ok($res, 200, 'OK', name => 'GET /api/me is 200 OK');
is($data->{user}{id}, $alice->{id}, 'me is the token\'s user');
is($data->{user}{username}, 'alice', 'the Cexup user object');
is($res->{headers}{'cache-control'}, 'no-store', 'not cacheable');
ok(forge() && me($t->bearer(forge()))->{status} == 200,
    'a token forged with the real key works (the harness forges right)');
$res = $t->cexup_request('POST', '/api/me', json => {},
    headers => $t->bearer($tok));
$t->expect_error($res, 405, undef, undef, name => 'POST /api/me is 405');

my %bad_tokens = (
	'no header'		=> undef,
	'empty bearer'		=> 'Bearer ',
	'basic auth'		=> 'Basic YWxpY2U6cGFzc3dvcmQ=',
	'garbage'		=> 'Bearer garbage',
	'two parts'		=> 'Bearer abc.def',
	'tampered claims'	=> 'Bearer ' . do {
		my ($h, $c, $s) = split /\./, $tok;
		my $cl = CexupTest::json_decode(CexupTest::b64url_decode($c));
		$cl->{sub} = "$bob->{id}";
		join '.', $h, b64url_encode(json_encode($cl)), $s },
	'tampered signature'	=> 'Bearer ' . do {
		my $x = $tok;
		substr($x, -2, 1) = substr($x, -2, 1) eq 'A' ? 'B' : 'A';
		$x },
	'expired'		=> 'Bearer ' . forge(claims => {
		iat => time - 7200, exp => time - 3600 }),
	'alg none'		=> 'Bearer ' . forge(header => { alg => 'none',
		typ => 'JWT', kid => 'kid1' }, sig => ''),
	'alg HS512'		=> 'Bearer ' . forge(header => { alg => 'HS512',
		typ => 'JWT', kid => 'kid1' }),
	'unknown kid'		=> 'Bearer ' . forge(header => { alg => 'HS256',
		typ => 'JWT', kid => 'kid9' }),
	'wrong key'		=> 'Bearer ' . forge(secret => 'k' x 32),
	'wrong issuer'		=> 'Bearer ' . forge(claims => { iss => 'evil' }),
	'wrong audience'	=> 'Bearer ' . forge(claims => { aud => 'evil' }),
	'non-uuid sid'		=> 'Bearer ' . forge(claims => { sid => "1' OR '1'='1" }),
	'unknown session'	=> 'Bearer ' . forge(claims => {
		sid => '00000000-0000-4000-8000-000000000000' }),
	'other user\'s session'	=> 'Bearer ' . forge(claims => {
		sub => "$bob->{id}" }),
	'oversized'		=> 'Bearer ' . ('a' x 3000) . '.b.c',
);
for my $k (sort keys %bad_tokens) {
	my $h = defined $bad_tokens{$k}
	    ? { Authorization => $bad_tokens{$k} } : {};
	$res = me($h);
	$t->expect_error($res, 401, @UNAUTH, name => "me with $k is 401");
	is($res->{headers}{'www-authenticate'}, 'Bearer',
	    "  with WWW-Authenticate: Bearer");
}

# ---- POST /api/update/{role}: success, partial
my $before_bob = row($bob->{id});
$res = update('patient', $tok, json => { user_id => $alice->{id},
    name => '  Alice Wonder  ' });
$data = $t->expect_ok($res, 200, 'Profile updated',
    name => 'updating only the name is 200');
is($data->{user}{name}, 'Alice Wonder', 'the name changed (trimmed)');
is($data->{user}{address}, 'Jl. Sudirman 1, Jakarta', 'the address did not');
is($t->psql("SELECT name FROM users WHERE id = $alice->{id}"), 'Alice Wonder',
    'stored');

$res = update('patient', $tok, json => { user_id => "$alice->{id}",
    name => 'Alice W', address => 'Jl. Thamrin 2', gender => 'female',
    phone_number => '+6281234567890', type => 'ktp',
    no_type => '3171234567890123' });
$data = $t->expect_ok($res, 200, 'Profile updated',
    name => 'every field at once, user_id as a digit string');
is_deeply({ map { $_ => $data->{user}{$_} } qw(name address gender
    phone_number id_type id_number) }, { name => 'Alice W',
    address => 'Jl. Thamrin 2', gender => 'female',
    phone_number => '+6281234567890', id_type => 'ktp',
    id_number => '3171234567890123' }, 'all of them changed');
is(row($bob->{id}), $before_bob, 'the other user is untouched');

for my $ok (['nik', '3171234567890123'], ['passport', 'A1234567'],
    ['kitas', '2C21AB1234567']) {
	$res = update('patient', $tok, json => { user_id => $alice->{id},
	    type => $ok->[0], no_type => $ok->[1] });
	is($res->{status}, 200, "type $ok->[0] with '$ok->[1]' is 200");
	is($res->{json}{data}{user}{id_type}, $ok->[0], "  id_type $ok->[0]");
}
$res = update('patient', $tok, json => { user_id => $alice->{id},
    name => undef, address => undef });
$data = $t->expect_ok($res, 200, 'Profile updated',
    name => 'fields given as null are left as they are');
is($data->{user}{name}, 'Alice W', '  name unchanged by null');
$res = update('patient', $tok, json => { user_id => $alice->{id} });
is($res->{status}, 200, 'user_id alone is a no-op 200');

# ---- an update that changes no value writes no new row version (issue
# 10): the same answer as /api/me, the same xmin and updated_at
my $version = sub { $t->psql("SELECT xmin || '|' || updated_at FROM users "
    . "WHERE id = $alice->{id}") };
my $v0 = $version->();
my $me_user = me($t->bearer($tok))->{json}{data}{user};
is_deeply($res->{json}{data}{user}, $me_user,
    '  and answers with the user as /api/me does');
$res = update('patient', $tok, json => { user_id => $alice->{id},
    name => 'Alice W', address => 'Jl. Thamrin 2', gender => 'female',
    phone_number => '+6281234567890', type => 'kitas',
    no_type => '2C21AB1234567' });
$data = $t->expect_ok($res, 200, 'Profile updated',
    name => 'every field sent with its stored value is 200');
is_deeply($data->{user}, $me_user, '  the same user object');
is($version->(), $v0, '  no new row version, updated_at kept');
$res = update('patient', $tok, json => { user_id => $alice->{id},
    name => 'Alice W', gender => 'male' });
is($res->{json}{data}{user}{gender}, 'male', 'one value of two changed');
isnt($version->(), $v0, '  is written');
$res = update('patient', $tok, json => { user_id => $alice->{id},
    gender => 'female' });
is($res->{json}{data}{user}{gender}, 'female', '  and back');

# ---- validation (400 with errors), changing nothing
my $snapshot = row($alice->{id});
my %bad = (
	user_id		=> [['missing', undef, 1], ['null', undef],
	    ['string', 'abc'], ['float', 1.5], ['negative', -1], ['zero', 0],
	    ['bool', JSON::PP::true], ['array', [1]], ['huge',
	    '99999999999999999999999'], ['padded', " $alice->{id}"]],
	name		=> [['number', 5], ['empty', ''], ['blank', '  '],
	    ['array', ['x']], ['too long', 'x' x 256], ['NUL', "a\0b"]],
	address		=> [['number', 5], ['object', {}], ['empty', ''],
	    ['too long', 'x' x 501]],
	gender		=> [['other', 'other'], ['capitalised', 'Male'],
	    ['number', 1], ['bool', JSON::PP::false]],
	phone_number	=> [['letters', 'call me'], ['short', '1234'],
	    ['number', 6281234567], ['too long', '1' x 16]],
	type		=> [['unknown', 'sim'], ['number', 1],
	    ['upper', 'KTP']],
);
for my $f (sort keys %bad) {
	for my $case (@{ $bad{$f} }) {
		my ($what, $v, $omit) = @$case;
		my %body = (user_id => $alice->{id});
		$body{type} = 'passport' if $f eq 'type';
		$body{no_type} = 'A123' if $f eq 'type';
		if ($omit) {
			delete $body{$f};
		} else {
			$body{$f} = $v;
		}
		$res = update('patient', $tok, json => \%body);
		$t->expect_error($res, 400, @INVALID, errors => [$f],
		    name => "$f $what is 400 errors.$f");
	}
}
for my $case (
    ['type without no_type', { type => 'ktp' }, 'no_type'],
    ['no_type without type', { no_type => '3171234567890123' }, 'type'],
    ['ktp with 15 digits', { type => 'ktp', no_type => '317123456789012' },
     'no_type'],
    ['ktp with 17 digits', { type => 'ktp', no_type => '31712345678901234' },
     'no_type'],
    ['nik with a letter', { type => 'nik', no_type => '317123456789012X' },
     'no_type'],
    ['passport with a space', { type => 'passport', no_type => 'A 123' },
     'no_type'],
    ['no_type as a number', { type => 'ktp', no_type => 3171234567890123 },
     'no_type'],
    ['no_type empty', { type => 'ktp', no_type => '' }, 'no_type']) {
	my ($what, $body, $field) = @$case;
	$res = update('patient', $tok, json => { user_id => $alice->{id},
	    %$body });
	$t->expect_error($res, 400, @INVALID, errors => [$field],
	    name => "$what is 400 errors.$field");
}
$res = update('patient', $tok, body => qq({"user_id":$alice->{id},)
    . qq("name":"\xc3\x28"}),
    headers => { 'Content-Type' => 'application/json' });
$t->expect_error($res, 400, @INVALID, errors => ['name'],
    name => 'a name that is not UTF-8 is 400 errors.name');
for my $raw (['[]', 'Array'], ['', 'malformed JSON'], ['{', 'malformed JSON']) {
	$res = update('patient', $tok, body => $raw->[0],
	    headers => { 'Content-Type' => 'application/json' });
	$t->expect_error($res, 400, 'Request body must be a valid JSON object.',
	    "Expected a JSON object but received: $raw->[1]",
	    name => "update body '$raw->[0]' is 400");
}
is(row($alice->{id}), $snapshot, 'no bad update changed anything');

# ---- order of checks: fields (400) before the token (401)
$res = update('patient', undef, json => { user_id => 'x' });
$t->expect_error($res, 400, @INVALID, errors => ['user_id'],
    name => 'bad fields without a token: 400 first');
$res = update('patient', undef, json => { user_id => $alice->{id},
    name => 'Mallory' });
$t->expect_error($res, 401, @UNAUTH, name => 'good fields without a token: 401');
for my $k ('tampered signature', 'expired', 'alg none', 'unknown session') {
	(my $bt = $bad_tokens{$k}) =~ s/^Bearer //;
	$res = update('patient', $bt, json => { user_id => $alice->{id},
	    name => 'Mallory' });
	$t->expect_error($res, 401, @UNAUTH, name => "update with $k is 401");
}
$res = $t->request('POST', '/api/update/patient', json => {
    user_id => $alice->{id}, name => 'Mallory' }, headers => $t->bearer($tok));
$t->expect_error($res, 401, 'Invalid API key.', undef,
    name => 'update without an API key is 401');
$res = $t->request('POST', '/api/update/patient', json => {
    user_id => $alice->{id}, name => 'Mallory' },
    headers => { %{ $t->bearer($tok) }, 'x-api-key' => 'unknown' });
$t->expect_error($res, 401, 'Invalid API key.', undef,
    name => 'update with an unknown API key is 401');

# ---- ownership and role (403)
$res = update('patient', $tok, json => { user_id => $bob->{id},
    name => 'Mallory' });
$t->expect_error($res, 403, undef, undef,
    name => 'another user\'s user_id is 403');
$res = update('patient', $tok, json => { user_id => "$bob->{id}",
    name => 'Mallory' });
$t->expect_error($res, 403, undef, undef, name => '  also as a string');
is(row($bob->{id}), $before_bob, 'bob is untouched');
$res = update('doctor', $tok, json => { user_id => $alice->{id},
    name => 'Dr. Alice' });
$t->expect_error($res, 403, undef, undef,
    name => 'a patient token at /api/update/doctor is 403');
for my $role ('admin', 'nurse', 'Patient', '1') {
	$res = update($role, $tok, json => { user_id => $alice->{id} });
	$t->expect_error($res, 404, undef, undef,
	    name => "/api/update/$role is 404");
}
is(row($alice->{id}), $snapshot, 'refused updates changed nothing');

# a doctor updates at /api/update/doctor, and not at /patient
{
	my ($email, $pw) = $t->register_user(name => 'Dr. Hadi');
	$t->psql("UPDATE users SET role = 'doctor' WHERE lower(email) = "
	    . "lower('$email')");
	$res = $t->request('POST', '/api/login', json => { email => $email,
	    password => $pw });
	my $dtok = $res->{json}{data}{token}{access_token};
	my $did = $res->{json}{data}{user}{id};
	$res = update('doctor', $dtok, json => { user_id => $did,
	    gender => 'male' });
	$data = $t->expect_ok($res, 200, 'Profile updated',
	    name => 'a doctor updates at /api/update/doctor');
	is($data->{user}{role}, 'doctor', '  role doctor');
	$res = update('patient', $dtok, json => { user_id => $did,
	    gender => 'male' });
	$t->expect_error($res, 403, undef, undef,
	    name => 'a doctor token at /api/update/patient is 403');
}

# ---- a revoked session: every user route refuses the token
$res = $t->request('POST', '/api/logout', headers => $t->bearer($tok));
is($res->{status}, 200, 'alice logs out');
$res = me($t->bearer($tok));
$t->expect_error($res, 401, @UNAUTH, name => 'me after logout is 401');
$res = update('patient', $tok, json => { user_id => $alice->{id},
    name => 'After Logout' });
$t->expect_error($res, 401, @UNAUTH, name => 'update after logout is 401');
is(row($alice->{id}), $snapshot, '  and changed nothing');
# No value differs: the write is skipped, the session is still checked.
$res = update('patient', $tok, json => { user_id => $alice->{id} });
$t->expect_error($res, 401, @UNAUTH,
    name => 'an update changing nothing after logout is 401');
$res = me($t->bearer($bob_tok));
is($res->{status}, 200, 'bob\'s session is unaffected');

$t->stop;
done_testing();
