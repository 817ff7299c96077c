# Supervision never empties the pool (issue #9 point 3): workers killed
# while serving (the OOM killer, a request that crashes its worker) are
# replaced at once, rate-capped but never backed off; only workers that fail
# before they are ready (configuration, key file) back off.
#
# 1. Under light load (GET /api/health and /api/ready in a loop), SIGKILL a
#    random worker every 0.5 s for 20 s while sampling the master's live
#    (non-zombie) children every 0.1 s: the longest stretch with no live
#    worker stays under 1 s, nearly every request is answered 200 and the
#    pool is back to its size within 5 s of the last kill.
# 2. With the key file broken, a killed worker's replacements fail before
#    ready: they back off (few attempts in 3 s), the other workers keep
#    serving, the master keeps running, and the pool refills once the file
#    is repaired.
# 3. (run before 2) Killing every worker every 50 ms for 2 s starts at most
#    a bounded number of workers: the respawn rate is capped.  A SIGKILL
#    before ready is not a start-up failure (those exit or crash): no
#    backoff, so the pool is back within a second.
use strict;
use warnings;

use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);
use CexupTest;

my $WORKERS = 3;
my $t = CexupTest->new(config => { workers => $WORKERS,
    lockout_threshold => 1000 },
    nginx_log_ignore => qr/connect\(\) to unix:\S+ failed/);
my $master = $t->master_pid;

# Live workers: the master's children that are not zombies (pgrep -P also
# lists a killed worker the master has not reaped yet).
sub live_workers {
	my @pids;
	opendir my $d, '/proc' or die "/proc: $!";
	for my $p (grep { /^\d+$/ } readdir $d) {
		open my $fh, '<', "/proc/$p/stat" or next;
		my $stat = <$fh> // next;
		close $fh;
		# pid (comm) state ppid ...; comm may hold spaces or parentheses.
		next unless $stat =~ /\)\s+(\S)\s+(\d+)/;
		push @pids, $p if $2 == $master && $1 ne 'Z';
	}
	closedir $d;
	return sort { $a <=> $b } @pids;
}
sub n_live { my @l = live_workers(); scalar @l }

is(n_live(), $WORKERS, "$WORKERS workers running");

# ---- 1. kill loop under load
my $stopfile = $t->tmpdir . '/stop-client';
my $outfile = $t->tmpdir . '/client-statuses';
my $client = fork // die "fork: $!";
if (!$client) {
	open my $out, '>>', $outfile or POSIX::_exit(1);
	$out->autoflush(1);
	my $i = 0;
	until (-e $stopfile) {
		my $path = $i++ % 2 ? '/api/ready' : '/api/health';
		my $t0 = time;
		my $r = $t->request('GET', $path, timeout => 10);
		printf {$out} "%d %.3f %s\n", $r->{status}, time - $t0, $path;
	}
	POSIX::_exit(0);
}

my ($kills, $samples, $zero_samples, $worst_gap) = (0, 0, 0, 0);
my ($zero_since, $min_live) = (undef, $WORKERS);
my $start = time;
my $next_kill = $start + 0.5;
while ((my $now = time) < $start + 20) {
	my @live = live_workers();
	if ($now - $start >= 0.5) {
		$samples++;
		$min_live = @live if @live < $min_live;
		if (@live) {
			undef $zero_since;
		} else {
			$zero_samples++;
			$zero_since //= $now;
			$worst_gap = $now - $zero_since
			    if $now - $zero_since > $worst_gap;
		}
	}
	if ($now >= $next_kill && @live) {
		my $victim = $live[int rand @live];
		$kills++ if kill 'KILL', $victim;
		$next_kill += 0.5;
	}
	sleep 0.1;
}
my $loop_end = time;
diag(sprintf '%d kills in %.1f s; %d samples, %d with no live worker, '
    . 'longest stretch with none %.2f s, fewest live %d', $kills,
    $loop_end - $start, $samples, $zero_samples, $worst_gap, $min_live);

cmp_ok($kills, '>=', 30, 'at least 30 workers were killed');
cmp_ok($worst_gap, '<', 1.0,
    'never 1 s or more without a live worker');

my $refilled = $t->wait_until(5, sub { n_live() == $WORKERS });
ok($refilled, "back to $WORKERS workers within 5 s of the last kill")
    or diag('live now: ' . join ' ', live_workers());
