# POST /api/login/patient (docs/API.md §3, §6, §9): email or username, patients
# only, the Cexup user object, the API key, and every bad input.
use strict;
use warnings;

use Test::More;
use CexupTest qw(decode_jwt json_encode);

# Failed logins below must not lock anyone out; lockout has its own test.
my $t = CexupTest->new(config => { lockout_threshold => 1000 });

my @INVALID = ('The given data was invalid.', undef);
my @CREDENTIALS = ('Invalid credentials.',
    'The provided credentials do not match our records.');
sub login { $t->cexup_request('POST', '/api/login/patient', @_) }

my ($user, $password) = $t->register_patient(name => 'Budi Santoso',
    username => 'BudiS', email => 'budi.santoso@example.com');
ok($user, 'registered a patient') or BAIL_OUT('cannot register');
my $sessions = sub { $t->psql("SELECT count(*) FROM sessions "
    . "WHERE user_id = $user->{id}") };

# ---- success, by username and by email, any case, padded
for my $id ('BudiS', 'budis', 'BUDIS', ' budis ', 'budi.santoso@example.com',
    'BUDI.Santoso@EXAMPLE.com', "\tbudi.santoso\@example.com ") {
	my $res = login(json => { email => $id, password => $password });
	my $data = $t->expect_ok($res, 200, 'Login successful',
	    name => "login as '$id' is 200");
	next unless $data;
	is_deeply([sort keys %{ $data->{token} }],
	    [qw(access_token expires_in refresh_token type)],
	    'data.token has the four keys of /api/login');
}
my $res = login(json => { email => 'budis', password => $password });
my $data = $res->{json}{data};
my $u = $data->{user};
is_deeply([sort keys %$u], [sort qw(id name email phone_number city address
    postal_code photo_url email_verified_at username role gender id_type
    id_number)],
    'data.user is the fdelux user plus username, role, gender, id_type, '
    . 'id_number');
is($u->{id}, $user->{id}, 'user.id');
is($u->{username}, 'BudiS', 'user.username as registered');
is($u->{role}, 'patient', 'user.role');
like(json_encode($u->{id}), qr/^\d+$/, 'user.id is a JSON number');
like($res->{body}, qr/"expires_in"\s*:\s*3600\b/, 'expires_in 3600');
my (undef, $claims) = decode_jwt($data->{token}{access_token});
is($claims->{sub}, "$user->{id}", 'sub is the user id');
is($claims->{role}, 'patient', 'role claim');
is($t->psql("SELECT count(*) FROM sessions WHERE id = '$claims->{sid}' AND "
    . "api_client_id = (SELECT id FROM api_clients WHERE key_hash = "
    . "sha256('" . $t->api_key . "'::bytea))"), 1,
    'the session records the client app of the key');
is($t->psql("SELECT count(*) FROM auth_events WHERE event = 'login' AND "
    . "session_id = '$claims->{sid}'"), 1, 'the login is audited');

# ---- an fdelux account (no username) may log in here by email
{
	my ($email, $pw) = $t->register_user(name => 'Fdelux Person');
	$res = login(json => { email => $email, password => $pw });
	$data = $t->expect_ok($res, 200, 'Login successful',
	    name => 'an fdelux patient logs in at /api/login/patient');
	ok($data && exists $data->{user}{username}
	    && !defined $data->{user}{username}, 'with a null username');
}

# ---- the Authorization header is ignored
for my $h ('Bearer garbage', 'Basic Zm9vOmJhcg==', 'Bearer ') {
	$res = login(json => { email => 'budis', password => $password },
	    headers => { Authorization => $h });
	is($res->{status}, 200, "login ignores Authorization '$h'");
}

