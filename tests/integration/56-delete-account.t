# POST /api/account/delete (issue 13 point 5): a patient with a live token
# and the password removes the account.  The personal data and the avatar
# go, every session ends, appointments keep their (anonymised) patient,
# one audit record stays without personal data, and the email and
# username can register again.  A wrong password is 401 (counted toward
# the lockout), bad input 400, a doctor 403; none of them changes anything.
use strict;
use warnings;

use MIME::Base64 qw(encode_base64);
use Test::More;
use CexupTest;

# The demo seeds: doctors and hospitals to book an appointment with.
my $t = CexupTest->new(demo => 1, config => { lockout_threshold => 1000 });

my @UNAUTH = ('Unauthenticated.', undef);
my @INVALID = ('The given data was invalid.', undef);
my $EMAIL = 'leaver@example.com';

my ($user, $pw) = $t->register_patient(username => 'leaver',
    email => $EMAIL);
my $uid = $user->{id};
my $a = $t->login_patient('leaver', $pw) or BAIL_OUT('login failed');
my $b = $t->login_patient('leaver', $pw);
my $tok = $a->{token}{access_token};
my ($other, $opw) = $t->register_patient(username => 'stayer');
my $o = $t->login_patient('stayer', $opw);

sub del {
	my ($token, $body) = @_;
	$t->request('POST', '/api/account/delete',
	    headers => $token ? $t->bearer($token) : {},
	    defined $body ? (json => $body) : ());
}
sub me { $t->request('GET', '/api/me', headers => $t->bearer($_[0]))->{status} }
sub row { $t->psql("SELECT name || '|' || email || '|' || coalesce(username, "
    . "'-') FROM users WHERE id = $uid") }

# An avatar, a failed login (an audit row with the email), an appointment.
my $PNG = "\x89PNG\r\n\x1a\n" . "\0\0\0\rIHDR" . ('p' x 200);
is($t->cexup_request('POST', '/api/avatar', json => { user_id => $uid,
    file => encode_base64($PNG, ''), type => 'png' },
    headers => $t->bearer($tok))->{status}, 200, 'an avatar is uploaded');
is($t->login_patient($EMAIL, 'wrong password'), undef, 'a failed login');
my $dhh = $t->psql("SELECT id || ',' || doctor_id FROM doctor_has_hospital "
    . "ORDER BY id LIMIT 1");
if ($dhh) {
	# After every appointment the doctor already has: the demo data books
	# doctors at fixed hours, and one day from now could overlap one
	# (sql/008's exclusion constraint) at some times of day.
	my ($dh, $doc) = split /,/, $dhh;
	$t->psql("INSERT INTO appointments (doctor_has_hospital_id, doctor_id, "
	    . "patient_id, appointment, starts_at, ends_at) SELECT $dh, $doc, "
	    . "$uid, 'online', t, t + interval '1 hour' FROM (SELECT "
	    . "greatest(now(), max(ends_at)) + interval '1 day' AS t FROM "
	    . "appointments WHERE doctor_id = $doc) s");
}
my $before = row();

# ---- bad input and refusals change nothing
for my $case (['no password', {}], ['empty password', { password => '' }],
    ['a number', { password => 12345678 }], ['an array', { password => [] }],
    ['an object', { password => {} }]) {
	$t->expect_error(del($tok, $case->[1]), 400, @INVALID,
	    errors => ['password'], name => "$case->[0]: 400");
}
$t->expect_error(del(undef, { password => $pw }), 401, @UNAUTH,
    name => 'no token: 401');
$t->expect_error(del($tok, { password => 'not my password' }), 401,
    'Invalid credentials.', 'The current password is incorrect.',
    name => 'wrong password: 401');
is($t->psql("SELECT failures FROM login_failures WHERE key = 'user:$uid'"),
    2, 'counted toward the lockout (with the failed login)');
my $ltok = $t->login_patient('stayer', $opw);
$t->request('POST', '/api/logout',
    headers => $t->bearer($ltok->{token}{access_token}));
