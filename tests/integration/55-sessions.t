# My sessions (issue 13 point 4): GET /api/sessions lists the live ones
# (created, last used, client app, user agent, address; the current one
# first and marked), POST /api/sessions/{id}/revoke ends one (someone
# else's, an ended one or a malformed id: 404), POST
# /api/sessions/revoke-others ends all but the caller's.  Refresh moves
# last_used_at; every revocation is audited; errors change nothing.
use strict;
use warnings;

use Test::More;
use CexupTest qw(decode_jwt);

my $t = CexupTest->new(config => { lockout_threshold => 1000 });

my @UNAUTH = ('Unauthenticated.', undef);
my @NOTFOUND = ('Session not found.', 'No live session of yours has this id.');

my ($alice, $apw) = $t->register_patient(username => 'alice',
    email => 'alice@example.com');
my ($bob, $bpw) = $t->register_patient(username => 'bob');

# A patient-app login (with the API key) from a given user agent/address.
sub login_as {
	my ($who, $pw, $ua, $from) = @_;
	my $r = $t->cexup_request('POST', '/api/login/patient',
	    json => { email => $who, password => $pw },
	    headers => { 'User-Agent' => $ua }, $from ? (from => $from) : ());
	die "login failed: $r->{body}" unless $r->{status} == 200;
	return $r->{json}{data}{token};
}
sub sid_of { my (undef, $c) = decode_jwt($_[0]{access_token}); $c->{sid} }
sub list { $t->request('GET', '/api/sessions',
    headers => $t->bearer($_[0]{access_token})) }
sub revoke_one { $t->request('POST', "/api/sessions/$_[1]/revoke",
    headers => $t->bearer($_[0]{access_token})) }
sub revoke_others { $t->request('POST', '/api/sessions/revoke-others',
    headers => $t->bearer($_[0]{access_token})) }
sub me { $t->request('GET', '/api/me',
    headers => $t->bearer($_[0]{access_token}))->{status} }
sub live { $t->psql("SELECT count(*) FROM sessions WHERE user_id = $_[0] "
    . "AND revoked_at IS NULL") }

my $phone = login_as('alice', $apw, 'PhoneApp/1.0', '127.0.0.2');
my $laptop = login_as('alice', $apw, 'Laptop Browser');
# The fdelux login: no API key, so no client app.
my $r = $t->request('POST', '/api/login', json => { email =>
    'alice@example.com', password => $apw },
    headers => { 'User-Agent' => 'Fdelux/2' });
is($r->{status}, 200, 'an fdelux login too');
my $fdelux = $r->{json}{data}{token};
my $bobs = login_as('bob', $bpw, 'Bob Phone');

