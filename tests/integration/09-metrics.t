# GET /api/metrics: Prometheus text summed over every worker of the node,
# served only to addresses in metrics_allow.
use strict;
use warnings;
use Test::More;
use CexupTest;

sub metrics {
	my ($t) = @_;
	my $res = $t->request('GET', '/api/metrics');
	my %m;
	for (split /\n/, $res->{body} // '') {
		next if /^#/;
		$m{$1} = $2 if /^(\S+) (\S+)$/;
	}
	return ($res, \%m);
}

my $t = CexupTest->new(config => { workers => 3 });

my ($res, $before) = metrics($t);
is($res->{status}, 200, 'metrics answer 200 to 127.0.0.1');
like($res->{headers}{'content-type'}, qr{^text/plain; version=0\.0\.4},
    'Prometheus text format');
like($res->{body}, qr/^# TYPE cexup_requests_total counter$/m,
    'requests counter declared');

my $health = 'cexup_requests_total{route="/api/health",status="200"}';
my $nope = 'cexup_requests_total{route="unmatched",status="404"}';
my $login401 = 'cexup_requests_total{route="/api/login",status="401"}';
$t->request('GET', '/api/health') for 1 .. 7;
$t->request('GET', '/api/nope') for 1 .. 2;
$t->request('POST', '/api/login', json => { email => 'nobody@example.com',
    password => 'password123' });
my (undef, $after) = metrics($t);
is(($after->{$health} // 0) - ($before->{$health} // 0), 7,
    'seven health requests counted, whichever worker served them');
is(($after->{$nope} // 0) - ($before->{$nope} // 0), 2,
    'unknown routes counted as unmatched');
is(($after->{$login401} // 0) - ($before->{$login401} // 0), 1,
    'a failed login counted under its route and status');

my $inf = $after->{'cexup_request_duration_seconds_bucket{route="/api/health",le="+Inf"}'};
my $count = $after->{'cexup_request_duration_seconds_count{route="/api/health"}'};
ok(defined $inf && $inf == $count, 'histogram +Inf bucket equals its count');
my $b1 = $after->{'cexup_request_duration_seconds_bucket{route="/api/login",le="0.001"}'} // 0;
my $b5 = $after->{'cexup_request_duration_seconds_bucket{route="/api/login",le="5"}'} // 0;
ok($b1 <= $b5, 'buckets are cumulative');
is($b1, 0, 'a login (one Argon2id verification) never takes under 1 ms');

# The scoreboard: workers per pool and stage.  This request's own worker
# is busy (running), the other two api workers idle; the auth worker idle.
is($after->{'cexup_workers_busy{pool="api"}'}, 1,
    'one api worker busy: the one answering');
is($after->{'cexup_workers_idle{pool="api"}'}, 2, 'two api workers idle');
is($after->{'cexup_workers_idle{pool="auth"}'}, 1, 'the auth worker idle');
is($after->{'cexup_workers{pool="api",stage="running"}'}, 1,
    'stage running for the busy one');

# Worker restarts are counted by the master in the same shared memory, per
# pool.
my $api_restarts = 'cexup_worker_restarts_total{pool="api"}';
my $auth_restarts = 'cexup_worker_restarts_total{pool="auth"}';
my ($victim) = $t->worker_pids('auth');
my $restarts = $after->{$auth_restarts} // 0;
kill 'KILL', $victim;
ok($t->wait_until(10, sub { scalar(grep { $_ != $victim }
    $t->worker_pids('auth')) == 1 }), 'the killed auth worker was replaced');
my (undef, $later) = metrics($t);
is($later->{$auth_restarts}, $restarts + 1,
    'the restart is counted in the auth pool');
is($later->{$api_restarts}, $after->{$api_restarts} // 0,
    'and not in the api pool');
ok(($later->{'cexup_worker_starts_total{pool="api"}'} // 0) >= 3 &&
    ($later->{'cexup_worker_starts_total{pool="auth"}'} // 0) >= 2,
    'worker starts counted per pool');
unlike($res->{body}, qr/password|token|secret/i,
    'nothing sensitive in the metrics');
$t->stop;

# Addresses outside metrics_allow get a JSON 403.
my $t2 = CexupTest->new(config => { metrics_allow => '10.0.0.0/8' });
$t2->expect_error($t2->request('GET', '/api/metrics'), 403, 'Forbidden.',
    undef, name => 'metrics refused outside metrics_allow');
$t2->stop;
done_testing();
