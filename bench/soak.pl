#!/usr/bin/perl
# bench/soak.pl - a long mixed load through nginx (TLS) on the real stack,
# watching for leaks: every SAMPLE seconds it records the resident memory
# (VmRSS) and open descriptors (/proc/PID/fd) of every worker of both pools
# and of the master, PostgreSQL's client connections and the requests nginx
# has logged.  Writes the samples as CSV, plots them (gnuplot) and compares
# the first minute with the last: flat lines are no leak.
#
# The load (forked Perl clients, each paced, each stopping at the
# deadline): CATALOG_CLIENTS clients reading the catalog (speciality,
# doctor list and page, hospital list, articles) on kept-alive connections,
# and AUTH_CLIENTS clients each cycling through a patient login, three
# token refreshes, GET /api/me and, every fourth cycle, a registration.
#
# Before the first sample every auth worker is made to hash once (see
# warm_up).  Workers are never recycled (max_requests = 0 for both pools): recycling
# would hide exactly the leak this looks for.
#
# Run through bench/soak.sh (it builds first).  Environment: CEXUP_BIN,
# CEXUP_SRCDIR, DURATION (seconds, default 600), SAMPLE (default 5),
# CATALOG_CLIENTS (2), CATALOG_RATE (requests/s per client, 40),
# AUTH_CLIENTS (2), AUTH_RATE (cycles/s per client, 2), WORKERS (2),
# AUTH_WORKERS (2), CSV (default bench/soak.csv), PNG (bench/soak.png),
# RSS_LIMIT_KB (1024) and RSS_LIMIT_PCT (5): a worker's or the master's
# RSS fails when its last-minute median exceeds the first-minute median by
# more than both; FD_LIMIT (2): descriptors fail when they grow by more.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib";
use CexupTest qw(json_encode json_decode);
use HTTP::Tiny;
use IO::Socket::SSL qw(SSL_VERIFY_NONE);
use POSIX qw(_exit);
use Time::HiRes qw(time sleep);

my $duration = $ENV{DURATION} // 600;
my $sample_every = $ENV{SAMPLE} // 5;
my $catalog_clients = $ENV{CATALOG_CLIENTS} // 2;
my $catalog_rate = $ENV{CATALOG_RATE} // 40;
my $auth_clients = $ENV{AUTH_CLIENTS} // 2;
my $auth_rate = $ENV{AUTH_RATE} // 2;
my $csv_file = $ENV{CSV} // "$FindBin::Bin/soak.csv";
my $png_file = $ENV{PNG} // "$FindBin::Bin/soak.png";
my $rss_limit_kb = $ENV{RSS_LIMIT_KB} // 1024;
my $rss_limit_pct = $ENV{RSS_LIMIT_PCT} // 5;
my $fd_limit = $ENV{FD_LIMIT} // 2;
die "DURATION must be at least 180 s (a first and a last minute apart)\n"
    unless $duration >= 180;

my $t = CexupTest->new(tap => 0, demo => 1, auth_rate => '100000r/s',
    config => { workers => $ENV{WORKERS} // 2,
	auth_workers => $ENV{AUTH_WORKERS} // 2, max_requests => 0,
	auth_max_requests => 0 });
my $base = $t->base_url;
my $key = 'bench-soak-key';
$t->psql("INSERT INTO api_clients (name, key_hash) VALUES ('soak', "
    . "sha256(convert_to('$key', 'UTF8')))");
my @doctor_slugs = split /\n/, $t->psql('SELECT slug FROM doctors ORDER BY id');
die "soak: no demo doctors\n" unless @doctor_slugs;

sub http {
	return HTTP::Tiny->new(agent => 'cexup-soak/1', keep_alive => 1,
	    timeout => 30, verify_SSL => 0,
	    SSL_options => { SSL_verify_mode => SSL_VERIFY_NONE,
		SSL_hostname => 'localhost' });
}

# One client: runs $step until the deadline, at most $rate steps a second,
# then writes "ok bad" (responses as expected / not) to $out.
sub client {
	my ($deadline, $rate, $out, $step) = @_;
	my $pid = fork // die "fork: $!";
	return $pid if $pid;
	my ($ok, $bad) = (0, 0);
	my $next = time;
	while (time < $deadline) {
		my ($o, $b) = $step->();
		$ok += $o;
		$bad += $b;
		$next += 1 / $rate;
		my $wait = $next - time;
		sleep $wait if $wait > 0;
	}
	open my $fh, '>', $out or _exit(1);
	print {$fh} "$ok $bad\n";
	close $fh;
	_exit(0);
}

