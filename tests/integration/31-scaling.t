# Horizontal scaling: two nodes (two masters, each with its own workers)
# behind one nginx upstream and one PostgreSQL.  Requests are spread over
# both; a token issued by one node is accepted by the other; a rolling
# SIGHUP of both nodes under load loses no request; kill -9 of one whole
# node leaves the service answering through the other.
use strict;
use warnings;
use IO::Select;
use Test::More;
use Time::HiRes qw(sleep time);
use CexupTest;

my $t = CexupTest->new(nodes => 2, config => { workers => 2 },
    # Connects refused by the killed node are logged by nginx as errors
    # before it moves on to the other node: expected here.
    nginx_log_ignore => qr/connect\(\) to unix:\S+cexup-api-1\.sock failed/);

# Which node served a response: its request id is in that node's log.
sub served_by {
	my ($res) = @_;
	my $id = $res->{headers}{'x-request-id'} // return -1;
	for my $k (0, 1) {
		return $k if index($t->node_log($k), "id=$id ") >= 0;
	}
	return -1;
}

my @count = (0, 0);
for (1 .. 40) {
	my $res = $t->request('GET', '/api/health');
	my $k = served_by($res);
	$count[$k]++ if $k >= 0;
}
cmp_ok($count[0], '>=', 10, "node 0 served $count[0] of 40");
cmp_ok($count[1], '>=', 10, "node 1 served $count[1] of 40");

# A token from one node works on the other (shared keys, state in PG).
my ($email, $password) = $t->register_user;
my $login = $t->request('POST', '/api/login',
    json => { email => $email, password => $password });
is($login->{status}, 200, 'logged in');
my $issuer = served_by($login);
my $token = $login->{json}{data}{token}{access_token};
my %me_on;
for (1 .. 12) {
	my $res = $t->request('GET', '/api/me',
	    headers => { Authorization => "Bearer $token" });
	$me_on{ served_by($res) }{ $res->{status} }++;
}
is_deeply($me_on{ 1 - $issuer }, { 200 => $me_on{ 1 - $issuer }{200} },
    "the token issued by node $issuer is accepted by node " . (1 - $issuer))
    and ok(($me_on{ 1 - $issuer }{200} // 0) > 0, 'at least one such request');

# Rolling reload of both nodes while two clients keep sending requests.
pipe(my $r, my $w) or die;
my @clients;
for my $c (1 .. 2) {
	my $pid = fork // die;
	if (!$pid) {
		close $r;
		my $deadline = time + 20;
		while (time < $deadline && !-e $t->tmpdir . '/stop-clients') {
			my $res = $c == 1
			    ? $t->request('GET', '/api/health')
			    : $t->request('POST', '/api/login', json =>
				{ email => $email, password => $password });
			syswrite $w, "$res->{status}\n";
		}
		POSIX::_exit(0);
	}
	push @clients, $pid;
}
close $w;
sleep 0.5;
for my $k (0, 1) {
	my @old = $t->node_worker_pids($k);
	$t->signal_node($k, 'HUP');
	ok($t->wait_until(15, sub {
		my %now = map { $_ => 1 } $t->node_worker_pids($k);
		!grep { $now{$_} } @old }), "node $k replaced all its workers");
}
# Go on a little after the reload, until there are 20 answers (a slow
# machine, ASan, may not make that many while the workers are replaced),
# so that "none failed" rests on enough requests.
my @statuses;
my $sel = IO::Select->new($r);
my ($settle, $enough) = (time + 0.5, time + 20);
while (time < $enough && (time < $settle || @statuses < 20)) {
	next unless $sel->can_read(0.1);
	my $line = <$r>;
	last unless defined $line;
	push @statuses, $line;
}
open my $fh, '>', $t->tmpdir . '/stop-clients';
close $fh;
push @statuses, <$r>;
waitpid($_, 0) for @clients;
chomp @statuses;
my @bad = grep { $_ != 200 } @statuses;
cmp_ok(scalar @statuses, '>=', 20,
    scalar(@statuses) . ' requests during and just after the rolling '
    . 'reload');
is(scalar @bad, 0, 'none failed') or diag("statuses: @bad");

# kill -9 one whole node: the other carries on.
my $killed = $t->kill_node(1);
cmp_ok($killed, '>=', 3, 'killed node 1: master and workers');
my %after;
for (1 .. 20) {
	$after{ $t->request('GET', '/api/health')->{status} }++;
}
$after{ $t->request('POST', '/api/login', json => { email => $email,
    password => $password })->{status} }++ for 1 .. 4;
is_deeply(\%after, { 200 => 24 },
    'every request after the kill is answered by node 0');
$t->stop;
done_testing();