diag(sprintf 'refilled %.2f s after the loop', time - $loop_end);

open my $sf, '>', $stopfile or die;
close $sf;
waitpid($client, 0);
is($?, 0, 'the client exited cleanly');

open my $in, '<', $outfile or die "$outfile: $!";
my (%by_status, $slowest, $n);
$slowest = 0;
while (<$in>) {
	my ($st, $secs) = split;
	$by_status{$st}++;
	$n++;
	$slowest = $secs if $secs > $slowest;
}
close $in;
my $failed = $n - ($by_status{200} // 0);
diag(sprintf '%d requests: %s; slowest %.2f s', $n, join(', ',
    map { "$by_status{$_} x $_" } sort keys %by_status), $slowest);
cmp_ok($n, '>=', 100, 'the client made at least 100 requests');
# A request whose worker is killed under it is nginx's 502, which the block
# answers 503 (nginx does not retry a request it has sent); the client has
# one request in flight on one of three workers, so only some kills can hit
# it.  No request may wait for a worker: no 504, nothing slower than 2 s.
cmp_ok($failed, '<=', int($kills / 4),
    'at most one failed request for every four kills');
ok(!grep({ $_ ne '200' && $_ ne '503' } keys %by_status),
    'every failure is a 503 from a killed connection')
    or diag(join ' ', keys %by_status);
cmp_ok($slowest, '<', 2, 'no request waited 2 s or more');
ok($t->master_alive, 'the master survived the kill loop');
is($t->request('GET', '/api/ready')->{status}, 200, 'ready afterwards');

# ---- 3. no fork bomb: starts pass a token bucket of max(workers, 4)
# refilled at that rate per second (and kills before ready back off).
my $log_before = length $t->server_log;
my ($burst_kills, $t3) = (0, time);
while (time < $t3 + 2) {
	my @live = live_workers();
	$burst_kills += kill 'KILL', @live if @live;
	sleep 0.05;
}
my $deaths = () = substr($t->server_log, $log_before) =~
    /replacing it at once|failed before ready/g;
diag("killed every live worker every 50 ms for 2 s: $burst_kills kills, "
    . "$deaths deaths logged");
# 3 running + 4 in the bucket + 4/s for 2 s, and a little slack.
cmp_ok($deaths, '<=', 16, 'at most 16 workers started and died in 2 s');
ok($t->wait_until(2, sub { n_live() == $WORKERS }),
    "the pool refills to $WORKERS within 2 s of the burst")
    or diag('live now: ' . join ' ', live_workers());
ok($t->wait_until(5, sub { $t->request('GET', '/api/ready')->{status}
    == 200 }), 'ready after the burst');

# ---- 2. failures before ready still back off
my $keys = $t->config_value('jwt_keys_file');
open my $kf, '<', $keys or die;
my $good_keys = do { local $/; <$kf> };
close $kf;
open $kf, '>>', $keys or die;
print $kf "broken-line-without-secret\n";
close $kf;

$log_before = length $t->server_log;
my @before = live_workers();
my $victim = $before[0];
ok(kill('KILL', $victim), "SIGKILL worker $victim with the key file broken");
sleep 3;
my $log = substr($t->server_log, $log_before);
my $attempts = () = $log =~ /failed before ready/g;
diag("$attempts replacements failed before ready in 3 s");
cmp_ok($attempts, '>=', 2, 'the replacement is retried');
cmp_ok($attempts, '<=', 8, 'with backoff: at most 8 attempts in 3 s');
ok($t->master_alive, 'the master keeps running');
is(n_live(), $WORKERS - 1,
    'the other workers keep running');
my @st = map { $t->request('GET', '/api/health')->{status} } 1 .. 6;
is(scalar(grep { $_ == 200 } @st), 6, 'and keep serving') or diag("@st");

open $kf, '>', $keys or die;
print $kf $good_keys;
close $kf;
ok($t->wait_until(10, sub { n_live() == $WORKERS }),
    "the pool refills to $WORKERS once the key file is repaired")
    or diag('live now: ' . join ' ', live_workers());
is($t->request('GET', '/api/ready')->{status}, 200, 'ready again');
is($t->master_pid, $master, 'same master throughout');

$t->stop;
done_testing();
