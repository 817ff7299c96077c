# Booking races (issue 14): 50 patients book one slot at the same moment
# through nginx -> exactly one 201 and 49 x 409, and one appointment in
# the database; then the same with the requests spread over two nodes
# (two masters sharing one PostgreSQL, see 31-scaling.t).  The guard is
# PostgreSQL's (sql/008_booking.sql), so it holds across nodes.
# Then get-time-list on both nodes shows the booking and its cancellation
# in the very next requests.
use strict;
use warnings;

use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);
use CexupTest qw(json_encode json_decode);

my $N = 50;
my $TZ = 'Asia/Jakarta';
# Argon2id of "cexup-doctor-demo" (sql/demo/030_catalog.sql): the racers
# are inserted, not registered, to spare 50 hashes; each still logs in.
my $HASH = '$argon2id$v=19$m=19456,t=2,p=1$rTmnDL0sJSWu9+xCsLnJNw$'
    . 'GVzf13dMqV5dCBQAQ9I7cBeNJRwETMcU/D6O4Qjp1jY';

sub setup {
	my ($t) = @_;
	$t->psql(<<"SQL");
INSERT INTO specialities (slug, name) VALUES ('cardiology', 'Cardiology');
INSERT INTO hospitals (slug, name, address, city) VALUES
    ('rs-one', 'RS One', 'Jl. Satu 1', 'Jakarta'),
    ('rs-two', 'RS Two', 'Jl. Dua 2', 'Bandung');
INSERT INTO doctors (slug, name, speciality_id) VALUES ('doc', 'Doc', 1);
INSERT INTO doctor_has_hospital (doctor_id, hospital_id, consultation_fee,
    offers_online, offers_offline) VALUES (1, 1, 1, true, true),
    (1, 2, 1, false, true);
INSERT INTO doctor_schedules (doctor_has_hospital_id, weekday, start_time,
    end_time, slot_minutes, appointment)
SELECT 1, w, time '08:00', time '12:00', 30, 'offline'
    FROM generate_series(1, 7) w
UNION ALL SELECT 2, w, time '08:00', time '12:00', 20, 'offline'
    FROM generate_series(1, 7) w;
INSERT INTO users (name, email, username, password_hash, role)
SELECT 'Racer ' || i, 'racer' || i || '\@example.com', 'racer' || i,
    '$HASH', 'patient' FROM generate_series(1, $N) i;
SQL
	my @tokens;
	for my $i (1 .. $N) {
		my $d = $t->login_patient("racer$i", 'cexup-doctor-demo');
		push @tokens, $d ? $d->{token}{access_token} : undef;
	}
	is(scalar(grep { defined } @tokens), $N, "$N patients logged in");
	return @tokens;
}

# Each body is sent at the same instant from its own process; returns the
# responses (status, request id) in order.
sub race {
	my ($t, $tokens, $bodies) = @_;
	my $go = time + 1.5;
	my @kids;
	for my $i (0 .. $#$tokens) {
		my $file = $t->tmpdir . "/race.$i";
		my $pid = fork // die "fork: $!";
		if (!$pid) {
			sleep($go - time) if $go > time;
			my $r = $t->cexup_request('POST', '/api/appointment/book',
			    json => $bodies->[$i],
			    headers => $t->bearer($tokens->[$i]));
			open my $fh, '>', $file or POSIX::_exit(1);
			print {$fh} json_encode({ status => $r->{status},
			    id => $r->{headers}{'x-request-id'} // '',
			    message => ref $r->{json} eq 'HASH'
			    ? $r->{json}{message} : undef });
			close $fh;
			POSIX::_exit(0);
		}
		push @kids, [$pid, $file];
	}
	my @out;
	my $deadline = time + 60;
	for my $k (@kids) {
		my $w;
		# Bounded: a child that hangs is killed, its answer missing.
		while (($w = waitpid($k->[0], POSIX::WNOHANG())) == 0
		    && time < $deadline) {
			sleep 0.05;
		}
		kill 'KILL', $k->[0] if $w == 0;
		waitpid($k->[0], 0) if $w == 0;
		my $r = { status => 0 };
		if (open my $fh, '<', $k->[1]) {
			local $/;
			$r = json_decode(scalar <$fh>) // $r;
		}
		push @out, $r;
	}
	return @out;
}

sub split_of {
	my %n;
	$n{ $_->{status} }++ for @_;
	return join ', ', map { "$_ x $n{$_}" } sort keys %n;
}

