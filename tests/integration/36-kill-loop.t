# Supervision never empties a pool (issue #9 point 3): workers killed
# while serving (the OOM killer, a request that crashes its worker) are
# replaced at once, rate-capped but never backed off; only workers that fail
# before they are ready (configuration, key file) back off.
#
# 1. Under light load (GET /api/health, /api/ready and a login in a loop),
#    SIGKILL a random worker of either pool every 0.5 s for 20 s while
#    sampling the master's live (non-zombie) children of each pool every
#    0.1 s: in each pool the longest stretch with no live worker stays
#    under 1 s, nearly every request is answered and both pools are back
#    to their sizes within 5 s of the last kill.
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

my %SIZE = (api => 3, auth => 2);
my $WORKERS = $SIZE{api} + $SIZE{auth};
my $t = CexupTest->new(config => { workers => $SIZE{api},
    auth_workers => $SIZE{auth}, lockout_threshold => 1000 },
    nginx_log_ignore => qr/connect\(\) to unix:\S+ failed/);
my $master = $t->master_pid;
my ($email, $password) = $t->register_user;

# Live workers: the master's children that are not zombies (pgrep -P also
# lists a killed worker the master has not reaped yet), of one pool (auth
# workers are named cexup-api-auth) or of both (undef).
sub live_workers {
	my ($pool) = @_;
	my @pids;
	opendir my $d, '/proc' or die "/proc: $!";
	for my $p (grep { /^\d+$/ } readdir $d) {
		open my $fh, '<', "/proc/$p/stat" or next;
		my $stat = <$fh> // next;
		close $fh;
		# pid (comm) state ppid ...; comm may hold spaces or parentheses.
		next unless $stat =~ /^\d+ \((.*)\)\s+(\S)\s+(\d+)/s;
		next unless $3 == $master && $2 ne 'Z';
		my $of = $1 eq 'cexup-api-auth' ? 'auth' : 'api';
		push @pids, $p if !defined $pool || $pool eq $of;
	}
	closedir $d;
	return sort { $a <=> $b } @pids;
}
sub n_live { my @l = live_workers(@_); scalar @l }
sub pools_full { n_live('api') == $SIZE{api} && n_live('auth') == $SIZE{auth} }

is(n_live('api'), $SIZE{api}, "$SIZE{api} api workers running");
is(n_live('auth'), $SIZE{auth}, "$SIZE{auth} auth workers running");

# ---- 1. kill loop under load
my $stopfile = $t->tmpdir . '/stop-client';
my $outfile = $t->tmpdir . '/client-statuses';
my $client = fork // die "fork: $!";
if (!$client) {
	open my $out, '>>', $outfile or POSIX::_exit(1);
	$out->autoflush(1);
	my $i = 0;
	until (-e $stopfile) {
		my $k = $i++ % 3;
		my $t0 = time;
		my ($path, $r);
		if ($k == 2) {
			$path = '/api/login';
			$r = $t->request('POST', $path, timeout => 10,
			    json => { email => $email, password => $password });
		} else {
			$path = $k ? '/api/ready' : '/api/health';
			$r = $t->request('GET', $path, timeout => 10);
		}
		printf {$out} "%d %.3f %s\n", $r->{status}, time - $t0, $path;
	}
	POSIX::_exit(0);
}

my ($kills, $samples) = (0, 0);
my (%zero_samples, %worst_gap, %zero_since, %min_live);
%min_live = %SIZE;
my $start = time;
my $next_kill = $start + 0.5;
while ((my $now = time) < $start + 20) {
	my %live = map { $_ => [ live_workers($_) ] } keys %SIZE;
	if ($now - $start >= 0.5) {
		$samples++;
		for my $pool (keys %SIZE) {
			my $n = @{ $live{$pool} };
			$min_live{$pool} = $n if $n < $min_live{$pool};
			if ($n) {
				delete $zero_since{$pool};
				next;
			}
			$zero_samples{$pool}++;
			$zero_since{$pool} //= $now;
			my $gap = $now - $zero_since{$pool};
			$worst_gap{$pool} = $gap
			    if $gap > ($worst_gap{$pool} // 0);
		}
	}
	my @all = map { @$_ } values %live;
	if ($now >= $next_kill && @all) {
		my $victim = $all[int rand @all];
		$kills++ if kill 'KILL', $victim;
		$next_kill += 0.5;
	}
	sleep 0.1;
}
my $loop_end = time;
for my $pool (sort keys %SIZE) {
	diag(sprintf '%s pool: %d samples, %d with no live worker, longest '
	    . 'stretch with none %.2f s, fewest live %d', $pool, $samples,
	    $zero_samples{$pool} // 0, $worst_gap{$pool} // 0,
	    $min_live{$pool});
	cmp_ok($worst_gap{$pool} // 0, '<', 1.0,
	    "the $pool pool is never 1 s or more without a live worker");
}
diag(sprintf '%d kills in %.1f s', $kills, $loop_end - $start);
cmp_ok($kills, '>=', 30, 'at least 30 workers were killed');

my $refilled = $t->wait_until(5, \&pools_full);
ok($refilled, "both pools back to size within 5 s of the last kill")
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
# A third are logins (a hash each, and an auth worker being replaced
# computes its dummy hash first): far fewer than health checks.
cmp_ok($n, '>=', 40, 'the client made at least 40 requests');
# A request whose worker is killed under it is nginx's 502, which the block
# answers 503 (nginx does not retry a request it has sent); the client has
# one request in flight on one of five workers, so only some kills can hit
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
# 5 running + 5 in the bucket + 5/s for 2 s, and a little slack.
cmp_ok($deaths, '<=', 24, 'at most 24 workers started and died in 2 s');
ok($t->wait_until(2, \&pools_full),
    "both pools refill within 2 s of the burst")
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
my @before = live_workers('api');
my $victim = $before[0];
ok(kill('KILL', $victim), "SIGKILL worker $victim with the key file broken");
sleep 3;
my $log = substr($t->server_log, $log_before);
my $attempts = () = $log =~ /failed before ready/g;
diag("$attempts replacements failed before ready in 3 s");
cmp_ok($attempts, '>=', 2, 'the replacement is retried');
cmp_ok($attempts, '<=', 8, 'with backoff: at most 8 attempts in 3 s');
ok($t->master_alive, 'the master keeps running');
is(n_live('api'), $SIZE{api} - 1,
    'the other api workers keep running');
is(n_live('auth'), $SIZE{auth}, 'the auth pool is left alone');
my @st = map { $t->request('GET', '/api/health')->{status} } 1 .. 6;
is(scalar(grep { $_ == 200 } @st), 6, 'and keep serving') or diag("@st");

open $kf, '>', $keys or die;
print $kf $good_keys;
close $kf;
ok($t->wait_until(10, \&pools_full),
    "the api pool refills once the key file is repaired")
    or diag('live now: ' . join ' ', live_workers());
is($t->request('GET', '/api/ready')->{status}, 200, 'ready again');
is($t->master_pid, $master, 'same master throughout');

$t->stop;
done_testing();
