# Graceful reload (README, "Command line"): SIGHUP replaces every worker of
# both pools while clients keep sending requests to both (health checks to
# the api pool, logins to the auth pool), and not one of them fails.
use strict;
use warnings;

use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);
use CexupTest;

my $t = CexupTest->new(config => { workers => 3, auth_workers => 2,
    lockout_threshold => 1000 });

my ($email, $password, $res) = $t->register_user(name => 'Reloader');
is($res->{status}, 201, 'registered a user')
    or BAIL_OUT("cannot register: $res->{status} $res->{body}");

my $master = $t->master_pid;
my @old = $t->worker_pids('all');
is(scalar @old, 5, 'five workers: three api, two auth') or diag("workers: @old");

# Two clients in the background, each looping until told to stop; each
# line they write is "status method path".
my $stopfile = $t->tmpdir . '/stop-clients';
my $outfile = $t->tmpdir . '/client-statuses';
my @clients;
for my $c (1 .. 2) {
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		open my $out, '>>', $outfile or POSIX::_exit(1);
		$out->autoflush(1);
		my $i = 0;
		until (-e $stopfile) {
			my @req = $i++ % 3
			    ? ('GET', '/api/health')
			    : ('POST', '/api/login', json => {
				email => $email, password => $password });
			my $r = $t->request(@req, timeout => 30);
			print {$out} "$r->{status} $req[0] $req[1]\n";
		}
		POSIX::_exit(0);
	}
	push @clients, $pid;
}

# Let the clients get going, reload, wait for the full replacement, let
# the clients run on the new workers for a moment, stop them.
sleep 0.5;
ok($t->signal_master('HUP'), 'SIGHUP the master');
my $t0 = time;
my $replaced = $t->wait_until(20, sub {
	my @now = $t->worker_pids('all');
	my %old = map { $_ => 1 } @old;
	@now == 5 && !grep { $old{$_} } @now;
});
ok($replaced, 'every worker of both pools was replaced')
    or diag("old: @old, now: " . join ' ', $t->worker_pids('all'));
diag(sprintf 'replacement took %.1f s', time - $t0);
sleep 1;
open my $sf, '>', $stopfile or die;
close $sf;
waitpid($_, 0) for @clients;

open my $in, '<', $outfile or die "no client output: $!";
my @lines = <$in>;
close $in;
chomp @lines;
my @bad = grep { !/^200 / } @lines;
cmp_ok(scalar @lines, '>=', 10, 'the clients made requests during the reload')
    or diag(scalar @lines);
is(scalar @bad, 0, 'every request during the reload succeeded')
    or diag(join "\n", @bad[0 .. ($#bad > 10 ? 10 : $#bad)]);
diag(scalar(@lines) . ' requests during the reload');

is($t->master_pid, $master, 'the master stayed');
ok($t->master_alive, 'the master is running');
$res = $t->request('POST', '/api/login',
    json => { email => $email, password => $password });
is($res->{status}, 200, 'login works on the new workers');

# A second reload right after the first also loses nothing.
@old = $t->worker_pids('all');
$t->signal_master('HUP');
my @st;
my $deadline = time + 20;
while (time < $deadline) {
	push @st, $t->request('GET', '/api/health')->{status};
	my %old = map { $_ => 1 } @old;
	my @now = $t->worker_pids('all');
	last if @now == 5 && !grep { $old{$_} } @now;
}
is(scalar(grep { $_ != 200 } @st), 0,
    'requests during a second reload all succeed') or diag("@st");

$t->stop;
done_testing();
