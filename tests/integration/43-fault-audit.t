# Faults under load, every answer audited against the database (issue #12
# point 4): four clients register new accounts through nginx without pause
# while workers of both pools are killed (SIGKILL), PostgreSQL is restarted,
# and then stopped for 3 s.
#
# Audit:
#   - every registration answered 201 exists (no acknowledged write lost);
#   - every answer is the JSON envelope; none is a 500 or a 502;
#   - every 503 the application gave (database down) left nothing behind:
#     no write done for a client told it failed;
#   - a 503 from nginx for a request whose worker was killed under it is
#     the one ambiguous case (the worker may have committed just before):
#     counted and shown, not failed;
#   - registrations succeed again within 2 s of PostgreSQL's return.
use strict;
use warnings;

use POSIX ();
use Test::More;
use Time::HiRes qw(sleep time);
use CexupTest qw(json_decode);

my $t = CexupTest->new(config => { workers => 3, auth_workers => 2,
    argon2_memory_kib => 4096, lockout_threshold => 1000,
    db_connect_timeout => 1 },
    nginx_log_ignore => qr/connect\(\) to unix:\S+ failed|recv\(\) failed|upstream prematurely closed/);

my $dir = $t->tmpdir;
my $stopfile = "$dir/stop-clients";
my @clients;
for my $c (1 .. 4) {
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		open my $out, '>>', "$dir/audit.$c" or POSIX::_exit(1);
		$out->autoflush(1);
		my $i = 0;
		until (-e $stopfile) {
			my $email = sprintf 'audit-%d-%d@example.com', $c, $i++;
			my $r = $t->request('POST', '/api/register', timeout => 40,
			    json => { name => 'Audit', email => $email,
			    password => 'password123' });
			my $j = eval { json_decode($r->{body}) };
			my $msg = ref $j eq 'HASH' ? $j->{message} // '' : '';
			$msg =~ s/\s+/_/g;
			printf {$out} "%.3f %d %s %s\n", time, $r->{status},
			    $email, $msg eq '' ? '-' : $msg;
		}
		POSIX::_exit(0);
	}
	push @clients, $pid;
}

# ---- the faults
my $start = time;
my $kills = 0;
while (time < $start + 8) {
	my @w = $t->worker_pids('all');
	$kills += kill 'KILL', $w[int rand @w] if @w;
	sleep 0.7;
}
$t->stop_postgres('fast');
$t->start_postgres;
my $restarted = time;
sleep 3;
$t->stop_postgres('fast');
sleep 3;
$t->start_postgres;
my $back = time;
sleep 4;
open my $sf, '>', $stopfile or die;
close $sf;
waitpid($_, 0) for @clients;
diag(sprintf '%d workers killed; PostgreSQL restarted at %.1f s, stopped '
    . 'for 3 s, back at %.1f s', $kills, $restarted - $start,
    $back - $start);

# ---- the audit
my @rows;
for my $c (1 .. 4) {
	open my $in, '<', "$dir/audit.$c" or next;
	push @rows, map { [ split ] } <$in>;
}
my %n;
$n{$_->[1]}++ for @rows;
diag(scalar(@rows) . ' registrations: ' . join ', ',
    map { "$n{$_} x $_" } sort keys %n);
cmp_ok($n{201} // 0, '>=', 50, 'registrations succeeded');
ok(!grep({ $_ != 201 && $_ != 503 } keys %n),
    'no status but 201 and 503 (no 500, no 502)')
    or diag(join ' ', sort keys %n);
is(scalar(grep { $_->[3] eq '-' } @rows), 0,
    'every answer is the JSON envelope');

my %in_db = map { $_ => 1 } split /\n/,
    $t->psql("SELECT email FROM users WHERE email LIKE 'audit-%'");
my @lost = grep { $_->[1] == 201 && !$in_db{$_->[2]} } @rows;
is(scalar @lost, 0, 'every 201 is in the database: nothing acknowledged '
    . 'was lost') or diag(join ' ', map { $_->[2] } @lost[0 .. 9]);

# The application's own 503s (its envelope's message) against nginx's
# (a worker lost under the request).
my @app503 = grep { $_->[1] == 503 && $_->[3] ne 'Service_unavailable.' }
    @rows;
my @nginx503 = grep { $_->[1] == 503 && $_->[3] eq 'Service_unavailable.' }
    @rows;
my @done_anyway = grep { $in_db{$_->[2]} } @app503;
is(scalar @done_anyway, 0, 'no registration the application refused '
    . 'with 503 was committed') or diag(join ' ', map { $_->[2] } @done_anyway);
my $ambiguous = grep { $in_db{$_->[2]} } @nginx503;
diag(sprintf '%d application 503s (database away), %d nginx 503s (worker '
    . 'killed under the request), of which %d had committed', scalar @app503,
    scalar @nginx503, $ambiguous);

my ($first_ok) = sort { $a <=> $b } map { $_->[0] } grep {
    $_->[1] == 201 && $_->[0] > $back } @rows;
ok(defined $first_ok, 'registrations succeed after PostgreSQL is back');
cmp_ok(($first_ok // 99) - $back, '<', 2,
    'within 2 s of its return');
diag(sprintf 'first success %.2f s after PostgreSQL returned',
    ($first_ok // 99) - $back);
ok($t->master_alive, 'the master survived');
$t->stop;
done_testing();
