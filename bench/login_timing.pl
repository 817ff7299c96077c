#!/usr/bin/perl
# bench/login_timing.pl - does a login reveal whether an email has an
# account?  Compares the median time of a login for an unknown email with
# that of a known email with a wrong password (docs/API.md §6: they must not
# differ by 10 % or more), measured by the client through nginx and by the
# server (the ms= of its request log lines).
#
# usage: CEXUP_BIN=/path/to/cexup-api perl -I tests/lib bench/login_timing.pl [N]
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib";

use CexupTest;
use Time::HiRes qw(time);

my $n = shift // 200;
my $t = CexupTest->new(tap => 0, config => { lockout_threshold => 1000,
    workers => 2 });

my ($known) = $t->register_user(password => 'the right password');
my %client = (unknown => [], known => []);

# Interleaved, so that drift (caches, CPU frequency) hits both alike.
for my $i (1 .. $n) {
	for my $kind ('unknown', 'known') {
		my $email = $kind eq 'known' ? $known
		    : "nobody.$i.$$\@example.com";
		my $t0 = time;
		my $r = $t->request('POST', '/api/login', json => {
		    email => $email, password => 'a wrong password' });
		my $dt = (time - $t0) * 1000;
		die "unexpected status $r->{status}: $r->{body}\n"
		    unless $r->{status} == 401;
		push @{ $client{$kind} }, $dt;
	}
}

# Server-side times, in the same interleaved order (known every 2nd line).
my @server = map { /status=401 ms=([\d.]+)/ ? $1 : () }
    grep { m{path=/api/login status=401} } split /\n/, $t->server_log;
my %server = (unknown => [@server[grep { $_ % 2 == 0 } 0 .. $#server]],
    known => [@server[grep { $_ % 2 == 1 } 0 .. $#server]]);
$t->stop;

sub median {
	my @s = sort { $a <=> $b } @_;
	return 0 unless @s;
	return @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2;
}

my $worst = 0;
for my $where (['client (through nginx)', \%client],
    ['server (request log)', \%server]) {
	my ($name, $d) = @$where;
	my ($u, $k) = (median(@{ $d->{unknown} }), median(@{ $d->{known} }));
	my $diff = $k > 0 ? abs($u - $k) / $k * 100 : 0;
	$worst = $diff if $diff > $worst;
	printf "%-24s unknown email %7.2f ms, known email + wrong password "
	    . "%7.2f ms, difference %5.2f %% (n=%d each)\n", $name, $u, $k,
	    $diff, scalar @{ $d->{unknown} };
}
printf "%s: the medians differ by %s 10 %%\n", $worst < 10 ? 'PASS' : 'FAIL',
    $worst < 10 ? 'less than' : 'at least';
exit($worst < 10 ? 0 : 1);
