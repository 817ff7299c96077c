# POST /api/avatar and GET /api/users/{id}/avatar (docs/API.md §3, §9): the
# real type by magic number, the 2 MiB limit (the app's 413) and the 4 MiB
# body limit (nginx's 413), storage in PostgreSQL, photo_url, ETag,
# If-None-Match and Cache-Control, and that bad uploads change nothing.
use strict;
use warnings;

use Digest::SHA qw(sha256_hex);
use MIME::Base64 qw(encode_base64);
use Test::More;
use CexupTest;

my $t = CexupTest->new(config => { lockout_threshold => 1000 });
my $base = $t->base_url;

my @INVALID = ('The given data was invalid.', undef);
my @UNAUTH = ('Unauthenticated.', undef);

my $PNG = "\x89PNG\r\n\x1a\n" . "\0\0\0\rIHDR" . ('p' x 200);
my $JPEG = "\xff\xd8\xff\xe0\0\x10JFIF\0" . ('j' x 200);
my $WEBP = 'RIFF' . pack('V', 212) . 'WEBPVP8 ' . ('w' x 200);
sub b64 { encode_base64($_[0], '') }

my ($alice, $pw) = $t->register_patient(username => 'avataralice');
my ($bob) = $t->register_patient(username => 'avatarbob');
my $login = $t->login_patient('avataralice', $pw);
my $tok = $login->{token}{access_token};
my $bob_tok = $t->login_patient('avatarbob', $pw)->{token}{access_token};
is($login->{user}{photo_url}, undef, 'no photo_url before an upload');

