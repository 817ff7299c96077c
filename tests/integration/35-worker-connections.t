# How a worker treats the FastCGI connection, seen from a client of its own
# (tests/lib/FcgiClient.pm) talking to the socket nginx uses:
#
#  - it closes the connection as soon as the response is written, even when
#    the client has not closed its side: libfcgi's own close waits up to 2 s
#    for the peer to close first, holding the worker;
#  - input the handler did not read (a body refused unread) is drained first,
#    so the close never resets a connection with a response in flight;
#  - a new connection wakes one idle worker, not every idle worker;
#  - a connection kept open on request (FCGI_KEEP_CONN, nginx's
#    fastcgi_keep_conn, which we do not ship: bench/keepalive.pl) is served
#    request after request, and does not keep a stopping worker alive.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time);
use CexupTest qw(json_decode);
use FcgiClient;

# ---- one worker: a client that never closes does not hold it
{
	my $t = CexupTest->new(config => { workers => 1 });
	my $sock = $t->tmpdir . '/cexup-api.sock';
	my %health = (REQUEST_METHOD => 'GET', DOCUMENT_URI => '/api/health');

	my $a = FcgiClient->connect($sock);
	$a->send_request(\%health);
	my $r = $a->read_response(5);
	ok($r && $r->{status} == 200, 'first client answered');
	ok($a->wait_eof(1), 'the worker closed the connection after answering');

	# $a stays open.  With a lingering close the only worker would sit in
	# poll() for 2 s waiting for $a to close before accepting $b.
	my $b = FcgiClient->connect($sock);
	$b->send_request(\%health);
	$r = $b->read_response(5);
	ok($r && $r->{status} == 200, 'second client answered');
	cmp_ok($r ? $r->{seconds} : 99, '<', 1,
	    'at once, although the first client is still connected');
	$b->close;

	# A body the handler refuses without reading it (wrong content type),
	# large enough not to fit in libfcgi's buffer.
	my $c = FcgiClient->connect($sock);
	$c->send_request({ REQUEST_METHOD => 'POST', DOCUMENT_URI => '/api/login',
	    CONTENT_TYPE => 'text/plain' }, 'x' x 40000);
	$r = $c->read_response(5);
	ok($r && $r->{status} == 415, 'unread body: 415')
	    or diag(explain $r);
	my $json = $r ? eval { json_decode($r->{body}) } : undef;
	ok($json && defined $json->{message}, 'the whole JSON error arrived');
	ok($c->wait_eof(1), 'connection closed after the refused body');

	my $d = FcgiClient->connect($sock);
	$d->send_request(\%health);
	$r = $d->read_response(5);
	cmp_ok($r ? $r->{seconds} : 99, '<', 1,
	    'the next client is answered at once');
	$_->close for $a, $c, $d;
	$t->stop;
}

# ---- kept connections
{
	my $t = CexupTest->new(config => { workers => 1 });
	my $sock = $t->tmpdir . '/cexup-api.sock';
	my %health = (REQUEST_METHOD => 'GET', DOCUMENT_URI => '/api/health');

	my $c = FcgiClient->connect($sock);
	$c->send_request(\%health, '', keep_conn => 1);
	my $r = $c->read_response(5);
	ok($r && $r->{status} == 200, 'kept connection: first request');
	ok(!$c->wait_eof(0.3), 'the worker keeps the connection open');
	$c->send_request({ %health, DOCUMENT_URI => '/api/nope' }, '',
	    keep_conn => 1);
	$r = $c->read_response(5);
	ok($r && $r->{status} == 404, 'second request on the same connection');
	$c->send_request(\%health, '', keep_conn => 0);
	$r = $c->read_response(5);
	ok($r && $r->{status} == 200, 'third request, not asking to keep it');
	ok($c->wait_eof(1), 'then the worker closes it');
	$c->close;

	# The client closes a kept connection: the worker goes back to new
	# connections.
	$c = FcgiClient->connect($sock);
	$c->send_request(\%health, '', keep_conn => 1);
	$c->read_response(5);
	$c->close;
	my $d = FcgiClient->connect($sock);
	$d->send_request(\%health);
	$r = $d->read_response(5);
	ok($r && $r->{status} == 200 && $r->{seconds} < 1,
	    'after the client closed its kept connection, a new one is served');
	$d->close;

	# An idle kept connection does not hold a stopping worker.
	$c = FcgiClient->connect($sock);
	$c->send_request(\%health, '', keep_conn => 1);
	$c->read_response(5);
	my $t0 = time;
	$t->stop;
	cmp_ok(time - $t0, '<', 3, 'SIGTERM with an idle kept connection: '
	    . 'stopped at once');
	ok($c->wait_eof(1), 'the kept connection was closed');
	$c->close;
}

# ---- four idle workers: one wake-up per connection
{
	my $t = CexupTest->new(config => { workers => 4 });
	my $sock = $t->tmpdir . '/cexup-api.sock';
	my @workers = $t->worker_pids;
	is(scalar @workers, 4, 'four workers');
	my $switches = sub {
		my $n = 0;
		for my $pid (@workers) {
			open my $fh, '<', "/proc/$pid/status" or next;
			while (<$fh>) {
				$n += $1 if /^voluntary_ctxt_switches:\s+(\d+)/;
			}
		}
		return $n;
	};
	my $requests = 50;
	my $before = $switches->();
	for (1 .. $requests) {
		my $c = FcgiClient->connect($sock);
		$c->send_request({ REQUEST_METHOD => 'GET',
		    DOCUMENT_URI => '/api/health' });
		$c->read_response(5) or fail('no answer');
		$c->close;
	}
	my $per_request = ($switches->() - $before) / $requests;
	# The worker that serves a request sleeps once waiting for it (the
	# health route does not touch the database); with every idle worker
	# woken it would be about one per idle worker.
	cmp_ok($per_request, '<', 2.5,
	    'worker wake-ups per request with 4 idle workers');
	diag(sprintf '%.2f wake-ups per request', $per_request);
	$t->stop;
}

done_testing();
