
=pod

=head1 NAME

PatroniCluster - a throwaway PostgreSQL HA cluster (etcd + Patroni) for a test

=head1 SYNOPSIS

    use PatroniCluster;
    my $pc = PatroniCluster->new(nodes => 2);   # skip_all if not installed
    my $t = CexupTest->new(config => { database_url => $pc->database_url });
    my $leader = $pc->leader;                   # node name, e.g. 'pg0'
    $pc->kill_node($leader);                    # kill -9 patroni + postmaster
    $pc->wait_leader(60, sub { $_[0] ne $leader });
    $pc->psql($pc->leader, 'SELECT 1');
    $pc->stop;

=head1 DESCRIPTION

new() starts, in a temporary directory, one etcd member and N (default 2)
Patroni-managed PostgreSQL nodes, all on free loopback TCP ports, with
synchronous_mode: true (a commit is acknowledged once the synchronous
standby has it) and short timings (ttl 10, loop_wait 2, retry_timeout 5;
options ttl, loop_wait, retry_timeout).  It waits until there is a leader
and a streaming synchronous standby, then creates the role and database
cexup.  When run as root, everything runs as the user "postgres" (initdb
refuses root), as CexupTest does.

The test is skipped (plan skip_all) when patroni, etcd or PostgreSQL cannot
be found; any other failure during set-up bails out.  stop() (also called
from DESTROY and END) stops Patroni (which stops its PostgreSQL), then
kills whatever is left (postmasters, etcd) and removes the directory
(kept with TEST_KEEP=1).

=cut

package PatroniCluster;

use strict;
use warnings;

use Carp qw(croak);
use File::Path qw(remove_tree);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(WNOHANG);
use Scalar::Util qw(weaken);
use Test::More ();
use Time::HiRes qw(time sleep);

my $JSON = JSON::PP->new->utf8->canonical;
my @LIVE;

