# Forgot / reset password (issue 13 point 2, docs/API.md §10).  forgot
# answers the same bytes for a known and an unknown email and queues a
# mail only for the known one; the mailed token (only its SHA-256 stored)
# resets the password once: every session of the user ends, the lockout
# counter is cleared, the change is audited, the new password logs in and
# the old one does not.  A second forgot supersedes the first token; an
# expired or spent token is the same 400 as a bad one; the per-account cap
# holds back the fourth mail of an hour with the same 200; bad input
# changes nothing; nginx limits the routes per address; reset runs in the
# auth pool.
use strict;
use warnings;

use Digest::SHA qw(sha256_hex);
use Test::More;
use Time::HiRes qw(sleep);
use CexupTest qw(json_decode);
use SmtpSink;

my $THRESHOLD = 5;
# recovery_rate: one a minute per address with the shipped burst of 10;
# recovery() below gives each request an address of its own, so only the
# flood at the end meets the limit.
my $smtp = SmtpSink->new;
my $t = CexupTest->new(recovery_rate => '1r/m',
    config => { lockout_threshold => $THRESHOLD,
    account_mails_per_hour => 3 });
# The real mailer, to a real SMTP server: the tokens below come from the
# links in the mails received.
$t->start_mailers(1, { smtp_url => $smtp->url });
my $BASE = $t->config_value('public_base_url');


my $ADDR = 0;
sub recovery {
	my ($path, $body, %o) = @_;
	$ADDR++;
	my $from = sprintf '127.0.%d.%d', 1 + int($ADDR / 250), 1 + $ADDR % 250;
	return $t->request('POST', $path, from => $from, %o,
	    defined $body ? (json => $body) : ());
}
sub forgot { recovery('/api/password/forgot', { email => $_[0] }) }
sub reset_pw { recovery('/api/password/reset', { token => $_[0],
    password => $_[1] }) }
