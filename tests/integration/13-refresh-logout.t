# POST /api/token/refresh and POST /api/logout (docs/API.md §4, §9): rotation,
# the reuse window (two concurrent refreshes both succeed), reuse detection
# that ends the session, atomicity with no window, logout, and bad input.
use strict;
use warnings;

use Digest::SHA qw(sha256_hex);
use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);
use CexupTest qw(decode_jwt json_encode json_decode);

my $WINDOW = 2;
my $t = CexupTest->new(config => { lockout_threshold => 1000,
    refresh_reuse_window => $WINDOW });

my @UNAUTH = ('Unauthenticated.', undef);
my @INVALID = ('The given data was invalid.', undef);

my ($user, $pw) = $t->register_patient(username => 'refresher');
sub fresh_login { $t->login_patient('refresher', $pw) }
sub refresh {
	$t->request('POST', '/api/token/refresh',
	    json => { refresh_token => $_[0] });
}
sub me { $t->request('GET', '/api/me', headers => $t->bearer($_[0])) }
sub sid_of { my (undef, $c) = decode_jwt($_[0]); $c->{sid} }
sub revoked {
	$t->psql("SELECT coalesce(revoked_reason, 'live') FROM sessions "
	    . "WHERE id = '$_[0]'");
}

# Presents each token at once from its own process; returns the responses.
sub concurrently {
	my (@tokens) = @_;
	my @kids;
	for my $i (0 .. $#tokens) {
		my $file = $t->tmpdir . "/concurrent.$i";
		my $pid = fork // die "fork: $!";
		if (!$pid) {
			my $r = refresh($tokens[$i]);
			open my $fh, '>', $file or POSIX::_exit(1);
			print {$fh} json_encode({ status => $r->{status},
			    json => $r->{json} });
			close $fh;
			POSIX::_exit(0);
		}
		push @kids, [$pid, $file];
	}
	my @out;
	for my $k (@kids) {
		waitpid($k->[0], 0);
		open my $fh, '<', $k->[1] or die "$k->[1]: $!";
		local $/;
		push @out, json_decode(scalar <$fh>);
	}
	return @out;
}

# ---- rotation
my $login = fresh_login();
my $rt0 = $login->{token}{refresh_token};
my $sid = sid_of($login->{token}{access_token});
my $res = refresh($rt0);
my $data = $t->expect_ok($res, 200, 'Token refreshed',
    name => 'refresh is 200 Token refreshed');
