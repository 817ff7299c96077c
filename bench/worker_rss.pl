#!/usr/bin/perl
# bench/worker_rss.pl - resident memory (VmRSS) of each worker right after
# start, after N requests that hash nothing (GET /api/ready: what an api-pool
# worker does) and after N logins (default N = 100).  Argon2's work memory
# (argon2_memory_kib) dominates the difference.  One worker by default, so
# that every request lands on the worker measured.
#
# usage: CEXUP_BIN=/path/to/cexup-api [CEXUP_SRCDIR=checkout] [WORKERS=1]
#        [N=100] perl bench/worker_rss.pl
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib";
use CexupTest;

my $n = $ENV{N} // 100;
my $t = CexupTest->new(tap => 0, auth_rate => '100000r/s',
    config => { workers => $ENV{WORKERS} // 1, max_requests => 0 });

sub rss_kib {
	my %rss;
	for my $pid ($t->worker_pids) {
		open my $fh, '<', "/proc/$pid/status" or next;
		while (<$fh>) {
			$rss{$pid} = $1 if /^VmRSS:\s+(\d+) kB/;
		}
	}
	return \%rss;
}

sub show {
	my ($what, $rss) = @_;
	printf "%-28s %s\n", $what, join(', ', map {
	    sprintf '%d: %.1f MiB', $_, $rss->{$_} / 1024 } sort keys %$rss);
}

show('after start:', rss_kib());
my $ready = 0;
for (1 .. $n) {
	$ready++ if $t->request('GET', '/api/ready')->{status} == 200;
}
show("after $ready GET /api/ready:", rss_kib());
my ($email, $password) = $t->register_user(password => 'benchmark-password');
my $ok = 0;
for (1 .. $n) {
	# A new connection each time, so that nginx spreads them.
	my $r = $t->request('POST', '/api/login',
	    json => { email => $email, password => $password });
	$ok++ if $r->{status} == 200;
}
show("after $ok logins:", rss_kib());
$t->stop;