$t->expect_error(del($ltok->{token}{access_token}, { password => $opw }),
    401, @UNAUTH, name => 'a logged-out token: 401');
{
	# A doctor's own token: the role claim decides.
	$t->psql("UPDATE users SET role = 'doctor' WHERE id = "
	    . $other->{id});
	my $dl = $t->request('POST', '/api/login', json => {
	    email => $other->{email}, password => $opw });
	$t->expect_error(del($dl->{json}{data}{token}{access_token},
	    { password => $opw }), 403, 'Forbidden.', undef,
	    name => 'a doctor: 403');
	$t->psql("UPDATE users SET role = 'patient' WHERE id = $other->{id}");
}
is(row(), $before, 'nothing changed');
is(me($tok), 200, 'the sessions live');

# ---- delete
my $res = del($tok, { password => $pw });
$t->expect_ok($res, 200, 'Account deleted', name => 'delete: 200');
is($res->{json}{data}, undef, 'data is null');
is(row(), "Deleted user|deleted-$uid\@deleted.invalid|-",
    'name, email and username are gone');
is($t->psql("SELECT concat_ws(',', phone_number, city, address, "
    . "postal_code, gender, id_type, id_number, avatar_sha256) FROM users "
    . "WHERE id = $uid"), '', 'every other personal column is empty');
is($t->psql("SELECT count(*) FROM avatars WHERE user_id = $uid"), 0,
    'the avatar is deleted');
is($t->request('GET', "/api/users/$uid/avatar")->{status}, 404,
    'and no longer served');
is(me($tok), 401, 'the calling session ended');
is(me($b->{token}{access_token}), 401, 'the other session too');
is($t->request('POST', '/api/token/refresh', json => {
    refresh_token => $b->{token}{refresh_token} })->{status}, 401,
    'refresh tokens are dead');
is($t->psql("SELECT count(*) FROM sessions WHERE user_id = $uid AND "
    . "(revoked_at IS NULL OR remote_addr IS NOT NULL OR user_agent IS NOT "
    . "NULL)"), 0, 'every session revoked, without address or agent');
is($t->psql("SELECT count(*) FROM refresh_tokens r JOIN sessions s ON "
    . "s.id = r.session_id WHERE s.user_id = $uid"), 0,
    'refresh tokens deleted');
is($t->psql("SELECT count(*) FROM auth_events WHERE user_id = $uid AND "
    . "(identifier IS NOT NULL OR remote_addr IS NOT NULL OR user_agent IS "
    . "NOT NULL)"), 0, 'no personal data left in the audit trail');
is($t->psql("SELECT count(*) FROM auth_events WHERE user_id = $uid AND "
    . "event = 'account_delete'"), 1, 'one account_delete record');
unlike($t->psql("SELECT string_agg(concat_ws(' ', identifier, remote_addr, "
    . "user_agent), ' ') FROM auth_events") // '', qr/leaver/i,
    'the email appears in no audit row');
is($t->psql("SELECT count(*) FROM login_failures WHERE key IN "
    . "('user:$uid', 'id:$EMAIL')"), 0, 'lockout counters gone');
SKIP: {
	skip 'no doctor_has_hospital row to book', 1 unless $dhh;
	is($t->psql("SELECT count(*) FROM appointments WHERE patient_id = "
	    . "$uid"), 1, 'the appointment keeps its (anonymised) patient');
}
is($t->login_patient($EMAIL, $pw), undef, 'the old password logs in no more');
is($t->login_patient("deleted-$uid\@deleted.invalid", '!'), undef,
    'nor does anything against the placeholder');
is(me($o->{token}{access_token}), 200, 'another user is untouched');
$t->expect_error(del($tok, { password => $pw }), 401, @UNAUTH,
    name => 'deleting again: 401');

# ---- the email and username register again
my ($again, undef, $r) = $t->register_patient(username => 'leaver',
    email => $EMAIL);
is($r->{status}, 201, 'the email and username can register again');
isnt($again->{id}, $uid, 'as a new account');

unlike($t->server_log, qr/\Q$pw\E/, 'no password in the log');

$t->stop;
done_testing();
