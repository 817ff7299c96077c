# scripts/start.sh is a guest on the machine: with the user's own
# PostgreSQL cluster online it builds, starts the demo stack on the PORT it
# is given, answers /api/health, stops on Ctrl-C (SIGINT to its process
# group), and afterwards the user's cluster is still online with its data,
# and the checkout is exactly as it was (`git status --porcelain --ignored`:
# no autoreconf output, no build products).  A PORT that is taken is
# refused at once with a clear message.
#
# The stand-in for "the user's cluster" is a throwaway cluster created with
# pg_createcluster under a unique name (and dropped at the end), so the test
# never touches a cluster it did not create.  Clusters that were already
# online must still be online at the end, too.
#
# Needs root (pg_createcluster, and start.sh installs packages) and a git
# checkout: CEXUP_CHECKOUT (scripts/test.sh sets it, as it builds from a
# copy) or CEXUP_SRCDIR.  start.sh builds the project itself: about a minute
# on two cores.
use strict;
use warnings;
use Test::More;
use POSIX qw(WNOHANG setpgid);
use IO::Socket::INET;
use File::Temp qw(tempdir);
use Time::HiRes qw(sleep time);
use Cwd ();

my $checkout = $ENV{CEXUP_CHECKOUT} // $ENV{CEXUP_SRCDIR} // '.';
plan skip_all => 'needs root (pg_createcluster; start.sh installs packages)'
    if $> != 0;
plan skip_all => 'pg_createcluster not installed (postgresql-common)'
    unless -x '/usr/bin/pg_createcluster' && -x '/usr/bin/pg_lsclusters';
plan skip_all => 'git not installed' unless -x '/usr/bin/git';
plan skip_all => 'curl not installed' unless -x '/usr/bin/curl';
plan skip_all => "no scripts/start.sh in $checkout"
    unless -x "$checkout/scripts/start.sh";
my @git = ('git', '-c', 'safe.directory=*', '-C', $checkout);
plan skip_all => "$checkout is not a git checkout (set CEXUP_CHECKOUT)"
    unless qx{@git rev-parse --is-inside-work-tree 2>/dev/null} =~ /true/;
my ($pgver) = sort { $b <=> $a } map { m{/postgresql/(\d+)/bin$} ? $1 : () }
    glob('/usr/lib/postgresql/*/bin');
plan skip_all => 'no PostgreSQL server in /usr/lib/postgresql'
    unless $pgver;

my $tmp = tempdir('cexup-guest-XXXXXX', TMPDIR => 1, CLEANUP => 1);

sub free_port {
	for (1 .. 20) {
		my $s = IO::Socket::INET->new(Listen => 1,
		    LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp',
		    ReuseAddr => 1) or die "no free port: $!";
		my $port = $s->sockport;
		close $s;
		# A cluster's socket is named after its port.
		next if -e "/var/run/postgresql/.s.PGSQL.$port";
		return $port;
	}
	die 'no free port';
}

