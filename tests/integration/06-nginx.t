# What nginx/cexup-api.conf itself promises: JSON bodies for the errors
# nginx produces (malformed requests, long URIs, plain HTTP on the TLS
# port, bodies too large, rate limiting), the avatar route's larger body
# limit, TLS versions, and the headers every response carries.
use strict;
use warnings;

use IO::Socket::INET;
use IO::Socket::UNIX;
use File::Temp qw(tempdir);
use POSIX ();
use IO::Socket::SSL qw(SSL_VERIFY_NONE);
use Test::More;
use JSON::PP;
use CexupTest;

# A rate slow enough that only the burst (50, as shipped) gets through.
my $t = CexupTest->new(auth_rate => '1r/m');

my @E400 = ('Bad request.',
    'The request could not be understood by the server.');
my @E405 = ('Method not allowed.',
    'This method is not supported for the requested resource.');
my @E413 = ('Request body too large.',
    'The request body exceeds the maximum allowed size.');
my @E414 = ('Request URI too long.',
    'The request URI exceeds the maximum allowed length.');
my @E429 = ('Too many requests.', 'Please slow down and try again later.');

# ---- headers on every response
my $res = $t->request('GET', '/api/health');
is($res->{headers}{server}, 'nginx', 'Server header without a version');
like($res->{headers}{'strict-transport-security'} // '', qr/max-age=\d+/,
    'HSTS');