sub check_race {
	my ($t, $label, $tokens, $bodies) = @_;
	my @r = race($t, $tokens, $bodies);
	my $ok = grep { $_->{status} == 201 } @r;
	my $taken = grep { $_->{status} == 409 &&
	    ($_->{message} // '') eq 'The slot is no longer available.' } @r;
	is($ok, 1, "$label: exactly one 201 (" . split_of(@r) . ')');
	is($taken, $N - 1, "$label: the other " . ($N - 1) . ' are 409');
	return @r;
}

my $tomorrow;
my @same = map { +{ doctor_has_hospital_id => 1, date => undef,
    start => '09:00', appointment => 'offline' } } 1 .. $N;

# ---- one node: one slot, 50 patients
{
	my $t = CexupTest->new(config => { workers => 4 });
	$tomorrow = $t->psql("SELECT (now() AT TIME ZONE '$TZ')::date + 1");
	$_->{date} = $tomorrow for @same;
	my @tokens = setup($t);
	check_race($t, 'one node, one slot', \@tokens, \@same);
	is($t->psql('SELECT count(*) FROM appointments'), 1,
	    '... and one appointment stored');

	# Overlapping, not equal: half of them book 10:00-10:30 at rs-one,
	# the other half 10:00-10:20 or 10:20-10:40 at rs-two (20-minute
	# slots), all overlapping one another through the doctor.  Only the
	# exclusion constraint (not the unique start index) decides most of
	# these; some of rs-two's 10:00-10:20 vs 10:20-10:40 do not overlap,
	# so count per overlap class instead: at most one of the doctor's
	# bookings in [10:00, 10:30) from rs-one, and rs-two's two slots
	# cannot both hold with rs-one's.
	my @mixed = map { $_ % 2
	    ? { doctor_has_hospital_id => 1, date => $tomorrow,
		start => '10:00', appointment => 'offline' }
	    : { doctor_has_hospital_id => 2, date => $tomorrow,
		start => ($_ % 4 ? '10:00' : '10:20'),
		appointment => 'offline' } } 0 .. $N - 1;
	my @r = race($t, \@tokens, \@mixed);
	is(scalar(grep { $_->{status} != 201 && $_->{status} != 409 } @r), 0,
	    'overlapping slots at two hospitals: every answer 201 or 409 ('
	    . split_of(@r) . ')');
	is($t->psql("SELECT count(*) FROM appointments a JOIN appointments b"
	    . " ON a.id < b.id AND a.doctor_id = b.doctor_id"
	    . " AND a.cancelled_at IS NULL AND b.cancelled_at IS NULL"
	    . " AND tstzrange(a.starts_at, a.ends_at) &&"
	    . " tstzrange(b.starts_at, b.ends_at)"), 0,
	    '... and no two of the doctor\'s appointments overlap');
	cmp_ok($t->psql("SELECT count(*) FROM appointments WHERE starts_at >="
	    . " ('$tomorrow'::date + time '10:00') AT TIME ZONE '$TZ'"), '>=', 1,
	    '... one of them booked');
	$t->stop;
}

# ---- two nodes: the same race, spread over both
{
	my $t = CexupTest->new(nodes => 2, config => { workers => 2 });
	my @tokens = setup($t);
	my @r = check_race($t, 'two nodes, one slot', \@tokens, \@same);
	is($t->psql('SELECT count(*) FROM appointments'), 1,
	    '... and one appointment stored');
	my @served = (0, 0);
	for my $r (@r) {
		for my $k (0, 1) {
			$served[$k]++ if $r->{id} ne ''
			    && index($t->node_log($k), "id=$r->{id} ") >= 0;
		}
	}
	ok($served[0] > 0 && $served[1] > 0,
	    "both nodes answered bookings ($served[0] and $served[1])");

	# get-time-list on either node shows the booking at once, and the
	# cancellation at once (the time list is never cached, and nginx
	# spreads consecutive requests over both nodes).
	my ($winner) = grep { $r[$_]{status} == 201 } 0 .. $#r;
	my $appt = $t->psql('SELECT id FROM appointments');
	for my $phase ('booked', 'cancelled') {
		if ($phase eq 'cancelled') {
			my $c = $t->cexup_request('POST',
			    '/api/appointment/cancel', json => { id => $appt },
			    headers => $t->bearer($tokens[$winner // 0]));
			is($c->{status}, 200, 'the winner cancels');
		}
		my (@wrong, %ids);
		for (1 .. 12) {
			my $l = $t->cexup_request('POST',
			    '/api/doctor/get-time-list', json => {
			    doctor_has_hospital_id => 1, date => $tomorrow });
			$ids{ $l->{headers}{'x-request-id'} // '' } = 1;
			my ($slot) = grep { $_->{start} eq '09:00' }
			    @{ $l->{json}{data}{slots} // [] };
			push @wrong, $l->{status} unless $slot
			    && ($slot->{available} ? 'cancelled' : 'booked')
			    eq $phase;
		}
		my @by_node = map { my $log = $t->node_log($_);
		    scalar grep { $_ ne '' && index($log, "id=$_ ") >= 0 }
		    keys %ids } 0, 1;
		is(scalar @wrong, 0, "after the slot is $phase, 12 of 12 "
		    . "get-time-list answers show it so (nodes answered "
		    . "$by_node[0] and $by_node[1])");
		ok($by_node[0] > 0 && $by_node[1] > 0,
		    "... from both nodes");
	}
	$t->stop;
}

done_testing();
