# POST /api/password/change (issue 13 point 1): the current password and a
# new one under a live access token.  Success ends every other session and
# keeps the caller's, and is audited; a wrong current password is 401 and
# counts toward the account's lockout (then 429 even for the right one);
# bad input is 400 and changes nothing; the route is served by the auth
# pool through nginx.
use strict;
use warnings;

use Test::More;
use CexupTest qw(decode_jwt json_decode);

my $THRESHOLD = 3;
my $t = CexupTest->new(config => { lockout_threshold => $THRESHOLD,
    lockout_base_seconds => 30, lockout_max_seconds => 60 });

my @UNAUTH = ('Unauthenticated.', undef);
my @INVALID = ('The given data was invalid.', undef);

my ($user, $pw) = $t->register_patient(username => 'changer');
my $uid = $user->{id};
sub login { $t->login_patient('changer', $_[0]) }
sub change {
	my ($token, $body, %o) = @_;
	$t->request('POST', '/api/password/change',
	    headers => $token ? $t->bearer($token) : {}, %o,
	    defined $body ? (json => $body) : ());
}
sub me { $t->request('GET', '/api/me', headers => $t->bearer($_[0])) }
sub sid_of { my (undef, $c) = decode_jwt($_[0]); $c->{sid} }
sub hash_now { $t->psql("SELECT password_hash FROM users WHERE id = $uid") }
sub counter { $t->psql("SELECT coalesce((SELECT failures FROM "
    . "login_failures WHERE key = 'user:$uid'), 0)") }
sub events { $t->psql("SELECT count(*) FROM auth_events WHERE user_id = "
    . "$uid AND event = '$_[0]'") }

my $a = login($pw) or BAIL_OUT('login failed');
my $b = login($pw);
my $c = login($pw);
my $tok = $a->{token}{access_token};
my $hash0 = hash_now();

# ---- bad input: 400, before the token; nothing changes
my $NEW = 'a brand new passphrase';
my @bad = (
	[ 'no fields', {}, [qw(current_password new_password)] ],
	[ 'current missing', { new_password => $NEW }, ['current_password'] ],
	[ 'new missing', { current_password => $pw }, ['new_password'] ],
	[ 'current empty', { current_password => '', new_password => $NEW },
	    ['current_password'] ],
	[ 'new empty', { current_password => $pw, new_password => '' },
	    ['new_password'] ],
	[ 'current a number', { current_password => 12345678,
	    new_password => $NEW }, ['current_password'] ],
	[ 'new an array', { current_password => $pw,
	    new_password => ['x' x 10] }, ['new_password'] ],
	[ 'new an object', { current_password => $pw,
	    new_password => { a => 1 } }, ['new_password'] ],
	[ 'new too short', { current_password => $pw, new_password => 'short' },
	    ['new_password'] ],
	[ 'new too long', { current_password => $pw,
	    new_password => 'x' x 1025 }, ['new_password'] ],
	[ 'new true', { current_password => $pw, new_password => \1 },
	    ['new_password'] ],
);
for my $case (@bad) {
	my ($name, $body, $fields) = @$case;
	$t->expect_error(change($tok, $body), 400, @INVALID,
	    errors => $fields, name => "$name: 400 naming @$fields");
}
$t->expect_error(change($tok, undef, body => '[1,2]',
    headers => { %{ $t->bearer($tok) }, 'Content-Type' => 'application/json' }),
    400, undef, undef, name => 'a JSON array body: 400');
$t->expect_error(change(undef, { current_password => $pw,
    new_password => $NEW }), 401, @UNAUTH, name => 'no token: 401');
$t->expect_error(change('not.a.jwt', { current_password => $pw,
    new_password => $NEW }), 401, @UNAUTH, name => 'garbage token: 401');
is(hash_now(), $hash0, 'the password hash is unchanged after bad input');
is(counter(), 0, 'and no failure was counted');

