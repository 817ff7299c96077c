# Signing-key rotation (docs/API.md §4): a new key appended to jwt_keys_file
# and SIGHUP make the new key sign, while tokens signed by the old key keep
# working until the old key is removed.
use strict;
use warnings;

use Test::More;
use CexupTest qw(decode_jwt b64url_encode);

my $t = CexupTest->new;
my $keys = $t->tmpdir . '/jwt.keys';
ok(-f $keys, 'the key file exists');

my ($user, $pw) = $t->register_patient(username => 'rotator');
my $old = $t->login_patient('rotator', $pw);
my ($h) = decode_jwt($old->{token}{access_token});
is($h->{kid}, 'kid1', 'the first token is signed by kid1');
sub me { $t->request('GET', '/api/me', headers => $t->bearer($_[0])) }
is(me($old->{token}{access_token})->{status}, 200, 'it works');

sub write_keys {
	open my $fh, '>', $keys or die "$keys: $!";
	print {$fh} @_;
	close $fh;
}
sub kid_of_new_login {
	my $l = $t->login_patient('rotator', $pw) or return '';
	my ($hdr) = decode_jwt($l->{token}{access_token});
	return $hdr->{kid} // '';
}

# ---- append kid2 and reload
open my $in, '<', $keys or die;
my $text = do { local $/; <$in> };
close $in;
my $secret2 = b64url_encode(join '', map { chr int rand 256 } 1 .. 32);
write_keys($text, "kid2 $secret2\n");
ok($t->signal_master('HUP'), 'SIGHUP to the master');
ok($t->wait_until(15, sub { kid_of_new_login() eq 'kid2' }),
    'after the reload, new tokens are signed by kid2');
is(me($old->{token}{access_token})->{status}, 200,
    'the token signed by kid1 still works');
my $res = $t->request('POST', '/api/token/refresh',
    json => { refresh_token => $old->{token}{refresh_token} });
is($res->{status}, 200, 'its session refreshes');
my ($h2) = decode_jwt($res->{json}{data}{token}{access_token});
is($h2->{kid}, 'kid2', 'into a kid2 token');
my $new = $res->{json}{data}{token}{access_token};
is(me($new)->{status}, 200, 'which works');
ok($t->master_alive, 'the master survived the reload');

# ---- drop kid1: its tokens end, kid2's live on
write_keys("kid2 $secret2\n");
$t->signal_master('HUP');
ok($t->wait_until(15, sub { me($old->{token}{access_token})->{status} == 401 }),
    'once kid1 is removed, its tokens are refused');
is(me($new)->{status}, 200, 'kid2 tokens keep working');

$t->stop;
done_testing();
