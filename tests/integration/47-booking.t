# POST /api/appointment/book (issue 14, docs/API.md §3): a patient books a
# slot of get-time-list; the slot is then shown booked; the doctor is never
# booked twice for overlapping times at any hospital, nor the patient; and
# every bad input is the right 4xx and stores nothing (table-driven).
use strict;
use warnings;

use IO::Socket::SSL;
use POSIX ();
use Test::More;
use Time::HiRes qw(sleep);
use CexupTest qw(json_encode);

my $t = CexupTest->new;
my $TZ = $t->config_value('timezone') // 'Asia/Jakarta';
my $BOOK = '/api/appointment/book';
my $LIST = '/api/doctor/get-time-list';
my @INVALID = ('The given data was invalid.', undef);
my @TAKEN = ('The slot is no longer available.', undef);

# Doctor 1 at hospitals 1 (dhh 1: offline by the hour 00:00-23:00, online
# by the half hour 19:00-21:00) and 2 (dhh 2: offline 08:00-12:00 by the
# half hour); doctor 2 at hospital 2 (dhh 3: offline by the half hour).
$t->psql(<<'SQL');
INSERT INTO specialities (slug, name) VALUES ('cardiology', 'Cardiology');
INSERT INTO hospitals (slug, name, address, city) VALUES
    ('rs-one', 'RS One', 'Jl. Satu 1', 'Jakarta'),
    ('rs-two', 'RS Two', 'Jl. Dua 2', 'Bandung');
INSERT INTO doctors (slug, name, speciality_id) VALUES
    ('doc-one', 'Doc One', 1), ('doc-two', 'Doc Two', 1);
INSERT INTO doctor_has_hospital (doctor_id, hospital_id, consultation_fee,
    offers_online, offers_offline) VALUES
    (1, 1, 200000, true, true), (1, 2, 150000, false, true),
    (2, 2, 100000, false, true);
INSERT INTO doctor_schedules (doctor_has_hospital_id, weekday, start_time,
    end_time, slot_minutes, appointment)
SELECT 1, w, time '00:00', time '23:00', 60, 'offline'
    FROM generate_series(1, 7) w
UNION ALL SELECT 1, w, '19:00', '21:00', 30, 'online'
    FROM generate_series(1, 7) w
UNION ALL SELECT 2, w, '08:00', '12:00', 30, 'offline'
    FROM generate_series(1, 7) w
UNION ALL SELECT 2, w, '13:00', '14:00', 30, 'online'
    FROM generate_series(1, 7) w
UNION ALL SELECT 3, w, '08:00', '12:00', 30, 'offline'
    FROM generate_series(1, 7) w;
SQL
my $today = $t->psql("SELECT (now() AT TIME ZONE '$TZ')::date");
my $tomorrow = $t->psql("SELECT (now() AT TIME ZONE '$TZ')::date + 1");
my $yesterday = $t->psql("SELECT (now() AT TIME ZONE '$TZ')::date - 1");

my (undef, $pw_a) = $t->register_patient(username => 'booker');
my (undef, $pw_b) = $t->register_patient(username => 'other');
my $a = $t->login_patient('booker', $pw_a)->{token}{access_token};
my $b = $t->login_patient('other', $pw_b)->{token}{access_token};
ok($a && $b, 'two patients logged in');

