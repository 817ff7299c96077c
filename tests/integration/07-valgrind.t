# A worker that served real requests exits with no leak and no memory error
# under valgrind (memcheck).  The worker recycles after max_requests, so
# valgrind sees a complete worker lifetime: accept, requests, clean exit.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use CexupTest;

plan skip_all => 'valgrind not installed' unless -x '/usr/bin/valgrind';
plan skip_all => 'sanitizer build (ASan and valgrind do not mix)'
    if $ENV{CEXUP_SKIP_VALGRIND};

my $requests = 12;
# Outside the harness's directory, which stop() removes.
my $vdir = tempdir('cexup-valgrind-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $t = CexupTest->new(
	config => {
		workers => 1,
		max_requests => $requests,
		# Valgrind makes Argon2 ~50x slower: cheap parameters keep the
		# test quick without changing the code path.
		argon2_memory_kib => 256,
		argon2_iterations => 1,
		hash_wait_ms => 30000,
	},
	wrapper => [ '/usr/bin/valgrind', '--quiet', '--trace-children=no',
	    '--leak-check=full', '--show-leak-kinds=definite,indirect',
	    '--errors-for-leak-kinds=definite,indirect',
	    '--child-silent-after-fork=no', '--error-exitcode=99',
	    "--log-file=$vdir/valgrind.%p.log" ],
	start_timeout => 120,
);

my $email = $t->unique_email;
my @statuses;
push @statuses, $t->request('POST', '/api/register', json => { name => 'V',
    email => $email, password => 'password123' })->{status};
push @statuses, $t->request('POST', '/api/login',
    json => { email => $email, password => 'password123' })->{status};
push @statuses, $t->request('POST', '/api/login',
    json => { email => $email, password => 'wrong-password' })->{status};
# An unknown account twice: the first makes the dummy hash, the second
# verifies against it.
for (1 .. 2) {
	push @statuses, $t->request('POST', '/api/login', json => {
	    email => $t->unique_email('nobody'), password => 'password123' })
	    ->{status};
}
push @statuses, $t->request('POST', '/api/login', body => '[1,2',
    headers => { 'Content-Type' => 'application/json' })->{status};
push @statuses, $t->request('GET', '/api/nope')->{status};
push @statuses, $t->request('GET', '/api/ready')->{status};
is_deeply(\@statuses, [201, 200, 401, 401, 401, 400, 404, 200],
    'requests answered under valgrind');

# Drive the only worker to its recycling point, then wait for its exit.
my ($first) = $t->worker_pids;
for (1 .. $requests + 2) {
	$t->request('GET', '/api/health');
}
ok($t->wait_until(60, sub { my @w = $t->worker_pids;
    @w && $w[0] != $first }), 'the worker recycled after max_requests');
$t->stop;

my @logs = glob("$vdir/valgrind.*.log");
ok(@logs >= 2, 'valgrind logs for the master and the worker(s)');
my $report = '';
for my $f (@logs) {
	open my $fh, '<', $f or next;
	local $/;
	my $text = <$fh>;
	$report .= "---- $f ----\n$text" if length $text;
}
is($report, '', 'valgrind reports no error and no definite/indirect leak');
done_testing();
