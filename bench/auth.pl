#!/usr/bin/perl
# bench/auth.pl - login and register throughput through nginx (TLS) against
# the real worker pool and PostgreSQL, beside the time of one Argon2id
# verification (the login ceiling is cores / that time).
#
# Run through bench/run-auth.sh (it builds and installs wrk).  Environment:
# CEXUP_BIN, ARGON2_TIME (bench/argon2_time binary), DURATION (default 20),
# CONNECTIONS (default 16).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib", "$FindBin::Bin/lib";
use WrkResult qw(parse_wrk);
use CexupTest;

my $duration = $ENV{DURATION} // 20;
my $conns = $ENV{CONNECTIONS} // 16;
my $cores = `nproc`;
chomp $cores;

# nginx's per-address limit would turn a benchmark from one address into
# 429s: lift it for this run only.
my $t = CexupTest->new(tap => 0, auth_rate => '100000r/s',
    config => { workers => $ENV{WORKERS} // 0, max_requests => 0 });
my $base = $t->base_url;

my $argon2 = `"$ENV{ARGON2_TIME}" -c "@{[ $t->config_file ]}" 200`;
my ($hash_ms) = $argon2 =~ /median ([\d.]+) ms/;
die "argon2_time failed: $argon2" unless $hash_ms;
my $ceiling = $cores * 1000 / $hash_ms;

my ($email, $password) = $t->register_user(password => 'benchmark-password');

sub wrk_run {
	my ($script, $path) = @_;
	local $ENV{BENCH_EMAIL} = $email;
	local $ENV{BENCH_PASSWORD} = $password;
	my $out = `wrk -t2 -c$conns -d${duration}s --latency -s "$FindBin::Bin/wrk/$script" "$base$path" 2>&1`;
	return parse_wrk($out);
}

my $login = wrk_run('login.lua', '/api/login');
my $register = wrk_run('register.lua', '/api/register');
my $users = $t->psql('SELECT count(*) FROM users');
$t->stop;

printf "machine: %d cores; workers %s (0 = 4 per core), hash_slots %s; wrk -t2 -c%d -d%ds over TLS\n",
    $cores, $t->config_value('workers') // 'default',
    $t->config_value('hash_slots') // 'default (= cores)', $conns, $duration;
print $argon2;
printf "login ceiling: %d cores / %.2f ms = %.1f logins/s\n\n", $cores,
    $hash_ms, $ceiling;
print "| scenario | requests | req/s | p50 | p99 | non-2xx | % of ceiling |\n";
print "|---|---|---|---|---|---|---|\n";
for ([ 'POST /api/login', $login ], [ 'POST /api/register', $register ]) {
	my ($name, $r) = @$_;
	printf "| %s | %s | %s | %s | %s | %s | %.0f %% |\n", $name,
	    $r->{requests} // '?', $r->{rps} // '?', $r->{p50} // '?',
	    $r->{p99} // '?', $r->{non2xx}, 100 * ($r->{rps} // 0) / $ceiling;
}
print "\nusers after the run: $users\n";
if ($ENV{VERBOSE}) {
	print "\n$login->{raw}\n$register->{raw}\n";
}
