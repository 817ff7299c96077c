# Slow clients from one address cannot starve the others (issue #12): 500
# connections from 127.0.0.1 that drip their request headers (slowloris),
# drip a declared body byte by byte, or send part of a body and go silent,
# while another client (127.0.0.2) makes ordinary catalog requests.
#
#  - the other client's p99 stays within 2 x its p99 measured unloaded in
#    this same test, plus 50 ms (a floor for a loaded 2-core machine, where
#    a few milliseconds of scheduling noise would otherwise be a doubling),
#    and it never gets a 5xx;
#  - client_header_timeout cuts every slowloris connection, although it
#    keeps sending, and sends it no answer;
#  - client_body_timeout cuts a body that goes silent;
#  - limit_conn lets at most 32 requests of the address be in progress:
#    the rest of the dripping bodies are refused at once with 503 +
#    Retry-After;
#  - nginx buffers the bodies: no dripping request reaches a worker.
#
# Bounded: about 60 s (the timeouts are 10 s; the attack lasts 20 s).
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(time sleep);
use IO::Select;
use IO::Socket::SSL qw(SSL_VERIFY_NONE $SSL_ERROR SSL_WANT_READ SSL_WANT_WRITE);
use POSIX ();
use CexupTest;

my $OTHER = '127.0.0.2';
my %N = (header => 400, drip => 90, silent => 10);
my $ATTACK_SECONDS = 20;		# at least
my $ATTACK_MAX_SECONDS = 60;
my $HEADER_TIMEOUT = 10;	# nginx/cexup-api.conf
my $BODY_TIMEOUT = 10;
my $PER_ADDRESS = 32;

my $t = CexupTest->new(demo => 1, conn_per_addr => 'shipped',
    config => { workers => 4 });
like($t->nginx_conf_text, qr/^\s*limit_conn cexup_addr $PER_ADDRESS;/m,
    "the shipped per-address limit ($PER_ADDRESS) is in force");
my $key = $t->api_key;

# ---- unloaded (again after the attack, below: the machine is shared, and
# the larger of the two is the baseline)
my ($unloaded, $bad) = measure(200);
is_deeply($bad, {}, 'unloaded: every catalog request is a 200');

# ---- the attack
pipe(my $ready_r, my $ready_w) or die;
pipe(my $report_r, my $report_w) or die;
pipe(my $done_r, my $done_w) or die;
my $attacker = fork // die "fork: $!";
if (!$attacker) {
	close $_ for $ready_r, $report_r, $done_w;
	attack($ready_w, $report_w, $done_r);
	POSIX::_exit(0);
}
close $_ for $ready_w, $report_w, $done_r;
# The attacker says when its connections are all open (the handshakes are
# CPU work on both sides: measuring during them would measure the CPU).
my $t_setup = time;
sysread($ready_r, my $go, 1);
my $attack_start = time;
note(sprintf('the attacker opened its %d connections in %.1f s',
    $N{header} + $N{drip} + $N{silent}, $attack_start - $t_setup));
my ($loaded, $bad_loaded) = measure(200);
my $measured_in = time - $attack_start;
# The attack goes on until the measurement is over (a slow machine takes
# longer than $ATTACK_SECONDS), up to $ATTACK_MAX_SECONDS.
syswrite $done_w, '.';
close $done_w;
ok($measured_in < $ATTACK_MAX_SECONDS, sprintf('the loaded requests ran '
    . 'during the attack (%.1f s)', $measured_in));
my @report = map { chomp; [ split / / ] } <$report_r>;
waitpid($attacker, 0);
my ($after, $bad_after) = measure(200);
is_deeply($bad_after, {}, 'after the attack: every catalog request is a 200');
my $before = $unloaded;
$unloaded = $after if $after > $unloaded;

is_deeply($bad_loaded, {}, 'under attack: every catalog request is a 200 '
    . '(no 500, no 502)');
my $limit = 2 * $unloaded + 0.050;
note(sprintf('p99 of GET /api/speciality from %s: %.1f ms unloaded (%.1f '
    . 'before, %.1f after), %.1f ms under attack (limit %.1f ms)', $OTHER,
    1000 * $unloaded, 1000 * $before, 1000 * $after, 1000 * $loaded,
    1000 * $limit));
cmp_ok($loaded, '<=', $limit, 'under attack, p99 within 2 x unloaded + 50 ms');

