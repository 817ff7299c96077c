# Faults (README, "Command line"; docs/API.md §1/§8): a worker killed with
# SIGKILL is replaced without a lost request; PostgreSQL going away gives
# 503 + Retry-After (health stays 200) and coming back needs no restart;
# SIGTERM ends the master with status 0.
use strict;
use warnings;

use Test::More;
use Time::HiRes qw(sleep);
use CexupTest;

# nginx logs a failed connect() to the unix socket as [crit]: expected at
# the end, after the server was stopped on purpose.
my $t = CexupTest->new(config => { workers => 2, lockout_threshold => 1000 },
    nginx_log_ignore => qr/connect\(\) to unix:\S+ failed/);

my $master = $t->master_pid;
my ($email, $password, $res) = $t->register_user(name => 'Fault Finder');
is($res->{status}, 201, 'registered a user')
    or BAIL_OUT("cannot register: $res->{status} $res->{body}");

sub login_status {
	$t->request('POST', '/api/login',
	    json => { email => $email, password => $password })->{status};
}

# ---- SIGKILL one worker
my @before = $t->worker_pids;
is(scalar @before, 2, 'two workers running') or diag("workers: @before");
my $victim = $before[0];
ok(kill('KILL', $victim), "SIGKILL worker $victim");

my @st;
for my $i (1 .. 20) {
	push @st, $i % 2
	    ? $t->request('GET', '/api/health')->{status}
	    : login_status();
}
is(scalar(grep { $_ == 200 } @st), 20,
    'the 20 requests after the kill are all answered 200') or diag("@st");

my $replaced = $t->wait_until(10, sub {
	my @now = $t->worker_pids;
	@now == 2 && !grep { $_ == $victim } @now;
});
ok($replaced, 'the killed worker is replaced (two workers again)')
    or diag('workers now: ' . join ' ', $t->worker_pids);
my @after = $t->worker_pids;
ok((grep { my $p = $_; !grep { $_ == $p } @before } @after) >= 1,
    'a new worker pid appeared');
ok(!kill(0, $victim) || !grep({ $_ == $victim } $t->worker_pids),
    'the killed worker is gone');
is($t->master_pid, $master, 'same master');
ok($t->master_alive, 'master still running');

# ---- PostgreSQL goes away
$t->stop_postgres('fast');

for my $i (1 .. 4) {
	$res = $t->request('POST', '/api/login',
	    json => { email => $email, password => $password });
	$t->expect_error($res, 503, undef, undef, retry_after => 1,
	    name => "login $i without the database is 503 + Retry-After");
}
$res = $t->request('POST', '/api/register', json => { name => 'Nobody',
    email => $t->unique_email('nodb'), password => 'password1' });
$t->expect_error($res, 503, undef, undef, retry_after => 1,
    name => 'register without the database is 503 + Retry-After');
for my $i (1 .. 2) {
	$res = $t->request('GET', '/api/ready');
	$t->expect_error($res, 503, undef, undef, retry_after => 1,
	    name => "ready $i without the database is 503");
	$res = $t->request('GET', '/api/health');
	$t->expect_ok($res, 200, 'OK',
	    name => "health $i without the database is still 200");
}
# Validation needs no database: a bad body is still the precise 400.
$res = $t->request('POST', '/api/login', body => '[]',
    headers => { 'Content-Type' => 'application/json' });
is($res->{status}, 400, 'a malformed login is 400 even without the database');
is($t->master_pid, $master, 'same master while the database is down');
ok($t->master_alive, 'master survives the database outage');
is(scalar($t->worker_pids), 2, 'workers survive the database outage');

# ---- PostgreSQL comes back: no restart needed
$t->start_postgres;
my $back = $t->wait_until(10, sub { login_status() == 200 });
ok($back, 'login succeeds again within 10 s of the database returning');
# Every worker must have reconnected, not only the one that answered.
@st = map { login_status() } 1 .. 6;
is(scalar(grep { $_ == 200 } @st), 6, 'six logins in a row succeed')
    or diag("@st");
$res = $t->request('GET', '/api/ready');
$t->expect_ok($res, 200, 'OK', name => 'ready is 200 again');
is($t->master_pid, $master, 'no server restart');

# ---- SIGTERM: the master exits 0 and takes its workers with it
my @workers = $t->worker_pids;
ok($t->signal_master('TERM'), 'SIGTERM the master');
my $status = $t->wait_master(15);
ok(defined $status, 'the master exits within 15 s of SIGTERM');
is($status, 0, 'with status 0');
my $gone = $t->wait_until(5, sub { !grep { kill 0, $_ } @workers });
ok($gone, 'no worker outlives the master');

$res = $t->request('GET', '/api/health');
$t->expect_error($res, 503, 'Service unavailable.',
    'The service is temporarily unavailable. Please try again later.',
    name => 'with the server stopped nginx answers 503 JSON, not 502');
is($res->{headers}{'retry-after'}, 5, 'with Retry-After');

$t->stop;
done_testing();
