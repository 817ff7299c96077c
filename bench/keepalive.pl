#!/usr/bin/perl
# bench/keepalive.pl - does upstream keepalive between nginx and the workers
# pay?  (Issue 5: keep it only if a benchmark and a saturation test both
# say so.)
#
# Each round starts the stack twice with the demo data, once with the
# shipped nginx configuration (a new FastCGI connection per request) and
# once with "keepalive N" in the upstream and "fastcgi_keep_conn on", and
# measures in each:
#
#  1. throughput: GET /api/speciality, the cheapest catalog request, where
#     the connection set-up is the largest share (wrk -c16);
#  2. saturation: logins (Argon2, ~30 ms of CPU each; wrk -c8) and catalog
#     requests (wrk -c48) at once, more connections than workers: the
#     catalog p99 shows whether catalog requests wait behind logins;
#  3. rolling reload: catalog POSTs (wrk -c16) while the workers are
#     replaced twice (SIGHUP): requests nginx may not retry on another
#     connection (POST) must not fail.
#
# Rounds alternate off/on so that drift on a shared machine hits both.
# Environment: CEXUP_BIN, CEXUP_SRCDIR, ROUNDS (default 2), DURATION
# (default 10), WORKERS (default 0: four per core), KEEPALIVE (default 4:
# kept connections per nginx worker process; the harness runs one).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib", "$FindBin::Bin/lib";
use WrkResult qw(parse_wrk);
use CexupTest;
use Time::HiRes qw(sleep);

my $rounds = $ENV{ROUNDS} // 2;
my $duration = $ENV{DURATION} // 10;
my $kept = $ENV{KEEPALIVE} // 4;
my $cores = `nproc`;
chomp $cores;

sub keepalive_edit {
	my ($text) = @_;
	my $n = $text =~ s{^(\s*)(server unix:\S+;)$}{$1$2\n$1keepalive $kept;}m;
	$n += $text =~ s{^(\s*)include fastcgi_params;$}
	    {$1include fastcgi_params;\n$1fastcgi_keep_conn on;}m;
	die "bench: could not add keepalive ($n of 2 edits)\n" unless $n == 2;
	return $text;
}

# Starts wrk in the background; returns a function that waits for it.
sub wrk_start {
	my ($t, $conns, $secs, $script, $path) = @_;
	my $cmd = "wrk -t1 -c$conns -d${secs}s --latency -s "
	    . "'$FindBin::Bin/wrk/$script' '" . $t->base_url . "$path' 2>&1";
	open my $fh, '-|', $cmd or die "wrk: $!";
	return sub { local $/; my $out = <$fh>; close $fh; parse_wrk($out) };
}

sub statuses {
	my ($t) = @_;
	my %n;
	for (split /\n/, $t->nginx_access_log) {
		$n{$1}++ if /"status":(\d{3})/;
	}
	return \%n;
}

my (@rows, %sum);
for my $round (1 .. $rounds) {
	for my $mode (qw(off on)) {
		my $t = CexupTest->new(tap => 0, demo => 1,
		    auth_rate => '100000r/s',
		    config => { workers => $ENV{WORKERS} // 0,
			max_requests => 0 },
		    $mode eq 'on' ? (nginx_edit => \&keepalive_edit) : ());
		local $ENV{CEXUP_KEY} = $t->api_key;
		my ($email, $password) = $t->register_user(
		    password => 'benchmark-password');
		local $ENV{BENCH_EMAIL} = $email;
		local $ENV{BENCH_PASSWORD} = $password;
		my $slug = $t->cexup_request('POST', '/api/doctor',
		    json => { data => 1 })->{json}{data}[0]{slug};
		local $ENV{BENCH_DOCTOR} = $slug;
		my $workers = scalar $t->worker_pids;

		# 1. throughput
		my $thr = wrk_start($t, 16, $duration, 'speciality.lua',
		    '/api/speciality')->();
		# 2. saturation
		my $logins = wrk_start($t, 8, $duration, 'login.lua',
		    '/api/login');
		my $cat = wrk_start($t, 48, $duration, 'speciality.lua',
		    '/api/speciality');
		my $sat_cat = $cat->();
		my $sat_login = $logins->();
		# 3. rolling reload under POSTs
		my $before = statuses($t);
		my $posts = wrk_start($t, 16, 6, 'doctor_show_one.lua',
		    '/api/doctor/show');
		for (1 .. 2) {
			sleep 1.5;
			my %old = map { $_ => 1 } $t->worker_pids;
			$t->signal_master('HUP');
			$t->wait_until(10, sub {
				my @now = $t->worker_pids;
				@now && !grep { $old{$_} } @now });
		}
		my $reload = $posts->();
		my $after = statuses($t);
		my %failed = map { $_ => ($after->{$_} // 0)
		    - ($before->{$_} // 0) } grep { $_ >= 500 } keys %$after;
		my $fail = 0;
		$fail += $_ for values %failed;
		$t->stop;
		push @rows, [ $round, $mode, $workers, $thr, $sat_cat,
		    $sat_login, $reload, $fail,
		    join(' ', map { "$_ x$failed{$_}" } grep { $failed{$_} }
		    sort keys %failed) ];
		push @{ $sum{$mode} }, $thr->{rps};
	}
}

printf "machine: %d cores; nginx: 1 worker process; keepalive %d when on; "
    . "%ds runs\n\n", $cores, $kept, $duration;
print "| round | keepalive | workers | speciality req/s (c16) | p50 | p99 "
    . "| saturation: catalog req/s (c48) | catalog p99 | logins 200/s (c8) "
    . "| logins refused (503) | login p99 | reload: POSTs | 5xx |\n";
print "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
for my $r (@rows) {
	my ($round, $mode, $w, $thr, $sc, $sl, $rl, $fail, $which) = @$r;
	printf "| %d | %s | %d | %.0f | %s | %s | %.0f | %s | %.0f | %d | %s "
	    . "| %d | %d%s |\n",
	    $round, $mode, $w, $thr->{rps}, $thr->{p50}, $thr->{p99},
	    $sc->{rps}, $sc->{p99},
	    ($sl->{requests} - $sl->{non2xx}) / $duration, $sl->{non2xx},
	    $sl->{p99},
	    $rl->{requests}, $fail, $which ? " ($which)" : '';
}
for my $mode (qw(off on)) {
	my @v = @{ $sum{$mode} };
	my $mean = 0;
	$mean += $_ / @v for @v;
	printf "mean speciality req/s, keepalive %s: %.0f\n", $mode, $mean;
}
