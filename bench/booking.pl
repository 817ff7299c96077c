#!/usr/bin/perl
# bench/booking.pl - POST /api/appointment/book through nginx on the scale
# data (bench/load_scale_data.sql): CLIENTS patients (default 16), each a
# closed loop (a new TLS connection per request, as CexupTest sends them;
# the server's own time comes from its request log), for DURATION seconds
# (default 10) in two runs:
#   random: each books a random slot of a random first practice on a random
#           session day of the coming 26 weeks (mostly free: 201);
#   hot:    all of them book the same HOT slots (default 4): the share of
#           409s, and how fast a refused booking is answered.
# Environment: CEXUP_BIN, CLIENTS, DURATION, HOT, WORKERS (0 = 4 per core).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib";
use POSIX ();
use Time::HiRes qw(time);
use CexupTest qw(json_encode json_decode);

my $clients = $ENV{CLIENTS} // 16;
my $duration = $ENV{DURATION} // 10;
my $hot = $ENV{HOT} // 4;
my $TZ = 'Asia/Jakarta';
my $HASH = '$argon2id$v=19$m=19456,t=2,p=1$rTmnDL0sJSWu9+xCsLnJNw$'
    . 'GVzf13dMqV5dCBQAQ9I7cBeNJRwETMcU/D6O4Qjp1jY';	# cexup-doctor-demo

my $t = CexupTest->new(tap => 0,
    config => { workers => $ENV{WORKERS} // 0, max_requests => 0 });
my $t0 = time;
my ($rc, $out) = $t->_run(undef, 'psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1',
    '-h', $t->{pg_sockdir}, '-p', $t->{pg_port}, '-U', 'postgres', '-d',
    'cexup', '-f', "$FindBin::Bin/load_scale_data.sql");
die "load_scale_data.sql failed:\n$out" if $rc;
my $load = time - $t0;
$t->psql("INSERT INTO users (name, email, username, password_hash, role) "
    . "SELECT 'Booker ' || i, 'booker' || i || '\@bench.example', 'booker' || i, "
    . "'$HASH', 'patient' FROM generate_series(1, $clients) i");
my @tokens = map {
	my $d = $t->login_patient("booker$_", 'cexup-doctor-demo')
	    or die "login booker$_ failed\n";
	$d->{token}{access_token}
} 1 .. $clients;
my $n_dhh = $t->psql('SELECT max(id) FROM doctor_has_hospital');
my $today = $t->psql("SELECT (now() AT TIME ZONE '$TZ')::date");
# Session days (Mon, Wed, Fri) of the coming 26 weeks.
my @days = split /\n/, $t->psql("SELECT d::date FROM generate_series("
    . "'$today'::date + 1, '$today'::date + 182, interval '1 day') d "
    . "WHERE extract(isodow FROM d) IN (1, 3, 5)");
my @starts = map { sprintf '%02d:%02d', 8 + int($_ / 2), 30 * ($_ % 2) } 0 .. 7;

sub run {
	my ($mode) = @_;
	my $before = $t->psql('SELECT count(*) FROM appointments');
	my $log_from = length $t->server_log;
	my $go = time + 1;
	my @kids;
	for my $c (0 .. $clients - 1) {
		my $file = $t->tmpdir . "/bench.$mode.$c";
		my $pid = fork // die "fork: $!";
		if (!$pid) {
			srand($$ ^ time);
			my (%n, @ms);
			select(undef, undef, undef, $go - time) if $go > time;
			my $end = $go + $duration;
			while (time < $end) {
				my %b = (appointment => 'offline');
				if ($mode eq 'hot') {
					%b = (%b, doctor_has_hospital_id => 1,
					    date => $days[0],
					    start => $starts[int rand $hot]);
				} else {
					# First practices have odd ids.
					%b = (%b, doctor_has_hospital_id =>
					    1 + 2 * int(rand($n_dhh / 2)),
					    date => $days[int rand @days],
					    start => $starts[int rand 8]);
				}
				my $s = time;
				my $r = $t->cexup_request('POST',
				    '/api/appointment/book', json => \%b,
				    headers => $t->bearer($tokens[$c]));
				push @ms, 1000 * (time - $s);
				$n{ $r->{status} }++;
			}
			open my $fh, '>', $file or POSIX::_exit(1);
			print {$fh} json_encode({ n => \%n, ms => \@ms });
			close $fh;
			POSIX::_exit(0);
		}
		push @kids, [$pid, $file];
	}
	my (%n, @ms);
	for my $k (@kids) {
		waitpid($k->[0], 0);
		open my $fh, '<', $k->[1] or die "$k->[1]: $!";
		local $/;
		my $r = json_decode(scalar <$fh>);
		$n{$_} += $r->{n}{$_} for keys %{ $r->{n} };
		push @ms, @{ $r->{ms} };
	}
	@ms = sort { $a <=> $b } @ms;
	my $total = 0;
	$total += $_ for values %n;
	my $stored = $t->psql('SELECT count(*) FROM appointments') - $before;
	# The server's own time per booking (its request log), apart from the
	# clients' (Perl, TLS, on the same loaded cores).
	my @srv = sort { $a <=> $b } substr($t->server_log, $log_from)
	    =~ m{path=/api/appointment/book status=\d+ ms=([\d.]+)}g;
	return { mode => $mode, total => $total, n => \%n, stored => $stored,
	    s50 => $srv[int(@srv * 0.5)] // 0, s99 => $srv[int(@srv * 0.99)] // 0,
	    rps => $total / $duration, p50 => $ms[int(@ms * 0.5)] // 0,
	    p99 => $ms[int(@ms * 0.99)] // 0 };
}

my @res = (run('random'), run('hot'));
my $cores = `nproc`;
chomp $cores;
$t->stop;
printf "machine: %d cores; workers %s (0 = 4 per core); %d clients (HTTP::Tiny, "
    . "a new TLS connection per request), %d s per run; scale data loaded "
    . "in %.0f s\n\n", $cores, $t->config_value('workers') // 0, $clients,
    $duration, $load;
print "| run | requests | req/s | 201 | 409 | other | 409 share | stored | client p50 / p99 ms | server p50 / p99 ms |\n";
print "|---|---|---|---|---|---|---|---|---|---|\n";
for my $r (@res) {
	my %n = %{ $r->{n} };
	my $other = $r->{total} - ($n{201} // 0) - ($n{409} // 0);
	printf "| %s | %d | %.0f | %d | %d | %d | %.1f %% | %d | %.1f / %.1f | %.1f / %.1f |\n",
	    $r->{mode} eq 'hot' ? "all on $hot slots" : 'random free slots',
	    $r->{total}, $r->{rps}, $n{201} // 0, $n{409} // 0, $other,
	    100 * ($n{409} // 0) / ($r->{total} || 1), $r->{stored}, $r->{p50},
	    $r->{p99}, $r->{s50}, $r->{s99};
}