# ---- wrong current password: 401, counted, nothing changed
my $res = change($tok, { current_password => 'not my password',
    new_password => $NEW });
$t->expect_error($res, 401, 'Invalid credentials.',
    'The current password is incorrect.', name => 'wrong current: 401');
is(counter(), 1, 'counted toward the lockout');
is(events('login_failed'), 1, 'audited as a failed attempt');
is(hash_now(), $hash0, 'the hash is unchanged');
is(me($b->{token}{access_token})->{status}, 200, 'other sessions live');

# ---- success: other sessions end, this one stays
$res = change($tok, { current_password => $pw, new_password => $NEW });
my $data = $t->expect_ok($res, 200, 'Password changed',
    name => 'the right current password: 200 Password changed');
is($data->{revoked_sessions}, 2, 'the two other sessions were ended');
isnt(hash_now(), $hash0, 'the stored hash changed');
like(hash_now(), qr/^\$argon2id\$/, 'to an Argon2id hash');
is(counter(), 0, 'the failure counter is cleared');
is(me($tok)->{status}, 200, 'the calling session still works');
is(me($b->{token}{access_token})->{status}, 401, 'session b is ended');
is(me($c->{token}{access_token})->{status}, 401, 'session c is ended');
is($t->request('POST', '/api/token/refresh', json => {
    refresh_token => $b->{token}{refresh_token} })->{status}, 401,
    'and its refresh token is dead');
is($t->psql("SELECT string_agg(DISTINCT revoked_reason, ',') FROM sessions "
    . "WHERE user_id = $uid AND id <> '" . sid_of($tok) . "'"),
    'password_change', 'revoked with reason password_change');
is($t->psql("SELECT count(*) FROM sessions WHERE id = '" . sid_of($tok)
    . "' AND revoked_at IS NULL"), 1, 'the caller\'s session row is live');
is($t->psql("SELECT count(*) FROM auth_events WHERE event = "
    . "'password_change' AND user_id = $uid AND session_id = '"
    . sid_of($tok) . "'"), 1, 'one password_change audit event');
is(login($pw), undef, 'the old password no longer logs in');
my $d = login($NEW);
ok($d, 'the new password does');

# ---- the old password as "current" now fails; lockout then refuses
my $hash1 = hash_now();
for my $i (1 .. $THRESHOLD) {
	is(change($tok, { current_password => $pw,
	    new_password => 'yet another one' })->{status}, 401,
	    "stale current password, attempt $i: 401");
}
$res = change($tok, { current_password => $NEW,
    new_password => 'yet another one' });
$t->expect_error($res, 429, 'Too many login attempts.', undef,
    retry_after => 1, name => 'locked: 429 even with the right password');
is(hash_now(), $hash1, 'nothing changed while locked');
is($t->login_patient('changer', $NEW), undef,
    'the lockout is the login\'s too');
$t->psql("DELETE FROM login_failures WHERE key = 'user:$uid'");

# ---- a session that ended cannot change the password
my $e = login($NEW);
$t->request('POST', '/api/logout',
    headers => $t->bearer($e->{token}{access_token}));
$t->expect_error(change($e->{token}{access_token}, {
    current_password => $NEW, new_password => 'yet another one' }), 401,
    @UNAUTH, name => 'a logged-out token: 401');
is(hash_now(), $hash1, 'and changes nothing');

# ---- served by the auth pool
my @auth = map { "unix:$_" } $t->_node_auth_sockets;
my @lines = grep { $_->{uri} eq '/api/password/change' && $_->{upstream} }
    map { json_decode($_) // () } split /\n/, $t->nginx_access_log;
ok(@lines, 'the access log has the route');
is(scalar(grep { my $u = $_->{upstream}; !grep { $u eq $_ } @auth } @lines),
    0, 'every one went to the auth pool socket');

# ---- no secret in the log or the audit trail
unlike($t->server_log, qr/\Q$NEW\E|\Q$pw\E/, 'no password in the log');

$t->stop;
done_testing();
