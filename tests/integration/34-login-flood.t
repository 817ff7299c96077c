# A login flood neither exhausts memory nor starves other routes (docs/API.md
# §6): at most hash_slots Argon2 computations run at once, at most as many
# logins wait for one, and any further login is refused at once with 503 +
# Retry-After, so the remaining workers keep serving everything else.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep time);
use CexupTest;

# One slot and slow hashes (about 1 s, more under the sanitizers): the flood
# is easy to see.
#
# This is the one-pool configuration (auth_listen empty: the api pool
# serves logins too), where the hash slots and their waiting room are what
# keeps workers free for other routes.  With two pools (the default) the
# auth pool's size bounds hashing instead: 39-auth-pool.t.
my $t = CexupTest->new(config => { auth_listen => '', workers => 6,
    hash_slots => 1, argon2_iterations => 80, hash_wait_ms => 10000 });
my ($email, $password, $reg) = $t->register_user;
is($reg->{status}, 201, 'registered a user');

# A starved route waits for at least one whole hash, so the limit is half
# of one login measured here: it holds on a slow or busy machine (and under
# the sanitizers), and still fails when routes wait for hashes.
my $t_login = time;
is($t->request('POST', '/api/login', json => { email => $email,
    password => $password })->{status}, 200, 'a single login');
$t_login = time - $t_login;
my $limit = $t_login / 2;
note(sprintf('one login takes %.2f s; other routes must answer in %.2f s',
    $t_login, $limit));

my (undef, $before) = metrics();

pipe(my $r, my $w) or die;
my @kids;
for (1 .. 8) {
	my $pid = fork // die;
	if (!$pid) {
		close $r;
		my $res = $t->request('POST', '/api/login',
		    json => { email => $email, password => $password });
		my $ra = $res->{headers}{'retry-after'} // '-';
		syswrite $w, "$res->{status} $ra\n";
		POSIX::_exit(0);
	}
	push @kids, $pid;
}
close $w;

# Wait for the refusals (up to one login's time), so that the clients' own
# connection set-up is over; the admitted logins are still hashing.
my @results;
my $buffer = '';
my $deadline = time + $t_login;
while (@results < 4 && time < $deadline) {
	my $bits = '';
	vec($bits, fileno($r), 1) = 1;
	select(my $ready = $bits, undef, undef, $deadline - time) or last;
	sysread($r, $buffer, 4096, length $buffer) or last;
	push @results, $1 while $buffer =~ s/^(.*)\n//;
}

# Meanwhile, other routes answer promptly.
my (@slow, @times);
for (1 .. 5) {
	my $t0 = time;
	my $res = $t->request('GET', '/api/ready');
	my $dt = time - $t0;
	push @times, sprintf('%.3f', $dt);
	push @slow, sprintf('%d in %.2fs', $res->{status}, $dt)
	    if $res->{status} != 200 || $dt > $limit;
}
note("/api/ready during the flood: @times s");
is_deeply(\@slow, [], 'during the flood, other requests are answered in '
    . 'under half a login');

note(scalar(@results) . ' logins had been answered before');
push @results, ($buffer . join('', <$r>)) =~ /^(.+)$/mg;
waitpid($_, 0) for @kids;
my @ok = grep { /^200 / } @results;
my @busy = grep { /^503 / } @results;
is(scalar @results, 8, 'every login got an answer');
cmp_ok(scalar @ok, '>=', 2, scalar(@ok) . ' logins got through (a slot, '
    . 'then the waiting room)');
cmp_ok(scalar @busy, '>=', 4, scalar(@busy) . ' were refused at once');
is(scalar(grep { !/^(200|503) / } @results), 0, 'no other status')
    or diag("@results");
is(scalar(grep { !/^503 \d+$/ } @busy), 0, 'each 503 carries Retry-After');

my (undef, $after) = metrics();
# One pool: its counters carry pool="api".
my $busy_key = 'cexup_hash_slot_timeouts_total{pool="api"}';
is($after->{$busy_key} - ($before->{$busy_key} // 0), scalar @busy,
    'the refusals are counted in the metrics');
is($t->request('POST', '/api/login', json => { email => $email,
    password => $password })->{status}, 200, 'after the flood, logins work');
$t->stop;
done_testing();

sub metrics {
	my $res = $t->request('GET', '/api/metrics');
	my %m = map { /^(\S+) (\S+)$/ ? ($1 => $2) : () }
	    grep { !/^#/ } split /\n/, $res->{body};
	return ($res, \%m);
}