sub sqlq { my $s = shift; $s =~ s/'/''/g; "'$s'" }
sub mails { $t->psql("SELECT count(*) FROM mail_outbox WHERE "
    . "lower(to_addr) = lower(" . sqlq($_[0]) . ") AND template = 'reset'") }
# The reset mails the SMTP server received for an address, oldest first.
sub received { grep { lc($_->{to}[0] // '') eq lc $_[0]
    && ($_->{subject} // '') =~ /reset/i } $smtp->messages }
# The token of the link in the $n-th reset mail to an address (waits for
# it; the latest when $n is not given).
sub mailed_token {
	my ($addr, $n) = @_;
	$n //= mails($addr);
	$t->wait_until(20, sub { received($addr) >= $n });
	my @m = received($addr);
	return undef unless @m >= $n;
	my ($tok) = $m[$n - 1]{body} =~
	    m{\Q$BASE\E/reset-password\?token=([A-Za-z0-9_-]+)};
	return $tok;
}
sub me { $t->request('GET', '/api/me', headers => $t->bearer($_[0]))->{status} }
sub login_status { $t->request('POST', '/api/login',
    json => { email => $_[0], password => $_[1] })->{status} }

my $email = $t->unique_email('forgetful');
my ($user, $pw) = $t->register_patient(email => $email, name => 'Forgetful Fay',
    username => 'forgetful');
my $uid = $user->{id} or BAIL_OUT('registration failed');
sub hash_now { $t->psql("SELECT password_hash FROM users WHERE id = $uid") }
sub events { $t->psql("SELECT count(*) FROM auth_events WHERE user_id = "
    . "$uid AND event = '$_[0]'") }

# ---- forgot: the same bytes, known or not; a mail only for the known one
my $known = forgot($email);
my $unknown = forgot('nobody.' . $$ . '@example.com');
$t->expect_ok($known, 200, undef, name => 'forgot, known email: 200');
$t->expect_ok($unknown, 200, undef, name => 'forgot, unknown email: 200');
is($known->{body}, $unknown->{body}, 'the two bodies are the same bytes');
is($known->{json}{data}, undef, 'data is null');
is(mails($email), 1, 'one reset mail was queued for the known address');
is($t->psql("SELECT count(*) FROM mail_outbox WHERE to_addr LIKE 'nobody.%'"),
    0, 'none for the unknown one');
is(forgot(uc $email)->{body}, $known->{body},
    'the address matches case-insensitively, same answer');
is(mails($email), 2, 'and queued a second mail');
my $tok1 = mailed_token($email, 1);
my $tok2 = mailed_token($email, 2);
like($tok2 // '', qr/^[A-Za-z0-9_-]{43}$/,
    'the mail arrived; its link carries 256 bits of base64url');
isnt($tok1, $tok2, 'each mail has its own token');
my ($m2) = (received($email))[1];
like($m2->{body} // '', qr/^Hello Forgetful Fay,/m,
    'the mail greets the account\'s display name');
is(scalar(received('nobody.' . $$ . '@example.com')), 0,
    'the unknown address received nothing');
is($t->wait_until(10, sub { $t->psql("SELECT count(*) FROM mail_outbox WHERE "
    . "params::text LIKE '%$tok2%'") == 0 }), 1,
    'once sent, the outbox no longer holds the token');

# ---- stored hashed only
is($t->psql("SELECT count(*) FROM account_tokens WHERE user_id = $uid AND "
    . "purpose = 'reset' AND token_sha256 = '\\x" . sha256_hex($tok2)
    . "'::bytea"), 1, 'account_tokens holds the SHA-256 of the token');
is($t->psql("SELECT count(*) FROM account_tokens t WHERE t::text LIKE '%"
    . "$tok2%' OR encode(token_sha256, 'escape') LIKE '%$tok2%'"), 0,
    'and not the raw token');
is($t->psql("SELECT count(*) FROM account_tokens WHERE user_id = $uid AND "
    . "purpose = 'reset' AND used_at IS NULL"), 1,
    'the second forgot superseded the first: one live token');
cmp_ok($t->psql("SELECT extract(epoch FROM expires_at - created_at) FROM "
    . "account_tokens WHERE token_sha256 = '\\x" . sha256_hex($tok2)
    . "'::bytea"), '==', 3600, 'it expires in an hour');
is(events('password_reset_request'), 2, 'each request is audited');

# ---- bad input: 400, nothing changes
my $hash0 = hash_now();
my $NEW = 'a fresh start at last';
my @INVALID = ('The given data was invalid.', undef);
my @BAD_TOKEN = ('Invalid or expired token.', undef);
my @bad = (
	[ 'forgot', {}, 400, \@INVALID, ['email'] ],
	[ 'forgot', { email => '' }, 400, \@INVALID, ['email'] ],
	[ 'forgot', { email => 'not an email' }, 400, \@INVALID, ['email'] ],
	[ 'forgot', { email => [$email] }, 400, \@INVALID, ['email'] ],
	[ 'forgot', { email => 42 }, 400, \@INVALID, ['email'] ],
	[ 'forgot', { email => ('x' x 300) . '@example.com' }, 400, \@INVALID,
	    ['email'] ],
	[ 'reset', {}, 400, \@INVALID, [qw(token password)] ],
	[ 'reset', { token => $tok2 }, 400, \@INVALID, ['password'] ],
	[ 'reset', { password => $NEW }, 400, \@INVALID, ['token'] ],
	[ 'reset', { token => $tok2, password => 'short' }, 400, \@INVALID,
	    ['password'] ],
	[ 'reset', { token => $tok2, password => 'x' x 1025 }, 400, \@INVALID,
	    ['password'] ],
	[ 'reset', { token => $tok2, password => [$NEW] }, 400, \@INVALID,
	    ['password'] ],
	[ 'reset', { token => { a => 1 }, password => $NEW }, 400, \@INVALID,
	    ['token'] ],
	[ 'reset', { token => 'short', password => $NEW }, 400, \@BAD_TOKEN ],
	[ 'reset', { token => 'A' x 43, password => $NEW }, 400, \@BAD_TOKEN ],
	[ 'reset', { token => $tok1, password => $NEW }, 400, \@BAD_TOKEN ],
	[ 'reset', { token => $tok2 . 'A', password => $NEW }, 400,
	    \@BAD_TOKEN ],
	[ 'reset', { token => "$tok2\x{e9}", password => $NEW }, 400,
	    \@BAD_TOKEN ],
);
my $outbox0 = $t->psql('SELECT count(*) FROM mail_outbox');
for my $case (@bad) {
	my ($route, $body, $status, $msg, $fields) = @$case;
	my $name = "$route " . CexupTest::json_encode($body);
	$name = substr($name, 0, 70) . '...' if length $name > 73;
	$t->expect_error(recovery("/api/password/$route", $body), $status,
	    @$msg, $fields ? (errors => $fields) : (), name => "$name: $status");
}
$t->expect_error(recovery('/api/password/reset', undef, body => '[1]',
    headers => { 'Content-Type' => 'application/json' }), 400, undef, undef,
    name => 'reset with a JSON array body: 400');
is(hash_now(), $hash0, 'bad input changed no password');
is($t->psql('SELECT count(*) FROM mail_outbox'), $outbox0,
    'and queued no mail');
is($t->psql("SELECT count(*) FROM account_tokens WHERE user_id = $uid AND "
    . "purpose = 'reset' AND used_at IS NULL"), 1, 'and spent no token');

# ---- the reset itself
my $a = $t->login_patient('forgetful', $pw) or BAIL_OUT('login failed');
my $b = $t->login_patient('forgetful', $pw);
# Some failures on the counter, short of the lock.
is(login_status($email, 'wrong guess') , 401, 'a wrong password') for 1 .. 2;
is($t->psql("SELECT failures FROM login_failures WHERE key = 'user:$uid'"),
    2, 'two failures counted');
my $r = reset_pw($tok2, $NEW);
my $data = $t->expect_ok($r, 200, 'Password reset',
    name => 'reset with the mailed token: 200');
cmp_ok($data->{revoked_sessions} // 0, '>=', 2, 'the sessions were ended');
isnt(hash_now(), $hash0, 'the stored hash changed');
like(hash_now(), qr/^\$argon2id\$/, 'to an Argon2id hash');
is(me($a->{token}{access_token}), 401, 'the old access token is dead');
is(me($b->{token}{access_token}), 401, 'so is the other session\'s');
is($t->request('POST', '/api/token/refresh', json => {
    refresh_token => $a->{token}{refresh_token} })->{status}, 401,
    'and the old refresh token');
is($t->psql("SELECT count(*) FROM sessions WHERE user_id = $uid AND "
    . "revoked_at IS NULL"), 0, 'no live session is left');
is($t->psql("SELECT string_agg(DISTINCT revoked_reason, ',') FROM sessions "
    . "WHERE user_id = $uid"), 'password_reset', 'revoked as password_reset');
is($t->psql("SELECT count(*) FROM login_failures WHERE key = 'user:$uid'"), 0,
    'the lockout counter is cleared');
is(events('password_reset'), 1, 'one password_reset audit event');
is(login_status($email, $pw), 401, 'the old password no longer logs in');
is(login_status($email, $NEW), 200, 'the new one does');
isnt($t->psql("SELECT email_verified_at FROM users WHERE id = $uid"), '',
    'following the mailed link verified the address as well');

# ---- single use
my $hash1 = hash_now();
$t->expect_error(reset_pw($tok2, 'and once more please'), 400, @BAD_TOKEN,
    name => 'the same token again: 400');
is(hash_now(), $hash1, 'and changes nothing');

# ---- expired
forgot($email);
my $tok3 = mailed_token($email);
$t->psql("UPDATE account_tokens SET expires_at = now() - interval '1 second' "
    . "WHERE token_sha256 = '\\x" . sha256_hex($tok3) . "'::bytea");
$t->expect_error(reset_pw($tok3, 'and once more please'), 400, @BAD_TOKEN,
    name => 'an expired token: 400');
is(hash_now(), $hash1, 'and changes nothing');

# ---- the per-account cap: 3 mails an hour, then the same 200 and no mail
my $email2 = $t->unique_email('capped');
$t->register_user(email => $email2);
my @bodies = map { forgot($email2)->{body} } 1 .. 5;
is(mails($email2), 3, 'five requests, three mails (account_mails_per_hour)');
my $got = $t->wait_until(20, sub { received($email2) >= 3 });
sleep 1;
is(scalar(received($email2)), 3, 'and the SMTP server received three');
is(scalar(grep { $_ eq $known->{body} } @bodies), 5,
    'every answer the same bytes as the others');
my $uid2 = $t->psql("SELECT id FROM users WHERE email = " . sqlq($email2));
is($t->psql("SELECT count(*) FROM auth_events WHERE user_id = $uid2 AND "
    . "event = 'password_reset_capped'"), 2, 'the held-back two are audited');
ok(reset_pw(mailed_token($email2), $NEW)->{status} == 200,
    'the latest mailed token still works');

# ---- a deleted account gets no mail
my ($del, $dpw) = $t->register_patient(username => 'leaving');
my $dl = $t->login_patient('leaving', $dpw);
is($t->request('POST', '/api/account/delete', headers =>
    $t->bearer($dl->{token}{access_token}), json => { password => $dpw })
    ->{status}, 200, 'an account is deleted');
my $placeholder = $t->psql("SELECT email FROM users WHERE id = $del->{id}");
is(forgot($placeholder)->{body}, $known->{body},
    'forgot for its placeholder address: the same 200');
is(mails($placeholder), 0, 'and no mail');

# ---- the routes are limited per address in nginx
my @st = map { $t->request('POST', '/api/password/forgot',
    from => '127.0.200.1', json => { email => $email })->{status} } 1 .. 14;
is($st[0], 200, 'the first forgot from one address: 200');
my @limited = grep { $_ == 429 } @st;
ok(@limited >= 2, 'a burst from one address meets nginx\'s 429 ('
    . scalar(@limited) . ' of 14)');
$r = $t->request('POST', '/api/password/reset', from => '127.0.200.1',
    json => { token => 'A' x 43, password => $NEW });
$t->expect_error($r, 429, 'Too many requests.', undef,
    name => 'reset from that address too: 429 JSON');

# ---- reset is served by the auth pool
my @auth = map { "unix:$_" } $t->_node_auth_sockets;
my @lines = grep { $_->{uri} eq '/api/password/reset' && $_->{upstream} }
    map { json_decode($_) // () } split /\n/, $t->nginx_access_log;
ok(@lines, 'the access log has the reset route');
is(scalar(grep { my $u = $_->{upstream}; !grep { $u eq $_ } @auth } @lines),
    0, 'every one went to the auth pool socket');

# ---- no secret in the log
my $log = $t->server_log;
unlike($log, qr/\Q$tok2\E|\Q$tok3\E/, 'no token in the server log');
unlike($log, qr/\Q$NEW\E/, 'no password in the server log');

$t->stop;
done_testing();
