# SIGTERM drains: requests already being served when the master is told to
# stop still get their answers, then the master exits 0 (README, "Command line").
#
# Three logins go to three idle auth workers at once.  Argon2 is made slow for
# this test (~0.7 s a verification) and there are two hash slots, so the
# third waits for the first two and they all finish after ~1.4 s.  SIGTERM
# is sent as soon as the scoreboard shows all three auth workers busy (a
# fixed pause was too short for forked clients on a loaded host).
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);
use CexupTest qw(json_decode);

# Logins go to the auth pool: three workers there, so that all three are
# in flight (a fourth would wait in the backlog, which a drain without
# socket activation closes).
my $t = CexupTest->new(config => { auth_workers => 3, hash_slots => 2,
    hash_wait_ms => 5000, argon2_iterations => 64, drain_timeout => 10 });
my ($email, $password, $res) = $t->register_user;
is($res->{status}, 201, 'registered a user');

pipe(my $r, my $w) or die "pipe: $!";
my @kids;
for my $i (1 .. 3) {
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		close $r;
		my $res = $t->request('POST', '/api/login',
		    json => { email => $email, password => $password });
		my $token = $res->{json} && $res->{json}{data}
		    ? 'token' : 'none';
		syswrite $w, "$res->{status} $token\n";
		POSIX::_exit(0);
	}
	push @kids, $pid;
}
close $w;
# Let the three requests reach the workers, then stop the server.
my $busy = $t->wait_until(10, sub {
	my $res = $t->request('GET', '/api/metrics');
	my ($n) = ($res->{body} // '') =~
	    /^cexup_workers_busy\{pool="auth"\} (\d+)$/m;
	($n // 0) == 3 });
ok($busy, 'all three logins reached an auth worker');
my $sent = time;
ok($t->signal_master('TERM'), 'SIGTERM while three logins are in flight');
my @lines = <$r>;
waitpid($_, 0) for @kids;
chomp @lines;
is(scalar @lines, 3, 'three answers');
is_deeply([ sort @lines ], [ ('200 token') x 3 ],
    'every in-flight login completed with a token') or diag("@lines");
my $status = $t->wait_master(15);
is($status, 0, 'the master exited 0 after draining');
cmp_ok(time - $sent, '<', 10, 'well within drain_timeout');
ok(!$t->worker_pids('all'), 'no worker left');
$t->stop;
done_testing();