is_deeply([sort keys %{ $data->{token} // {} }],
    [qw(access_token expires_in refresh_token type)],
    'data.token has the four keys of login');
ok(!exists $data->{user}, 'and nothing else');
is($data->{token}{type}, 'Bearer', 'type Bearer');
like($res->{body}, qr/"expires_in"\s*:\s*3600\b/, 'expires_in 3600');
my $rt1 = $data->{token}{refresh_token};
like($rt1, qr/^[A-Za-z0-9_-]{43}$/, 'a new 256-bit refresh token');
isnt($rt1, $rt0, 'not the old one');
is(sid_of($data->{token}{access_token}), $sid, 'the same session');
is(me($data->{token}{access_token})->{status}, 200,
    'the new access token works');
is($t->psql("SELECT count(*) FROM refresh_tokens WHERE token_hash = "
    . "'\\x" . sha256_hex($rt0) . "' AND spent_at IS NOT NULL"), 1,
    'the old token is spent (only its hash is stored)');
is($t->psql("SELECT count(*) FROM auth_events WHERE event = 'refresh' AND "
    . "session_id = '$sid' AND api_client_id IS NOT NULL"), 1,
    'the refresh is audited with the session\'s client app');

# ---- within the window the spent token yields another pair, same session
$res = refresh($rt0);
$data = $t->expect_ok($res, 200, 'Token refreshed',
    name => 'the just-spent token within the window is 200');
my $rt1b = $data->{token}{refresh_token};
isnt($rt1b, $rt1, 'with yet another refresh token');
is(sid_of($data->{token}{access_token}), $sid, 'in the same session');
is(refresh($rt1b)->{status}, 200, 'which is valid');
is(revoked($sid), 'live', 'the session is live');

# ---- after the window: reuse ends the whole session
sleep $WINDOW + 1.2;
$res = refresh($rt0);
$t->expect_error($res, 401, @UNAUTH,
    name => 'the spent token after the window is 401');
is(revoked($sid), 'refresh_reuse', 'and the session is revoked');
is($t->psql("SELECT count(*) FROM auth_events WHERE event = "
    . "'refresh_reuse' AND session_id = '$sid'"), 1, 'reuse is audited');
is(refresh($rt1)->{status}, 401, 'the live child token is dead too');
is(me($login->{token}{access_token})->{status}, 401,
    'and the session\'s access tokens');
is(refresh($rt0)->{status}, 401, 'presenting it again stays 401');

# ---- two concurrent refreshes of one token: both succeed (window)
$login = fresh_login();
$sid = sid_of($login->{token}{access_token});
my @r = concurrently(($login->{token}{refresh_token}) x 2);
is(scalar(grep { $_->{status} == 200 } @r), 2,
    'two concurrent refreshes of one token both get 200')
    or diag(json_encode(\@r));
my @new = map { $_->{json}{data}{token} } grep { $_->{status} == 200 } @r;
isnt($new[0]{refresh_token}, $new[1]{refresh_token},
    'each gets its own refresh token');
for my $i (0, 1) {
	is(sid_of($new[$i]{access_token}), $sid, "pair $i is in the session");
	is(refresh($new[$i]{refresh_token})->{status}, 200,
	    "pair ${i}'s refresh token is valid");
}
is(revoked($sid), 'live', 'the session survives');

# ---- five at once, the same
$login = fresh_login();
@r = concurrently(($login->{token}{refresh_token}) x 5);
is(scalar(grep { $_->{status} == 200 } @r), 5,
    'five concurrent refreshes within the window all get 200');

# ---- with no window, one token is redeemed exactly once
{
	my $t0 = CexupTest->new(config => { refresh_reuse_window => 0 });
	my ($u0, $p0) = $t0->register_patient(username => 'nowindow');
	my $l0 = $t0->login_patient('nowindow', $p0);
	my $tok = $l0->{token}{refresh_token};
	my @kids;
	for my $i (0 .. 5) {
		my $file = $t0->tmpdir . "/nw.$i";
		my $pid = fork // die;
		if (!$pid) {
			my $r0 = $t0->request('POST', '/api/token/refresh',
			    json => { refresh_token => $tok });
			open my $fh, '>', $file or POSIX::_exit(1);
			print {$fh} $r0->{status};
			close $fh;
			POSIX::_exit(0);
		}
		push @kids, [$pid, $file];
	}
	my @st;
	for my $k (@kids) {
		waitpid($k->[0], 0);
		open my $fh, '<', $k->[1] or die;
		push @st, scalar <$fh>;
	}
	is(scalar(grep { $_ == 200 } @st), 1,
	    'window 0: six concurrent presentations redeem the token once')
	    or diag("@st");
	is(scalar(grep { $_ == 401 } @st), 5, 'the others are 401');
	$t0->stop;
}

# ---- expired and unknown refresh tokens: 401 without ending anything
$login = fresh_login();
$sid = sid_of($login->{token}{access_token});
my $rt = $login->{token}{refresh_token};
$t->psql("UPDATE refresh_tokens SET expires_at = now() - interval '1 s' "
    . "WHERE token_hash = '\\x" . sha256_hex($rt) . "'");
$t->expect_error(refresh($rt), 401, @UNAUTH,
    name => 'an expired refresh token is 401');
is(revoked($sid), 'live', 'an expired token does not end the session');
for my $bad (['unknown', 'A' x 43], ['short', 'abc'], ['long', 'A' x 44],
    ['bad characters', '+' x 43], ['an access token',
    $login->{token}{access_token}], ['SQL', q{' OR 1=1 --}]) {
	$t->expect_error(refresh($bad->[1]), 401, @UNAUTH,
	    name => "a refresh token that is $bad->[0] is 401");
}
# A NUL is not text at all: a field error like every string's (§7).
$t->expect_error(refresh("A\0" . ('A' x 41)), 400, @INVALID,
    errors => ['refresh_token'], name => 'a refresh token with NUL is 400');

# ---- validation
for my $case (['missing', {}], ['null', { refresh_token => undef }],
    ['empty', { refresh_token => '' }], ['number', { refresh_token => 42 }],
    ['array', { refresh_token => [$rt] }], ['object',
    { refresh_token => { a => 1 } }], ['bool',
    { refresh_token => JSON::PP::true }]) {
	$res = $t->request('POST', '/api/token/refresh', json => $case->[1]);
	$t->expect_error($res, 400, @INVALID, errors => ['refresh_token'],
	    name => "refresh_token $case->[0] is 400");
}
for my $raw (['', 'malformed JSON'], ['[]', 'Array'], ['"x"', 'String']) {
	$res = $t->request('POST', '/api/token/refresh', body => $raw->[0],
	    headers => { 'Content-Type' => 'application/json' });
	$t->expect_error($res, 400, 'Request body must be a valid JSON object.',
	    "Expected a JSON object but received: $raw->[1]",
	    name => "refresh body '$raw->[0]' is 400");
}
$res = $t->request('GET', '/api/token/refresh');
$t->expect_error($res, 405, undef, undef, name => 'GET refresh is 405');

# ---- logout
$login = fresh_login();
$sid = sid_of($login->{token}{access_token});
my $access = $login->{token}{access_token};
my $other = fresh_login();
$res = $t->request('POST', '/api/logout', headers => $t->bearer($access));
$data = $t->expect_ok($res, 200, 'Logged out', name => 'logout is 200');
ok(exists $res->{json}{data} && !defined $res->{json}{data}, 'data is null');
is(revoked($sid), 'logout', 'the session is revoked');
is($t->psql("SELECT count(*) FROM auth_events WHERE event = 'logout' AND "
    . "session_id = '$sid'"), 1, 'logout is audited');
$t->expect_error(me($access), 401, @UNAUTH, name => 'me after logout is 401');
$t->expect_error(refresh($login->{token}{refresh_token}), 401, @UNAUTH,
    name => 'refresh after logout is 401');
$res = $t->request('POST', '/api/logout', headers => $t->bearer($access));
$t->expect_error($res, 401, @UNAUTH, name => 'logging out twice is 401');
is(me($other->{token}{access_token})->{status}, 200,
    'another session of the same user lives on');
$res = $t->request('POST', '/api/logout',
    headers => { %{ $t->bearer($other->{token}{access_token}) },
    'Content-Type' => 'text/plain' }, body => '');
is($res->{status}, 200, 'logout accepts an empty body of any type');
$res = $t->request('POST', '/api/logout');
$t->expect_error($res, 401, @UNAUTH, name => 'logout without a token is 401');
$res = $t->request('POST', '/api/logout',
    headers => { Authorization => 'Bearer x.y.z' });
$t->expect_error($res, 401, @UNAUTH, name => 'logout with garbage is 401');
$res = $t->request('GET', '/api/logout');
$t->expect_error($res, 405, undef, undef, name => 'GET logout is 405');

# ---- no secret in the audit trail or the log
my $events = $t->psql("SELECT string_agg(concat_ws(' ', event, identifier, "
    . "user_agent), E'\\n') FROM auth_events");
unlike($events, qr/\Q$rt\E|\Q$access\E/, 'no token in auth_events');
unlike($t->server_log, qr/\Q$rt0\E|\Q$access\E/, 'no token in the log');

$t->stop;
done_testing();