# ---- patients only: a doctor's right password is 403, not a login
{
	my ($email, $pw) = $t->register_user(name => 'Dr. Wati');
	$t->psql("UPDATE users SET role = 'doctor' WHERE lower(email) = "
	    . "lower('$email')");
	my $before = $t->psql('SELECT count(*) FROM sessions');
	$res = login(json => { email => $email, password => $pw });
	$t->expect_error($res, 403, undef, undef,
	    name => 'a doctor at /api/login/patient is 403');
	is($t->psql('SELECT count(*) FROM sessions'), $before,
	    'and no session is opened');
	$res = login(json => { email => $email, password => 'wrong password' });
	$t->expect_error($res, 401, @CREDENTIALS,
	    name => 'a doctor with a wrong password is an ordinary 401');
	$res = $t->request('POST', '/api/login', json => { email => $email,
	    password => $pw });
	is($res->{status}, 200, 'the doctor can log in at /api/login');
}

# ---- failures: one answer for all
my $before = $sessions->();
for my $case (['wrong password', 'budis', 'not the password'],
    ['wrong password by email', 'budi.santoso@example.com', 'nope nope'],
    ['unknown username', 'nobodyhere', $password],
    ['unknown email', 'nobody@example.com', $password],
    ['password over 1024 bytes', 'budis', 'x' x 1025],
    ['password of 1 byte', 'budis', 'x'],
    ['SQL in the identifier', q{' OR '1'='1}, q{' OR '1'='1}],
    ['LIKE wildcard', 'budi%', $password],
    ['username with @', 'budis@', $password]) {
	my ($what, $id, $pw) = @$case;
	$res = login(json => { email => $id, password => $pw });
	$t->expect_error($res, 401, @CREDENTIALS, name => "$what is 401");
}
is($sessions->(), $before, 'failed logins open no session');
ok($t->psql("SELECT count(*) FROM auth_events WHERE event = 'login_failed' "
    . "AND user_id = $user->{id}") >= 2, 'failures are audited');
my $leak = $t->psql("SELECT count(*) FROM auth_events WHERE identifier "
    . "LIKE '%not the password%' OR identifier LIKE '%nope nope%'");
is($leak, 0, 'no password lands in auth_events');
unlike($t->server_log, qr/not the password/, 'nor in the log');

# ---- validation: 400 with errors, per field and type
for my $f (qw(email password)) {
	for my $bad ([missing => undef, 1], [num => 42], [bool => JSON::PP::true],
	    [array => ['budis']], [object => {}], [null => undef],
	    [empty => '']) {
		my %body = (email => 'budis', password => $password);
		if ($bad->[2]) {
			delete $body{$f};
		} else {
			$body{$f} = $bad->[1];
		}
		$t->expect_error(login(json => \%body), 400, @INVALID,
		    errors => [$f], name => "$f $bad->[0] is 400 errors.$f");
	}
}
$t->expect_error(login(json => { email => '   ', password => $password }),
    400, @INVALID, errors => ['email'], name => 'a blank identifier is 400');
for my $raw (['[]', 'Array'], ['"budis"', 'String'], ['', 'malformed JSON'],
    ['{"email":"budis","password":', 'malformed JSON']) {
	$res = login(body => $raw->[0],
	    headers => { 'Content-Type' => 'application/json' });
	$t->expect_error($res, 400, 'Request body must be a valid JSON object.',
	    "Expected a JSON object but received: $raw->[1]",
	    name => "body '$raw->[0]' is 400");
}
$res = login(body => 'email=budis', headers => { 'Content-Type' =>
    'text/plain' });
$t->expect_error($res, 415, undef, undef, name => 'text/plain is 415');
$res = $t->cexup_request('GET', '/api/login/patient');
$t->expect_error($res, 405, undef, undef, name => 'GET is 405');

# ---- API key, checked before anything else
for my $case (['missing', {}], ['unknown', { 'x-api-key' => 'x' x 43 }],
    ['oversized', { 'x-api-key' => 'x' x 300 }]) {
	$res = $t->request('POST', '/api/login/patient',
	    json => { email => 'budis', password => $password },
	    headers => $case->[1]);
	$t->expect_error($res, 401, 'Invalid API key.', undef,
	    name => "$case->[0] API key is 401");
	$res = $t->request('POST', '/api/login/patient', body => '[',
	    headers => { %{ $case->[1] }, 'Content-Type' => 'application/json' });
	is($res->{status}, 401, "$case->[0] API key: 401 before the body's 400");
}
is($sessions->(), $before, 'nothing above opened a session');

$t->stop;
done_testing();
