#!/usr/bin/perl
# bench/catalog.pl - the catalog routes through nginx (TLS) against the
# real worker pool and PostgreSQL holding the scale data set
# (bench/load_scale_data.sql), beside nginx serving a static JSON file of
# the same size as a doctor-list page (the ceiling), in the same run.
#
# Also writes the plans PostgreSQL uses for every catalog statement on the
# scale data (auto_explain, EXPLAIN ANALYZE of the very statements the
# workers prepare) to bench/plans.txt, or to PLANS= if given.
#
# Run through bench/run-catalog.sh (builds first).  Environment: CEXUP_BIN,
# CEXUP_SRCDIR, DURATION (default 15), CONNECTIONS (default 16), THREADS
# (default 2), WARMUP (default 3: seconds of the same load before each
# measured run, not counted), WORKERS (default: two per core).
#
# Workers: the server's default (workers = 0) is four per core, sized for
# production, where PostgreSQL is on another host and a worker spends much
# of each request waiting for its round trip.  On this rig PostgreSQL, nginx
# and wrk share the same cores, and fewer workers are faster: the doctor
# list mix measured 3,107 req/s with 8 workers, 3,669 with 4 and 4,104
# with 2 on 2 cores (three alternating runs each, bench/RESULTS.md), p99
# 42-57 ms with 8 and under 17 ms with 4.  WORKERS=0 measures the default.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib", "$FindBin::Bin/lib";
use WrkResult qw(parse_wrk);
use CexupTest qw(json_encode);
use File::Temp qw(tempdir);

my $duration = $ENV{DURATION} // 15;
my $warmup = $ENV{WARMUP} // 3;
my $conns = $ENV{CONNECTIONS} // 16;
my $threads = $ENV{THREADS} // 2;
my $plans_file = $ENV{PLANS} // "$FindBin::Bin/plans.txt";
my $cores = `nproc`;
chomp $cores;

# The static file lives outside the harness's directory so that its path
# is known before nginx's configuration is written; nginx's workers (another
# user when we are root) must be able to read it.
my $static_dir = tempdir('cexup-bench-static-XXXXXX', TMPDIR => 1,
    CLEANUP => 1);
