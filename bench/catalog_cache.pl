#!/usr/bin/perl
# bench/catalog_cache.pl - issue 10 point 5: the catalog response cache
# and the update route, in one run, through one nginx, on the scale data
# set (bench/load_scale_data.sql):
#
#   static    nginx serving a file with the bytes of a doctor-list page
#   health    GET /api/health: one FastCGI round trip, no database (the
#             server's own floor)
#   floor     the warm scenario's requests answered by bench/fcgi_floor.c
#             (as many libfcgi processes as api workers, the page's bytes,
#             nothing else) through the same nginx: the FastCGI floor for
#             this request and answer size
#   warm      POST /api/doctor, random pages 1..200 and speciality filters,
#             pre-warmed: cache hits
#   mixed     90 % of the warm set, 10 % from the miss set
#   miss      only the miss set, cache on: lookup and store on every request
#   update    POST /api/update/patient (token, a new name every request)
#   cold      the warm set with catalog_cache_bytes = 0 (a reload)
#   cold-miss the miss set with catalog_cache_bytes = 0: compared with
#             "miss", what the cache costs a request it cannot answer
#
# Each scenario: wrk -t THREADS -c CONNECTIONS, WARMUP seconds not counted,
# then DURATION seconds measured; req/s, p50, p99, the cache's hit ratio
# (from /api/metrics) and CPU per request by process (utime + stime from
# /proc: nginx, cexup-api master and workers, PostgreSQL, wrk).  ROUNDS
# rounds, each running every scenario, so that every ratio is taken
# within one round.
#
# Run through bench/run-catalog-cache.sh (builds first).  Environment:
# CEXUP_BIN, CEXUP_SRCDIR, DURATION (10), WARMUP (3), CONNECTIONS (16),
# THREADS (2), ROUNDS (2), WORKERS (default two per core, as
# bench/catalog.pl: PostgreSQL, nginx and wrk share this machine's cores),
# NO_CACHE=1 for a build from before the cache (no catalog_cache_* keys):
# only static, health, update and the two cold scenarios, for "cold no
# slower than before the cache" as shares of the same run's static file.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib", "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use POSIX ();
use Time::HiRes qw(time);
use CexupTest;
use ProcCpu;
use WrkResult qw(parse_wrk);

my $duration = $ENV{DURATION} // 10;
my $warmup = $ENV{WARMUP} // 3;
my $conns = $ENV{CONNECTIONS} // 16;
my $threads = $ENV{THREADS} // 2;
my $rounds = $ENV{ROUNDS} // 2;
my $cores = `nproc`;
chomp $cores;
my $cache_bytes = 4194304;	# the shipped default
my $no_cache = $ENV{NO_CACHE} // 0;

my $static_dir = tempdir('cexup-bench-static-XXXXXX', TMPDIR => 1,
    CLEANUP => 1);
chmod 0755, $static_dir;
my $static = "$static_dir/doctor-page.json";
# The floor responder, built here from bench/fcgi_floor.c.
my $floor_bin = "$static_dir/fcgi_floor";
system('cc', '-O2', '-o', $floor_bin, "$FindBin::Bin/fcgi_floor.c",
    '-lfcgi') == 0 or die "bench: building fcgi_floor failed\n";