# Report lines: kind, seconds from its connect (or its last byte, for
# "silent") to the server's close (-1: still open at the end), status
# answered (0: none), "retry" if the answer has Retry-After, seconds to the
# answer (-1: none), its age at the end of the attack, and when it was last
# seen open.  The attacker sees a close only at its next look, late on a
# busy machine: "cut no earlier than" uses the close it saw, "lived no
# longer than" the last time it saw the connection open, so that neither
# depends on how busy the machine is.
my %by;
push @{ $by{ $_->[0] } }, $_ for @report;
is(scalar @{ $by{$_} // [] }, $N{$_}, "$N{$_} $_ connections reported")
    for qw(drip silent);
is(scalar @{ $by{refused} // [] }, 0, 'nginx accepted every connection');

# A slowloris connection lives until client_header_timeout (a few seconds
# more on a busy machine), however long the attack goes on.
my @header = @{ $by{header} // [] };
my @cut = grep { $_->[1] >= 0 } @header;
cmp_ok(scalar @cut, '>=', $N{header}, scalar(@cut) . ' slowloris '
    . 'connections were cut (' . scalar(@header) . ' opened)');
my ($first, $last) = minmax(map { $_->[1] } @cut);
note(sprintf('slowloris cut %.1f to %.1f s after connecting', $first, $last))
    if @cut;
ok(@cut && $first >= $HEADER_TIMEOUT - 1, '... none before '
    . "client_header_timeout ($HEADER_TIMEOUT s)");
my @old = grep { $_->[6] > $HEADER_TIMEOUT + 5 } @header;
is(scalar @old, 0, '... and none lived more than '
    . ($HEADER_TIMEOUT + 5) . ' s, though each kept sending');
is(scalar(grep { $_->[2] != 0 } @header), 0, '... with no answer');

my @silent = @{ $by{silent} // [] };
my @silent_cut = grep { $_->[1] >= 0 } @silent;
is(scalar @silent_cut, scalar @silent, 'every silent body was cut');
($first, $last) = minmax(map { $_->[1] } @silent_cut);
note(sprintf('silent bodies cut %.1f to %.1f s after their last byte',
    $first, $last)) if @silent_cut;
ok(@silent_cut && $first >= $BODY_TIMEOUT - 1
    && !grep({ $_->[6] > $BODY_TIMEOUT + 5 } @silent),
    "... by client_body_timeout (${BODY_TIMEOUT} s)");

my @drip = @{ $by{drip} // [] };
my @refused = grep { $_->[2] == 503 } @drip;
my @admitted = grep { $_->[1] < 0 && $_->[2] == 0 } @drip;
note(scalar(@refused) . ' dripping bodies refused with 503, '
    . scalar(@admitted) . ' admitted and still dripping at the end');
# The silent bodies hold their slots until client_body_timeout cuts them,
# no sooner than $BODY_TIMEOUT s after the first of them was opened (its
# last byte); a dripping body opened after that (the handshakes are slow
# on a busy machine) may take a freed slot.  The attacker notices a cut
# late, so the bound is the earliest possible cut, not the one it saw.
# Times relative to the attack's end.
my ($first_silent) = minmax(map { -$_->[5] } @silent);
my @early_drip = grep { !defined $first_silent
    || -$_->[5] < $first_silent + $BODY_TIMEOUT - 1 } @drip;
my $early_refused = grep { $_->[2] == 503 } @early_drip;
cmp_ok($early_refused, '>=', @early_drip - ($PER_ADDRESS - $N{silent}),
    "limit_conn: of the " . scalar(@early_drip) . " bodies dripping beside "
    . "the $N{silent} silent ones, all but " . ($PER_ADDRESS - $N{silent})
    . " refused");
cmp_ok(scalar @admitted, '<=', $PER_ADDRESS, "... and no more than "
    . "$PER_ADDRESS of the address's requests in progress at the end");
is(scalar(grep { $_->[2] == 503 && $_->[4] > 5 } @drip), 0,
    '... at once (seen within 5 s of the request header, before any '
    . 'timeout)');
is(scalar(grep { $_->[3] ne 'retry' } @refused), 0,
    '... each with Retry-After');
is(scalar(grep { $_->[2] != 503 && $_->[2] != 0 } @drip), 0,
    'no other answer to a dripping body');

is(scalar(() = $t->server_log =~ m{method=POST path=/api/login}g), 0,
    'no dripping or silent body reached a worker (nginx buffers them)');
ok($t->nginx_access_log !~ /"status":50[02]\b/,
    'no 500 or 502 in the access log');
$t->stop;
done_testing();

# p99 (seconds) of $n sequential GET /api/speciality from $OTHER, and the
# count of each status that was not 200.
sub measure {
	my ($n) = @_;
	my (@times, %bad);
	for (1 .. $n) {
		my $t0 = time;
		my $res = $t->request('GET', '/api/speciality?data=5',
		    headers => { 'x-api-key' => $key }, from => $OTHER,
		    timeout => 10);
		push @times, time - $t0;
		$bad{ $res->{status} }++ if $res->{status} != 200;
	}
	@times = sort { $a <=> $b } @times;
	return ($times[int(0.99 * $n) - 1], \%bad);
}

sub minmax {
	my @v = sort { $a <=> $b } @_;
	return ($v[0], $v[-1]);
}

# The attacker (a child process): opens every connection from 127.0.0.1
# over TLS 1.2, whose handshake is over when the connection is open (TLS
# 1.3 sends session tickets after it, which a non-blocking read would meet
# first), reading and dripping on those already open meanwhile (the handshakes
# take seconds), says so on $ready, and keeps dripping for $ATTACK_SECONDS,
# reopening every slowloris connection that is cut, as slowloris does.  Then
# one report line per connection to $report.
sub attack {
	my ($ready, $report, $done) = @_;
	$SIG{PIPE} = 'IGNORE';
	# A real attacker spends its own machine's CPU, not the server's: here
	# the two share one, so the attacker yields it.
	POSIX::nice(10);
	my $login = "POST /api/login HTTP/1.1\r\nHost: localhost\r\n"
	    . "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n";
	my %first = (header => "GET /api/health HTTP/1.1\r\n",
	    drip => $login, silent => "$login\{");
	my (@conns, @done);
	my $open = sub {
		my ($kind) = @_;
		my $s = IO::Socket::SSL->new(PeerAddr => '127.0.0.1',
		    PeerPort => $t->port, LocalAddr => '127.0.0.1',
		    SSL_hostname => 'localhost', SSL_version => 'TLSv1_2',
		    SSL_verify_mode => SSL_VERIFY_NONE, Timeout => 10);
		if (!$s) {
			push @done, { kind => 'refused', t0 => time };
			return;
		}
		$s->syswrite($first{$kind});
		$s->blocking(0);
		push @conns, { kind => $kind, sock => $s, t0 => time,
		    next => $kind eq 'silent' ? 1e99 : time + 1, in => '' };
	};
	my $end = 1e99;
	my $reopen = 0;
	# Reads what arrived, notices closes, sends the next byte when due.
	my $poll = sub {
		my $now = time;
		my @cut;
		for my $c (@conns) {
			my $s = $c->{sock};
			$c->{last_seen} = $c->{seen};
			my $n = $s->sysread(my $buf, 4096);
			$c->{seen} = $now;
			if ($n) {
				$c->{answered} //= $now;
				$c->{in} .= $buf;
			} elsif (defined $n || !($!{EAGAIN}
			    || $SSL_ERROR == SSL_WANT_READ
			    || $SSL_ERROR == SSL_WANT_WRITE)) {
				$c->{seen} = $c->{last_seen};
				$c->{closed} = $now;
				push @cut, $c;
				next;
			}
			next if $now < $c->{next};
			# One more header line or body byte, every second.
			my $byte = $c->{kind} eq 'header' ? "X-a: b\r\n" : ' ';
			if (!defined $s->syswrite($byte) && !$!{EAGAIN}) {
				$c->{closed} = $now;
				push @cut, $c;
				next;
			}
			$c->{next} = $now + 1;
		}
		return unless @cut;
		my %gone = map { ($_ => 1) } @cut;
		@conns = grep { !$gone{$_} } @conns;
		push @done, @cut;
		$_->{sock}->close(SSL_no_shutdown => 1) for @cut;
		# A few at a time: a handshake costs milliseconds, and the
		# tick must stay short to time the cuts.
		$reopen += grep { $_->{kind} eq 'header' } @cut if time < $end;
	};
	my $tick = sub {
		$poll->();
		for (1 .. ($reopen < 10 ? $reopen : 10)) {
			$open->('header');
			$reopen--;
		}
	};
	# Silent and dripping bodies first, in order, so that the silent ones
	# are among the requests limit_conn admits.
	my @plan = ((('silent') x $N{silent}), (('drip') x $N{drip}),
	    (('header') x $N{header}));
	for my $i (0 .. $#plan) {
		$open->($plan[$i]);
		$tick->() if $i % 10 == 9;
	}
	syswrite $ready, '.';
	close $ready;
	# At least $ATTACK_SECONDS, and until the measurement is done.
	my $started = time;
	my $measuring = IO::Select->new($done);
	$end = 1e99;
	while (time < $started + $ATTACK_MAX_SECONDS) {
		$tick->();
		sleep 0.2;
		$end = $started + $ATTACK_SECONDS
		    if $end == 1e99 && $measuring->can_read(0);
		last if time >= $end;
	}
	$end = time if $end > time;
	for my $c (@done, @conns) {
		my ($status) = ($c->{in} // '') =~ m{\AHTTP/1\.1 (\d{3}) };
		my $retry = ($c->{in} // '') =~ /^Retry-After: *\d+\r$/mi
		    ? 'retry' : '-';
		my $life = defined $c->{closed}
		    ? sprintf('%.2f', $c->{closed} - $c->{t0}) : -1;
		my $answered = defined $c->{answered}
		    ? sprintf('%.2f', $c->{answered} - $c->{t0}) : -1;
		printf {$report} "%s %s %d %s %s %.2f %.2f\n", $c->{kind}, $life,
		    $status // 0, $retry, $answered, $end - $c->{t0},
		    ($c->{seen} // $c->{t0} // 0) - ($c->{t0} // 0);
	}
	close $report;
}
