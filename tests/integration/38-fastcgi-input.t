# FastCGI input that cannot hurt a worker (src/server/fcgi_guard.c), seen
# from a client of its own (tests/lib/FcgiClient.pm) on the socket nginx
# uses:
#
#  - a PARAMS pair declaring a 2 GiB name and value closes that connection;
#    the worker does not die (libfcgi would malloc it and abort);
#  - malformed records (bad version, unknown type, a management record, a
#    param name with '=') close that connection only, logged in one line;
#  - half-sent connections (half a header, half a params stream, a params
#    stream that never ends, a body that stops, nothing at all), more of
#    them than there are workers, are closed at the request deadline
#    (FCGI_GUARD_DEADLINE_MS, 10 s), and requests through nginx are served
#    at the latest right after it.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time sleep);
use CexupTest;
use FcgiClient;

use constant DEADLINE => 10;	# FCGI_GUARD_DEADLINE_MS / 1000
use constant SLACK => 3;	# a loaded 2-core machine

sub record {
	my ($type, $content, %o) = @_;
	my $len = length $content;
	my $pad = (8 - $len % 8) % 8;
	return pack('CCnnCC', $o{version} // 1, $type, $o{id} // 1, $len, $pad,
	    0) . $content . ("\0" x $pad);
}

sub pair_len { $_[0] < 128 ? pack('C', $_[0]) : pack('N', $_[0] | 0x80000000) }
sub pair { pair_len(length $_[0]) . pair_len(length $_[1]) . $_[0] . $_[1] }

my $BEGIN = record(1, pack('nCx5', 1, 0));
my $HEALTH_PARAMS = join '', map { pair(@$_) }
    [REQUEST_METHOD => 'GET'], [DOCUMENT_URI => '/api/health'],
    [QUERY_STRING => ''], [CONTENT_LENGTH => '0'];

sub send_raw {
	my ($c, $bytes) = @_;
	my $sock = $c->socket_handle;
	my $off = 0;
	while ($off < length $bytes) {
		my $n = syswrite($sock, $bytes, length($bytes) - $off, $off);
		return 0 unless defined $n;
		$off += $n;
	}
	return 1;
}

# Seconds until the server closes the connection (whatever it sends first
# is read and dropped), or undef if it is still open after $timeout.
sub seconds_to_close {
	my ($c, $timeout, $start) = @_;
	$start //= time;
	my $sock = $c->socket_handle;
	for (;;) {
		my $left = $start + $timeout - time;
		return undef if $left <= 0;
		my $rin = '';
		vec($rin, fileno($sock), 1) = 1;
		next unless select(my $rout = $rin, undef, undef, $left);
		my $n = sysread($sock, my $buf, 65536);
		return time - $start if !$n;
	}
}

my $t = CexupTest->new(config => { workers => 4 });
my $sock = $t->tmpdir . '/cexup-api.sock';
my @workers = $t->worker_pids;
is(scalar @workers, 4, 'four workers');

my $direct_health = sub {
	my $c = FcgiClient->connect($sock);
	$c->send_request({ REQUEST_METHOD => 'GET', DOCUMENT_URI => '/api/health' });
	my $r = $c->read_response(5);
	$c->close;
	return $r && $r->{status} && $r->{status} == 200;
};

# ---- a 2 GiB param declaration
{
	my $c = FcgiClient->connect($sock);
	send_raw($c, $BEGIN . record(4, pack('NN', 0xfffffff0, 0xfffffff0))
	    . record(4, ''));
	my $s = seconds_to_close($c, 5);
	ok(defined $s && $s < 2, 'a 0x7ffffff0-byte name and value: the '
	    . 'connection is closed at once') or diag(explain $s);
	$c->close;
	sleep 0.2;
	is_deeply([ $t->worker_pids ], \@workers, '  no worker died');
	is($t->request('GET', '/api/health')->{status}, 200,
	    '  the next request through nginx is served');
	like($t->server_log, qr/FastCGI connection closed: param length beyond the cap/,
	    '  logged with the reason');
}

