#!/usr/bin/perl
# bench/account_write.pl - the authenticated write (POST /api/update/patient
# with a valid token, changing the name; then sending the stored name
# again, which changes nothing) through nginx, beside nginx serving a static
# file of the same size as its response in the same run.
#
# Run through bench/run-account-write.sh.  Environment: CEXUP_BIN, DURATION
# (default 15), CONNECTIONS (default 16), WORKERS (default 0 = 4 per core).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib", "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use WrkResult qw(parse_wrk);
use CexupTest;

my $duration = $ENV{DURATION} // 15;
my $conns = $ENV{CONNECTIONS} // 16;
my $static_dir = tempdir('cexup-bench-static-XXXXXX', TMPDIR => 1,
    CLEANUP => 1);
chmod 0755, $static_dir;
my $static = "$static_dir/update.json";
my $t = CexupTest->new(tap => 0,
    config => { workers => $ENV{WORKERS} // 0, max_requests => 0 },
    nginx_edit => sub {
	my ($text) = @_;
	my $n = $text =~ s{^(\s*)location / \{}{$1location = /bench/update.json {
$1	alias $static;
$1}
$1location / \{}m;
	die "bench: no 'location / {' in the server block\n" unless $n == 1;
	return $text;
    });
my $base = $t->base_url;
my $key = $t->api_key;

my $username = 'bench' . int(rand(1e6));
my $reg = $t->cexup_request('POST', '/api/register/patient', json => {
    name => 'Bench Patient', address => 'Jl. Benchmark 1, Jakarta',
    username => $username, email => "$username\@bench.example",
    password => 'benchmark-password' });
die "register: $reg->{status} $reg->{body}\n" unless $reg->{status} == 201;
my $login = $t->cexup_request('POST', '/api/login/patient', json => {
    email => $username, password => 'benchmark-password' });
die "login: $login->{status}\n" unless $login->{status} == 200;
my $token = $login->{json}{data}{token}{access_token};
my $user_id = $login->{json}{data}{user}{id};

# One update by hand: its body size is the static file's size.
my $one = $t->cexup_request('POST', '/api/update/patient',
    headers => { Authorization => "Bearer $token" },
    json => { user_id => $user_id, name => 'Bench Patient 0' });
die "update: $one->{status} $one->{body}\n" unless $one->{status} == 200;
open my $fh, '>:raw', $static or die;
print $fh $one->{body};
close $fh;
chmod 0644, $static;
my $check = $t->request('GET', '/bench/update.json');
die "static file not served: $check->{status}\n" unless $check->{status} == 200;

sub wrk_run {
	my ($script, $url, $same) = @_;
	local $ENV{BENCH_SAME} = $same ? 1 : 0;
	local $ENV{BENCH_TOKEN} = $token;
	local $ENV{BENCH_KEY} = $key;
	local $ENV{BENCH_USER_ID} = $user_id;
	my $out = `wrk -t2 -c$conns -d${duration}s --latency -s "$FindBin::Bin/wrk/$script" "$url" 2>&1`;
	return parse_wrk($out);
}

my $st = wrk_run('static.lua', "$base/bench/update.json");
my $up = wrk_run('update_patient.lua', "$base/api/update/patient");
my $name = $t->psql("SELECT name FROM users WHERE id = $user_id");
# The counter of the script starts at 0 again: "Bench Patient 0" is stored
# and sent on every request.
$t->cexup_request('POST', '/api/update/patient',
    headers => { Authorization => "Bearer $token" },
    json => { user_id => $user_id, name => 'Bench Patient 0' });
my $same = wrk_run('update_patient.lua', "$base/api/update/patient", 1);
$t->stop;

my $cores = `nproc`;
chomp $cores;
printf "machine: %d cores; workers %s (0 = 4 per core); wrk -t2 -c%d -d%ds over TLS; response %d bytes\n\n",
    $cores, $t->config_value('workers'), $conns, $duration, length $one->{body};
print "| scenario | requests | req/s | p50 | p99 | non-2xx | % of static |\n";
print "|---|---|---|---|---|---|---|\n";
for ([ 'static file of the same size (nginx)', $st ],
    [ 'POST /api/update/patient (token, name change)', $up ],
    [ 'POST /api/update/patient (token, same name)', $same ]) {
	my ($label, $r) = @$_;
	printf "| %s | %s | %s | %s | %s | %s | %.1f %% |\n", $label,
	    $r->{requests}, $r->{rps}, $r->{p50}, $r->{p99}, $r->{non2xx},
	    100 * $r->{rps} / $st->{rps};
}
print "\nlast stored name: $name\n";
