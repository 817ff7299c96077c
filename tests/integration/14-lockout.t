# Login protection (docs/API.md §6, §9): failures counted in PostgreSQL per
# account (email, username and case alike, both login routes), growing
# lockouts answered 429 + Retry-After even for the right password, the
# same for emails without an account, reset by a successful login.
use strict;
use warnings;

use Test::More;
use Time::HiRes qw(sleep);
use CexupTest;

my ($THRESHOLD, $BASE, $MAX, $MEMORY) = (3, 2, 4, 600);
my $t = CexupTest->new(config => { lockout_threshold => $THRESHOLD,
    lockout_base_seconds => $BASE, lockout_max_seconds => $MAX,
    lockout_memory_seconds => $MEMORY });

my @LOCKED = ('Too many login attempts.', undef);

my ($user, $pw) = $t->register_patient(username => 'locky',
    email => 'locky@example.com');
sub fdelux { $t->request('POST', '/api/login', json => { email => $_[0],
    password => $_[1] }) }
sub patient { $t->cexup_request('POST', '/api/login/patient',
    json => { email => $_[0], password => $_[1] }) }
sub counter { $t->psql("SELECT coalesce((SELECT failures FROM "
    . "login_failures WHERE key = '$_[0]'), 0)") }
my $ukey = "user:$user->{id}";

# ---- an existing account: failures through every door add up
my @st = (patient('locky', 'wrong 1')->{status},
    fdelux('LOCKY@example.com', 'wrong 2')->{status});
is_deeply(\@st, [401, 401], 'two failures (username, email in capitals)');
is(counter($ukey), 2, 'counted under the account, across both routes');
is(patient(' Locky ', $pw)->{status}, 200,
    'below the threshold the right password works');
is(counter($ukey), 0, 'and a successful login resets the counter');

is(patient('locky', "wrong $_")->{status}, 401, "failure $_ is 401")
    for 1 .. $THRESHOLD;
is($t->psql("SELECT count(*) FROM auth_events WHERE event = 'lockout' "
    . "AND user_id = $user->{id}"), 1, 'the lockout is audited');
my $known_locked;
for my $try (['patient, right password', sub { patient('locky', $pw) }],
    ['fdelux, right password', sub { fdelux('locky@example.com', $pw) }],
    ['patient by email, wrong password', sub {
	patient('Locky@Example.com', 'nope nope') }]) {
	my $res = $try->[1]->();
	$known_locked //= $res;
	$t->expect_error($res, 429, @LOCKED, retry_after => 1,
	    name => "locked: $try->[0] is 429");
	ok(($res->{headers}{'retry-after'} // 0) <= $BASE,
	    "  Retry-After $res->{headers}{'retry-after'} <= $BASE");
}
is(counter($ukey), $THRESHOLD, 'attempts while locked are not counted');
ok($t->psql("SELECT count(*) FROM auth_events WHERE event = "
    . "'login_blocked' AND user_id = $user->{id}") >= 3,
    'refused attempts are audited');

# ---- an email without an account behaves exactly alike
my $ghost = 'Ghost@Example.com';
is(fdelux($ghost, "wrong $_")->{status}, 401, "unknown email failure $_")
    for 1 .. $THRESHOLD;
is(counter('id:ghost@example.com'), $THRESHOLD,
    'counted under the lower-cased identifier');
my $res = patient(lc $ghost, 'whatever1');
$t->expect_error($res, 429, @LOCKED, retry_after => 1,
    name => 'the unknown email is locked too (other route, other case)');
# Compared with the existing account's answer while it was locked: the
# ghost's lockout above takes hashes, which on a slow host outlast a
# $BASE s lock, so asking the existing account again could find it open.
is_deeply([map { $_->{json}{message} } $res, $known_locked],
    [('Too many login attempts.') x 2],
    'the same message for an existing and a non-existing email');

# ---- after the lock: the right password works and resets
sleep $BASE + 0.5;
$res = patient('locky', $pw);
is($res->{status}, 200, 'after Retry-After the right password logs in');
is(counter($ukey), 0, 'and resets the counter');

# ---- the lock grows: base, doubled, capped at max
is(patient('locky', "wrong $_")->{status}, 401, "failure $_")
    for 1 .. $THRESHOLD;
$res = patient('locky', $pw);
is($res->{headers}{'retry-after'}, $BASE, "first lock: $BASE s");
sleep $BASE + 0.5;
is(patient('locky', 'wrong again')->{status}, 401,
    'one more failure after the lock ends is 401');
$res = patient('locky', $pw);
$t->expect_error($res, 429, @LOCKED, retry_after => 1,
    name => 'and locks again at once');
is($res->{headers}{'retry-after'}, $BASE * 2, 'for twice as long');
sleep $BASE * 2 + 0.5;
is(patient('locky', 'and again')->{status}, 401, 'another failure');
$res = patient('locky', $pw);
is($res->{headers}{'retry-after'}, $MAX, "capped at lockout_max_seconds");

# ---- the counter lives in PostgreSQL, which every node shares
{
	my $locked_until = $t->psql("SELECT locked_until > now() FROM "
	    . "login_failures WHERE key = '$ukey'");
	is($locked_until, 't', 'the lock is a row in login_failures');
}

# ---- failures are forgotten lockout_memory_seconds after the last one
{
	my $age = sub {
		$t->psql("UPDATE login_failures SET last_failure_at = now() - "
		    . "interval '$_[0] seconds', locked_until = NULL "
		    . "WHERE key = '$ukey'");
	};
	my $before = counter($ukey);
	$age->($MEMORY - 60);
	is(patient('locky', 'still remembered')->{status}, 401,
	    'a failure within lockout_memory_seconds');
	is(counter($ukey), $before + 1, '  adds to the counter');
	$age->($MEMORY + 60);
	is(patient('locky', 'long forgotten')->{status}, 401,
	    'a failure after lockout_memory_seconds');
	is(counter($ukey), 1, '  starts the counter again from one');
	is(patient('locky', $pw)->{status}, 200,
	    '  so the right password works again');
}

# ---- failures are recorded without passwords
is($t->psql("SELECT count(*) FROM auth_events WHERE identifier LIKE "
    . "'%wrong%'"), 0, 'no password in auth_events');

$t->stop;
done_testing();