# (1, 0) if the response has the expected status, else (0, 1).
sub expect {
	my ($res, $status) = @_;
	return ($res->{status} == $status) ? (1, 0) : (0, 1);
}

sub catalog_step {
	my ($http) = @_;
	my $n = 0;
	my $h = { 'x-api-key' => $key };
	my @calls = (
	    sub { $http->get("$base/api/speciality", { headers => $h }) },
	    sub { $http->request('POST', "$base/api/doctor", { headers =>
		{ %$h, 'Content-Type' => 'application/json' },
		content => json_encode({ data => 10, page => 1 + int rand 3 }) }) },
	    sub { $http->get("$base/api/doctor/show?slug="
		. $doctor_slugs[rand @doctor_slugs], { headers => $h }) },
	    sub { $http->get("$base/api/hospital?data=5", { headers => $h }) },
	    sub { $http->get("$base/api/article?page=1", { headers => $h }) },
	);
	return sub { expect($calls[$n++ % @calls]->(), 200) };
}

sub auth_step {
	my ($http, $id) = @_;
	my $cycle = 0;
	my $json = { 'x-api-key' => $key, 'Content-Type' => 'application/json' };
	my $password = 'soak-password-1';
	my $email;
	# Usernames are letters then digits.
	my $letters = join '', map { chr(97 + $_) } split //, $id;
	my $register = sub {
		$email = "soak.$id.$cycle\@example.com";
		return $http->request('POST', "$base/api/register/patient",
		    { headers => $json, content => json_encode({ name => 'Soak',
		    address => 'Jl. Soak 1', username => "soak$letters$cycle",
		    email => $email, password => $password }) });
	};
	return sub {
		my ($ok, $bad) = (0, 0);
		my $add = sub { my ($o, $b) = expect(@_); $ok += $o; $bad += $b };
		$add->($register->(), 201) if $cycle % 4 == 0;
		$cycle++;
		my $r = $http->request('POST', "$base/api/login/patient",
		    { headers => $json, content => json_encode({
		    email => $email, password => $password }) });
		$add->($r, 200);
		my $tok = (json_decode($r->{content}) // {})->{data}{token};
		return ($ok, $bad + 4) unless $tok;
		for (1 .. 3) {
			$r = $http->request('POST', "$base/api/token/refresh",
			    { headers => $json, content => json_encode({
			    refresh_token => $tok->{refresh_token} }) });
			$add->($r, 200);
			$tok = (json_decode($r->{content}) // {})->{data}{token}
			    or return ($ok, $bad + 1);
		}
		$add->($http->get("$base/api/me", { headers => {
		    Authorization => "Bearer $tok->{access_token}" } }), 200);
		return ($ok, $bad);
	};
}

# ---- the sampler

sub proc_rss_kb {
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/status" or return '';
	# A named variable: callers pass $_ of a grep or map, which
	# while (<$fh>) would overwrite.
	while (my $line = <$fh>) { return $1 if $line =~ /^VmRSS:\s+(\d+) kB/ }
	return '';
}

sub proc_fds {
	my ($pid) = @_;
	opendir my $dh, "/proc/$pid/fd" or return '';
	return scalar grep { !/^\./ } readdir $dh;
}

sub access_log_lines {
	open my $fh, '<', $t->tmpdir . '/nginx-access.log' or return 0;
	my $n = 0;
	$n++ while <$fh>;
	return $n;
}

my %slot_of;		# worker pid -> "api1", "auth2", ...
my @slots;
my %replaced;		# slot -> how many times its pid changed
sub assign_slots {
	for my $pool (qw(api auth)) {
		my @pids = $t->worker_pids($pool);
		my @free = grep { my $s = $_; !grep { $slot_of{$_} && $slot_of{$_}
		    eq $s } @pids } grep { /^$pool\d/ } @slots;
		for my $pid (@pids) {
			next if $slot_of{$pid};
			my $slot = shift @free;
			if ($slot) {
				$replaced{$slot}++;
			} else {
				$slot = $pool . (1 + grep { /^$pool\d/ } @slots);
				push @slots, $slot;
			}
			$slot_of{$pid} = $slot;
		}
	}
}

# Warm-up: a worker's first password hash maps Argon2's work memory
# (argon2_memory_kib), which stays resident - once, not a leak, but a
# worker still idle in the first minute would show it as growth.  So
# logins in parallel, as many as there are auth workers times two, until
# every auth worker has grown from its start (at most 20 rounds).
sub warm_up {
	my %start = map { $_ => proc_rss_kb($_) } $t->worker_pids('auth');
	# A pid gone by now (or not readable) is no worker to warm.
	delete @start{ grep { $start{$_} eq '' } keys %start };
	my $cold = sub { grep { (proc_rss_kb($_) || 0) < $start{$_} + 1024 }
	    keys %start };
	my ($email, $password) = $t->register_user(password => 'soak-warm-up-1');
	my $rounds = 0;
	while ($rounds < 20 && $cold->()) {
		$rounds++;
		my @pids;
		for (1 .. 2 * keys %start) {
			my $pid = fork // die "fork: $!";
			if (!$pid) {
				$t->request('POST', '/api/login',
				    json => { email => $email, password => $password });
				_exit(0);
			}
			push @pids, $pid;
		}
		waitpid $_, 0 for @pids;
	}
	return ($rounds, scalar $cold->());
}
my ($warm_rounds, $cold) = warm_up();

assign_slots();
my @columns = ('t_s', 'requests', 'rps', 'pg_connections', 'master_rss_kb',
    'master_fds', map { ("${_}_rss_kb", "${_}_fds") } @slots);
my $tmpdir = $t->tmpdir;
my $start = time;
my $deadline = $start + $duration;
my @children;
for my $i (1 .. $catalog_clients) {
	push @children, client($deadline, $catalog_rate, "$tmpdir/soak-c$i",
	    catalog_step(http()));
}
for my $i (1 .. $auth_clients) {
	push @children, client($deadline, $auth_rate, "$tmpdir/soak-a$i",
	    auth_step(http(), $i));
}

my @rows;
my $lines0 = access_log_lines();
my ($prev_t, $prev_req) = (0, 0);
my $next = $start;
while (1) {
	my $now = time;
	assign_slots();
	my %by_slot = reverse %slot_of;
	my $req = access_log_lines() - $lines0;
	my $ts = $now - $start;
	my %row = (t_s => sprintf('%.1f', $ts), requests => $req,
	    rps => $ts > $prev_t ? sprintf('%.1f', ($req - $prev_req)
		/ ($ts - $prev_t)) : 0,
	    pg_connections => $t->psql('SELECT count(*) FROM pg_stat_activity '
		. "WHERE backend_type = 'client backend' AND pid <> "
		. 'pg_backend_pid()'),
	    master_rss_kb => proc_rss_kb($t->master_pid),
	    master_fds => proc_fds($t->master_pid));
	for my $slot (@slots) {
		my ($pid) = grep { $slot_of{$_} eq $slot && -d "/proc/$_" }
		    keys %slot_of;
		$row{"${slot}_rss_kb"} = $pid ? proc_rss_kb($pid) : '';
		$row{"${slot}_fds"} = $pid ? proc_fds($pid) : '';
	}
	push @rows, \%row;
	($prev_t, $prev_req) = ($ts, $req);
	last if $now >= $deadline;
	$next += $sample_every;
	my $wait = ($next < $deadline ? $next : $deadline) - time;
	sleep $wait if $wait > 0;
}
waitpid $_, 0 for @children;
my ($ok, $bad) = (0, 0);
for my $f (glob "$tmpdir/soak-[ca]*") {
	open my $fh, '<', $f or next;
	my ($o, $b) = split ' ', scalar <$fh>;
	$ok += $o;
	$bad += $b;
}
my $users = $t->psql('SELECT count(*) FROM users');
my $log_problems = () = $t->server_log =~ /\b(?:error|crit|alert)\b/gi;
$t->stop;

open my $csv, '>', $csv_file or die "$csv_file: $!";
print {$csv} join(',', @columns), "\n";
for my $r (@rows) {
	print {$csv} join(',', map { $r->{$_} // '' } @columns), "\n";
}
close $csv;

# ---- the figures: first minute against last minute (medians)

sub median {
	my @v = sort { $a <=> $b } grep { defined && length } @_;
	return undef unless @v;
	return @v % 2 ? $v[$#v / 2] : ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}
my $end = $rows[-1]{t_s};
my @first = grep { $_->{t_s} <= 60 } @rows;
my @last = grep { $_->{t_s} >= $end - 60 } @rows;
my @failed;
printf "soak: %d s, sample every %d s; %d catalog client(s) at %s req/s, "
    . "%d auth client(s) at %s cycles/s; workers never recycled\n",
    $duration, $sample_every, $catalog_clients, $catalog_rate,
    $auth_clients, $auth_rate;
printf "warm-up: %d round(s) of parallel logins; auth workers still "
    . "without a hash after it: %d\n", $warm_rounds, $cold;
printf "requests logged by nginx: %d (%.1f/s); client responses as "
    . "expected: %d, not: %d; users at the end: %s; replaced workers: %s; "
    . "error lines in the server log: %d\n", $rows[-1]{requests},
    $rows[-1]{requests} / ($end || 1), $ok, $bad, $users,
    (join(', ', map { "$_ x$replaced{$_}" } sort keys %replaced) || 'none'),
    $log_problems;
print "\n| series | first minute (median) | last minute (median) | growth "
    . "| limit | verdict |\n|---|---|---|---|---|---|\n";
for my $col (grep { /_(?:rss_kb|fds)$/ || $_ eq 'pg_connections' }
    @columns) {
	my ($a, $b) = (median(map { $_->{$col} } @first),
	    median(map { $_->{$col} } @last));
	next unless defined $a && defined $b;
	my $growth = $b - $a;
	my ($limit, $bad_growth);
	if ($col =~ /_rss_kb$/) {
		my $pct_kb = $a * $rss_limit_pct / 100;
		my $lim = $rss_limit_kb > $pct_kb ? $rss_limit_kb : $pct_kb;
		$limit = sprintf '%d kB', $lim;
		$bad_growth = $growth > $lim;
	} elsif ($col =~ /_fds$/) {
		$limit = "+$fd_limit";
		$bad_growth = $growth > $fd_limit;
	} else {
		$limit = '(reported)';
	}
	push @failed, $col if $bad_growth;
	printf "| %s | %s | %s | %+g%s | %s | %s |\n", $col, $a, $b, $growth,
	    $a ? sprintf(' (%+.1f %%)', 100 * $growth / $a) : '', $limit,
	    $bad_growth ? 'GROWS' : 'flat';
}
printf "\nCSV: %s\n", $csv_file;

# ---- the plot
my @rss_cols = grep { /_rss_kb$/ && $_ ne 'master_rss_kb' } @columns;
my @fd_cols = grep { /_fds$/ } @columns;
my %idx = map { $columns[$_] => $_ + 1 } 0 .. $#columns;
my $plot = sub {
	join ', ', map { my $c = $_; (my $n = $c) =~ s/_(?:rss_kb|fds)$//;
	    "'$csv_file' using 1:(\$$idx{$c}" . ($c =~ /rss/ ? '/1024' : '')
	    . ") with lines title '$n'" } @_;
};
my $gp = <<"EOF";
set terminal pngcairo size 1200,900 font ',10'
set output '$png_file'
set datafile separator ','
set key autotitle columnhead
set key outside right
set grid
set multiplot layout 2,2 title 'cexup-api soak: ${duration} s mixed load (bench/soak.sh)'
set xlabel 'seconds'
set title 'worker RSS (MiB)'
set yrange [0:*]
# Room above a flat line, which would otherwise lie on the border.
set offsets 0, 0, graph 0.1, 0
plot @{[ $plot->(@rss_cols) ]}, '$csv_file' using 1:(\$$idx{master_rss_kb}/1024) with lines title 'master'
set title 'open file descriptors'
plot @{[ $plot->(@fd_cols) ]}
set title 'PostgreSQL client connections'
plot '$csv_file' using 1:$idx{pg_connections} with lines title 'connections'
set title 'requests/s (nginx access log)'
plot '$csv_file' using 1:$idx{rps} with lines title 'requests/s'
unset multiplot
EOF
open my $g, '|-', 'gnuplot' or die "gnuplot: $!";
print {$g} $gp;
close $g or warn "gnuplot failed\n";
printf "plot: %s\n", $png_file;

if (@failed) {
	print "\nFAIL: growing beyond the limit: @failed\n";
	exit 1;
}
print "\nno series grew beyond its limit\n";
exit 0;