# ---- the list
$r = list($laptop);
my $data = $t->expect_ok($r, 200, 'OK', name => 'GET /api/sessions: 200');
my @s = @{ $data->{sessions} // [] };
is(scalar @s, 3, 'alice has three live sessions (bob\'s not among them)');
is($s[0]{id}, sid_of($laptop), 'the current one comes first');
is_deeply([map { $_->{current} ? 1 : 0 } @s], [1, 0, 0],
    'and only it is marked current');
is_deeply([sort keys %{ $s[0] }], [sort qw(id current created_at
    last_used_at client_app user_agent ip_address)], 'the fields');
my %by = map { $_->{id} => $_ } @s;
my $p = $by{ sid_of($phone) };
is($p->{user_agent}, 'PhoneApp/1.0', 'the phone\'s user agent');
is($p->{ip_address}, '127.0.0.2', 'and its address');
is(ref $p->{client_app}, 'HASH', 'a patient-app login names its client app');
is($p->{client_app}{name}, 'test-app', 'by name');
is($by{ sid_of($fdelux) }{client_app}, undef,
    'an fdelux login without a key has none');
like($p->{$_}, qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, "$_ in UTC")
    for qw(created_at last_used_at);
ok(!grep({ $_->{id} eq sid_of($bobs) } @s), 'bob\'s session is not listed');

# ---- refresh moves last_used_at, not created_at
my $psid = sid_of($phone);
$t->psql("UPDATE sessions SET last_seen_at = now() - interval '1 day', "
    . "created_at = now() - interval '2 days' WHERE id = '$psid'");
$r = $t->request('POST', '/api/token/refresh',
    json => { refresh_token => $phone->{refresh_token} });
is($r->{status}, 200, 'the phone refreshes');
$phone = $r->{json}{data}{token};
is($t->psql("SELECT last_seen_at > now() - interval '1 minute' AND "
    . "created_at < now() - interval '1 day' FROM sessions "
    . "WHERE id = '$psid'"), 't', 'refresh updated last_seen_at only');

# ---- a session whose refresh tokens all expired is not listed
my $old = login_as('alice', $apw, 'Old Tablet');
$t->psql("UPDATE refresh_tokens SET expires_at = now() - interval '1 s' "
    . "WHERE session_id = '" . sid_of($old) . "'");
is(scalar @{ list($laptop)->{json}{data}{sessions} }, 3,
    'a session with only expired refresh tokens is not listed');
is(scalar @{ list($old)->{json}{data}{sessions} }, 4,
    'except to itself (its access token still works)');

# ---- revoke one: bad ids and someone else's are 404, nothing changes
my $before = live($alice->{id});
my $bob_live = live($bob->{id});
for my $case (['bob\'s session', sid_of($bobs)],
    ['an unknown uuid', '00000000-0000-4000-8000-000000000000'],
    ['not a uuid', 'nope'],
    ['an upper-case uuid', uc sid_of($phone)],
    ['a uuid with a trailing character', sid_of($phone) . 'a']) {
	$t->expect_error(revoke_one($laptop, $case->[1]), 404, @NOTFOUND,
	    name => "$case->[0]: 404");
}
is(live($alice->{id}), $before, 'no session of alice ended');
is(live($bob->{id}), $bob_live, 'nor bob\'s');
is(me($bobs), 200, 'bob\'s token still works');
$t->expect_error($t->request('POST', '/api/sessions/' . sid_of($phone)
    . '/revoke'), 401, @UNAUTH, name => 'revoke without a token: 401');
$t->expect_error($t->request('GET', '/api/sessions'), 401, @UNAUTH,
    name => 'list without a token: 401');
is($t->request('GET', '/api/sessions/revoke-others',
    headers => $t->bearer($laptop->{access_token}))->{status}, 405,
    'revoke-others is POST only: 405');

# ---- revoke one of mine
$r = revoke_one($laptop, sid_of($phone));
$data = $t->expect_ok($r, 200, 'Session revoked',
    name => 'revoking my phone\'s session: 200');
is($data->{revoked_sessions}, 1, 'one session ended');
is(me($phone), 401, 'the phone\'s access token is dead');
is($t->request('POST', '/api/token/refresh', json => {
    refresh_token => $phone->{refresh_token} })->{status}, 401,
    'and its refresh token');
is(me($laptop), 200, 'the caller\'s session lives');
is($t->psql("SELECT revoked_reason FROM sessions WHERE id = '"
    . sid_of($phone) . "'"), 'revoked', 'reason revoked');
is($t->psql("SELECT count(*) FROM auth_events WHERE event = "
    . "'session_revoke' AND session_id = '" . sid_of($phone)
    . "' AND user_id = $alice->{id} AND remote_addr IS NOT NULL"), 1,
    'audited as session_revoke');
$t->expect_error(revoke_one($laptop, sid_of($phone)), 404, @NOTFOUND,
    name => 'revoking it again: 404');
$t->expect_error(list($phone), 401, @UNAUTH,
    name => 'the revoked session cannot list: 401');
$t->expect_error(revoke_others($phone), 401, @UNAUTH,
    name => 'nor revoke the others: 401');
is(live($alice->{id}), $before - 1, 'which changed nothing');

# ---- revoke all others
$r = revoke_others($laptop);
$data = $t->expect_ok($r, 200, 'Other sessions revoked',
    name => 'revoke-others: 200');
is($data->{revoked_sessions}, 2, 'the fdelux and the old tablet session');
is(me($fdelux), 401, 'the fdelux token is dead');
is(me($laptop), 200, 'the caller\'s lives');
is(live($alice->{id}), 1, 'one live session left');
is(live($bob->{id}), $bob_live, 'bob\'s untouched');
is_deeply([map { $_->{id} } @{ list($laptop)->{json}{data}{sessions} }],
    [sid_of($laptop)], 'the list is only the current session');
is($t->psql("SELECT count(*) FROM auth_events WHERE event = "
    . "'session_revoke' AND user_id = $alice->{id}"), 3,
    'each ended session audited');
is(revoke_others($laptop)->{json}{data}{revoked_sessions}, 0,
    'again: 200 with 0');

# ---- revoking the current session is a logout
$r = revoke_one($laptop, sid_of($laptop));
is($r->{status}, 200, 'revoking my own current session: 200');
is(me($laptop), 401, 'then its token is dead');
is(live($alice->{id}), 0, 'alice has no live session');

unlike($t->server_log, qr/\Q$laptop->{access_token}\E/, 'no token logged');

$t->stop;
done_testing();