# ---- malformed records: that connection alone is closed
my @malformed = (
	['version 2', record(1, pack('nCx5', 1, 0), version => 2),
	    qr/not FastCGI version 1/],
	['an unknown record type first', record(42, 'x' x 8),
	    qr/first record is not BEGIN_REQUEST/],
	['an unknown record type among the params', $BEGIN . record(42, '')
	    . record(4, $HEALTH_PARAMS) . record(4, ''),
	    qr/record other than PARAMS/],
	['a management record (GET_VALUES)', record(9, pair('FCGI_MPXS_CONNS', ''),
	    id => 0), qr/first record is not BEGIN_REQUEST/],
	["a param name with '='", $BEGIN . record(4, pair('DOCUMENT_URI=x', '/')
	    . $HEALTH_PARAMS) . record(4, ''), qr/'=' or NUL in a param name/],
	['a param cut off by the end of the params', $BEGIN
	    . record(4, $HEALTH_PARAMS . pack('CC', 4, 4) . 'AB') . record(4, ''),
	    qr/param cut off/],
	['257 params', $BEGIN . record(4, join('', map { pair("P$_", '') }
	    1 .. 257)) . record(4, ''), qr/too many params/],
	['a role other than RESPONDER', record(1, pack('nCx5', 2, 0))
	    . record(4, $HEALTH_PARAMS) . record(4, ''), qr/role is not RESPONDER/],
);
for my $m (@malformed) {
	my ($name, $bytes, $logged) = @$m;
	my $c = FcgiClient->connect($sock);
	send_raw($c, $bytes . record(5, ''));
	my $s = seconds_to_close($c, 5);
	ok(defined $s && $s < 2, "$name: the connection is closed at once")
	    or diag(explain $s);
	$c->close;
	like($t->server_log, $logged, '  logged with the reason');
	ok($direct_health->(), '  a worker serves the next connection');
}
# The same check on a kept connection's next request.
{
	my $c = FcgiClient->connect($sock);
	$c->send_request({ REQUEST_METHOD => 'GET', DOCUMENT_URI => '/api/health' },
	    '', keep_conn => 1);
	my $r = $c->read_response(5);
	ok($r && $r->{status} == 200, 'kept connection: first request served');
	send_raw($c, $BEGIN . record(4, pack('NN', 0xfffffff0, 0xfffffff0)));
	my $s = seconds_to_close($c, 5);
	ok(defined $s && $s < 2, '  a 2 GiB param in its next request closes it')
	    or diag(explain $s);
	$c->close;
}
is_deeply([ $t->worker_pids ], \@workers, 'no worker died');
unlike($t->server_log, qr/DOCUMENT_URI=x|FCGI_MPXS/,
    'the log names no param of a refused request');
# A client that connects and leaves without a byte (nginx closing a kept
# connection, a port probe) is no warning.
{
	my $before = () = $t->server_log =~ /FastCGI connection closed/g;
	my $c = FcgiClient->connect($sock);
	$c->close;
	ok($direct_health->(), 'a connection closed without a byte: the next '
	    . 'is served');
	my $after = () = $t->server_log =~ /FastCGI connection closed/g;
	is($after, $before, '  and it is not logged as a warning');
}

# ---- more half-sent connections than workers
{
	my $login = join '', map { pair(@$_) }
	    [REQUEST_METHOD => 'POST'], [DOCUMENT_URI => '/api/login'],
	    [QUERY_STRING => ''], [CONTENT_TYPE => 'application/json'],
	    [CONTENT_LENGTH => '1000'];
	my @half = (
		['half a header', substr($BEGIN, 0, 4)],
		['half a params stream', $BEGIN
		    . substr(record(4, $HEALTH_PARAMS), 0, 20)],
		['params that never end', $BEGIN . record(4, $HEALTH_PARAMS)],
		['a body that stops', $BEGIN . record(4, $login) . record(4, '')
		    . substr(record(5, '{' . ('x' x 999)), 0, 100)],
		['nothing at all', ''],
	);
	my $start = time;
	my @conns;
	for my $h (@half) {
		my $c = FcgiClient->connect($sock);
		send_raw($c, $h->[1]);
		push @conns, [$h->[0], $c];
	}
	sleep 0.3;	# every worker holds one
	my $r = $t->request('GET', '/api/health', timeout => DEADLINE * 4);
	my $served = time - $start;
	is($r->{status}, 200, 'with ' . scalar(@half) . ' half-sent connections '
	    . 'and 4 workers, a request through nginx is served');
	cmp_ok($served, '<', DEADLINE + SLACK, '  at the latest right after '
	    . 'the deadline');
	diag(sprintf 'served after %.2f s', $served);
	for my $h (@conns) {
		my ($name, $c) = @$h;
		if ($name eq 'a body that stops') {
			my $r = $c->read_response(DEADLINE + SLACK);
			ok($r && $r->{status} == 400, "$name: answered 400 at "
			    . 'the deadline') or diag(explain $r);
		}
		# The last one waits for a worker, then has its own deadline.
		my $s = seconds_to_close($c, 2 * DEADLINE + SLACK, $start);
		ok(defined $s, "$name: closed by the server")
		    or next;
		cmp_ok($s, '>=', DEADLINE - 0.5, '  not before the deadline');
		diag(sprintf '%s: closed after %.2f s', $name, $s);
		$c->close;
	}
	like($t->server_log, qr/FastCGI connection closed: deadline passed/,
	    'a late head is logged as such');
	is($t->request('GET', '/api/health')->{status}, 200,
	    'afterwards requests are served');
	ok($direct_health->(), 'and direct connections too');
}
is_deeply([ $t->worker_pids ], \@workers, 'no worker died in all this');
$t->stop;

done_testing();
