#!/usr/bin/perl
# bench/auth_load.pl - login and registration under closed-loop load through
# nginx (TLS) at the server's DEFAULT settings (workers, hash slots, backlog,
# max_requests as shipped), at several connection counts, beside the Argon2
# ceiling measured in the same run (cores / one verification at the
# configured parameters).  Counts every response by status, so a storm of
# 503s is reported, not fatal.
#
# Run through bench/run-auth-load.sh (it builds and installs wrk).
# Environment: CEXUP_BIN, ARGON2_TIME (bench/argon2_time binary), DURATION
# (seconds per point, default 8), CONNECTIONS (default "16 64 256"),
# ROUTES (default "login register"), VERBOSE=1 (wrk's raw output too),
# AUTH_WORKERS (the auth pool's size; default: the server's).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib", "$FindBin::Bin/lib";
use HTTP::Tiny;
use POSIX ();
use Time::HiRes qw(sleep time);
use WrkResult qw(parse_wrk);
use CexupTest;

my $duration = $ENV{DURATION} // 8;
my @conns = split ' ', ($ENV{CONNECTIONS} // '16 64 256');
my @routes = split ' ', ($ENV{ROUTES} // 'login register');
my $cores = `nproc`;
chomp $cores;

# The harness's test values (workers = 2, max_requests = 1000, backlog 128)
# are left out: the server's defaults apply.  nginx's per-address
# limit_req (login 10r/s, register 2r/s) would turn a benchmark from one
# address into 429s.  Raising the rate (as bench/auth.pl does) is not
# enough past 50 connections: a burst of 256 requests in the same
# millisecond exceeds "burst=50" at any rate.  So for this run only the two
# routes lose their limit_req lines (the zones stay declared).
my $t = CexupTest->new(tap => 0, auth_rate => '100000r/s',
    nginx_edit => sub {
	my ($text) = @_;
	my $n = $text =~
	    s/^[ \t]*limit_req zone=cexup_(?:login|register) [^;]*;\n//mg;
	# The login zone also guards the password routes.
	die "bench: expected at least 2 limit_req lines in "
	    . "nginx/cexup-api.conf, found $n\n" unless $n >= 2;
	return $text;
    },
    # The harness sizes nginx for production (4096 connections, enough
    # for 256 clients and their upstream connections) and raises the
    # per-address limit_conn: every client here comes from 127.0.0.1.
    # AUTH_WORKERS: to compare pool sizes (default: the server's).
    # NGINX_WORKERS: nginx's worker_processes (default 1, the harness's).
    nginx_workers => $ENV{NGINX_WORKERS} || 1,
    config => { workers => undef, auth_workers => $ENV{AUTH_WORKERS} || undef,
	max_requests => undef, listen_backlog => undef });
my $hash_wait = 3000;	# the default (config.c)
my $base = $t->base_url;

my $argon2 = `"$ENV{ARGON2_TIME}" -c "@{[ $t->config_file ]}" 100`;
# The ceiling counts the CPU time of a verification: on a shared machine the
# wall-clock median also counts time spent waiting for a core.
my ($median_ms) = $argon2 =~ /median ([\d.]+) ms/;
my ($cpu_ms) = $argon2 =~ /each: ([\d.]+) ms CPU/;
die "argon2_time failed: $argon2" unless $median_ms;
my $hash_ms = $cpu_ms // $median_ms;
my $ceiling = $cores * 1000 / $hash_ms;

my ($email, $password, $res) =
    $t->register_user(password => 'benchmark-password');
die "bench: registering the login account failed: $res->{status}\n"
    unless $res->{status} == 201;

# One point: { ok_rps, s503, other (text), p50, p99, requests, errors }.
sub run_point {
	my ($route, $conns) = @_;
	local $ENV{BENCH_ROUTE} = $route;
	local $ENV{BENCH_EMAIL} = $email;
	local $ENV{BENCH_PASSWORD} = $password;
	# A long timeout: a request queued behind the hash slots is a slow
	# answer to measure, not a socket error to drop from the latencies.
	my $log_at = length $t->server_log;
	# WRK_NICE: run the load generator at a lower priority, as if its
	# clients were on other machines (it shares the 2 cores here).
	my $nice = $ENV{WRK_NICE} ? "nice -n $ENV{WRK_NICE} " : '';
	my $out = `${nice}wrk -t2 -c$conns -d${duration}s --timeout 60s --latency -s "$FindBin::Bin/wrk/auth_load.lua" "$base/api/$route" 2>&1`;
	# The server's own record of each answer: a 503 must have waited
	# hash_wait_ms (queued in nginx and the backlog + time in the worker).
	my (@refused, @served);
	for (split /\n/, substr($t->server_log, $log_at)) {
		my ($st, $ms, $queued) = m{path=/api/$route status=(\d+) ms=([\d.]+) queued=(-?\d+)}
		    or next;
		push @refused, $ms + $queued if $st == 503;
		push @served, $queued if $st =~ /^2/;
	}
	my $r = eval { parse_wrk($out) };
	return { failed => 1, raw => $out } unless $r;
	my %status = $out =~ /^status (\d+) (\d+)$/mg;
	my $ok = 0;
	$ok += $status{$_} for grep { /^2/ } keys %status;
	my ($secs) = $out =~ /requests in ([\d.]+)(m?s)/;
	$secs = $secs / 1000 if $out =~ /requests in [\d.]+ms/;
	$r->{ok_rps} = $secs ? $ok / $secs : 0;
	$r->{s503} = $status{503} // 0;
	$r->{other} = join(' ', map { "$_: $status{$_}" }
	    sort grep { !/^2/ && $_ != 503 } keys %status) || '0';
	$r->{errors} = $r->{socket_errors} // '';
	$r->{early} = grep { $_ < $hash_wait - 2 } @refused;
	($r->{min_refused}) = sort { $a <=> $b } @refused;
	($r->{max_served}) = sort { $b <=> $a } @served;
	return $r;
}

# CPU time the hypervisor gave to others (USER_HZ ticks, all CPUs): on a
# virtual machine a saturated guest loses its vCPUs for whole slices.
sub steal_ticks {
	open my $fh, '<', '/proc/stat' or return 0;
	my @f = split ' ', scalar <$fh>;
	return $f[8] // 0;
}

sub loadavg {
	open my $fh, '<', '/proc/loadavg' or return '?';
	my ($one) = split ' ', scalar <$fh>;
	return $one;
}

# The catalog beside the flood: a paced client (one kept-alive connection,
# a request every 20 ms, as people browsing do: not a load of its own that
# would take the CPU the hashes need) on GET /api/speciality, the api pool,
# alone and during each login point.  Returns a sub that waits for it and
# gives { p50, p99, n, failed } in milliseconds.
my $key = $t->api_key;
sub catalog_probe {
	my $log_at = length $t->server_log;
	my $steal_at = steal_ticks();
	my $file = $t->tmpdir . "/probe." . int(rand(1e9));
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		my $http = HTTP::Tiny->new(keep_alive => 1, timeout => 30,
		    verify_SSL => 0, SSL_options => { SSL_verify_mode => 0 });
		open my $fh, '>', $file or POSIX::_exit(1);
		my $until = time + $duration;
		while ((my $t0 = time) < $until) {
			my $r = $http->get("$base/api/speciality",
			    { headers => { 'x-api-key' => $key } });
			printf {$fh} "%.3f %d\n", (time - $t0) * 1000,
			    $r->{status};
			my $left = 0.02 - (time - $t0);
			sleep $left if $left > 0;
		}
		close $fh;
		POSIX::_exit(0);
	}
	return sub {
		waitpid($pid, 0);
		open my $fh, '<', $file or return undef;
		my (@ms, $failed);
		while (<$fh>) {
			my ($ms, $st) = split;
			push @ms, $ms;
			$failed++ if $st != 200;
		}
		@ms = sort { $a <=> $b } @ms or return undef;
		# The worker's own time for the same requests (its log line):
		# what the client saw beyond it is nginx, the client and waiting
		# for a core.
		my @worker = sort { $a <=> $b } map {
		    m{path=/api/speciality status=\d+ ms=([\d.]+)} ? $1 : () }
		    split /\n/, substr($t->server_log, $log_at);
		return { p50 => $ms[int(0.5 * $#ms)], p99 => $ms[int(0.99 * $#ms)],
		    n => scalar @ms, failed => $failed // 0,
		    worker_p99 => @worker ? $worker[int(0.99 * $#worker)] : undef,
		    steal => steal_ticks() - $steal_at };
	};
}
my $alone = catalog_probe()->();
my %beside;

my @rows;
my $load_before = loadavg();
for my $route (@routes) {
	for my $c (@conns) {
		my $probe = $route eq 'login' ? catalog_probe() : undef;
		push @rows, [ $route, $c, run_point($route, $c) ];
		$beside{$c} = $probe->() if $probe;
		# Let the auth socket's backlog drain before the next point:
		# wrk's last requests are still queued there when it stops.
		my $idle_since;
		$t->wait_until(60, sub {
			my $m = $t->request('GET', '/api/metrics')->{body} // '';
			my ($busy) = $m =~ /^cexup_workers_busy\{pool="auth"\} (\d+)$/m;
			if (($busy // 1) > 0) {
				undef $idle_since;
				return 0;
			}
			$idle_since //= time;
			return time - $idle_since >= 1;
		});
	}
}
my $load_after = loadavg();
my $users = $t->psql('SELECT count(*) FROM users');
my $worker_count = scalar $t->worker_pids('all');
my $auth_count = scalar $t->worker_pids('auth');
$t->stop;

printf "machine: %d cores; default settings (%d workers, %d of them in "
    . "the auth pool); wrk -t2 -d%ds --timeout 60s over TLS, closed loop\n",
    $cores, $worker_count, $auth_count, $duration;
# Other work on the machine shows here (the run alone loads it to about
# the number of connections it keeps busy).
print "load average (1 min) before the points $load_before, after "
    . "$load_after\n";
print $argon2;
printf "Argon2 ceiling: %d cores / %.2f ms (%s) = %.1f hashes/s\n\n",
    $cores, $hash_ms, defined $cpu_ms ? 'CPU time' : 'median', $ceiling;
print "| route | connections | successful/s | % of ceiling | 503 | other "
    . "statuses | p50 | p99 | 503s that waited < hash_wait_ms | shortest "
    . "wait refused | longest queue served |\n";
print "|---|---|---|---|---|---|---|---|---|---|---|\n";
for (@rows) {
	my ($route, $c, $r) = @$_;
	if ($r->{failed}) {
		printf "| POST /api/%s | %d | wrk failed | | | | | | | | |\n",
		    $route, $c;
		next;
	}
	my $other = $r->{other};
	$other .= " (socket errors: $r->{errors})" if $r->{errors};
	printf "| POST /api/%s | %d | %.1f | %.0f %% | %d | %s | %s | %s | %d "
	    . "| %s | %s |\n", $route, $c, $r->{ok_rps},
	    100 * $r->{ok_rps} / $ceiling, $r->{s503}, $other,
	    $r->{p50} // '?', $r->{p99} // '?', $r->{early},
	    defined $r->{min_refused} ? "$r->{min_refused} ms" : '-',
	    defined $r->{max_served} ? "$r->{max_served} ms" : '-';
}
print "\np50/p99 are of all responses (a 503 is fast).  Users after the "
    . "run: $users\n";
printf "\nGET /api/speciality, a request every 20 ms on one kept "
    . "connection: alone p50 %.2f ms p99 %.2f ms (worker p99 %.2f ms; %d "
    . "requests; steal %d ticks)\n", $alone->{p50}, $alone->{p99},
    $alone->{worker_p99} // -1, $alone->{n}, $alone->{steal} if $alone;
for my $c (sort { $a <=> $b } keys %beside) {
	my $b = $beside{$c} or next;
	printf "  during the %d-connection login flood: p50 %.2f ms p99 %.2f ms "
	    . "(worker p99 %.2f ms; %d requests, %d not 200; steal %d ticks)\n",
	    $c, $b->{p50}, $b->{p99}, $b->{worker_p99} // -1, $b->{n},
	    $b->{failed}, $b->{steal};
}
if ($ENV{VERBOSE}) {
	print "\n$_->[2]{raw}\n" for @rows;
}