sub book {
	my ($token, $body, %h) = @_;
	return $t->cexup_request('POST', $BOOK, json => $body,
	    headers => { ($token ? %{ $t->bearer($token) } : ()), %h });
}
sub count { $t->psql('SELECT count(*) FROM appointments') }
sub booked_starts {
	my ($dhh, $date) = @_;
	my $r = $t->cexup_request('POST', $LIST, json => {
	    doctor_has_hospital_id => $dhh, date => $date });
	return [ map { "$_->{start} $_->{appointment}" }
	    grep { !$_->{available} } @{ $r->{json}{data}{slots} // [] } ];
}

# ---- a booking
my %slot = (doctor_has_hospital_id => 1, date => $tomorrow, start => '10:00',
    appointment => 'offline');
my $res = book($a, { %slot, note => '  chest pain since Monday ' });
my $data = $t->expect_ok($res, 201, 'Appointment booked.',
    name => 'a free slot is 201');
is_deeply($data->{appointment} && { %{ $data->{appointment} },
    id => 'ID' }, { id => 'ID', doctor_has_hospital_id => 1, doctor_id => 1,
    date => $tomorrow, start => '10:00', end => '11:00',
    appointment => 'offline', status => 'booked',
    note => 'chest pain since Monday' }, 'the appointment as booked');
like($data->{appointment}{id} // '', qr/^\d+$/, '... with a numeric id');
is($t->psql("SELECT patient_id || ' ' || doctor_id || ' ' || "
    . "to_char(starts_at AT TIME ZONE '$TZ', 'YYYY-MM-DD HH24:MI') || ' ' || "
    . "(ends_at - starts_at) FROM appointments"),
    "1 1 $tomorrow 10:00 01:00:00", 'stored for the patient, in the time zone');
is_deeply(booked_starts(1, $tomorrow), ['10:00 offline'],
    'get-time-list shows it booked at once');

# ---- conflicts: 409, nothing stored
$t->expect_error(book($b, \%slot), 409, @TAKEN,
    name => 'the same slot by another patient is 409');
$t->expect_error(book($a, \%slot), 409, @TAKEN,
    name => 'the same slot again by the same patient is 409');
$t->expect_error(book($b, { %slot, doctor_has_hospital_id => 2,
    start => '10:30' }), 409, @TAKEN,
    name => 'the same doctor, overlapping, at another hospital is 409');
$t->expect_error(book($a, { %slot, doctor_has_hospital_id => 3,
    start => '10:30' }), 409, @TAKEN, name => 'the patient, overlapping, '
    . 'with another doctor at another hospital is 409');
is(count(), 1, 'no conflict stored anything');
# Adjacent slots do not overlap.
$t->expect_ok(book($a, { %slot, doctor_has_hospital_id => 3,
    start => '11:00' }), 201, 'Appointment booked.',
    name => 'the patient\'s next slot, right after, is 201');
$t->expect_ok(book($b, { %slot, doctor_has_hospital_id => 2,
    start => '09:30' }), 201, 'Appointment booked.',
    name => 'the doctor\'s slot right before, at the other hospital, is 201');
is(count(), 3, 'three appointments');

# ---- a cancelled booking frees the slot (cancel route: later; the row
# is what the constraint and get-time-list read)
$t->psql('UPDATE appointments SET cancelled_at = now() WHERE id = '
    . $data->{appointment}{id});
is_deeply(booked_starts(1, $tomorrow), ['09:00 offline'],
    'after cancelling, get-time-list shows 10:00 free (09:30 at rs-two '
    . 'blocks 09:00)');
$t->expect_ok(book($b, \%slot), 201, 'Appointment booked.',
    name => 'the freed slot can be booked again');
my $n = count();

# ---- bad input: status, message, the fields named; nothing stored
my $past_today = { %slot, date => $today, start => '00:00' };
my @cases = (
	[ {}, 400, [qw(doctor_has_hospital_id date start appointment)],
	    'an empty body' ],
	[ { %slot, start => '10:15' }, 400, ['start'], 'a time off the grid' ],
	[ { %slot, start => '23:00' }, 400, ['start'],
	    'a slot that would end after the schedule' ],
	[ { %slot, doctor_has_hospital_id => 3, start => '13:00' }, 400,
	    ['start'], 'a time outside every schedule' ],
	[ { %slot, appointment => 'online' }, 400, ['appointment'],
	    'an offline slot booked as online' ],
	[ { %slot, doctor_has_hospital_id => 2, start => '13:00',
	    appointment => 'online' }, 400, ['start'],
	    'a type the practice does not offer' ],
	[ $past_today, 400, ['start'], 'today, a slot that has begun' ],
	[ { %slot, date => $yesterday }, 400, ['date'], 'yesterday' ],
	[ { %slot, date => '2001-01-01' }, 400, ['date'], 'years ago' ],
	[ { %slot, doctor_has_hospital_id => 999999 }, 404, undef,
	    'an unknown practice' ],
	[ { %slot, doctor_has_hospital_id => 999999, date => $yesterday }, 400,
	    ['date'], 'an unknown practice and a past date: 400 first' ],
	(map { [ { %slot, start => $_ }, 400, ['start'],
	    'start ' . json_encode($_) ] } ('24:00', '9:00', '09:00:00',
	    '0900', '09.00', '10:60', '', ' 10:00', 10, \1, ['10:00'])),
	(map { [ { %slot, date => $_ }, 400, ['date'],
	    'date ' . json_encode($_) ] } ('2030-02-30', 'tomorrow', 20300201,
	    "2030-02-0\x{0}1")),
	(map { [ { %slot, appointment => $_ }, 400, ['appointment'],
	    'appointment ' . json_encode($_) ] } ('ONLINE', 'video', '', 1)),
	(map { [ { %slot, doctor_has_hospital_id => $_ }, 400,
	    ['doctor_has_hospital_id'], 'id ' . json_encode($_) ] }
	    ('abc', 0, -1, 1.5, '9223372036854775808')),
	[ { %slot, note => 'x' x 1001 }, 400, ['note'], 'a note too long' ],
	[ { %slot, note => 5 }, 400, ['note'], 'a note that is a number' ],
);
for my $c (@cases) {
	my ($body, $status, $fields, $what) = @$c;
	my $r = book($a, $body);
	if ($status == 404) {
		$t->expect_error($r, 404, "Doctor's practice not found.", undef,
		    name => "$what is 404");
	} else {
		$t->expect_error($r, $status, @INVALID, errors => $fields,
		    name => "$what is $status");
	}
}
$t->expect_error(book(undef, { %slot, start => '12:00' }), 401,
    'Unauthenticated.', undef, name => 'no token is 401');
$t->expect_error(book('x.y.z', { %slot, start => '12:00' }), 401,
    'Unauthenticated.', undef, name => 'a bad token is 401');
$t->expect_error($t->request('POST', $BOOK, json => { %slot,
    start => '12:00' }, headers => $t->bearer($a)), 401, undef, undef,
    name => 'no API key is 401');
is(count(), $n, 'nothing was stored by any bad input');

# A doctor's token is 403.
$t->psql("UPDATE users SET role = 'doctor' WHERE username = 'other'");
my $login = $t->request('POST', '/api/login', json => {
    email => $t->psql("SELECT email FROM users WHERE username = 'other'"),
    password => $pw_b });
my $doc = $login->{json}{data}{token}{access_token}
    // $login->{json}{token}{access_token} // $login->{json}{access_token};
SKIP: {
	skip 'no doctor token from /api/login', 1 unless $doc;
	$t->expect_error(book($doc, { %slot, start => '12:00' }), 403,
	    'Forbidden.', undef, name => 'a doctor\'s token is 403');
}
is(count(), $n, '... nothing stored');

# ---- Idempotency-Key
my $api_key = $t->api_key;
my %free = (doctor_has_hospital_id => 3, date => $tomorrow, start => '08:00',
    appointment => 'offline');
$n = count();
$res = book($a, \%free, 'Idempotency-Key' => 'k-1');
$data = $t->expect_ok($res, 201, 'Appointment booked.',
    name => 'with an Idempotency-Key: 201');
my $again = book($a, \%free, 'Idempotency-Key' => 'k-1');
is($again->{status}, 201, 'the same key and body again: 201');
is($again->{json}{data}{appointment}{id}, $data->{appointment}{id},
    '... the stored answer (same appointment id)');
is($again->{headers}{'idempotent-replayed'}, 'true',
    '... marked Idempotent-Replayed');
is(count(), $n + 1, '... and booked once');
$t->expect_error(book($a, { %free, start => '08:30' },
    'Idempotency-Key' => 'k-1'), 422, 'Idempotency key reused.', undef,
    name => 'the same key with another body is 422');
is(count(), $n + 1, '... nothing booked');
# Keys are per user: the other patient's k-1 is a request of its own.
$t->expect_error(book($b, \%free, 'Idempotency-Key' => 'k-1'), 409, @TAKEN,
    name => 'another user\'s same key acts (409: the slot is taken)');
my $r409 = book($b, \%free, 'Idempotency-Key' => 'k-1');
is($r409->{status} . ' ' . ($r409->{headers}{'idempotent-replayed'} // ''),
    '409 true', '... and its 409 is stored and replayed');
$t->expect_error(book($a, { %free, start => '10:30' },
    'Idempotency-Key' => 'x' x 256), 400, @INVALID,
    errors => ['Idempotency-Key'], name => 'a 256-byte Idempotency-Key is 400');
# Bytes HTTP::Tiny will not send: written as they are.
for my $k ("a\x01b", "\xc3\xa9t\xc3\xa9", "a\x7fb") {
	my $body = json_encode({ %free, start => '10:30' });
	my $r = $t->raw_request("POST /api/appointment/book HTTP/1.1\r\n"
	    . "Host: localhost\r\nContent-Type: application/json\r\n"
	    . "x-api-key: $api_key\r\nAuthorization: Bearer $a\r\n"
	    . "Idempotency-Key: $k\r\nContent-Length: " . length($body)
	    . "\r\nConnection: close\r\n\r\n$body");
	ok($r->{status} == 400 && ref $r->{json}{errors} eq 'HASH'
	    && $r->{json}{errors}{'Idempotency-Key'},
	    'Idempotency-Key ' . json_encode(join '', map { sprintf '%%%02x',
	    ord } split //, $k) . " is 400 ($r->{status})");
}
is(count(), $n + 1, 'bad keys booked nothing');

# Concurrent requests with one key: one booking, every answer the same.
{
	my %s = (%free, start => '09:00');
	my @kids;
	for my $i (1 .. 6) {
		my $pid = fork // die "fork: $!";
		if (!$pid) {
			my $r = book($a, \%s, 'Idempotency-Key' => 'k-par');
			open my $fh, '>', $t->tmpdir . "/par.$i"
			    or POSIX::_exit(1);
			print {$fh} "$r->{status} "
			    . ($r->{json}{data}{appointment}{id} // '-');
			close $fh;
			POSIX::_exit(0);
		}
		push @kids, $pid;
	}
	waitpid($_, 0) for @kids;
	my %seen;
	for my $i (1 .. 6) {
		open my $fh, '<', $t->tmpdir . "/par.$i" or next;
		$seen{ scalar <$fh> }++;
	}
	is_deeply([ map { /^201 \d+$/ ? 'ok' : $_ } keys %seen ], ['ok'],
	    'six concurrent requests with one key: one answer, 201 ('
	    . join(', ', keys %seen) . ')');
	is(count(), $n + 2, '... one booking');
}

# A request whose connection is cut before the answer, retried with its
# key: one appointment, whichever of the two did the booking.
{
	my %s = (%free, start => '09:30');
	my $body = json_encode(\%s);
	my $s = IO::Socket::SSL->new(PeerAddr => '127.0.0.1',
	    PeerPort => $t->port, SSL_verify_mode => 0,
	    SSL_hostname => 'localhost');
	ok($s, 'raw connection');
	print {$s} "POST /api/appointment/book HTTP/1.1\r\nHost: localhost\r\n"
	    . "Content-Type: application/json\r\nx-api-key: $api_key\r\n"
	    . "Authorization: Bearer $a\r\nIdempotency-Key: k-cut\r\n"
	    . 'Content-Length: ' . length($body) . "\r\nConnection: close\r\n"
	    . "\r\n$body" if $s;
	close $s if $s;	# killed: the answer is never read
	my $retry = book($a, \%s, 'Idempotency-Key' => 'k-cut');
	is($retry->{status}, 201, 'the retry with the same key is 201');
	$t->wait_until(5, sub { count() == $n + 3 });
	sleep 0.5;
	is($t->psql("SELECT count(*) FROM appointments WHERE doctor_id = 2 AND "
	    . "starts_at = ('$tomorrow'::date + time '09:30') AT TIME ZONE '$TZ'"),
	    1, '... and exactly one appointment for it');
}

# ---- my appointments: upcoming first, then past; status filter; meta
{
	my $r = $t->cexup_request('GET', '/api/appointment?data=50',
	    headers => $t->bearer($a));
	my $list = $t->expect_ok($r, 200, 'OK', meta => 1,
	    name => 'my appointments: 200 with meta');
	my @mine = split /\n/, $t->psql("SELECT id FROM appointments WHERE "
	    . "patient_id = 1 ORDER BY starts_at");
	is_deeply([ map { $_->{id} } @{ $list // [] } ], [ map { $_ + 0 } @mine ],
	    'all of mine, soonest first');
	is($r->{json}{meta}{total}, scalar @mine, 'meta.total');
	$r = $t->cexup_request('POST', '/api/appointment',
	    json => { status => 'cancelled' }, headers => $t->bearer($a));
	is_deeply([ map { $_->{status} } @{ $r->{json}{data} // [] } ],
	    ['cancelled'], 'status=cancelled: only the cancelled one');
	$r = $t->cexup_request('GET', '/api/appointment?status=booked&data=2',
	    headers => $t->bearer($a));
	is(scalar @{ $r->{json}{data} // [] } . ' ' . $r->{json}{meta}{total}
	    . ' ' . $r->{json}{meta}{last_page}, '2 ' . (@mine - 1) . ' '
	    . int((@mine - 1 + 1) / 2), 'status=booked, two a page');
	$t->expect_error($t->cexup_request('GET', '/api/appointment?status=x',
	    headers => $t->bearer($a)), 400, @INVALID, errors => ['status'],
	    name => 'an unknown status is 400');
	$t->expect_error($t->cexup_request('GET', '/api/appointment'), 401,
	    'Unauthenticated.', undef, name => 'the list without a token: 401');
	$r = $t->cexup_request('GET', '/api/appointment',
	    headers => $t->bearer($b));
	ok(!grep({ my $x = $_->{id}; grep { $_ == $x } @mine }
	    @{ $r->{json}{data} // [] }), 'the other patient sees none of mine');
}

# ---- cancel: frees the slot at once; another's is 404; too late is 409
{
	my $CANCEL = '/api/appointment/cancel';
	my $id = $t->psql("SELECT id FROM appointments WHERE patient_id = 1 AND "
	    . "doctor_id = 2 AND cancelled_at IS NULL ORDER BY starts_at LIMIT 1");
	my $start = $t->psql("SELECT to_char(starts_at AT TIME ZONE '$TZ', "
	    . "'HH24:MI') FROM appointments WHERE id = $id");
	ok(grep({ $_ eq "$start offline" } @{ booked_starts(3, $tomorrow) }),
	    "$start is booked before");
	$t->expect_error($t->cexup_request('POST', $CANCEL, json => { id => $id },
	    headers => $t->bearer($b)), 404, 'Appointment not found.', undef,
	    name => 'someone else\'s appointment is 404');
	$t->expect_error($t->cexup_request('POST', $CANCEL,
	    json => { id => 999999 }, headers => $t->bearer($a)), 404,
	    'Appointment not found.', undef, name => 'an unknown id is 404');
	for my $v ('abc', 0, -1, undef) {
		$t->expect_error($t->cexup_request('POST', $CANCEL,
		    json => { id => $v }, headers => $t->bearer($a)), 400,
		    @INVALID, errors => ['id'],
		    name => 'cancel id ' . json_encode($v) . ' is 400');
	}
	is($t->psql("SELECT count(*) FROM appointments WHERE cancelled_at IS "
	    . "NOT NULL"), 1, 'nothing cancelled by those');
	my $r = $t->cexup_request('POST', $CANCEL, json => { id => $id },
	    headers => $t->bearer($a));
	my $d = $t->expect_ok($r, 200, 'Appointment cancelled.',
	    name => 'cancelling mine is 200');
	is($d->{appointment}{status}, 'cancelled', '... status cancelled');
	ok(!grep({ $_ eq "$start offline" } @{ booked_starts(3, $tomorrow) }),
	    "... and $start is free in get-time-list at once");
	$t->expect_ok(book($b, { %free, start => $start }), 201,
	    'Appointment booked.', name => '... and can be booked by another');
	$t->expect_error($t->cexup_request('POST', $CANCEL, json => { id => $id },
	    headers => $t->bearer($a)), 409,
	    'The appointment is already cancelled.', undef,
	    name => 'cancelling it again is 409');
	# Inside the notice (default 120 minutes): 409, still booked.
	my $soon = $t->psql("INSERT INTO appointments (doctor_has_hospital_id, "
	    . "doctor_id, patient_id, appointment, starts_at, ends_at) VALUES "
	    . "(3, 2, 1, 'offline', now() + interval '30 minutes', now() + "
	    . "interval '60 minutes') RETURNING id");
	$t->expect_error($t->cexup_request('POST', $CANCEL,
	    json => { id => $soon + 0 }, headers => $t->bearer($a)), 409,
	    'Too late to cancel.', undef,
	    name => 'in 30 minutes, with 120 minutes notice: 409');
	is($t->psql("SELECT cancelled_at IS NULL FROM appointments WHERE "
	    . "id = $soon"), 't', '... still booked');
}

# ---- a doctor's own day (doctor 2 is the account "other")
SKIP: {
	skip 'no doctor token from /api/login', 6 unless $doc;
	$t->psql("UPDATE doctors SET user_id = (SELECT id FROM users WHERE "
	    . "username = 'other') WHERE id = 2");
	my $r = $t->cexup_request('GET',
	    "/api/doctor/appointments?date=$tomorrow",
	    headers => $t->bearer($doc));
	my $d = $t->expect_ok($r, 200, 'OK', name => 'a doctor\'s day: 200');
	my $want = $t->psql("SELECT string_agg(to_char(starts_at AT TIME ZONE "
	    . "'$TZ', 'HH24:MI') || CASE WHEN cancelled_at IS NULL THEN '' ELSE "
	    . "' cancelled' END, ',' ORDER BY starts_at, id) FROM appointments "
	    . "WHERE doctor_id = 2 AND (starts_at AT TIME ZONE '$TZ')::date = "
	    . "'$tomorrow'");
	is(join(',', map { $_->{start} . ($_->{status} eq 'cancelled'
	    ? ' cancelled' : '') } @{ $d->{appointments} // [] }), $want,
	    'every booking of the day, by start, cancelled ones marked');
	is($d->{appointments}[0]{hospital}, 'RS Two', '... with the hospital');
	ok(length($d->{appointments}[0]{patient_name} // ''),
	    '... and the patient\'s name');
	$t->expect_error($t->cexup_request('GET', '/api/doctor/appointments',
	    headers => $t->bearer($a)), 403, 'Forbidden.', undef,
	    name => 'a patient\'s token is 403');
	$t->expect_error($t->cexup_request('GET',
	    '/api/doctor/appointments?date=2030-02-30',
	    headers => $t->bearer($doc)), 400, @INVALID, errors => ['date'],
	    name => 'a bad date is 400');
}

$t->stop;
done_testing();
