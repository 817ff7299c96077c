# Email verification (issue 13 point 3, docs/API.md §10), end to end
# through cexup-api mailer and a real SMTP server: a registration (either
# app) mails a verification link; its token (only the SHA-256 stored)
# confirms the address once and sets email_verified_at in the user object;
# resend (Bearer) mails a new one that supersedes the old, 409 once
# verified, 429 past the hourly cap; an expired token is the same 400 as a
# bad one.  With require_verified_email = 1 an unverified account's login
# is 403 with the right password and still 401 with a wrong one (both
# apps); a verified account logs in.
use strict;
use warnings;

use Digest::SHA qw(sha256_hex);
use Test::More;
use CexupTest;
use SmtpSink;

my $smtp = SmtpSink->new;
my $t = CexupTest->new(recovery_rate => '1000r/s',
    config => { account_mails_per_hour => 3 });
$t->start_mailers(1, { smtp_url => $smtp->url });
my $BASE = $t->config_value('public_base_url');
my @BAD_TOKEN = ('Invalid or expired token.', undef);
my @INVALID = ('The given data was invalid.', undef);

sub received { grep { lc($_->{to}[0] // '') eq lc $_[0]
    && ($_->{subject} // '') =~ /confirm/i } $smtp->messages }
# The token of the link in the $n-th verification mail to an address.
sub mailed_token {
	my ($addr, $n) = @_;
	$t->wait_until(20, sub { received($addr) >= $n });
	my @m = received($addr);
	return undef unless @m >= $n;
	my ($tok) = $m[$n - 1]{body} =~
	    m{\Q$BASE\E/verify-email\?token=([A-Za-z0-9_-]+)};
	return $tok;
}
sub verify { $t->request('POST', '/api/email/verify',
    defined $_[0] ? (json => { token => $_[0] }) : ()) }
sub resend { $t->request('POST', '/api/email/verify/resend',
    $_[0] ? (headers => $t->bearer($_[0])) : ()) }
sub me { $t->request('GET', '/api/me', headers => $t->bearer($_[0])) }
sub verified_at { $t->psql("SELECT coalesce(email_verified_at::text, '') "
    . "FROM users WHERE id = $_[0]") }

# ---- registration mails a link; the user object says unverified
my $email = $t->unique_email('verifier');
my ($user, $pw, $reg) = $t->register_patient(email => $email,
    username => 'verifier', name => 'Vera Verifier');
my $uid = $user->{id} or BAIL_OUT("registration failed: $reg->{body}");
ok(exists $user->{email_verified_at} && !defined $user->{email_verified_at},
    'the registration\'s user object has email_verified_at null');
my $tok1 = mailed_token($email, 1);
like($tok1 // '', qr/^[A-Za-z0-9_-]{43}$/,
    'a verification mail arrived, its link carrying a 43-character token');
like((received($email))[0]{body}, qr/^Hello Vera Verifier,/m,
    'addressed to the display name');
is($t->psql("SELECT count(*) FROM account_tokens WHERE user_id = $uid AND "
    . "purpose = 'verify' AND token_sha256 = '\\x" . sha256_hex($tok1)
    . "'::bytea"), 1, 'only the SHA-256 of the token is stored');
is($t->psql("SELECT count(*) FROM account_tokens t WHERE t::text LIKE "
    . "'%$tok1%'"), 0, 'not the token itself');
cmp_ok($t->psql("SELECT extract(epoch FROM expires_at - created_at) FROM "
    . "account_tokens WHERE user_id = $uid AND purpose = 'verify'"), '==',
    86400, 'it expires in 24 hours');
my $login = $t->login_patient('verifier', $pw) or BAIL_OUT('login failed');
my $access = $login->{token}{access_token};
is($login->{user}{email_verified_at}, undef, 'login: email_verified_at null');
is(me($access)->{json}{data}{user}{email_verified_at}, undef,
    '/api/me: null');

# ---- bad input and bad tokens: 400, nothing changes
my @bad = (
	[ {}, \@INVALID, ['token'] ],
	[ { token => '' }, \@INVALID, ['token'] ],
	[ { token => 42 }, \@INVALID, ['token'] ],
	[ { token => [$tok1] }, \@INVALID, ['token'] ],
	[ { token => 'short' }, \@BAD_TOKEN ],
	[ { token => 'A' x 43 }, \@BAD_TOKEN ],
	[ { token => $tok1 . 'x' }, \@BAD_TOKEN ],
	[ { token => substr($tok1, 0, 42) . '=' }, \@BAD_TOKEN ],
);
for my $case (@bad) {
	my ($body, $msg, $fields) = @$case;
	$t->expect_error($t->request('POST', '/api/email/verify', json => $body),
	    400, @$msg, $fields ? (errors => $fields) : (),
	    name => 'verify ' . CexupTest::json_encode($body) . ': 400');
}
is(verified_at($uid), '', 'still unverified after bad tokens');

# ---- resend supersedes the registration's token
$t->expect_error(resend(undef), 401, 'Unauthenticated.', undef,
    name => 'resend without a token: 401');
my $r = resend($access);
$t->expect_ok($r, 200, 'Verification mail sent', name => 'resend: 200');
my $tok2 = mailed_token($email, 2);
ok($tok2 && $tok2 ne $tok1, 'a second mail with a new token');
$t->expect_error(verify($tok1), 400, @BAD_TOKEN,
    name => 'the superseded first token: 400');

# ---- expired
$t->psql("UPDATE account_tokens SET expires_at = now() - interval '1 second' "
    . "WHERE token_sha256 = '\\x" . sha256_hex($tok2) . "'::bytea");
$t->expect_error(verify($tok2), 400, @BAD_TOKEN,
    name => 'an expired token: 400');
is(verified_at($uid), '', 'and changes nothing');

# ---- the cap: three mails an hour (registration + 2 resends), then 429
$r = resend($access);
is($r->{status}, 200, 'the third mail of the hour: 200');
my $tok3 = mailed_token($email, 3);
$r = resend($access);
$t->expect_error($r, 429, 'Too many verification mails.', undef,
    retry_after => 1, name => 'the fourth: 429 with Retry-After');
cmp_ok($r->{headers}{'retry-after'} // 0, '<=', 3600, 'within the hour');

# ---- verify
$r = verify($tok3);
my $data = $t->expect_ok($r, 200, 'Email verified',
    name => 'the latest token: 200 Email verified');
like($data->{email_verified_at} // '', qr/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    'data.email_verified_at is a UTC time');
isnt(verified_at($uid), '', 'email_verified_at is set');
is(me($access)->{json}{data}{user}{email_verified_at},
    $data->{email_verified_at}, '/api/me shows it');
is($t->login_patient('verifier', $pw)->{user}{email_verified_at},
    $data->{email_verified_at}, 'so does the login');
is($t->psql("SELECT count(*) FROM auth_events WHERE user_id = $uid AND "
    . "event = 'email_verified'"), 1, 'audited once');
$t->expect_error(verify($tok3), 400, @BAD_TOKEN,
    name => 'the same token again: 400 (single use)');
$t->expect_error(resend($access), 409, 'Email already verified.', undef,
    name => 'resend once verified: 409');

# ---- the fdelux registration mails too
my $femail = $t->unique_email('fdelux');
my (undef, $fpw, $freg) = $t->register_user(email => $femail,
    name => 'Fred Delux');
is($freg->{status}, 201, 'an fdelux registration');
my $ftok = mailed_token($femail, 1);
like($ftok // '', qr/^[A-Za-z0-9_-]{43}$/, 'gets a verification mail too');

# ---- require_verified_email = 1
ok($t->reconfigure({ require_verified_email => 1 }),
    'require_verified_email = 1 (reload)');
$r = $t->request('POST', '/api/login', json => { email => $femail,
    password => $fpw });
$t->expect_error($r, 403, 'Email not verified.', undef,
    name => 'fdelux login, unverified, right password: 403');
$t->expect_error($t->request('POST', '/api/login', json => {
    email => $femail, password => 'not the password' }), 401, undef, undef,
    name => 'unverified, wrong password: still 401 (no oracle)');
my ($p2, $p2pw) = $t->register_patient(username => 'unverified');
$r = $t->cexup_request('POST', '/api/login/patient',
    json => { email => 'unverified', password => $p2pw });
$t->expect_error($r, 403, 'Email not verified.', undef,
    name => 'patient login, unverified: 403');
is($t->cexup_request('POST', '/api/login/patient', json => {
    email => 'unverified', password => 'not the password' })->{status}, 401,
    'patient login, unverified, wrong password: 401');
ok($t->login_patient('verifier', $pw), 'a verified patient logs in (200)');
$t->expect_ok(verify($ftok), 200, 'Email verified',
    name => 'the fdelux account verifies');
is($t->request('POST', '/api/login', json => { email => $femail,
    password => $fpw })->{status}, 200, 'and then logs in');

unlike($t->server_log, qr/\Q$tok1\E|\Q$tok3\E|\Q$ftok\E/,
    'no token in the server log');

$t->stop;
done_testing();