is($res->{headers}{'x-content-type-options'}, 'nosniff', 'nosniff');
is(scalar(() = ($res->{headers}{'x-request-id'} // '') =~ /,/g), 0,
    'exactly one X-Request-Id');

# ---- requests nginx refuses itself
$res = $t->raw_request("GARBAGE\r\n\r\n");
$t->expect_error($res, 400, @E400, name => 'an unparsable request line is 400 JSON');

$res = $t->raw_request("GET /api/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n"
    . "Connection: close\r\n\r\n");
$t->expect_error($res, 400, @E400, name => 'two Host headers are 400 JSON');

$res = $t->request('GET', '/api/' . ('a' x 9000));
$t->expect_error($res, 414, @E414, name => 'a 9000-byte URI is 414 JSON');

$res = $t->request('GET', '/api/health', headers => { 'X-Big' => 'b' x 20000 });
$t->expect_error($res, 400, @E400, name => 'a 20 KB header is 400 JSON');

$res = $t->request('TRACE', '/api/login');
$t->expect_error($res, 405, @E405, name => 'TRACE is 405 JSON');

{
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
	    PeerPort => $t->port, Timeout => 10);
	print {$s} "GET /api/health HTTP/1.0\r\n\r\n";
	local $/;
	my $raw = <$s> // '';
	$res = CexupTest::_parse_response($raw);
	$t->expect_error($res, 400, @E400,
	    name => 'plain HTTP on the TLS port is 400 JSON');
}

# ---- body limits: 64 KiB in general, 4 MiB for the avatar upload
$res = $t->request('POST', '/api/avatar', body => 'x' x 100_000,
    headers => { 'Content-Type' => 'application/json' });
isnt($res->{status}, 413, '100 KB to /api/avatar passes nginx');
is($res->{headers}{'content-type'}, 'application/json; charset=utf-8',
    'and is answered in JSON');
$res = $t->request('POST', '/api/avatar', body => 'x' x (4 * 1024 * 1024 + 1),
    headers => { 'Content-Type' => 'application/json' });
$t->expect_error($res, 413, @E413, name => '4 MiB + 1 to /api/avatar is 413 JSON');
$res = $t->request('POST', '/api/avatar/', body => 'x' x 100_000,
    headers => { 'Content-Type' => 'application/json' });
$t->expect_error($res, 413, @E413,
    name => 'the larger limit is for /api/avatar exactly');
$res = $t->request('POST', '/api/update/patient', body => 'x' x 100_000,
    headers => { 'Content-Type' => 'application/json' });
$t->expect_error($res, 413, @E413, name => '100 KB elsewhere is 413 JSON');

# ---- TLS 1.2 and 1.3 only
for my $c (['TLSv1_2', 1], ['TLSv1_3', 1], ['TLSv1_1', 0], ['TLSv1', 0]) {
	my ($v, $want) = @$c;
	my $s = IO::Socket::SSL->new(PeerAddr => '127.0.0.1',
	    PeerPort => $t->port, SSL_verify_mode => SSL_VERIFY_NONE,
	    SSL_version => $v, Timeout => 10);
	my $proto = $s ? $s->get_sslversion : 'refused';
	if ($want) {
		ok($s, "$v is accepted") or diag($IO::Socket::SSL::SSL_ERROR);
	} else {
		ok(!$s, "$v is refused") or diag("negotiated $proto");
	}
	close $s if $s;
}

# ---- rate limits per client address, one zone each for login (burst 50),
# registration (burst 20) and check-id (burst 30), then 429 JSON
my %burst = (login => 50, register => 20, checkid => 30);
my %paths = (
	login => [ '/api/login', '/api/login/patient' ],
	register => [ '/api/register', '/api/register/patient' ],
	checkid => [ '/api/register/check-id/email' ],
);
for my $zone (qw(login register checkid)) {
	my ($first, @others) = @{ $paths{$zone} };
	my $n = $burst{$zone};
	my @st = map { $t->request('POST', $first, json => {})->{status} }
	    1 .. $n + 5;
	is(scalar(grep { $_ != 429 } @st[0 .. $n - 1]), $n,
	    "$zone: the first $n quick requests reach the application")
	    or diag("@st");
	$res = $t->request('POST', $first, json => {});
	$t->expect_error($res, 429, @E429, retry_after => 1,
	    name => "$zone: beyond the burst, $first is 429 JSON with Retry-After");
	for my $p (@others) {
		$t->expect_error($t->request('POST', $p, json => {}), 429, @E429,
		    retry_after => 1, name => "$zone: $p shares the zone");
	}
}
$res = $t->request('GET', '/api/health');
is($res->{status}, 200, 'other routes are not limited');
$res = $t->request('POST', '/api/doctor', json => {});
isnt($res->{status}, 429, 'catalog routes are not limited');

# The access log: one JSON object per line with nginx's request id, and no
# query string (check-id's carries e-mail addresses).
my $marker = $t->request('GET', '/api/health?email=secret%40example.com');
my $rid = $marker->{headers}{'x-request-id'};
my ($line) = grep { /\Q$rid\E/ } split /\n/, $t->nginx_access_log;
my $entry = eval { JSON::PP->new->decode($line // '') };
ok($entry, 'access log lines are JSON') or diag($line // 'no line');
is($entry->{request_id}, $rid, 'with the request id');
is($entry->{status}, 200, 'and the status as a number');
is($entry->{uri}, '/api/health', 'the path without its query string');
unlike($line // '', qr/secret/, 'no query-string data in the access log');

$t->stop;

# ---- retries on another node, and nginx's own failures
# Beside the real node, a node that accepts every connection, reads the
# request and closes without answering (a worker dying under it):
# fastcgi_next_upstream passes an idempotent request on to the real node,
# never a POST already sent (it may have taken effect); that POST is
# answered 503 + Retry-After, not 502.  max_fails=0 keeps the broken node
# in the rotation, so that requests keep meeting it.  A location that
# answers 500 itself stands for nginx's own failures (out of connections
# or memory), which must reach the client as 503 too.
my $fake_dir = tempdir('cexup-fake-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $fake_dir;
my $fake_path = "$fake_dir/broken.sock";
my $fake = IO::Socket::UNIX->new(Local => $fake_path, Listen => 128)
    or die "listen $fake_path: $!";
chmod 0666, $fake_path;
pipe(my $seen_r, my $seen_w) or die;
my $fake_pid = fork // die;
if (!$fake_pid) {
	close $seen_r;
	while (my $c = $fake->accept) {
		# The whole request has arrived once the empty FCGI_STDIN
		# record (type 5, length 0) ends it.
		my $in = '';
		while ($in !~ /\x01\x05..\x00\x00/s) {
			sysread($c, $in, 65536, length $in) or last;
		}
		syswrite $seen_w, ($in =~ /REQUEST_METHOD(GET|POST)/ ? $1 : '?')
		    . "\n";
		close $c;
	}
	POSIX::_exit(0);
}
close $seen_w;
close $fake;
$t = CexupTest->new(
    nginx_log_ignore => qr/upstream prematurely closed/,
    nginx_edit => sub {
	my ($text) = @_;
	# After every upstream server line, whichever upstream it is in.
	$text =~ s{^(\s*)(server unix:\S+;)$}
	    {$1$2\n$1server unix:$fake_path max_fails=0;}mg
	    or die 'no upstream server line';
	$text =~ s{^(\s*)(location = /api \{)$}
	    {$1location = /api/nginx-500 {\n$1\treturn 500;\n$1}\n$1$2}m
	    or die 'no "location = /api" line';
	return $text;
    });
# GET, POST, POST, ...: round robin alternates the nodes, and a retried GET
# takes two turns, so this order sends both methods to both nodes.  The
# POST is a catalog route without API key (401 from the real node): a
# login would soon meet the account lockout.
my (%get, %post);
for my $i (1 .. 21) {
	if ($i % 3 == 1) {
		$get{ $t->request('GET', '/api/health')->{status} }++;
		next;
	}
	my $r = $t->request('POST', '/api/doctor', json => {});
	$post{ $r->{status} }++;
	if ($r->{status} == 503) {
		is($r->{headers}{'retry-after'}, 5,
		    'a POST the broken node dropped: 503 with Retry-After');
		is($r->{json}{message}, 'Service unavailable.', '... JSON');
	}
}
my @seen = do { kill 'TERM', $fake_pid; waitpid($fake_pid, 0);
    map { chomp; $_ } <$seen_r> };
note('the broken node saw ' . join(' ', @seen) . '; GET: '
    . join(', ', map { "$get{$_} x $_" } sort keys %get) . '; POST: '
    . join(', ', map { "$post{$_} x $_" } sort keys %post));
ok(grep({ $_ eq 'GET' } @seen) && grep({ $_ eq 'POST' } @seen),
    'the broken node received GETs and POSTs');
is_deeply(\%get, { 200 => 7 }, 'every GET it dropped was retried on the '
    . 'real node: 7 x 200');
is($post{503} // 0, scalar(grep { $_ eq 'POST' } @seen),
    'no POST it dropped was retried: each is a 503');
ok(!grep({ $_ != 401 && $_ != 503 } keys %post),
    'the others reached the real node (401)');
$res = $t->request('GET', '/api/nginx-500');
$t->expect_error($res, 503, 'Service unavailable.',
    'The service is temporarily unavailable. Please try again later.',
    retry_after => 5, name => "nginx's own 500 is 503 JSON with Retry-After");
$t->stop;
done_testing();