chmod 0755, $static_dir;
my $static = "$static_dir/doctor-page.json";
my $t = CexupTest->new(tap => 0,
    # No logins here: one hash slot keeps the login-flood reserve
    # (workers > 2 x hash_slots) satisfied with few workers.
    config => { workers => $ENV{WORKERS} // 2 * $cores, max_requests => 0,
	hash_slots => 1 },
    nginx_edit => sub {
	my ($text) = @_;
	my $n = $text =~ s{^(\s*)location / \{}{$1# bench/catalog.pl: the ceiling
$1location = /bench/doctor-page.json {
$1	alias $static;
$1}
$1location / \{}m;
	die "bench: no 'location / {' in the server block\n" unless $n == 1;
	return $text;
    });
my $base = $t->base_url;

sub psql_file {
	my ($file) = @_;
	my ($rc, $out) = $t->_run(undef, 'psql', '-X', '-q', '-v',
	    'ON_ERROR_STOP=1', '-h', $t->{pg_sockdir}, '-p', $t->{pg_port},
	    '-U', 'postgres', '-d', 'cexup', '-f', $file);
	die "psql -f $file failed:\n$out" if $rc;
}

my $t0 = time;
psql_file("$FindBin::Bin/load_scale_data.sql");
my $load_seconds = time - $t0;
my %size = map { $_ => $t->psql("SELECT count(*) FROM $_") }
    qw(doctors hospitals doctor_has_hospital doctor_schedules appointments
    articles);

my $key = 'bench-catalog-key';
$t->psql("INSERT INTO api_clients (name, key_hash) VALUES ('bench', "
    . "sha256(convert_to('$key', 'UTF8')))");
$ENV{CEXUP_KEY} = $key;
my %auth = (headers => { 'x-api-key' => $key });

sub replace_workers {
	my $before = join ',', $t->worker_pids;
	$t->signal_master('HUP');
	$t->wait_until(30, sub {
		my %old = map { $_ => 1 } split /,/, $before;
		my @now = $t->worker_pids;
		@now && !grep { $old{$_} } @now;
	}) or die "bench: workers were not replaced after SIGHUP\n";
	$t->wait_until(10, sub {
		$t->request('GET', '/api/ready')->{status} == 200 });
}

# ---- plans: auto_explain in every new worker connection
my %variants = (
	'doctor list, page 1' => ['/api/doctor', { data => 10 }],
	'doctor list, page 2000 (deepest)' => ['/api/doctor',
	    { data => 10, page => 2000 }],
	'doctor list, past the end' => ['/api/doctor',
	    { data => 10, page => 5000 }],
	'doctor list by speciality, page 40' => ['/api/doctor',
	    { speciality => 'speciality-7', page => 40 }],
	'doctor list by hospital' => ['/api/doctor',
	    { hospital => 'hospital-1234' }],
	'doctor list by q' => ['/api/doctor', { q => 'siti' }],
	'doctor list by speciality and q' => ['/api/doctor',
	    { speciality => 'speciality-3', q => 'pratama' }],
	'doctor list by speciality, hospital and q' => ['/api/doctor',
	    { speciality => 'speciality-3', hospital => 'hospital-17',
	    q => 'ana' }],
	'speciality list' => ['/api/speciality', { data => 100 }],
	'hospital list, page 150' => ['/api/hospital', { page => 150 }],
	'article list, page 1' => ['/api/article', {}],
	'article list, page 4900 (deepest)' => ['/api/article',
	    { page => 4900 }],
	'doctor show' => ['/api/doctor/show', { slug => 'doctor-4242' }],
	'hospital show' => ['/api/hospital/show', { slug => 'hospital-77' }],
	'article show' => ['/api/article/show', { slug => 'article-777' }],
	# Practice 1 sees patients on Mondays (bench/load_scale_data.sql).
	'time list' => ['/api/doctor/get-time-list',
	    { doctor_has_hospital_id => 1, date => $t->psql("SELECT "
	    . "(date_trunc('week', now() AT TIME ZONE 'Asia/Jakarta') "
	    . "+ interval '7 days')::date") }],
);
my $pglog = "$t->{pg_dir}/postgres.log";
# A prepared statement is planned per execution for five runs and may
# then switch to a generic plan: show the generic plan, the one a busy
# worker keeps, and the custom plan, each after enough runs.
my %plans;
for my $mode (qw(force_generic_plan force_custom_plan)) {
	$t->psql("ALTER DATABASE cexup SET session_preload_libraries = "
	    . "'auto_explain'; ALTER DATABASE cexup SET "
	    . "auto_explain.log_min_duration = 0; ALTER DATABASE cexup SET "
	    . "auto_explain.log_analyze = on; ALTER DATABASE cexup SET "
	    . "auto_explain.log_buffers = on; ALTER DATABASE cexup SET "
	    . "plan_cache_mode = $mode", 'postgres');
	replace_workers();
	for my $name (sort keys %variants) {
		my ($path, $body) = @{ $variants{$name} };
		my $offset = -s $pglog;
		my $res;
		$res = $t->request('POST', $path, json => $body, %auth)
		    for 1 .. 3;
		die "bench: $name: $res->{status} $res->{body}\n"
		    unless $res->{status} == 200;
		open my $fh, '<', $pglog or die "$pglog: $!";
		seek $fh, $offset, 0;
		local $/;
		my $text = <$fh>;
		close $fh;
		# Entries start with the log line prefix; plans continue on
		# tab-indented lines.  The last one that is not the API key
		# lookup is this route's statement.
		my @entries = grep { /plan:/ && !/api_clients/ }
		    split /\n(?=\S)/, $text;
		$plans{$name}{$mode} = $entries[-1] // '(no plan logged)';
	}
}
$t->psql('ALTER DATABASE cexup RESET ALL', 'postgres');
replace_workers();

open my $pf, '>', $plans_file or die "$plans_file: $!";
print {$pf} "# EXPLAIN (ANALYZE, BUFFERS) of each catalog statement as the\n"
    . "# workers execute it (auto_explain), on the scale data set:\n# "
    . join(', ', map { "$size{$_} $_" } sort keys %size)
    . ".\n# Written by bench/catalog.pl.\n";
for my $name (sort keys %plans) {
	my ($path, $body) = @{ $variants{$name} };
	for my $mode (qw(force_generic_plan force_custom_plan)) {
		my $p = $plans{$name}{$mode};
		$p =~ s/^.*?plan:\n//s;
		$p =~ s/^\t//mg;
		print {$pf} "\n==== $name: POST $path " . json_encode($body)
		    . " ($mode)\n$p\n";
	}
}
close $pf;

# ---- the ceiling: a static file of the size of a doctor-list page
my $page = $t->request('POST', '/api/doctor', json => { data => 10,
    page => 1000 }, %auth);
die "bench: doctor list failed: $page->{status}\n"
    unless $page->{status} == 200;
open my $sf, '>:raw', $static or die "$static: $!";
print {$sf} $page->{body};
close $sf;
chmod 0644, $static;
my $check = $t->request('GET', '/bench/doctor-page.json');
die "bench: static file not served: $check->{status}\n"
    unless $check->{status} == 200 && $check->{body} eq $page->{body};

sub wrk_run {
	my ($script, $path) = @_;
	my @s = $script ? ('-s', "$FindBin::Bin/wrk/$script") : ();
	# Warm-up: the first seconds after a pause run slower on a shared
	# machine; measure the steady state.
	`wrk -t$threads -c$conns -d${warmup}s @{[ join ' ', map { "'$_'" } @s ]} '$base$path' 2>&1`
	    if $warmup > 0;
	my $cmd = "wrk -t$threads -c$conns -d${duration}s --latency "
	    . join(' ', map { "'$_'" } @s) . " '$base$path' 2>&1";
	my $out = `$cmd`;
	return parse_wrk($out);
}

my @runs = (
	['static JSON file (nginx, same size as a list page)', undef,
	    '/bench/doctor-page.json'],
	['POST /api/doctor (random pages and filters)',
	    'catalog_doctor_list.lua', '/api/doctor'],
	['POST /api/doctor/show (random doctor)',
	    'catalog_doctor_show.lua', '/api/doctor/show'],
	['POST /api/doctor/get-time-list (random practice and day)',
	    'catalog_time_list.lua', '/api/doctor/get-time-list'],
);
my %result;
$result{$_->[0]} = wrk_run($_->[1], $_->[2]) for @runs;
my $workers = scalar $t->worker_pids;
# Anything but 200 during the runs, from nginx's access log (status is the
# field after the quoted request line).
my %odd;
for (split /\n/, $t->nginx_access_log) {
	my ($uri, $status) = m{"\w+ (\S+) \S+" (\d{3}) } or next;
	$odd{"$status $uri"}++ if $status ne '200';
}
my @server_errors = grep { /status=5\d\d|warn|error/i }
    split /\n/, $t->server_log;
$t->stop;

my $ceiling = $result{$runs[0][0]}{rps};
printf "machine: %d cores; %d workers; wrk -t%d -c%d -d%ds over TLS, "
    . "keep-alive\n", $cores, $workers, $threads, $conns, $duration;
printf "data: %s (loaded in %ds)\n", join(', ', map { "$size{$_} $_" }
    sort keys %size), $load_seconds;
printf "list page body: %d bytes\n\n", length $page->{body};
print "| scenario | requests | req/s | p50 | p99 | non-2xx | % of static |\n";
print "|---|---|---|---|---|---|---|\n";
for my $run (@runs) {
	my $r = $result{$run->[0]};
	printf "| %s | %d | %.0f | %s | %s | %d | %.1f %% |\n", $run->[0],
	    $r->{requests}, $r->{rps}, $r->{p50}, $r->{p99}, $r->{non2xx},
	    100 * $r->{rps} / $ceiling;
}
print "\nresponses other than 200: ",
    (%odd ? join(', ', map { "$_ x$odd{$_}" } sort keys %odd) : 'none'),
    "\n";
print "server log: $_\n" for @server_errors[0 .. ($#server_errors > 9 ? 9
    : $#server_errors)];
print "\nplans: $plans_file\n";
