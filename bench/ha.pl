#!/usr/bin/perl
# bench/ha.pl - what PostgreSQL HA costs (issue 15): registration
# (POST /api/register: one Argon2id hash + one INSERT) and the authenticated
# update (POST /api/update/patient: one UPDATE) through nginx, first on a
# single PostgreSQL, then on a two-node Patroni cluster with
# synchronous_mode (each commit waits for the standby), in the same run and
# with the same PostgreSQL settings (the test harness's: fsync off, so the
# difference is the replication round trip, not a disk flush).
#
# Run through bench/run-ha.sh.  Environment: CEXUP_BIN, DURATION (default
# 10), CONNECTIONS (default 16), WORKERS (default 0 = 4 per core).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib", "$FindBin::Bin/lib";
use WrkResult qw(parse_wrk);
use CexupTest;
use PatroniCluster;

my $duration = $ENV{DURATION} // 10;
my $conns = $ENV{CONNECTIONS} // 16;

# $psql: runs SQL on the database under test (CexupTest's own PostgreSQL
# would be the wrong one for the pair).
sub run_on {
	my ($label, $psql, %config) = @_;
	my $t = CexupTest->new(tap => 0, auth_rate => '100000r/s',
	    config => { workers => $ENV{WORKERS} // 0, max_requests => 0,
	    %config });
	$psql //= sub { $t->psql($_[0]) };
	my $key = CexupTest::b64url_encode(CexupTest::_random_bytes(32));
	$psql->("INSERT INTO api_clients (name, key_hash) VALUES "
	    . "('bench-ha', sha256('$key'::bytea))");
	my %h = (headers => { 'x-api-key' => $key });
	my $u = 'bench' . int(rand(1e6));
	my $reg = $t->request('POST', '/api/register/patient', %h, json => {
	    name => 'Bench Patient', address => 'Jl. Benchmark 1, Jakarta',
	    username => $u, email => "$u\@bench.example",
	    password => 'benchmark-password' });
	die "register: $reg->{status} $reg->{body}\n" unless $reg->{status} == 201;
	my $login = $t->request('POST', '/api/login/patient', %h, json => {
	    email => $u, password => 'benchmark-password' });
	die "login: $login->{status}\n" unless $login->{status} == 200;
	local $ENV{BENCH_TOKEN} = $login->{json}{data}{token}{access_token};
	local $ENV{BENCH_KEY} = $key;
	local $ENV{BENCH_USER_ID} = $login->{json}{data}{user}{id};
	my %r;
	for ([ register => 'register.lua', '/api/register' ],
	    [ update => 'update_patient.lua', '/api/update/patient' ]) {
		my ($name, $script, $path) = @$_;
		my $out = `wrk -t2 -c$conns -d${duration}s --latency -s "$FindBin::Bin/wrk/$script" "${\ $t->base_url }$path" 2>&1`;
		$r{$name} = parse_wrk($out);
	}
	$t->stop;
	return [ $label, \%r ];
}

my @rows = (run_on('single PostgreSQL', undef));
my $pc = PatroniCluster->new(nodes => 2);
push @rows, run_on('Patroni pair, synchronous_mode',
    sub { $pc->psql($pc->leader, $_[0]) }, database_url => $pc->database_url);
my $sync = $pc->psql($pc->leader, 'SHOW synchronous_standby_names',
    'postgres');
$pc->stop;

my $cores = `nproc`;
chomp $cores;
printf "machine: %d cores; wrk -t2 -c%d -d%ds over TLS; "
    . "synchronous_standby_names on the pair: %s\n\n", $cores, $conns,
    $duration, $sync;
print "| database | scenario | req/s | p50 | p99 | non-2xx | % of single |\n";
print "|---|---|---|---|---|---|---|\n";
for my $s (qw(register update)) {
	for my $row (@rows) {
		my ($label, $r) = @$row;
		printf "| %s | %s | %s | %s | %s | %s | %.1f %% |\n", $label, $s,
		    $r->{$s}{rps}, $r->{$s}{p50}, $r->{$s}{p99},
		    $r->{$s}{non2xx}, 100 * $r->{$s}{rps} / $rows[0][1]{$s}{rps};
	}
}
