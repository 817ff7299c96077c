# No write done for a client that was told it failed (issue #12 point 2):
# a registration that waits in the FastCGI backlog until nginx gives up
# (504) must not be committed when a worker reads it later.  nginx passes
# REQUEST_QUEUED_AT; a request older than queue_timeout_ms is answered 503
# without being run.
#
# nginx's fastcgi_read_timeout is cut to 4 s for this test (shipped: 30 s,
# queue_timeout_ms 25 s; the proportion is what matters).  The auth worker
# is stopped (SIGSTOP) while a registration arrives, and resumed after
# nginx's 504.
#   1. With queue_timeout_ms far above nginx's timeout, the hazard shows:
#      the registration the client saw fail is committed.
#   2. With queue_timeout_ms below it (3 s), it is not, and the log says so.
use strict;
use warnings;

use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);
use CexupTest;

# hash_wait_ms is raised too: its refusal would otherwise hide the hazard
# (it also keeps a registration that waited from being run).
my $t = CexupTest->new(config => { queue_timeout_ms => 3600000,
    hash_wait_ms => 60000 },
    nginx_edit => sub {
	my ($text) = @_;
	my $n = $text =~ s/^(\s*)fastcgi_read_timeout\s+30s;/$1fastcgi_read_timeout 4s;/m;
	die "expected one fastcgi_read_timeout 30s line\n" unless $n;
	return $text;
    },
    nginx_log_ignore => qr/upstream timed out/);

sub stalled_registration {
	my ($email) = @_;
	my ($auth) = $t->worker_pids('auth');
	kill 'STOP', $auth or die "SIGSTOP $auth: $!";
	my $res = $t->request('POST', '/api/register', timeout => 20,
	    json => { name => 'Late Comer', email => $email,
	    password => 'password123' });
	kill 'CONT', $auth;
	# The worker now reads what waited in the backlog.
	sleep 2;
	return ($res, $t->psql("SELECT count(*) FROM users WHERE email = "
	    . "'$email'"));
}

my ($res, $count) = stalled_registration($t->unique_email);
is($res->{status}, 504, 'nginx gave up on the stalled registration: 504');
is($count, 1, 'without the check the registration is committed anyway '
    . '(the hazard this test guards against)');

ok($t->reconfigure({ queue_timeout_ms => 3000 }),
    'reloaded with queue_timeout_ms 3000');
my $log_at = length $t->server_log;
($res, $count) = stalled_registration($t->unique_email);
is($res->{status}, 504, 'stalled again: 504');
is($count, 0, 'now the registration is not committed');
like(substr($t->server_log, $log_at),
    qr/waited \d+ ms \(queue_timeout_ms 3000\): answered 503 without running it/,
    'the log says the stale request was refused unrun');
is(($t->register_user)[2]{status}, 201,
    'a registration that does not wait still works');
$t->stop;
done_testing();