my $floor_sock = "$static_dir/floor.sock";
my $t = CexupTest->new(tap => 0,
    config => { workers => $ENV{WORKERS} // 2 * $cores, max_requests => 0,
	hash_slots => 1, api_key_cache_seconds => 600,
	$no_cache ? () : (catalog_cache_bytes => $cache_bytes,
	catalog_cache_max_age => 600) },
    nginx_edit => sub {
	my ($text) = @_;
	my $n = $text =~ s{^(\s*)location / \{}{$1# bench/catalog_cache.pl: the ceiling
$1location = /bench/doctor-page.json {
$1	alias $static;
$1}
$1location = /bench/fcgi-floor {
$1	fastcgi_pass unix:$floor_sock;
$1}
$1location / \{}m;
	die "bench: no 'location / {' in the server block\n" unless $n == 1;
	return $text;
    });
my $base = $t->base_url;

my $t0 = time;
# SCALE=0 (trying the script out only): the empty catalog.
my ($rc, $out) = ($ENV{SCALE} // 1) eq '0' ? (0, '') : $t->_run(undef, 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
    '-h', $t->{pg_sockdir}, '-p', $t->{pg_port}, '-U', 'postgres',
    '-d', 'cexup', '-f', "$FindBin::Bin/load_scale_data.sql");
die "bench: loading the scale data failed:\n$out" if $rc;
printf STDERR "scale data loaded in %.0f s\n", time - $t0;
my $doctors = $t->psql('SELECT count(*) FROM doctors');

my $key = $t->api_key;
$ENV{CEXUP_KEY} = $key;

# The update route's user.
my ($user, $password, $reg) = $t->register_patient(name => 'Bench Patient');
die "bench: register: $reg->{status}\n" unless $user;
my $login = $t->login_patient($user->{username}, $password)
    or die "bench: login failed\n";
my $token = $login->{token}{access_token};

# The ceiling: the bytes of one doctor-list page of the warm set.
my $page = $t->cexup_request('POST', '/api/doctor',
    json => { data => 10, page => 100 });
die "bench: doctor list: $page->{status}\n" unless $page->{status} == 200;
open my $sf, '>:raw', $static or die "$static: $!";
print {$sf} $page->{body};
close $sf;
chmod 0644, $static;
my $check = $t->request('GET', '/bench/doctor-page.json');
die "bench: static file not served\n"
    unless $check->{status} == 200 && $check->{body} eq $page->{body};
# The floor: started once the page exists, ended with the run.
my $floor_pid = fork // die "bench: fork: $!\n";
if ($floor_pid == 0) {
	POSIX::setpgid(0, 0);
	exec $floor_bin, $floor_sock, $static, $t->config_value('workers');
	die "bench: exec $floor_bin: $!\n";
}
END { kill 'TERM', -$floor_pid if $floor_pid; }
$t->wait_until(10, sub { $t->request('POST', '/bench/fcgi-floor',
    json => { data => 10, page => 100 })->{body} eq $page->{body} })
    or die "bench: the FastCGI floor does not answer the page's bytes\n";
my $health = $t->request('GET', '/api/health');
die "bench: health: $health->{status}\n" unless $health->{status} == 200;

sub postmaster_pid {
	open my $fh, '<', "$t->{pg_data}/postmaster.pid" or return undef;
	my $pid = <$fh>;
	chomp $pid;
	return $pid;
}
my %groups = (
	nginx => sub { ProcCpu::tree($t->{nginx_pid}) },
	# The floor's processes count as workers (the two never run at once).
	workers => sub { ProcCpu::tree($t->master_pid, $floor_pid) },
	postgres => sub { ProcCpu::tree(postmaster_pid()) },
);

sub cache_metrics {
	my %m;
	for (split /\n/, $t->request('GET', '/api/metrics')->{body} // '') {
		$m{$1} = $2
		    if /^cexup_catalog_cache_(\w+)_total\{pool="api"\} (\d+)$/;
	}
	return \%m;
}

sub wrk {
	my ($script, $path, $secs, %env) = @_;
	local @ENV{keys %env} = values %env;
	my $out;
	# wrk here now and then stops right after "Running ..." (status
	# shown below); one more try instead of losing the whole run.
	for my $try (1 .. 3) {
		$out = `wrk -t$threads -c$conns -d${secs}s --latency -s '$FindBin::Bin/wrk/$script' '$base$path' 2>&1`;
		last if $? == 0 && $out =~ /Requests\/sec/;
		printf STDERR "bench: wrk on %s ended with status %d, %s\n",
		    $path, $?, $try < 3 ? 'again' : 'giving up';
	}
	return $out;
}

# One scenario: warm-up, then the measured run with CPU and cache figures.
sub scenario {
	my ($script, $path, %env) = @_;
	wrk($script, $path, $warmup, %env) if $warmup > 0;
	my $m0 = cache_metrics();
	my $c0 = ProcCpu::sample(\%groups);
	my @times0 = times;
	my $r = parse_wrk(wrk($script, $path, $duration, %env));
	my @times1 = times;
	my $cpu = ProcCpu::delta($c0, ProcCpu::sample(\%groups));
	my $m1 = cache_metrics();
	# wrk is a waited-for child: its CPU is in times' children fields.
	$cpu->{wrk} = ($times1[2] + $times1[3]) - ($times0[2] + $times0[3]);
	my $hits = ($m1->{hits} // 0) - ($m0->{hits} // 0);
	my $misses = ($m1->{misses} // 0) - ($m0->{misses} // 0);
	$r->{hit_ratio} = $hits + $misses ? $hits / ($hits + $misses) : undef;
	$r->{cpu_ms} = { map { $_ => $r->{requests}
	    ? 1000 * $cpu->{$_} / $r->{requests} : 0 } keys %$cpu };
	return $r;
}

sub set_cache {
	my ($bytes) = @_;
	$t->reconfigure({ catalog_cache_bytes => $bytes })
	    or die "bench: reload with catalog_cache_bytes = $bytes failed\n";
	$t->wait_until(10, sub {
	    $t->request('GET', '/api/ready')->{status} == 200 })
	    or die "bench: not ready after the reload\n";
}

my @order = qw(static health floor warm mixed miss update cold cold-miss);
my %label = (
	static => 'nginx static file (same bytes)',
	health => 'GET /api/health (FastCGI floor)',
	floor => 'FastCGI floor, same requests and bytes (fcgi_floor.c)',
	warm => 'doctor list, warm cache',
	mixed => 'doctor list, 90 % warm / 10 % miss set',
	miss => 'doctor list, miss set, cache on',
	update => 'POST /api/update/patient',
	cold => 'doctor list, warm set, cache off',
	'cold-miss' => 'doctor list, miss set, cache off',
);
my @results;
for my $round (1 .. $rounds) {
	my %r;
	print STDERR "round $round\n";
	$r{static} = scenario('static.lua', '/bench/doctor-page.json');
	$r{health} = scenario('static.lua', '/api/health');
	if ($no_cache) {
		$r{update} = scenario('update_patient.lua',
		    '/api/update/patient', BENCH_TOKEN => $token,
		    BENCH_KEY => $key, BENCH_USER_ID => $user->{id});
		$r{cold} = scenario('catalog_cache.lua', '/api/doctor',
		    CACHE_MISS => 0);
		$r{'cold-miss'} = scenario('catalog_cache.lua', '/api/doctor',
		    CACHE_MISS => 100);
		for (keys %r) {
			die "bench: $_: $r{$_}{non2xx} non-2xx answers\n"
			    if $r{$_}{non2xx};
		}
		push @results, \%r;
		next;
	}
	$r{floor} = scenario('catalog_cache.lua', '/bench/fcgi-floor',
	    CACHE_MISS => 0, BENCH_PATH => '/bench/fcgi-floor');
	# Pre-warm every worker with the whole warm set: a long warm-up.
	wrk('catalog_cache.lua', '/api/doctor', 5, CACHE_MISS => 0);
	$r{warm} = scenario('catalog_cache.lua', '/api/doctor',
	    CACHE_MISS => 0);
	$r{mixed} = scenario('catalog_cache.lua', '/api/doctor',
	    CACHE_MISS => 10);
	$r{miss} = scenario('catalog_cache.lua', '/api/doctor',
	    CACHE_MISS => 100);
	$r{update} = scenario('update_patient.lua', '/api/update/patient',
	    BENCH_TOKEN => $token, BENCH_KEY => $key,
	    BENCH_USER_ID => $user->{id});
	set_cache(0);
	$r{cold} = scenario('catalog_cache.lua', '/api/doctor',
	    CACHE_MISS => 0);
	$r{'cold-miss'} = scenario('catalog_cache.lua', '/api/doctor',
	    CACHE_MISS => 100);
	set_cache($cache_bytes);
	for (@order) {
		die "bench: $_: $r{$_}{non2xx} non-2xx answers\n"
		    if $r{$_}{non2xx};
	}
	push @results, \%r;
}
$t->stop;

printf "machine: %d cores, %s api workers, wrk -t%d -c%d, %d s measured "
    . "after %d s warm-up, TLS through one nginx; %d doctors; doctor page "
    . "%d bytes; catalog_cache_bytes %d\n\n", $cores,
    $t->config_value('workers'), $threads, $conns, $duration, $warmup,
    $doctors, length $page->{body}, $no_cache ? 0 : $cache_bytes;
print "| round | scenario | req/s | p50 | p99 | hits | % of static "
    . "| % of health | CPU ms/req: nginx | workers | postgres | wrk |\n";
print "|---|---|---|---|---|---|---|---|---|---|---|---|\n";
for my $i (0 .. $#results) {
	my $r = $results[$i];
	for my $s (@order) {
		my $x = $r->{$s} or next;
		printf "| %d | %s | %.0f | %s | %s | %s | %.1f %% | %.1f %% "
		    . "| %.3f | %.3f | %.3f | %.3f |\n", $i + 1, $label{$s},
		    $x->{rps}, $x->{p50}, $x->{p99},
		    defined $x->{hit_ratio}
			? sprintf('%.1f %%', 100 * $x->{hit_ratio}) : '-',
		    100 * $x->{rps} / $r->{static}{rps},
		    100 * $x->{rps} / $r->{health}{rps},
		    map { $x->{cpu_ms}{$_} // 0 } qw(nginx workers postgres wrk);
	}
}

# The targets of issue 10, round by round.
sub ms {
	my ($v) = @_;
	return $v =~ /^([\d.]+)(us|ms|s)$/
	    ? $1 * { us => 0.001, ms => 1, s => 1000 }->{$2} : undef;
}
exit 0 if $no_cache;
print "\n| round | warm / health (>= 90 %) | warm / floor, same bytes "
    . "| warm p99 / p50 (<= 3) "
    . "| miss, cache on / off (>= ~100 %) | update / static (>= 16 %) |\n";
print "|---|---|---|---|---|---|\n";
for my $i (0 .. $#results) {
	my $r = $results[$i];
	printf "| %d | %.1f %% | %.1f %% | %.2f | %.1f %% | %.1f %% |\n", $i + 1,
	    100 * $r->{warm}{rps} / $r->{health}{rps},
	    100 * $r->{warm}{rps} / $r->{floor}{rps},
	    ms($r->{warm}{p99}) / ms($r->{warm}{p50}),
	    100 * $r->{miss}{rps} / $r->{'cold-miss'}{rps},
	    100 * $r->{update}{rps} / $r->{static}{rps};
}