sub upload {
	my ($body, %o) = @_;
	my %h = (%{ $t->bearer($o{token} // $tok) }, %{ $o{headers} // {} });
	delete $h{Authorization} if $o{no_token};
	return $t->cexup_request('POST', '/api/avatar', json => $body,
	    headers => \%h);
}
sub image { $t->request($_[1] // 'GET', "/api/users/$_[0]/avatar",
    headers => $_[2] // {}) }
sub stored { $t->psql("SELECT coalesce((SELECT sha256 || content_type FROM "
    . "avatars WHERE user_id = $_[0]), 'none') || '|' || "
    . "coalesce((SELECT avatar_sha256 FROM users WHERE id = $_[0]), 'none')") }

# ---- upload a PNG
my $res = upload({ user_id => $alice->{id}, file => b64($PNG),
    type => 'png' });
my $data = $t->expect_ok($res, 200, 'Avatar updated',
    name => 'a PNG upload is 200');
my $hash = sha256_hex($PNG);
my $url = $data->{photo_url} // '';
is($url, "$base/api/users/$alice->{id}/avatar?v=" . substr($hash, 0, 8),
    'photo_url: public_base_url + /api/users/{id}/avatar?v=<8 hex of hash>');
is_deeply([keys %$data], ['photo_url'], 'data holds photo_url only');
is($t->psql("SELECT sha256, content_type, length(content) FROM avatars "
    . "WHERE user_id = $alice->{id}"), "$hash|image/png|" . length($PNG),
    'the image is stored in PostgreSQL with its hash');

# ---- serving it
(my $path = $url) =~ s/^\Q$base\E//;
$res = $t->request('GET', $path);
is($res->{status}, 200, 'GET photo_url is 200 (no key, no token)');
is($res->{body}, $PNG, 'the same bytes');
is($res->{headers}{'content-type'}, 'image/png', 'Content-Type image/png');
is($res->{headers}{etag}, qq{"$hash"}, 'ETag is the quoted SHA-256');
like($res->{headers}{'cache-control'} // '', qr/^public, max-age=\d+$/,
    'Cache-Control public with max-age');
like($res->{headers}{'x-request-id'} // '', qr/^[0-9a-f]{32}$/,
    'X-Request-Id as everywhere');
for my $inm (qq{"$hash"}, qq{W/"$hash"}, qq{"abc", "$hash"}, '*') {
	$res = image($alice->{id}, 'GET', { 'If-None-Match' => $inm });
	is($res->{status}, 304, "If-None-Match $inm is 304");
	is($res->{body}, '', '  with an empty body');
	is($res->{headers}{etag}, qq{"$hash"}, '  and the ETag');
}
$res = image($alice->{id}, 'GET', { 'If-None-Match' => '"0123abcd"' });
is($res->{status}, 200, 'a different If-None-Match is 200');
is($res->{body}, $PNG, '  with the image');
$res = image($alice->{id}, 'HEAD');
is($res->{status}, 200, 'HEAD is 200');
is($res->{body}, '', '  without a body');
$res = image($alice->{id}, 'POST');
$t->expect_error($res, 405, undef, undef, name => 'POST to the image is 405');

# ---- photo_url in the user objects
$res = $t->request('GET', '/api/me', headers => $t->bearer($tok));
is($res->{json}{data}{user}{photo_url}, $url, '/api/me has photo_url');
$res = $t->request('POST', '/api/login', json => {
    email => $login->{user}{email}, password => $pw });
is($res->{json}{data}{user}{photo_url}, $url, '/api/login has photo_url');
is($t->login_patient('avataralice', $pw)->{user}{photo_url}, $url,
    '/api/login/patient has photo_url');

# ---- other types, data: URLs; a new image gets a new URL
for my $c ([$JPEG, 'jpeg', 'image/jpeg'], [$JPEG, 'jpg', 'image/jpeg'],
    [$WEBP, 'webp', 'image/webp'],
    [$PNG . 'x', 'png', 'image/png', 'data:image/png;base64,'],
    [$JPEG . 'y', 'jpg', 'image/jpeg', 'data:image/jpeg;base64,']) {
	my ($bytes, $type, $mime, $prefix) = @$c;
	$res = upload({ user_id => "$alice->{id}",
	    file => ($prefix // '') . b64($bytes), type => $type });
	$data = $t->expect_ok($res, 200, 'Avatar updated',
	    name => "$type upload" . ($prefix ? ' as a data: URL' : ''));
	my $h = sha256_hex($bytes);
	like($data->{photo_url} // '', qr/\?v=\Q${\ substr($h, 0, 8)}\E$/,
	    '  photo_url follows the new image');
	$res = image($alice->{id});
	is($res->{headers}{'content-type'}, $mime, "  served as $mime");
	is($res->{body}, $bytes, '  the new bytes');
}

# ---- wrong types and magic numbers: 400, nothing changes
my $before = stored($alice->{id});
for my $c (['JPEG bytes declared as png', { file => b64($JPEG), type => 'png' }],
    ['PNG bytes declared as jpeg', { file => b64($PNG), type => 'jpeg' }],
    ['PNG bytes declared as webp', { file => b64($PNG), type => 'webp' }],
    ['text declared as png', { file => b64('hello world'), type => 'png' }],
    ['a data: URL of another type', { file => 'data:image/jpeg;base64,'
	. b64($PNG), type => 'png' }],
    ['a data: URL that is not base64', { file => 'data:image/png,abc',
	type => 'png' }],
    ['a non-image data: URL', { file => 'data:text/plain;base64,'
	. b64($PNG), type => 'png' }],
    ['invalid base64', { file => '!!!not base64!!!', type => 'png' }],
    ['base64 without padding', { file => substr(b64($PNG . 'a'), 0, -2),
	type => 'png' }],
    ['an empty file', { file => '', type => 'png' }],
    ['file missing', { type => 'png' }],
    ['file as a number', { file => 42, type => 'png' }],
    ['file as an array', { file => [b64($PNG)], type => 'png' }]) {
	$res = upload({ user_id => $alice->{id}, %{ $c->[1] } });
	$t->expect_error($res, 400, @INVALID, errors => ['file'],
	    name => "$c->[0] is 400 errors.file");
}
for my $c (['gif', 'gif'], ['upper case', 'PNG'], ['a number', 1],
    ['missing', undef], ['svg', 'svg+xml']) {
	my %b = (user_id => $alice->{id}, file => b64($PNG));
	$b{type} = $c->[1] if defined $c->[1];
	$t->expect_error(upload(\%b), 400, @INVALID, errors => ['type'],
	    name => "type $c->[0] is 400 errors.type");
}
for my $c (['missing', undef], ['letters', 'abc'], ['float', 1.5],
    ['bool', JSON::PP::true], ['zero', 0]) {
	my %b = (file => b64($PNG), type => 'png');
	$b{user_id} = $c->[1] if defined $c->[1];
	$t->expect_error(upload(\%b), 400, @INVALID, errors => ['user_id'],
	    name => "user_id $c->[0] is 400 errors.user_id");
}
is(stored($alice->{id}), $before, 'no bad upload changed the avatar');

# ---- sizes: exactly 2 MiB is fine, one byte more is the app's 413
my $two = "\x89PNG\r\n\x1a\n" . ('z' x (2 * 1024 * 1024 - 8));
$res = upload({ user_id => $alice->{id}, file => b64($two), type => 'png' });
is($res->{status}, 200, 'exactly 2 MiB decoded is accepted');
$before = stored($alice->{id});
$res = upload({ user_id => $alice->{id}, file => b64($two . 'z'),
    type => 'png' });
$t->expect_error($res, 413, 'Avatar too large.', undef,
    name => '2 MiB + 1 byte decoded is the app\'s 413');
$res = upload({ user_id => $alice->{id}, file => 'A' x (3_900_000),
    type => 'png' });
$t->expect_error($res, 413, 'Avatar too large.', undef,
    name => '~2.9 MB of base64 is the app\'s 413 without decoding');
$res = $t->cexup_request('POST', '/api/avatar', headers => $t->bearer($tok),
    body => '{"user_id":1,"type":"png","file":"' . ('A' x (4 * 1024 * 1024))
    . '"}');
$t->expect_error($res, 413, 'Request body too large.', undef,
    name => 'a body over 4 MiB is nginx\'s 413');
is(stored($alice->{id}), $before, 'oversized uploads changed nothing');

# ---- key, token, ownership
$res = upload({ user_id => $alice->{id}, file => b64($JPEG), type => 'jpeg' },
    headers => { 'x-api-key' => 'unknown' });
$t->expect_error($res, 401, 'Invalid API key.', undef,
    name => 'an unknown API key is 401');
$res = $t->request('POST', '/api/avatar', json => { user_id => $alice->{id},
    file => b64($JPEG), type => 'jpeg' }, headers => $t->bearer($tok));
$t->expect_error($res, 401, 'Invalid API key.', undef,
    name => 'no API key is 401');
$res = upload({ user_id => $alice->{id}, file => b64($JPEG), type => 'jpeg' },
    no_token => 1);
$t->expect_error($res, 401, @UNAUTH, name => 'no token is 401');
$res = upload({ user_id => $alice->{id}, file => b64($JPEG), type => 'jpeg' },
    token => "$tok" . 'x');
$t->expect_error($res, 401, @UNAUTH, name => 'a tampered token is 401');
$res = upload({ user_id => $alice->{id}, file => b64($JPEG), type => 'png' },
    no_token => 1);
is($res->{status}, 400, 'without a token, bad fields are still 400 first');
$res = upload({ user_id => $alice->{id}, file => b64($JPEG), type => 'jpeg' },
    token => $bob_tok);
$t->expect_error($res, 403, undef, undef,
    name => 'another user\'s user_id is 403');
is(stored($alice->{id}), $before, 'refused uploads changed nothing');
is(stored($bob->{id}), 'none|none', 'bob has no avatar either');

# ---- the image route
$res = image($bob->{id});
$t->expect_error($res, 404, undef, undef, name => 'no avatar is 404 JSON');
for my $id ('abc', '0', '-1', '99999999', '1.5', '99999999999999999999') {
	$t->expect_error(image($id), 404, undef, undef,
	    name => "/api/users/$id/avatar is 404");
}
$res = $t->request('GET', "/api/users/$alice->{id}/avatar",
    headers => { 'x-api-key' => 'garbage' });
is($res->{status}, 200, 'the image ignores a bad API key');

# ---- after logout, the session's token can no longer upload
$t->request('POST', '/api/logout', headers => $t->bearer($tok));
$res = upload({ user_id => $alice->{id}, file => b64($JPEG), type => 'jpeg' });
$t->expect_error($res, 401, @UNAUTH, name => 'upload after logout is 401');
is(stored($alice->{id}), $before, '  and changed nothing');

$t->stop;

# ---- photo_url without public_base_url: the request's scheme and host
{
	my $t2 = CexupTest->new(config => { public_base_url => undef });
	my ($u, $p) = $t2->register_patient(username => 'nobase');
	my $l = $t2->login_patient('nobase', $p);
	my $r = $t2->cexup_request('POST', '/api/avatar',
	    json => { user_id => $u->{id}, file => b64($PNG), type => 'png' },
	    headers => $t2->bearer($l->{token}{access_token}));
	# Debian's fastcgi_params pass HTTP_HOST as $host, without the port;
	# the server adds the port nginx accepted on (SERVER_PORT).
	my $port = $t2->port;
	my $v = substr(sha256_hex($PNG), 0, 8);
	is($r->{json}{data}{photo_url},
	    "https://127.0.0.1:$port/api/users/$u->{id}/avatar?v=$v",
	    'without public_base_url, photo_url uses the request\'s scheme, '
	    . 'host and port');
	my $img = $t2->request('GET', "/api/users/$u->{id}/avatar?v=$v");
	is($img->{body}, $PNG, '  and that URL serves the image');
	$t2->stop;
}

done_testing();
