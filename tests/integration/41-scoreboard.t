# The scoreboard (issue #9 point 4): each worker's pool, stage and request
# in shared memory, read by the master.
#
# 1. A request that runs past request_timeout (a login whose Argon2
#    verification takes seconds, request_timeout 1 s) has its worker
#    killed: the client gets nginx's JSON error page within a few seconds
#    instead of a hung connection, the log names the route and the request
#    id the client was given, the kill is counted, the pool refills.
# 2. A worker killed from outside during a request: the master's log names
#    the route and request id of the request it was serving.
#
# Part 1 fails without the master's deadline (the login would run its
# whole verification, over 5 s), part 2 without the scoreboard's route and
# id.
use strict;
use warnings;

use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);
use CexupTest qw(json_decode);

# t = 100 at 38 MiB: a verification of about 2.5 s, or more.
my $t = CexupTest->new(config => { request_timeout => 1,
    argon2_iterations => 100, argon2_memory_kib => 38912,
    hash_wait_ms => 60000 },
    start_timeout => 60,
    nginx_log_ignore => qr/upstream prematurely closed|recv\(\) failed/);

sub metric {
	my ($name) = @_;
	my $body = $t->request('GET', '/api/metrics')->{body} // '';
	return $body =~ /^\Q$name\E (\d+)$/m ? $1 : undef;
}

my ($auth) = $t->worker_pids('auth');
my $t0 = time;
my $res = $t->request('POST', '/api/login', timeout => 30,
    json => { email => 'nobody@example.com', password => 'password123' });
my $took = time - $t0;
diag(sprintf 'a login past request_timeout: %d after %.2f s', $res->{status},
    $took);
like($res->{status}, qr/^50[234]$/, 'answered by nginx\'s error page');
ok(ref $res->{json} eq 'HASH' && defined $res->{json}{message},
    'as the JSON envelope');
cmp_ok($took, '<', 5, 'within a few seconds, not a hung connection');
my $id = $res->{headers}{'x-request-id'} // '';
like($id, qr/^[0-9a-f]{32}$/, 'the client got a request id');
ok($t->wait_until(5, sub { $t->server_log =~
    /request id \Q$id\E \(route \/api\/login\) has run \d+ ms, past request_timeout/ }),
    'the master logged the route and that request id');
is(metric('cexup_worker_request_timeouts_total{pool="auth"}'), 1,
    'the kill is counted in the auth pool');
ok($t->wait_until(15, sub { my @p = $t->worker_pids('auth');
    @p == 1 && $p[0] != $auth }), 'the auth pool refilled');

# ---- 2. killed from outside in the middle of a request (no time limit
# now, so that only our kill can end it)
ok($t->reconfigure({ request_timeout => 0 }),
    'reloaded without request_timeout');
my $pid = fork // die;
if (!$pid) {
	$t->request('POST', '/api/login', timeout => 30,
	    json => { email => 'nobody@example.com', password => 'x' x 10 });
	POSIX::_exit(0);
}
# The worker is hashing once its scoreboard place says so.
ok($t->wait_until(10, sub { (metric('cexup_workers_busy{pool="auth"}') // 0)
    == 1 }), 'the auth worker is busy with the login');
($auth) = $t->worker_pids('auth');
ok($auth && kill('KILL', $auth), 'SIGKILL the auth worker mid-request');
waitpid($pid, 0);
$auth //= 0;
ok($t->wait_until(5, sub { $t->server_log =~
    /auth worker $auth killed by signal 9 \(Killed\) during a request: route \/api\/login, request id [0-9a-f]{32}/ }),
    'the master named the route and request id it was serving');

# Every log line carries its own process's pid (log.c asks for it once per
# process and forgets it in a forked child): the api workers' request
# lines name api workers, never the master that forked them.
my $log_from = length $t->server_log;
$t->request('GET', '/api/health') for 1 .. 6;
my %api = map { $_ => 1 } $t->worker_pids('api');
my @line_pids = substr($t->server_log, $log_from) =~
    /cexup-api\[(\d+)\] worker api info: request id=\S+ method=GET path=\/api\/health /g;
ok(@line_pids >= 6 && !grep({ !$api{$_} } @line_pids),
    'request lines name the api worker that wrote them (pids '
    . join(',', sort { $a <=> $b } keys %{{ map { $_ => 1 } @line_pids }})
    . '; master ' . $t->master_pid . ')');
$t->stop;
done_testing();
