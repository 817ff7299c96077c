# bench/lib/ProcCpu.pm - CPU time by process group, from /proc/PID/stat
# (utime + stime), for the CPU-per-request figures of the benchmarks.
#
#   my $before = ProcCpu::sample(\%groups);   # { name => [pids] }
#   ... load ...
#   my $cpu = ProcCpu::delta($before, ProcCpu::sample(\%groups));
#   # { name => seconds }
#
# A process that exits between the samples loses what it used; one that
# starts in between counts from its start (the pids are taken again at
# the second sample).
package ProcCpu;

use strict;
use warnings;
use POSIX ();

my $TICK = POSIX::sysconf(POSIX::_SC_CLK_TCK()) || 100;

# Seconds of CPU (user + system) used so far by one process, or undef.
sub pid_seconds {
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/stat" or return undef;
	my $line = <$fh>;
	close $fh;
	# The command name may hold spaces: fields are counted after ")".
	$line =~ s/^.*\)\s+//s or return undef;
	my @f = split /\s+/, $line;
	# utime and stime are fields 14 and 15 of the whole line.
	return ($f[11] + $f[12]) / $TICK;
}

# The process and all its descendants.
sub tree {
	my (@roots) = @_;
	my %kids;
	for my $dir (glob '/proc/[0-9]*') {
		my ($pid) = $dir =~ m{(\d+)$};
		open my $fh, '<', "$dir/stat" or next;
		my $line = <$fh>;
		close $fh;
		next unless $line =~ /\)\s+\S+\s+(\d+)/;
		push @{ $kids{$1} }, $pid;
	}
	my @out;
	my @todo = grep { defined } @roots;
	while (@todo) {
		my $p = shift @todo;
		push @out, $p;
		push @todo, @{ $kids{$p} // [] };
	}
	return @out;
}

# { name => { pid => seconds } } for { name => sub { pids } }.
sub sample {
	my ($groups) = @_;
	my %s;
	for my $name (keys %$groups) {
		for my $pid ($groups->{$name}->()) {
			my $sec = pid_seconds($pid);
			$s{$name}{$pid} = $sec if defined $sec;
		}
	}
	return \%s;
}

# { name => seconds used between the samples }.
sub delta {
	my ($a, $b) = @_;
	my %d;
	for my $name (keys %$b) {
		my $sum = 0;
		for my $pid (keys %{ $b->{$name} }) {
			$sum += $b->{$name}{$pid} - ($a->{$name}{$pid} // 0);
		}
		$d{$name} = $sum;
	}
	return \%d;
}

1;