sub _which {
	my ($name, @extra) = @_;
	for my $d (split(/:/, $ENV{PATH} // ''), @extra) {
		return "$d/$name" if -x "$d/$name";
	}
	return undef;
}

sub new {
	my ($class, %opt) = @_;
	my $self = bless { opt => \%opt, owner => $$, nodes => {},
	    order => [] }, $class;
	my $patroni = _which('patroni', '/usr/bin');
	my $etcd = _which('etcd', '/usr/bin');
	my ($bindir) = sort { ($b =~ m{/(\d+)/})[0] <=> ($a =~ m{/(\d+)/})[0] }
	    grep { -x "$_/initdb" } glob('/usr/lib/postgresql/*/bin');
	unless ($patroni && $etcd && $bindir) {
		Test::More::plan(skip_all => 'Patroni HA test needs patroni, '
		    . 'etcd (Debian: patroni etcd-server) and PostgreSQL: '
		    . 'not installed');
	}
	@$self{qw(patroni etcd bindir)} = ($patroni, $etcd, $bindir);
	($self->{patronictl} = $patroni) =~ s/patroni$/patronictl/;
	if ($> == 0) {
		my (undef, undef, $uid, $gid) = getpwnam('postgres')
		    or croak 'running as root but there is no user postgres';
		@$self{qw(uid gid)} = ($uid, $gid);
	}
	push @LIVE, $self;
	weaken($LIVE[-1]);
	$self->{tmp} = tempdir('cexup-patroni-XXXXXX', TMPDIR => 1,
	    CLEANUP => 0);
	chmod 0755, $self->{tmp};
	$self->_chown($self->{tmp});
	eval {
		$self->_start_etcd;
		$self->_start_nodes($opt{nodes} // 2);
		$self->wait_healthy(120)
		    or die "no leader with a streaming sync standby within "
		    . "120 s:\n" . $self->_cluster_text;
		my $l = $self->leader;
		$self->psql($l, 'CREATE ROLE cexup LOGIN', 'postgres');
		$self->psql($l, 'CREATE DATABASE cexup OWNER cexup',
		    'postgres');
		1;
	} or do {
		my $why = $@;
		Test::More::diag("Patroni cluster set-up failed: $why");
		Test::More::diag($self->logs);
		$self->stop;
		Test::More::BAIL_OUT('Patroni cluster set-up failed: '
		    . (split /\n/, $why)[0]);
	};
	return $self;
}

# ---------------------------------------------------------------- accessors

sub tmpdir { $_[0]{tmp} }
sub node_names { @{ $_[0]{order} } }
sub pg_port { $_[0]{nodes}{ $_[1] }{pg_port} }
sub config_file { $_[0]{nodes}{ $_[1] }{yml} }

# The conninfo a cexup-api node uses: every host, the primary chosen by
# libpq (target_session_attrs=read-write).
sub database_url {
	my ($self) = @_;
	my @n = map { $self->{nodes}{$_} } @{ $self->{order} };
	return 'host=' . join(',', map { '127.0.0.1' } @n)
	    . ' port=' . join(',', map { $_->{pg_port} } @n)
	    . ' dbname=cexup user=cexup target_session_attrs=read-write'
	    . ' connect_timeout=2';
}

# Members as Patroni's REST API reports them (GET /cluster from any node
# that answers): [{ name, role, state, ... }].
sub members {
	my ($self) = @_;
	my $http = HTTP::Tiny->new(timeout => 2);
	for my $name (@{ $self->{order} }) {
		my $n = $self->{nodes}{$name};
		next if $n->{killed};
		my $r = $http->get("http://127.0.0.1:$n->{rest_port}/cluster");
		next unless $r->{success};
		my $c = eval { $JSON->decode($r->{content}) } or next;
		return $c->{members} // [];
	}
	return [];
}

# Name of the running leader, or undef.
sub leader {
	my ($self) = @_;
	my ($m) = grep { $_->{role} eq 'leader' && $_->{state} eq 'running' }
	    @{ $self->members };
	return $m ? $m->{name} : undef;
}

sub sync_standby {
	my ($self) = @_;
	my ($m) = grep { $_->{role} eq 'sync_standby'
	    && $_->{state} =~ /^(?:streaming|running)$/ } @{ $self->members };
	return $m ? $m->{name} : undef;
}

# Waits up to $timeout s for a leader (for which $ok->($name), when given,
# is true); returns its name or undef.
sub wait_leader {
	my ($self, $timeout, $ok) = @_;
	my $deadline = time + $timeout;
	while (time < $deadline) {
		my $l = $self->leader;
		return $l if defined $l && (!$ok || $ok->($l));
		sleep 0.2;
	}
	return undef;
}

# A leader and a synchronous standby streaming from it.
sub wait_healthy {
	my ($self, $timeout) = @_;
	my $deadline = time + $timeout;
	while (time < $deadline) {
		return 1 if defined $self->leader && defined $self->sync_standby;
		$self->_check_alive;
		sleep 0.3;
	}
	return 0;
}

sub _cluster_text {
	my ($self) = @_;
	return join "\n", map { "$_->{name} $_->{role} $_->{state}" }
	    @{ $self->members };
}

# ---------------------------------------------------------------- actions

# Runs SQL as postgres on node $name, database cexup (or $db); tuples only.
sub psql {
	my ($self, $name, $sql, $db) = @_;
	my $n = $self->{nodes}{$name} or croak "no node $name";
	my ($rc, $out) = $self->_run('psql', '-X', '-q', '-A', '-t',
	    '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', $n->{pg_port},
	    '-U', 'postgres', '-d', $db // 'cexup', '-c', $sql);
	croak "psql on $name failed ($sql):\n$out" if $rc;
	chomp $out;
	return $out;
}

# Pid of node $name's postmaster (from postmaster.pid), or undef.
sub postmaster_pid {
	my ($self, $name) = @_;
	open my $fh, '<', "$self->{nodes}{$name}{data}/postmaster.pid"
	    or return undef;
	my $pid = <$fh>;
	return $pid && $pid =~ /^(\d+)/ ? $1 : undef;
}

# The machine dies: kill -9 node $name's Patroni and its postmaster (a
# postmaster killed alone would be restarted in place by its Patroni, which
# still holds the leader key).  Returns the postmaster's pid.
sub kill_node {
	my ($self, $name) = @_;
	my $n = $self->{nodes}{$name};
	my $pm = $self->postmaster_pid($name);
	kill 'KILL', grep { defined } $n->{pid}, $pm;
	$n->{killed} = 1;
	waitpid($n->{pid}, 0);
	return $pm;
}

# Node $name comes back as a new machine would (after kill_node): an empty
# data directory, so its Patroni clones the current leader.  (Rejoining
# with the old one needs pg_rewind, and Patroni 3.0 did not run it after a
# kill -9: the old timeline diverged and streaming failed for good.)
sub restart_node {
	my ($self, $name) = @_;
	my $n = $self->{nodes}{$name};
	my $pm = $self->postmaster_pid($name);
	if ($pm && kill 0, $pm) {
		kill 'KILL', $pm;
		my $d = time + 10;
		sleep 0.1 while time < $d && kill 0, $pm;
	}
	remove_tree($n->{data});
	$n->{killed} = $n->{exited} = 0;
	$n->{pid} = $self->_spawn("$self->{tmp}/$name.log", $self->{patroni},
	    $n->{yml});
}

# patronictl switchover --leader $from --candidate $to --force.
sub switchover {
	my ($self, $from, $to) = @_;
	return $self->_run($self->{patronictl}, '-c',
	    $self->{nodes}{$from}{yml}, 'switchover', '--leader', $from,
	    '--candidate', $to, '--force');
}

sub logs {
	my ($self) = @_;
	my $text = '';
	for my $f (sort glob("$self->{tmp}/*.log")) {
		my $s = _slurp($f);
		$s = '...' . substr($s, -6000) if length $s > 6000;
		$text .= "---- $f ----\n$s\n";
	}
	return $text;
}

# ---------------------------------------------------------------- set-up

sub _start_etcd {
	my ($self) = @_;
	my ($cp, $pp) = (_free_port(), _free_port());
	$self->{etcd_port} = $cp;
	my $dir = "$self->{tmp}/etcd";
	mkdir $dir, 0700;
	$self->_chown($dir);
	$self->{etcd_pid} = $self->_spawn("$self->{tmp}/etcd.log",
	    $self->{etcd}, '--name', 'e0', '--data-dir', $dir,
	    '--listen-client-urls', "http://127.0.0.1:$cp",
	    '--advertise-client-urls', "http://127.0.0.1:$cp",
	    '--listen-peer-urls', "http://127.0.0.1:$pp",
	    '--initial-advertise-peer-urls', "http://127.0.0.1:$pp",
	    '--initial-cluster', "e0=http://127.0.0.1:$pp",
	    '--initial-cluster-state', 'new', '--unsafe-no-fsync');
	my $http = HTTP::Tiny->new(timeout => 2);
	my $deadline = time + 30;
	while (time < $deadline) {
		return if $http->get("http://127.0.0.1:$cp/health")->{success};
		die "etcd exited\n" if waitpid($self->{etcd_pid}, WNOHANG);
		sleep 0.2;
	}
	die "etcd did not answer /health within 30 s\n";
}

sub _start_nodes {
	my ($self, $count) = @_;
	my %o = %{ $self->{opt} };
	for my $i (0 .. $count - 1) {
		my $name = "pg$i";
		my $n = { pg_port => _free_port(), rest_port => _free_port(),
		    dir => "$self->{tmp}/$name" };
		$n->{data} = "$n->{dir}/data";
		$n->{yml} = "$self->{tmp}/$name.yml";
		mkdir $n->{dir}, 0700;
		$self->_chown($n->{dir});
		my $yml = <<"EOF";
scope: cexup-test
name: $name
restapi:
  listen: 127.0.0.1:$n->{rest_port}
  connect_address: 127.0.0.1:$n->{rest_port}
etcd3:
  hosts: 127.0.0.1:$self->{etcd_port}
bootstrap:
  dcs:
    ttl: @{[ $o{ttl} // 10 ]}
    loop_wait: @{[ $o{loop_wait} // 2 ]}
    retry_timeout: @{[ $o{retry_timeout} // 5 ]}
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        max_connections: 60
        shared_buffers: 16MB
        wal_log_hints: 'on'
  initdb:
  - encoding: UTF8
  - no-locale
  - auth: trust
postgresql:
  listen: 127.0.0.1:$n->{pg_port}
  connect_address: 127.0.0.1:$n->{pg_port}
  data_dir: $n->{data}
  bin_dir: $self->{bindir}
  pgpass: $n->{dir}/pgpass
  authentication:
    superuser:
      username: postgres
      password: postgres
    replication:
      username: replicator
      password: replicator
    rewind:
      username: postgres
      password: postgres
  parameters:
    unix_socket_directories: '$n->{dir}'
    # Test speed; a killed process (not machine) loses nothing either way.
    fsync: 'off'
    full_page_writes: 'off'
  pg_hba:
  - local all all trust
  - host all all 127.0.0.1/32 trust
  - host replication replicator 127.0.0.1/32 trust
tags:
  nofailover: false
  noloadbalance: false
  clonefrom: false
  nosync: false
EOF
		_write($n->{yml}, $yml);
		$self->_chown($n->{yml});
		$self->{nodes}{$name} = $n;
		push @{ $self->{order} }, $name;
		$n->{pid} = $self->_spawn("$self->{tmp}/$name.log",
		    $self->{patroni}, $n->{yml});
		# Let the first node bootstrap alone: the other one then
		# simply clones it.
		if ($i == 0) {
			my $deadline = time + 90;
			until (defined $self->leader) {
				die "$name did not become leader in 90 s\n"
				    if time > $deadline;
				$self->_check_alive;
				sleep 0.3;
			}
		}
	}
}

sub _check_alive {
	my ($self) = @_;
	for my $name (@{ $self->{order} }) {
		my $n = $self->{nodes}{$name};
		next if $n->{killed} || $n->{exited};
		if (waitpid($n->{pid}, WNOHANG) == $n->{pid}) {
			$n->{exited} = 1;
			die "patroni $name exited (status $?)\n";
		}
	}
}

# ---------------------------------------------------------------- teardown

sub stop {
	my ($self) = @_;
	return if $self->{stopped} || $self->{owner} != $$;
	$self->{stopped} = 1;
	my @live = grep { !$_->{killed} && !$_->{exited} && $_->{pid} }
	    values %{ $self->{nodes} };
	kill 'TERM', map { $_->{pid} } @live;
	my $deadline = time + 30;
	for my $n (@live) {
		while (time < $deadline && !waitpid($n->{pid}, WNOHANG)) {
			sleep 0.1;
		}
		if (!waitpid($n->{pid}, WNOHANG)) {
			kill 'KILL', $n->{pid};
			waitpid($n->{pid}, 0);
		}
	}
	# Whatever PostgreSQL is left (a killed node's backends, a node
	# whose Patroni did not stop it).
	for my $name (@{ $self->{order} }) {
		my $pm = $self->postmaster_pid($name);
		kill 'KILL', $pm if $pm && kill 0, $pm;
	}
	if ($self->{etcd_pid}) {
		kill 'TERM', $self->{etcd_pid};
		my $d = time + 10;
		sleep 0.1 while time < $d && !waitpid($self->{etcd_pid}, WNOHANG);
		if (kill 0, $self->{etcd_pid}) {
			kill 'KILL', $self->{etcd_pid};
			waitpid($self->{etcd_pid}, 0);
		}
	}
	if ($ENV{TEST_KEEP}) {
		Test::More::diag("kept $self->{tmp}");
	} else {
		remove_tree($self->{tmp});
	}
}

sub DESTROY {
	my ($self) = @_;
	local ($?, $!, $@);
	$self->stop if $self->{owner} && $self->{owner} == $$;
}

END {
	local $?;
	$_->stop for grep { defined && $_->{owner} == $$ } @LIVE;
}

# ---------------------------------------------------------------- processes

sub _chown {
	my ($self, $path) = @_;
	chown $self->{uid}, $self->{gid}, $path if defined $self->{uid};
}

# fork + exec (as postgres when we are root), output appended to $log.
sub _spawn {
	my ($self, $log, @cmd) = @_;
	my $pid = fork // croak "fork: $!";
	return $pid if $pid;
	eval {
		chdir $self->{tmp};
		open STDIN, '<', '/dev/null' or die;
		open STDOUT, '>>', $log or die "open $log: $!";
		open STDERR, '>&', \*STDOUT or die;
		if (defined $self->{uid}) {
			$ENV{HOME} = $self->{tmp};
			$ENV{USER} = $ENV{LOGNAME} = 'postgres';
			POSIX::setgid($self->{gid}) or die "setgid: $!";
			$) = "$self->{gid} $self->{gid}";
			POSIX::setuid($self->{uid}) or die "setuid: $!";
		}
		$ENV{LC_ALL} = 'C.UTF-8';
		exec { $cmd[0] } @cmd or die "exec $cmd[0]: $!\n";
	};
	print STDERR $@;
	POSIX::_exit(127);
}

sub _run {
	my ($self, @cmd) = @_;
	my $out = "$self->{tmp}/.run-" . $$ . '-' . int(rand 1e9);
	my $pid = $self->_spawn($out, @cmd);
	waitpid($pid, 0);
	my $rc = $? >> 8 || ($? & 127 ? 128 + ($? & 127) : 0);
	my $text = _slurp($out);
	unlink $out;
	return ($rc, $text);
}

sub _free_port {
	my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
	    LocalPort => 0, Proto => 'tcp', ReuseAddr => 1)
	    or croak "cannot find a free port: $!";
	my $port = $s->sockport;
	close $s;
	return $port;
}

sub _slurp {
	my ($path) = @_;
	open my $fh, '<:raw', $path or return '';
	local $/;
	return scalar(<$fh>) // '';
}

sub _write {
	my ($path, $text) = @_;
	open my $fh, '>:raw', $path or croak "write $path: $!";
	print {$fh} $text;
	close $fh or croak "close $path: $!";
}

1;
