# POST|GET /api/doctor/get-time-list (docs/API.md §3, §9): slots from the
# weekly schedule in the configured time zone, booked and past slots
# unavailable, the appointment filter, and the order of checks.
use strict;
use warnings;

use Test::More;
use CexupTest qw(json_encode);

my $t = CexupTest->new;
my $KEY = 'catalog-time-test-key';
my $TZ = 'Asia/Jakarta';
$t->psql("INSERT INTO api_clients (name, key_hash) VALUES ('test', "
    . "sha256(convert_to('$KEY', 'UTF8')))");

my @INVALID = ('The given data was invalid.', undef);
my $PATH = '/api/doctor/get-time-list';

sub api {
	my ($method, $path, %o) = @_;
	$o{headers} = { 'x-api-key' => $KEY, %{ $o{headers} // {} } };
	return $t->request($method, $path, %o);
}
sub times_of { [ map { "$_->{start}-$_->{end} $_->{appointment}"
    . ($_->{available} ? '' : ' booked') } @{ $_[0] // [] } ] }

# A doctor at two hospitals and one without a schedule.
$t->psql(<<'SQL');
INSERT INTO users (name, email, password_hash, role)
    VALUES ('Patient', 'patient@example.com', 'x', 'patient');
INSERT INTO specialities (slug, name) VALUES ('cardiology', 'Cardiology');
INSERT INTO hospitals (slug, name, address, city) VALUES
    ('rs-one', 'RS One', 'Jl. Satu 1', 'Jakarta'),
    ('rs-two', 'RS Two', 'Jl. Dua 2', 'Bandung');
INSERT INTO doctors (slug, name, speciality_id) VALUES
    ('doc-one', 'Doc One', 1), ('doc-two', 'Doc Two', 1);
INSERT INTO doctor_has_hospital (doctor_id, hospital_id, consultation_fee,
    offers_online, offers_offline) VALUES
    (1, 1, 200000, true, true),		-- 1: both
    (1, 2, 150000, false, true),	-- 2: offline only
    (2, 1, 100000, true, true);		-- 3: no schedule
-- dhh 1: every day, offline 00:00-23:00 by the hour, online 19:00-21:00
-- by the half hour.  dhh 2: an online session it does not offer.
INSERT INTO doctor_schedules (doctor_has_hospital_id, weekday, start_time,
    end_time, slot_minutes, appointment)
SELECT 1, w, time '00:00', time '23:00', 60, 'offline'
    FROM generate_series(1, 7) w
UNION ALL
SELECT 1, w, '19:00', '21:00', 30, 'online' FROM generate_series(1, 7) w
UNION ALL
SELECT 2, w, '08:00', '10:00', 30, 'online' FROM generate_series(1, 7) w;
SQL

my $today = $t->psql("SELECT (now() AT TIME ZONE '$TZ')::date");
my $tomorrow = $t->psql("SELECT (now() AT TIME ZONE '$TZ')::date + 1");
my $yesterday = $t->psql("SELECT (now() AT TIME ZONE '$TZ')::date - 1");

my @offline = map { sprintf '%02d:00-%02d:00 offline', $_, $_ + 1 } 0 .. 22;
my @online = ('19:00-19:30 online', '19:30-20:00 online',
    '20:00-20:30 online', '20:30-21:00 online');
# By start time, then offline before online at 19:00 and 20:00.
my @all = sort { substr($a, 0, 5) cmp substr($b, 0, 5)
    || ($a =~ /(\w+)$/)[0] cmp ($b =~ /(\w+)$/)[0] } (@offline, @online);

# ---- a free day
my $res = api('POST', $PATH, json => { doctor_has_hospital_id => 1,
    date => $tomorrow });
my $data = $t->expect_ok($res, 200, 'OK', name => 'tomorrow is 200');
is_deeply([sort keys %{ $data // {} }], [qw(date doctor_has_hospital_id
    slots)], 'data: doctor_has_hospital_id, date, slots');
is($data->{doctor_has_hospital_id}, 1, 'doctor_has_hospital_id');
like(json_encode($data->{doctor_has_hospital_id}), qr/^\d+$/, '... a number');
is($data->{date}, $tomorrow, 'date');
is_deeply(times_of($data->{slots}), \@all,
    'every slot of the weekly schedule, by start, all available');
is_deeply($data->{slots}[0], { start => '00:00', end => '01:00',
    appointment => 'offline', available => JSON::PP::true },
    'slot fields: start, end (HH:MM), appointment, available');
like($res->{body}, qr/"available":true/, 'available is a JSON boolean');

# ---- the appointment filter
$res = api('POST', $PATH, json => { doctor_has_hospital_id => 1,
    date => $tomorrow, appointment => 'online' });
is_deeply(times_of($res->{json}{data}{slots}), \@online, 'online only');
$res = api('GET', "$PATH?doctor_has_hospital_id=1&date=$tomorrow"
    . '&appointment=offline');
is_deeply(times_of($res->{json}{data}{slots}), \@offline,
    'offline only (GET with query parameters)');
$res = api('GET', "$PATH?doctor_has_hospital_id=1&date=$tomorrow"
    . '&appointment=');
is(scalar @{ $res->{json}{data}{slots} }, scalar @all,
    'an empty appointment is no filter');
for my $v ('ONLINE', 'both', 'video', 5, \1, ['online']) {
	$t->expect_error(api('POST', $PATH, json => {
	    doctor_has_hospital_id => 1, appointment => $v }), 400, @INVALID,
	    errors => ['appointment'],
	    name => 'appointment ' . json_encode($v) . ' is 400');
}

# A session of a type the practice does not offer is not shown; a
# practice without schedule has no slots.
$res = api('POST', $PATH, json => { doctor_has_hospital_id => 2,
    date => $tomorrow });
is_deeply($res->{json}{data}{slots}, [],
    'online session where only offline is offered: no slots');
$res = api('POST', $PATH, json => { doctor_has_hospital_id => '3' });
$data = $t->expect_ok($res, 200, 'OK',
    name => 'a practice without schedule is 200 (id as a string)');
is_deeply($data->{slots}, [], '... with no slots');

# ---- bookings
# 10:00-11:00 at hospital one; 19:30-20:00 at hospital two (same doctor,
# so the overlapping slots at hospital one are taken too).
$t->psql(<<"SQL");
INSERT INTO appointments (doctor_has_hospital_id, doctor_id, patient_id,
    appointment, starts_at, ends_at) VALUES
 (1, 1, 1, 'offline', ('$tomorrow'::date + time '10:00') AT TIME ZONE '$TZ',
  ('$tomorrow'::date + time '11:00') AT TIME ZONE '$TZ'),
 (2, 1, 1, 'offline', ('$tomorrow'::date + time '19:30') AT TIME ZONE '$TZ',
  ('$tomorrow'::date + time '20:00') AT TIME ZONE '$TZ');
SQL
my %booked = map { $_ => 1 } ('10:00-11:00 offline', '19:00-20:00 offline',
    '19:30-20:00 online');
$res = api('POST', $PATH, json => { doctor_has_hospital_id => 1,
    date => $tomorrow });
is_deeply(times_of($res->{json}{data}{slots}),
    [ map { $booked{$_} ? "$_ booked" : $_ } @all ],
    'booked slots are unavailable, also when booked at another hospital');
# A cancelled booking frees its slot again.
$t->psql("UPDATE appointments SET cancelled_at = now() WHERE doctor_id = 1 "
    . "AND doctor_has_hospital_id = 2");
$res = api('POST', $PATH, json => { doctor_has_hospital_id => 1,
    date => $tomorrow, appointment => 'online' });
is_deeply(times_of($res->{json}{data}{slots}), \@online,
    'a cancelled booking frees the slot');
# A week later (same weekday) nothing is booked.
my $week = $t->psql("SELECT '$tomorrow'::date + 7");
$res = api('POST', $PATH, json => { doctor_has_hospital_id => 1,
    date => $week });
is_deeply(times_of($res->{json}{data}{slots}), \@all,
    'a week later everything is free');

# ---- double booking is impossible (unique constraint)
my $dup = "INSERT INTO appointments (doctor_has_hospital_id, doctor_id, "
    . "patient_id, appointment, starts_at, ends_at) VALUES (%d, 1, 1, "
    . "'offline', ('$tomorrow'::date + time '10:00') AT TIME ZONE '$TZ', "
    . "('$tomorrow'::date + time '11:00') AT TIME ZONE '$TZ')";
ok(!eval { $t->psql(sprintf $dup, 1); 1 }, 'the same slot twice: refused');
like($@, qr/appointments_doctor_slot_key/, '... by the unique index');
ok(!eval { $t->psql(sprintf $dup, 2); 1 },
    'the same doctor and time at another hospital: refused');
ok(!eval { $t->psql("INSERT INTO appointments (doctor_has_hospital_id, "
    . "doctor_id, patient_id, appointment, starts_at, ends_at) VALUES (3, 1, "
    . "1, 'online', now() + interval '1 day', now() + interval '25 hours')");
    1 }, 'a booking whose doctor is not the practice\'s: refused');

# ---- today: slots already past are unavailable
for my $attempt (1 .. 3) {
	my $before = $t->psql("SELECT to_char(now() AT TIME ZONE '$TZ', "
	    . "'HH24:MI')");
	$res = api('POST', $PATH, json => { doctor_has_hospital_id => 1 });
	my $after = $t->psql("SELECT to_char(now() AT TIME ZONE '$TZ', "
	    . "'HH24:MI')");
	next if $before ne $after && $attempt < 3;	# the minute turned
	$data = $t->expect_ok($res, 200, 'OK', name => 'no date: today');
	is($data->{date}, $today, "the default date is today in $TZ");
	my @want = map { substr($_, 0, 5) gt $after ? $_ : "$_ booked" } @all;
	is_deeply(times_of($data->{slots}), \@want,
	    'today: slots that have started are unavailable');
	last;
}
$res = api('GET', "$PATH?doctor_has_hospital_id=1&date=$today");
is($res->{status}, 200, 'today given explicitly is 200');

# ---- validation (400) before lookup (404)
$t->expect_error(api('POST', $PATH, json => { doctor_has_hospital_id => 1,
    date => $yesterday }), 400, @INVALID, errors => ['date'],
    name => 'yesterday is 400');
like($t->request('POST', $PATH, json => { doctor_has_hospital_id => 1,
    date => $yesterday }, headers => { 'x-api-key' => $KEY })->{json}
    {errors}{date}[0] // '', qr/today or later/, '... "today or later"');
$t->expect_error(api('POST', $PATH, json => { doctor_has_hospital_id => 1,
    date => '2001-01-01' }), 400, @INVALID, errors => ['date'],
    name => 'a date years ago is 400');
for my $d ('2030-02-30', '2030-2-01', '20300201', 'tomorrow', '2030-02-01 ',
    '2030-02-01T00:00', '30-02-2030', '2030/02/01', "2030-02-0\x{0}1") {
	$t->expect_error(api('POST', $PATH, json => {
	    doctor_has_hospital_id => 1, date => $d }), 400, @INVALID,
	    errors => ['date'], name => 'date ' . json_encode($d) . ' is 400');
}
for my $d (20300201, \1, ['2030-02-01']) {
	$t->expect_error(api('POST', $PATH, json => {
	    doctor_has_hospital_id => 1, date => $d }), 400, @INVALID,
	    errors => ['date'], name => 'date ' . json_encode($d) . ' is 400');
}
$t->expect_error(api('GET', "$PATH?doctor_has_hospital_id=1&date=2030-13-01"),
    400, @INVALID, errors => ['date'], name => 'GET date 2030-13-01 is 400');
$t->expect_error(api('POST', $PATH, json => { doctor_has_hospital_id =>
    999999 }), 404, "Doctor's practice not found.", undef,
    name => 'unknown doctor_has_hospital_id is 404');
$t->expect_error(api('GET', "$PATH?doctor_has_hospital_id=999999&date="
    . $tomorrow), 404, "Doctor's practice not found.", undef,
    name => 'unknown id (GET) is 404');
$t->expect_error(api('POST', $PATH, json => { doctor_has_hospital_id =>
    999999, date => $yesterday }), 400, @INVALID, errors => ['date'],
    name => 'unknown id and a past date: 400 first');
for my $body ({}, { doctor_has_hospital_id => undef },
    { doctor_has_hospital_id => '' }) {
	$t->expect_error(api('POST', $PATH, json => $body), 400, @INVALID,
	    errors => ['doctor_has_hospital_id'],
	    name => 'missing id ' . json_encode($body) . ' is 400');
}
$t->expect_error(api('GET', $PATH), 400, @INVALID,
    errors => ['doctor_has_hospital_id'], name => 'GET without id is 400');
for my $v ('abc', 0, -1, 1.5, '1e3', \1, [1], '9223372036854775808',
    9223372036854775808) {
	$t->expect_error(api('POST', $PATH, json => {
	    doctor_has_hospital_id => $v }), 400, @INVALID,
	    errors => ['doctor_has_hospital_id'],
	    name => 'id ' . json_encode($v) . ' is 400');
}
$res = api('POST', $PATH, json => { doctor_has_hospital_id => 'x',
    date => 'y', appointment => 'z' });
is_deeply([sort keys %{ $res->{json}{errors} // {} }],
    [qw(appointment date doctor_has_hospital_id)],
    'every bad field is reported at once');
$t->expect_error(api('GET', "$PATH?doctor_has_hospital_id=%ff"), 400,
    @INVALID, errors => ['doctor_has_hospital_id'],
    name => 'id not UTF-8 (GET) is 400');
is($t->psql('SELECT count(*) FROM appointments'), 2,
    'nothing was booked by any of this');
$t->stop;

# ---- the configured time zone decides what "today" is
my $zone = 'Pacific/Kiritimati';	# UTC+14
my $k = CexupTest->new(config => { timezone => $zone });
$k->psql("INSERT INTO api_clients (name, key_hash) VALUES ('test', "
    . "sha256(convert_to('$KEY', 'UTF8')))");
$k->psql(q{INSERT INTO specialities (slug, name) VALUES ('x', 'X');
    INSERT INTO hospitals (slug, name, address, city) VALUES
	('h', 'H', 'a', 'c');
    INSERT INTO doctors (slug, name, speciality_id) VALUES ('d', 'D', 1);
    INSERT INTO doctor_has_hospital (doctor_id, hospital_id,
	consultation_fee) VALUES (1, 1, 1)});
my $ktoday = $k->psql("SELECT (now() AT TIME ZONE '$zone')::date");
$res = $k->request('POST', $PATH, json => { doctor_has_hospital_id => 1 },
    headers => { 'x-api-key' => $KEY });
is($res->{json}{data}{date}, $ktoday, "today is today in $zone");
isnt($ktoday, $k->psql("SELECT (now() AT TIME ZONE 'Pacific/Pago_Pago')"
    . '::date'), '... which is another day than at UTC-11');
$res = $k->request('POST', $PATH, json => { doctor_has_hospital_id => 1,
    date => $k->psql("SELECT (now() AT TIME ZONE '$zone')::date - 1") },
    headers => { 'x-api-key' => $KEY });
is($res->{status}, 400, "yesterday in $zone is 400");
$k->stop;

# ---- the demo bookings follow the configured time zone: each one is a
# slot of its schedule there, shown as booked
{
	my $zone = 'America/New_York';
	my $d = CexupTest->new(demo => 1, config => { timezone => $zone });
	$d->psql("INSERT INTO api_clients (name, key_hash) VALUES ('test', "
	    . "sha256(convert_to('$KEY', 'UTF8')))");
	my @bookings = split /\n/, $d->psql("SELECT doctor_has_hospital_id "
	    . "|| ' ' || to_char(starts_at AT TIME ZONE '$zone', "
	    . "'YYYY-MM-DD HH24:MI') || ' ' || appointment FROM appointments "
	    . 'ORDER BY id LIMIT 5');
	is(scalar @bookings, 5, 'the demo has bookings');
	my @missing;
	for my $b (@bookings) {
		my ($dhh, $date, $start, $type) = split / /, $b;
		my $r = $d->request('POST', $PATH, json => {
		    doctor_has_hospital_id => $dhh + 0, date => $date },
		    headers => { 'x-api-key' => $KEY });
		push @missing, $b unless grep { $_->{start} eq $start
		    && $_->{appointment} eq $type && !$_->{available} }
		    @{ $r->{json}{data}{slots} // [] };
	}
	is_deeply(\@missing, [], "in $zone, each demo booking is a booked "
	    . 'slot of the time list');
	$d->stop;
}

done_testing();