sub online_clusters {
	my %on;
	for (split /\n/, `pg_lsclusters -h 2>/dev/null`) {
		my ($ver, $name, $port, $status) = split ' ';
		$on{"$ver/$name"} = $port if ($status // '') =~ /^online/;
	}
	return \%on;
}

# The checkout's state: everything, ignored files included.  An in-tree
# build (builddir = srcdir) writes its tests' .log/.trs files while we run:
# those are make check's, not the script's.
my $bindir = ($ENV{CEXUP_BIN} // '') =~ s{/[^/]+$}{}r;
my $in_tree = $bindir ne '' && -d $bindir
    && Cwd::abs_path($bindir) eq Cwd::abs_path($checkout);
sub checkout_state {
	my @lines = grep { !($in_tree && /\.(log|trs)$/) }
	    split /\n/, qx{@git status --porcelain --ignored 2>&1};
	return join("\n", @lines) . "\n";
}

sub psql_user_cluster {
	my ($port, $sql) = @_;
	my $out = qx{runuser -u postgres -- psql -X -q -A -t -h /var/run/postgresql -p $port -d postgres -c "$sql" 2>&1};
	return ($?, $out);
}

# Runs start.sh in a process group of its own (as a terminal would), its
# output in $log.  Returns the pid (= the group id).
sub start_script {
	my ($log, %env) = @_;
	my $pid = fork // die "fork: $!";
	if ($pid == 0) {
		setpgid(0, 0);
		open STDIN, '<', '/dev/null' or die;
		open STDOUT, '>', $log or die "$log: $!";
		open STDERR, '>&', \*STDOUT or die;
		delete @ENV{qw(CEXUP_BIN CEXUP_SRCDIR CEXUP_OBSERVED MAKEFLAGS
		    MAKELEVEL MFLAGS)};
		@ENV{keys %env} = values %env;
		exec 'bash', "$checkout/scripts/start.sh" or die "exec: $!";
	}
	setpgid($pid, $pid);
	return $pid;
}

# Waits up to $secs for $pid to exit; its status, or undef.
sub wait_exit {
	my ($pid, $secs) = @_;
	my $deadline = time + $secs;
	while (time < $deadline) {
		return $? if waitpid($pid, WNOHANG) == $pid;
		sleep 0.2;
	}
	return undef;
}

sub slurp { open my $fh, '<', $_[0] or return ''; local $/; <$fh> // '' }

# ---- the user's cluster (a throwaway stand-in) ----
my $name = "cexupguest$$";
my $upg = free_port();
my $created = 0;
my @running;	# start.sh process groups still alive
END {
	my $rc = $?;
	kill 'KILL', -$_ for @running;
	system("pg_dropcluster --stop $pgver $name >/dev/null 2>&1")
	    if $created;
	$? = $rc;
}
my $before_online = online_clusters();
my $out = qx{pg_createcluster --start-conf=manual -p $upg $pgver $name 2>&1};
is($?, 0, "pg_createcluster $pgver $name on port $upg") or diag($out);
$created = 1;
$out = qx{pg_ctlcluster $pgver $name start 2>&1};
is($?, 0, "the user's cluster $pgver/$name starts") or diag($out);
ok(online_clusters()->{"$pgver/$name"}, "$pgver/$name is online");
my ($rc, $res) = psql_user_cluster($upg,
    "CREATE TABLE guest_canary (v text); INSERT INTO guest_canary VALUES ('still here')");
is($rc, 0, 'a table in the user cluster') or diag($res);
my $state_before = checkout_state();

# ---- a taken PORT is refused at once ----
{
	my $holder = IO::Socket::INET->new(Listen => 1,
	    LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp')
	    or die "listen: $!";
	my $taken = $holder->sockport;
	my $log = "$tmp/taken.log";
	my $pid = start_script($log, PORT => $taken);
	push @running, $pid;
	my $st = wait_exit($pid, 60);
	if (defined $st) {
		@running = grep { $_ != $pid } @running;
	} else {
		kill 'KILL', -$pid;
		waitpid($pid, 0);
		@running = grep { $_ != $pid } @running;
	}
	ok(defined $st && $st != 0,
	    "PORT=$taken (taken): start.sh exits non-zero within 60 s")
	    or diag(slurp($log));
	like(slurp($log), qr/port $taken .*already in use/,
	    'and says the port is in use');
}

# ---- start.sh with the user's cluster online ----
my $port = free_port();
my $log = "$tmp/start.log";
my $t0 = time;
my $pid = start_script($log, PORT => $port, WORKERS => 2,
    STACK_SECONDS => 120);	# a safety net: it stops by itself
push @running, $pid;
my ($ready, $exited);
while (time - $t0 < 300) {
	if (waitpid($pid, WNOHANG) == $pid) { $exited = $?; last }
	if (slurp($log) =~ /Press Ctrl-C to stop/) { $ready = 1; last }
	sleep 1;
}
ok($ready, sprintf('start.sh prints how to try it (%.0f s)', time - $t0))
    or diag(slurp($log));
my $text = slurp($log);
like($text, qr{curl -k https://127\.0\.0\.1:$port/api/health},
    "the examples use PORT=$port");
my $health = $ready
    ? qx{curl -ks -o /dev/null -w '%{http_code}' https://127.0.0.1:$port/api/health}
    : '';
is($health, '200', 'GET /api/health answers 200');
ok(online_clusters()->{"$pgver/$name"},
    "the user's cluster is online while the stack runs");
my ($stackdir) = $text =~ /Everything lives in (\S+)/;
my ($builddir) = $text =~ /building \(in (\S+?)\)/;

# Ctrl-C: SIGINT to the whole process group.
kill 'INT', -$pid if !defined $exited;
my $st = $exited // wait_exit($pid, 90);
if (defined $st) {
	@running = grep { $_ != $pid } @running;
} else {
	kill 'KILL', -$pid;
	waitpid($pid, 0);
	@running = grep { $_ != $pid } @running;
}
ok(defined $st, 'start.sh exits within 90 s of SIGINT');
is($st, 0, 'start.sh exits 0') or diag(slurp($log));
like(slurp($log), qr/stopped and cleaned up/, 'it says it cleaned up');
ok($stackdir && !-e $stackdir, 'the stack directory is removed')
    if $stackdir;
ok($builddir && !-e $builddir, 'the build directory is removed')
    if $builddir;

# ---- afterwards ----
my $after_online = online_clusters();
ok($after_online->{"$pgver/$name"}, "the user's cluster is still online");
($rc, $res) = psql_user_cluster($upg, 'SELECT v FROM guest_canary');
is($rc, 0, 'its table is still readable') or diag($res);
like($res, qr/still here/, 'with its row');
for my $c (sort keys %$before_online) {
	ok($after_online->{$c}, "cluster $c, online before, is still online");
}
is(checkout_state(), $state_before,
    'the checkout is unchanged (git status --porcelain --ignored)');

$out = qx{pg_dropcluster --stop $pgver $name 2>&1};
is($?, 0, "the throwaway cluster $pgver/$name is dropped") or diag($out);
$created = 0 unless $?;
done_testing();
