
=pod

=head1 NAME

CexupTest - one throwaway cexup-api installation for an integration test

=head1 SYNOPSIS

    use Test::More;
    use CexupTest;

    my $t = CexupTest->new(config => { workers => 3 });
    my $res = $t->request('POST', '/api/login',
        json => { email => 'a@example.com', password => 'secret123' });
    is($res->{status}, 401, 'unknown account');
    $t->stop;
    done_testing();

=head1 DESCRIPTION

new() builds, in a fresh temporary directory, everything a request goes
through in production: a PostgreSQL cluster of its own (PostgreSQL's TAP
tests do the same), the migrated schema, a JWT key ring, a configuration
file, the cexup-api master with its workers, a self-signed certificate and
nginx running the server block we ship (nginx/cexup-api.conf) with only the
deployment-specific lines rewritten.  Requests go over TLS through nginx, so
the tests see exactly what a client sees.

Options of new(): config => { key => value } (server configuration
overrides), env => { NAME => value } (server environment), port => N (nginx
on this port instead of a free one), demo => 1 (load sql/demo/*.sql after
migrating), wrapper => [cmd, args] (run the server under it), nodes => N (N masters behind
one nginx upstream, sharing the database and keys; see node_pid), tap => 0 (no TAP output and croak instead of BAIL_OUT: for
scripts/start.sh and bench/), start_timeout => seconds, nginx_log_ignore =>
qr/.../ (error-log lines a test provokes on purpose), no_server => 1 (only
PostgreSQL and nginx).

Environment: CEXUP_BIN (the built binary; the test is skipped when unset),
CEXUP_SRCDIR (the source tree; default: two levels above this file),
TEST_KEEP=1 (keep the temporary directory), CEXUP_TEST_VERBOSE=1 (diag the
logs at the end even when everything passed).

When run as root (CI), PostgreSQL is run as the user "postgres" because
initdb refuses root; nginx's workers run as nginx's default unprivileged
user, which is why the temporary directory is world-traversable and the
FastCGI socket is created with mode 0666.

Only core Perl, HTTP::Tiny, IO::Socket::SSL, JSON::PP and Test::More are
used; with JSON::Validator and YAML::XS installed, every response is also
checked against docs/openapi.yaml (tests/lib/OpenApiCheck.pm).

=cut

package CexupTest;

use strict;
use warnings;

use Carp qw(croak);
use Cwd qw(abs_path);
use Exporter qw(import);
use Fcntl qw(:mode);
use File::Basename qw(dirname);
use File::Path qw(remove_tree);
use File::Spec;
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use IO::Socket::SSL qw(SSL_VERIFY_NONE);
use JSON::PP;
use MIME::Base64 qw(encode_base64 decode_base64);
use POSIX qw(WNOHANG);
use Scalar::Util qw(weaken);
use Test::More ();
use Time::HiRes qw(time sleep);

use OpenApiCheck;

our @EXPORT_OK = qw(decode_jwt b64url_encode b64url_decode json_encode
    json_decode);

my $JSON = JSON::PP->new->utf8->canonical->allow_nonref;

# Live instances, so that END can tear down whatever a test left running.
my @LIVE;

# new(%opt):
#   config => { key => value }	add or override server config keys (undef:
#				leave the key out, the server default applies)
#   env => { NAME => value }	extra environment for the server
#   auth_rate => '1000r/s'	rate of nginx's login/register limit
#   recovery_rate => '1000r/s'	rate of nginx's recovery limit (forgot, reset,
#				verify, resend; default: auth_rate)
#   conn_per_addr => 4096	nginx's per-address limit_conn ('shipped': the
#				value in nginx/cexup-api.conf)
#   worker_connections => N	nginx's events{} sizing (default 4096, the
#				production sizing of the README; a test that
#				wants nginx to run out passes less)
#   nginx_workers => N|'auto'	nginx's worker_processes (default 1)
#   nginx_edit => sub { $text }	last-minute edit of the server block
#   nginx_log_ignore => qr//	[crit]/[alert] lines a test provokes on purpose
#   start_timeout => 15		seconds to wait for GET /api/health = 200
#   no_server => 1		PostgreSQL and nginx only (harness self-test)
sub new {
	my ($class, %opt) = @_;
	my $self = bless {
		opt		=> \%opt,
		owner		=> $$,
		stopped		=> 0,
		problems	=> [],
	}, $class;

	my $bin = $ENV{CEXUP_BIN};
	if (!$opt{no_server}) {
		if (!defined $bin || $bin eq '') {
			Test::More::plan(skip_all =>
			    'CEXUP_BIN is not set (run through make check)');
		}
		Test::More::BAIL_OUT("CEXUP_BIN=$bin is not executable")
		    unless -x $bin;
		$self->{bin} = abs_path($bin);
	}
	$self->{srcdir} = abs_path($ENV{CEXUP_SRCDIR}
	    // File::Spec->catdir(dirname(__FILE__), '..', '..'));

	push @LIVE, $self;
	weaken($LIVE[-1]);

	$self->{tmp} = tempdir('cexup-test-XXXXXX', TMPDIR => 1,
	    CLEANUP => 0);
	# nginx's workers (and PostgreSQL, when we are root) run as other
	# users: they must be able to traverse into the directory.
	chmod 0755, $self->{tmp} or croak "chmod $self->{tmp}: $!";

	eval {
		$self->_setup_postgres;
		$self->_write_jwt_keys;
		$self->_write_config;
		$self->_make_certificate;
		unless ($opt{no_server}) {
			$self->_migrate;
			$self->_load_demo if $self->{opt}{demo};
			$self->_start_server;
			$self->_start_extra_nodes;
		}
		$self->_start_nginx;
		$self->_wait_healthy unless $opt{no_server};
		1;
	} or $self->_setup_failed("setting up the test installation: $@");
	return $self;
}

# ---------------------------------------------------------------- accessors

sub tmpdir	{ $_[0]{tmp} }
sub port	{ $_[0]{nginx_port} }
sub base_url	{ 'https://127.0.0.1:' . $_[0]{nginx_port} }
sub master_pid	{ $_[0]{server_pid} }
sub config_file	{ $_[0]{config_path} }
sub config_value { $_[0]{config}{$_[1]} }

# Pids of the master's direct children: the workers.
# The master's workers of one pool: 'api' (the default: the pool the
# `workers` key sizes), 'auth', or 'all'.  Auth workers are named
# cexup-api-auth (their comm), api workers cexup-api.
sub worker_pids {
	my ($self, $pool) = @_;
	$pool //= 'api';
	return () unless $self->{server_pid};
	my $out = `pgrep -P $self->{server_pid}`;
	my @pids = sort { $a <=> $b } grep { /^\d+$/ } split /\s+/, $out;
	return @pids if $pool eq 'all';
	return grep { (_worker_pool($_) // '') eq $pool } @pids;
}

sub _worker_pool {
	my ($pid) = @_;
	open my $fh, '<', "/proc/$pid/comm" or return undef;
	my $comm = <$fh> // '';
	chomp $comm;
	return $comm eq 'cexup-api-auth' ? 'auth' : 'api';
}

sub server_log		{ _slurp($_[0]{tmp} . '/server.log') }
sub nginx_error_log	{ _slurp($_[0]{tmp} . '/nginx-error.log') }
sub nginx_access_log	{ _slurp($_[0]{tmp} . '/nginx-access.log') }

# ---------------------------------------------------------------- PostgreSQL

sub _pg_bin {
	my ($self, $name) = @_;
	unless ($self->{pg_bindir}) {
		my @dirs = sort { _pgver($b) <=> _pgver($a) }
		    grep { -x "$_/initdb" } glob('/usr/lib/postgresql/*/bin');
		croak 'no PostgreSQL in /usr/lib/postgresql/*/bin' unless @dirs;
		$self->{pg_bindir} = $dirs[0];
	}
	return "$self->{pg_bindir}/$name";
}

sub _pgver { my ($d) = @_; $d =~ m{/postgresql/(\d+)} ? $1 : 0 }

# initdb refuses to run as root: when we are root, run the cluster as
# "postgres".
sub _as_pg {
	my ($self, @cmd) = @_;
	return $> == 0 ? ('runuser', '-u', 'postgres', '--', @cmd) : @cmd;
}

sub _setup_postgres {
	my ($self) = @_;
	my $dir = "$self->{tmp}/pg";
	mkdir $dir, 0755 or croak "mkdir $dir: $!";
	if ($> == 0) {
		my (undef, undef, $uid, $gid) = getpwnam('postgres')
		    or croak 'running as root but there is no user postgres';
		chown $uid, $gid, $dir or croak "chown $dir: $!";
	}
	$self->{pg_dir} = $dir;
	$self->{pg_data} = "$dir/data";
	$self->{pg_sockdir} = $dir;
	# The port only names the socket file (listen_addresses is empty), but
	# a free one keeps the name unique should anything share the directory.
	$self->{pg_port} = _free_port();

	my ($rc, $out) = $self->_run(undef, $self->_as_pg($self->_pg_bin('initdb'),
	    '-D', $self->{pg_data}, '-U', 'postgres', '-A', 'trust',
	    '-E', 'UTF8', '--no-locale', '--no-sync'));
	$self->_setup_failed("initdb failed:\n$out") if $rc;

	$self->start_postgres;
	$self->psql('CREATE ROLE cexup LOGIN', 'postgres');
	$self->psql('CREATE DATABASE cexup OWNER cexup', 'postgres');
}

sub start_postgres {
	my ($self) = @_;
	my $opts = join ' ', "-k $self->{pg_sockdir}",
	    q{-c listen_addresses=''}, "-p $self->{pg_port}",
	    '-c fsync=off', '-c full_page_writes=off',
	    '-c max_connections=50', '-c shared_buffers=16MB';
	my ($rc, $out) = $self->_run(undef, $self->_as_pg($self->_pg_bin('pg_ctl'),
	    '-D', $self->{pg_data}, '-l', "$self->{pg_dir}/postgres.log",
	    '-w', '-t', '30', '-o', $opts, 'start'));
	if ($rc) {
		$self->_setup_failed("pg_ctl start failed:\n$out\n"
		    . _slurp("$self->{pg_dir}/postgres.log"));
	}
	$self->{pg_running} = 1;
}

sub stop_postgres {
	my ($self, $mode) = @_;
	return unless $self->{pg_running};
	my ($rc, $out) = $self->_run(undef, $self->_as_pg($self->_pg_bin('pg_ctl'),
	    '-D', $self->{pg_data}, '-m', $mode // 'fast', '-w', 'stop'));
	Test::More::diag("pg_ctl stop: $out") if $rc;
	$self->{pg_running} = 0;
}

# Runs SQL as the cluster superuser against database cexup (or $db); the
# output is tuples only, unaligned, without the final newline.  Dies when
# psql fails.
sub psql {
	my ($self, $sql, $db) = @_;
	my ($rc, $out) = $self->_run(undef, 'psql', '-X', '-q', '-A', '-t',
	    '-v', 'ON_ERROR_STOP=1', '-h', $self->{pg_sockdir},
	    '-p', $self->{pg_port}, '-U', 'postgres', '-d', $db // 'cexup',
	    '-c', $sql);
	croak "psql failed ($sql):\n$out" if $rc;
	chomp $out;
	return $out;
}

# ---------------------------------------------------------------- files

sub _write_jwt_keys {
	my ($self) = @_;
	my $path = "$self->{tmp}/jwt.keys";
	my $secret = b64url_encode(_random_bytes(32));
	_write($path, "# kid secret (base64url, no padding)\nkid1 $secret\n",
	    0600);
	$self->{jwt_keys_file} = $path;
	$self->{jwt_keys} = { kid1 => $secret };
}

# Keys written for every test; new(config => {...}) adds or overrides keys,
# and a key set to undef is left out (the server's default applies).
sub _write_config {
	my ($self) = @_;
	my $socket = "$self->{tmp}/cexup-api.sock";
	$self->{socket} = $socket;
	$self->{auth_socket} = "$self->{tmp}/cexup-api-auth.sock";
	$self->{nginx_port} = $self->{opt}{port} // _free_port();
	my @order = qw(listen auth_listen listen_mode listen_backlog workers
	    auth_workers max_requests
	    drain_timeout database_url statement_timeout_ms db_connect_timeout
	    sql_dir jwt_keys_file jwt_issuer jwt_audience access_ttl
	    refresh_ttl refresh_reuse_window body_limit avatar_body_limit
	    api_key_required public_base_url timezone log_level);
	my %conf = (
		listen			=> "unix:$socket",
		# Two pools, as shipped; a test may set auth_listen => '' (one
		# pool: nginx's auth upstream then points at the api socket).
		auth_listen		=> "unix:$self->{auth_socket}",
		auth_workers		=> 1,
		# nginx's workers run as another user.
		listen_mode		=> '0666',
		listen_backlog		=> 128,
		workers			=> 2,
		max_requests		=> 1000,
		drain_timeout		=> 5,
		database_url		=> "host=$self->{pg_sockdir} "
		    . "port=$self->{pg_port} dbname=cexup user=cexup",
		statement_timeout_ms	=> 5000,
		db_connect_timeout	=> 2,
		sql_dir			=> "$self->{srcdir}/sql",
		jwt_keys_file		=> $self->{jwt_keys_file},
		jwt_issuer		=> 'cexup-api',
		jwt_audience		=> 'cexup-api',
		access_ttl		=> 3600,
		refresh_ttl		=> 2592000,
		refresh_reuse_window	=> 10,
		body_limit		=> 65536,
		avatar_body_limit	=> 4194304,
		api_key_required	=> 'cexup',
		public_base_url		=> 'https://127.0.0.1:'
		    . $self->{nginx_port},
		timezone		=> 'Asia/Jakarta',
		log_level		=> 'info',
	);
	my $over = $self->{opt}{config} // {};
	for my $k (sort keys %$over) {
		push @order, $k unless exists $conf{$k};
		$conf{$k} = $over->{$k};
	}
	# %PGHOST% and %PGPORT% in values: this instance's PostgreSQL.
	for my $k (keys %conf) {
		next unless defined $conf{$k};
		$conf{$k} =~ s/%PGHOST%/$self->{pg_sockdir}/g;
		$conf{$k} =~ s/%PGPORT%/$self->{pg_port}/g;
	}
	my $text = "# generated by tests/lib/CexupTest.pm\n";
	for my $k (@order) {
		next unless defined $conf{$k};
		$text .= "$k = $conf{$k}\n";
	}
	$self->{config} = \%conf;
	$self->{config_path} = "$self->{tmp}/cexup-api.conf";
	_write($self->{config_path}, $text, 0600);
}

sub _make_certificate {
	my ($self) = @_;
	my ($crt, $key) = ("$self->{tmp}/cert.pem", "$self->{tmp}/key.pem");
	my ($rc, $out) = $self->_run(undef, 'openssl', 'req', '-x509',
	    '-newkey', 'rsa:2048', '-nodes', '-days', '1',
	    '-subj', '/CN=localhost', '-keyout', $key, '-out', $crt);
	$self->_setup_failed("openssl req failed:\n$out") if $rc;
	@$self{qw(cert key)} = ($crt, $key);
}

# ---------------------------------------------------------------- server

# A child environment without our own CEXUP_* variables: the server reads
# CEXUP_<KEY> as configuration overrides.
sub _server_env {
	my ($self) = @_;
	my %env = %ENV;
	delete $env{$_} for grep { /^CEXUP_/ } keys %env;
	my $extra = $self->{opt}{env} // {};
	$env{$_} = $extra->{$_} for keys %$extra;
	return \%env;
}

sub _migrate {
	my ($self) = @_;
	my ($rc, $out) = $self->_run({ env => $self->_server_env },
	    $self->{bin}, '-c', $self->{config_path}, 'migrate');
	_append("$self->{tmp}/migrate.log", $out);
	$self->_setup_failed("cexup-api migrate exited with $rc:\n$out")
	    if $rc;
}

# opt demo => 1: load sql/demo/*.sql, in name order, after the migrations.
sub _load_demo {
	my ($self) = @_;
	for my $f (sort glob("$self->{srcdir}/sql/demo/*.sql")) {
		my ($rc, $out) = $self->_run(undef, 'psql', '-X', '-q',
		    '-v', 'ON_ERROR_STOP=1', '-h', $self->{pg_sockdir},
		    '-p', $self->{pg_port}, '-U', 'postgres', '-d', 'cexup',
		    '-v', 'timezone=' . ($self->{config}{timezone}
		    // 'Asia/Jakarta'), '-f', $f);
		$self->_setup_failed("loading $f failed:\n$out") if $rc;
	}
}

sub _start_server {
	my ($self) = @_;
	# opt wrapper => [cmd, args...]: run the server under it (valgrind).
	# %SOCKET%, %AUTH_SOCKET% and %TMP% in its words stand for this
	# instance's paths.
	my @wrapper = map { (my $w = $_) =~ s/%SOCKET%/$self->{socket}/g;
	    $w =~ s/%AUTH_SOCKET%/$self->{auth_socket}/g;
	    $w =~ s/%TMP%/$self->{tmp}/g; $w } @{ $self->{opt}{wrapper} // [] };
	$self->{server_pid} = $self->_spawn("$self->{tmp}/server.log",
	    $self->_server_env, @wrapper, $self->{bin}, '-c',
	    $self->{config_path}, 'serve');
}

# Sends a signal to the master.
# ---- several nodes (opt nodes => N): node 0 is the master above; nodes
# 1..N-1 are further masters with their own socket, config and log, on the
# same database and signing keys, behind the same nginx upstream.

sub _node_sockets {
	my ($self) = @_;
	my $n = $self->{opt}{nodes} // 1;
	return ($self->{socket},
	    map { "$self->{tmp}/cexup-api-$_.sock" } 1 .. $n - 1);
}

# True when the auth pool runs (auth_listen set).
sub has_auth_pool { length($_[0]{config}{auth_listen} // '') > 0 }

# The auth pool's sockets, node by node; with one pool, the api sockets.
sub _node_auth_sockets {
	my ($self) = @_;
	return $self->_node_sockets unless $self->has_auth_pool;
	my $n = $self->{opt}{nodes} // 1;
	return ($self->{auth_socket},
	    map { "$self->{tmp}/cexup-api-auth-$_.sock" } 1 .. $n - 1);
}

# Every socket a node listens on, for the start-up wait.
sub _all_sockets {
	my ($self) = @_;
	my %seen;
	return grep { !$seen{$_}++ } $self->_node_sockets,
	    $self->_node_auth_sockets;
}

sub _start_extra_nodes {
	my ($self) = @_;
	my $n = $self->{opt}{nodes} // 1;
	$self->{nodes} = [ { pid => $self->{server_pid} } ];
	my $text = _slurp($self->{config_path});
	for my $k (1 .. $n - 1) {
		my $conf = "$self->{tmp}/cexup-api-$k.conf";
		(my $t = $text) =~ s{^listen = .*$}
		    {listen = unix:$self->{tmp}/cexup-api-$k.sock}m;
		$t =~ s{^auth_listen = .+$}
		    {auth_listen = unix:$self->{tmp}/cexup-api-auth-$k.sock}m;
		_write($conf, $t, 0600);
		my $pid = $self->_spawn("$self->{tmp}/server-$k.log",
		    $self->_server_env, $self->{bin}, '-c', $conf, 'serve');
		$self->{nodes}[$k] = { pid => $pid, conf => $conf };
	}
}

# Master pid of node $k (0: the first node).
sub node_pid { $_[1] ? $_[0]{nodes}[$_[1]]{pid} : $_[0]{server_pid} }

sub node_worker_pids {
	my ($self, $k) = @_;
	my $pid = $self->node_pid($k) or return ();
	return sort { $a <=> $b } grep { /^\d+$/ } split /\s+/, `pgrep -P $pid`;
}

sub node_log {
	my ($self, $k) = @_;
	return $k ? _slurp("$self->{tmp}/server-$k.log") : $self->server_log;
}

sub signal_node {
	my ($self, $k, $sig) = @_;
	return $self->signal_master($sig) unless $k;
	return kill $sig, $self->{nodes}[$k]{pid};
}

# kill -9 of a whole node: its master and its workers.
sub kill_node {
	my ($self, $k) = @_;
	my @pids = ($self->node_pid($k), $self->node_worker_pids($k));
	if ($k) {
		$self->{nodes}[$k]{killed} = 1;
	} else {
		$self->{term_sent} = 1;
	}
	kill 'KILL', @pids;
	$self->wait_node($k, 5);
	return scalar @pids;
}

sub wait_node {
	my ($self, $k, $timeout) = @_;
	return $self->wait_master($timeout) unless $k;
	my $n = $self->{nodes}[$k];
	return $n->{status} if defined $n->{status};
	my $deadline = time + $timeout;
	while (time < $deadline) {
		my $r = waitpid($n->{pid}, WNOHANG);
		if ($r == $n->{pid} || $r == -1) {
			$n->{status} = $r == -1 ? -1 : $?;
			return $n->{status};
		}
		sleep 0.05;
	}
	return undef;
}

sub signal_master {
	my ($self, $sig) = @_;
	$self->{term_sent} = 1 if $sig =~ /^(?:SIG)?(?:TERM|INT|QUIT|KILL)$/;
	return kill $sig, $self->{server_pid};
}

# Appends key = value lines to the running configuration (the last
# occurrence of a key wins), sends SIGHUP and waits up to $timeout seconds
# (default 60) until the reload is complete.  True if it completed.
sub reconfigure {
	my ($self, $settings, $timeout) = @_;
	open my $fh, '>>', $self->{config_path}
	    or croak "$self->{config_path}: $!";
	print {$fh} "$_ = $settings->{$_}\n" for sort keys %$settings;
	close $fh;
	my $at = length $self->server_log;
	$self->signal_master('HUP');
	return $self->wait_until($timeout // 60, sub {
	    substr($self->server_log, $at) =~ /reloading -> running/ });
}

# Is the master still running?  Reaps it (and records its status) if not.
sub master_alive {
	my ($self) = @_;
	return 0 unless $self->{server_pid};
	return 0 if defined $self->{server_status};
	my $r = waitpid($self->{server_pid}, WNOHANG);
	return 1 if $r == 0;
	$self->{server_status} = $r == -1 ? -1 : $?;
	return 0;
}

# Waits up to $timeout seconds for the master to exit; returns its wait
# status, or undef if it is still running.
sub wait_master {
	my ($self, $timeout) = @_;
	return $self->{server_status} if defined $self->{server_status};
	my $deadline = time + $timeout;
	while (time < $deadline) {
		my $r = waitpid($self->{server_pid}, WNOHANG);
		if ($r == $self->{server_pid} || $r == -1) {
			$self->{server_status} = $r == -1 ? -1 : $?;
			return $self->{server_status};
		}
		sleep 0.05;
	}
	return undef;
}

# ---- mailers (issue 13): `cexup-api mailer` processes on this instance's
# database and configuration file.
#
# start_mailers($n, { key => value }) starts $n mailers; the settings
# (smtp_url => $sink->url, mailer_retry_base_seconds => 1, ...) are given
# as CEXUP_<KEY> environment overrides on top of these defaults:
# mail_templates_dir (the source tree's mail/), smtp_from
# "Cexup <no-reply@cexup.test>", mailer_poll_seconds 1.  Returns their
# indexes; each logs to mailer-<index>.log (mailer_log).  stop_mailers()
# sends SIGTERM to all (or to the given indexes) and returns their wait
# statuses; stop() also stops those still running and checks they exit 0.
sub start_mailers {
	my ($self, $n, $settings) = @_;
	my %conf = (
		mail_templates_dir	=> "$self->{srcdir}/mail",
		smtp_from		=> 'Cexup <no-reply@cexup.test>',
		mailer_poll_seconds	=> 1,
		%{ $settings // {} },
	);
	my $env = $self->_server_env;
	$env->{'CEXUP_' . uc $_} = $conf{$_} for keys %conf;
	my @idx;
	for (1 .. $n // 1) {
		my $i = scalar @{ $self->{mailers} //= [] };
		my $pid = $self->_spawn("$self->{tmp}/mailer-$i.log", $env,
		    $self->{bin}, '-c', $self->{config_path}, 'mailer');
		push @{ $self->{mailers} }, { pid => $pid };
		push @idx, $i;
	}
	# Started: each has logged its first line (or died trying).
	$self->wait_until(10, sub { !grep {
	    $self->mailer_log($_) !~ /mailer started|mailer:/ } @idx });
	return @idx;
}

sub mailer_log { _slurp("$_[0]{tmp}/mailer-$_[1].log") }
sub mailer_pid { $_[0]{mailers}[$_[1]]{pid} }

sub stop_mailers {
	my ($self, @idx) = @_;
	my $all = $self->{mailers} // [];
	@idx = grep { !defined $all->[$_]{status} } 0 .. $#$all unless @idx;
	kill 'TERM', map { $all->[$_]{pid} } @idx;
	my $deadline = time + 15;
	for my $i (@idx) {
		my $m = $all->[$i];
		while (!defined $m->{status}) {
			my $r = waitpid($m->{pid}, WNOHANG);
			if ($r == $m->{pid} || $r == -1) {
				$m->{status} = $r == -1 ? -1 : $?;
			} elsif (time >= $deadline) {
				kill 'KILL', $m->{pid};
				waitpid($m->{pid}, 0);
				$m->{status} = 'killed';
			} else {
				sleep 0.05;
			}
		}
	}
	return map { $all->[$_]{status} } @idx;
}

# ---------------------------------------------------------------- nginx

# The shipped server block with the deployment-specific lines rewritten.
# Each pattern must match exactly once, so a renamed line fails loudly here
# instead of silently testing a production path.
sub nginx_conf_text {
	my ($self) = @_;
	my $src = "$self->{srcdir}/nginx/cexup-api.conf";
	my $text = _slurp($src);
	croak "cannot read $src" unless length $text;
	my $tmp = $self->{tmp};
	my $port = $self->{nginx_port};
	my $rate = $self->{opt}{auth_rate} // '1000r/s';
	# A test's whole load comes from 127.0.0.1: lifted unless a test
	# measures the shipped limit ('shipped').
	my $conn_per_addr = $self->{opt}{conn_per_addr} // 4096;
	if ($conn_per_addr eq 'shipped') {
		($conn_per_addr) = $text =~ /^\s*limit_conn\s+cexup_addr\s+(\d+);/m;
		croak 'nginx/cexup-api.conf: no "limit_conn cexup_addr N;" line'
		    unless defined $conn_per_addr;
	}
	my @subst = (
		[ qr{^(\s*)server\s+unix:/run/cexup-api/cexup-api\.sock;}m,
		  join("\n\t", map { "server unix:$_;" } $self->_node_sockets) ],
		[ qr{^(\s*)server\s+unix:/run/cexup-api/cexup-api-auth\.sock;}m,
		  join("\n\t", map { "server unix:$_;" }
		    $self->_node_auth_sockets) ],
		[ qr{^(\s*)listen\s+443\s+ssl\b[^;]*;}m,
		  "listen 127.0.0.1:$port ssl;" ],
		[ qr{^(\s*)listen\s+\[::\]:443\s+ssl\b[^;]*;}m,
		  '# (IPv6 listen removed by the test harness)' ],
		[ qr{^(\s*)ssl_certificate\s+/etc/ssl/certs/cexup-api\.crt;}m,
		  "ssl_certificate $self->{cert};" ],
		[ qr{^(\s*)ssl_certificate_key\s+/etc/ssl/private/cexup-api\.key;}m,
		  "ssl_certificate_key $self->{key};" ],
		[ qr{^(\s*)access_log\s+/var/log/nginx/cexup-api\.access\.log\b}m,
		  "access_log $tmp/nginx-access.log" ],
		[ qr{^(\s*)error_log\s+/var/log/nginx/cexup-api\.error\.log\b}m,
		  "error_log $tmp/nginx-error.log" ],
		[ qr{^(\s*)limit_conn\s+cexup_addr\s+\d+;}m,
		  "limit_conn cexup_addr $conn_per_addr;" ],
		# Account recovery: its own option, so that a test can measure
		# the limit without slowing the logins it also makes.
		[ qr{^(\s*)limit_req_zone\s+\$binary_remote_addr\s+zone=cexup_recovery:10m\s+rate=\S+;}m,
		  "limit_req_zone \$binary_remote_addr zone=cexup_recovery:10m rate="
		  . ($self->{opt}{recovery_rate} // $rate) . ';' ],
		map { [ qr{^(\s*)limit_req_zone\s+\$binary_remote_addr\s+zone=cexup_$_:10m\s+rate=\S+;}m,
		  "limit_req_zone \$binary_remote_addr zone=cexup_$_:10m rate=$rate;" ] }
		    qw(login register checkid),
	);
	for my $s (@subst) {
		my ($re, $with) = @$s;
		my $n = () = $text =~ /$re/g;
		croak "nginx/cexup-api.conf: expected one line matching $re, "
		    . "found $n" unless $n == 1;
		$text =~ s/$re/$1$with/;
	}
	$text = $self->{opt}{nginx_edit}->($text) if $self->{opt}{nginx_edit};
	return $text;
}

sub _write_nginx_conf {
	my ($self) = @_;
	my $tmp = $self->{tmp};
	_write("$tmp/cexup-api.conf.nginx", $self->nginx_conf_text, 0644);
	# Relative includes resolve against the directory of nginx.conf, as
	# "include fastcgi_params;" does in /etc/nginx.
	_write("$tmp/fastcgi_params", _slurp('/etc/nginx/fastcgi_params'),
	    0644);
	mkdir "$tmp/nginx-tmp", 0755;
	my $worker_connections = $self->{opt}{worker_connections} // 4096;
	my $nginx_workers = $self->{opt}{nginx_workers} // 1;
	my $nofile = 2 * $worker_connections;
	my $conf = <<"EOF";
# generated by tests/lib/CexupTest.pm
daemon off;
master_process on;
worker_processes $nginx_workers;
# Sized as the README asks of a production nginx.conf: each proxied request
# holds two connections (client and upstream), and the descriptors must
# cover them plus log and temporary files.
worker_rlimit_nofile $nofile;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;

events {
	worker_connections $worker_connections;
}

http {
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	client_body_temp_path $tmp/nginx-tmp/body;
	fastcgi_temp_path $tmp/nginx-tmp/fastcgi;
	proxy_temp_path $tmp/nginx-tmp/proxy;
	uwsgi_temp_path $tmp/nginx-tmp/uwsgi;
	scgi_temp_path $tmp/nginx-tmp/scgi;
	include $tmp/cexup-api.conf.nginx;
}
EOF
	_write("$tmp/nginx.conf", $conf, 0644);
}

sub _nginx_cmd {
	my ($self, @extra) = @_;
	my $tmp = $self->{tmp};
	return ('/usr/sbin/nginx', '-p', "$tmp/", '-c', "$tmp/nginx.conf",
	    '-e', "$tmp/nginx-error.log", @extra);
}

sub _start_nginx {
	my ($self) = @_;
	my $tmp = $self->{tmp};
	for my $attempt (1 .. 5) {
		$self->_write_nginx_conf;
		my ($rc, $out) = $self->_run(undef, $self->_nginx_cmd('-t'));
		if ($attempt == 1) {
			if ($self->{opt}{tap} // 1) {
				Test::More::ok($rc == 0,
				    'nginx -t accepts the generated configuration')
				    or Test::More::diag($out);
			}
		}
		$self->_setup_failed("nginx -t failed:\n$out") if $rc;

		$self->{nginx_pid} = $self->_spawn("$tmp/nginx.out", undef,
		    $self->_nginx_cmd);
		my $deadline = time + 10;
		while (time < $deadline) {
			if (waitpid($self->{nginx_pid}, WNOHANG) != 0) {
				delete $self->{nginx_pid};
				last;
			}
			my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
			    PeerPort => $self->{nginx_port}, Timeout => 1);
			return if $s;
			sleep 0.05;
		}
		my $log = _slurp("$tmp/nginx-error.log")
		    . _slurp("$tmp/nginx.out");
		if (!$self->{nginx_pid} && $log =~ /Address already in use/
		    && !$self->{opt}{port}) {
			# Someone took the port between our probe and nginx's
			# bind: try another one (keep the log clean of the
			# resulting [emerg]).
			unlink "$tmp/nginx-error.log";
			$self->{nginx_port} = _free_port();
			next;
		}
		$self->_setup_failed("nginx did not start:\n$log");
	}
	$self->_setup_failed('nginx: no free port after 5 attempts');
}

sub _wait_healthy {
	my ($self) = @_;
	my $deadline = time + ($self->{opt}{start_timeout} // 15);
	my $last;
	while (time < $deadline) {
		# Probing nginx before the socket exists only fills its error
		# log with refused connects.
		if (grep { !-S $_ } $self->_all_sockets) {
			$self->_setup_failed('cexup-api serve exited with status '
			    . ($self->{server_status} >> 8) . ' during start-up')
			    unless $self->master_alive;
			sleep 0.05;
			next;
		}
		$last = $self->request('GET', '/api/health');
		if ($last->{status} != 200) {
			$self->_setup_failed('cexup-api serve exited with '
			    . 'status ' . ($self->{server_status} >> 8)
			    . ' during start-up') unless $self->master_alive;
			sleep 0.1;
			next;
		}
		# Every pool, not only the one /api/health reaches: a request
		# for a pool still starting would wait in its backlog.  (The
		# request above comes first: under systemd-socket-activate the
		# first connection starts the server.)
		until ($self->server_log =~ /api pool ready/ &&
		    (!$self->has_auth_pool ||
		    $self->server_log =~ /auth pool ready/)) {
			$self->_setup_failed('not every pool got ready')
			    if time > $deadline;
			sleep 0.05;
		}
		return;
	}
	$self->_setup_failed("GET /api/health did not answer 200 within the "
	    . "start-up timeout (last: $last->{status} $last->{body})");
}

# ---------------------------------------------------------------- requests

# request($method, $path, body => $raw, json => $data, headers => {...},
#         timeout => $s, from => '127.0.0.2')
# ("from": the client's source address, another client as nginx sees it;
# any 127/8 address works on Linux's loopback)
# Returns { status, reason, headers (lower-case names; repeated headers
# joined with ", "), body, json (decoded object, or undef) }.  Status 599 is
# a transport error (body says which).
sub request {
	my ($self, $method, $path, %o) = @_;
	my %headers = %{ $o{headers} // {} };
	my $body = $o{body};
	if (exists $o{json}) {
		$body = $JSON->encode($o{json});
		$headers{'Content-Type'} //= 'application/json';
	}
	my $http = HTTP::Tiny->new(
		agent		=> 'cexup-test/1',
		keep_alive	=> 0,
		max_redirect	=> 0,
		timeout		=> $o{timeout} // 60,
		$o{from} ? (local_address => $o{from}) : (),
		verify_SSL	=> 0,
		SSL_options	=> {
			SSL_verify_mode	=> SSL_VERIFY_NONE,
			SSL_hostname	=> 'localhost',
		},
	);
	my %args = (headers => \%headers);
	$args{content} = $body if defined $body;
	my $r = $http->request($method, $self->base_url . $path, \%args);
	my %h;
	for my $k (keys %{ $r->{headers} }) {
		my $v = $r->{headers}{$k};
		$h{lc $k} = ref $v ? join(', ', @$v) : $v;
	}
	my $res = {
		status	=> $r->{status},
		reason	=> $r->{reason},
		headers	=> \%h,
		body	=> $r->{content} // '',
		json	=> json_decode($r->{content}),
	};
	_observe($method, $path, $res->{status});
	$self->_check_openapi($method, $path, $res);
	return $res;
}

# CEXUP_OBSERVED (set by make check): every status a test sees is appended
# there, so that tests/integration/99-openapi.t can check each one is
# documented.
sub _observe {
	my ($method, $path, $status) = @_;
	my $file = $ENV{CEXUP_OBSERVED} or return;
	return if $status == 599;
	$path =~ s/\?.*//s;
	open my $fh, '>>', $file or return;
	print $fh "$method $path $status\n";
	close $fh;
}

# Sends $bytes as they are over TLS (a whole HTTP request, which should say
# "Connection: close") and returns what comes back, parsed like request().
sub raw_request {
	my ($self, $bytes, %o) = @_;
	my $s = IO::Socket::SSL->new(PeerAddr => '127.0.0.1',
	    PeerPort => $self->{nginx_port}, SSL_verify_mode => SSL_VERIFY_NONE,
	    SSL_hostname => 'localhost', Timeout => $o{timeout} // 30)
	    or return { status => 599, body => "connect: $IO::Socket::SSL::SSL_ERROR",
		headers => {} };
	print {$s} $bytes;
	my $in = '';
	while (1) {
		my $n = sysread($s, my $buf, 65536);
		last unless $n;
		$in .= $buf;
	}
	close $s;
	my $res = _parse_response($in);
	my ($method, $path) = $bytes =~ m{\A([A-Z]+) (/\S*) HTTP/1\.[01]\r?\n};
	$self->_check_openapi($method, $path, $res);
	return $res;
}

# Every response a test receives must match docs/openapi.yaml
# (tests/lib/OpenApiCheck.pm): a mismatch is one more failed test naming
# the route, the status and what is wrong.  A forked child cannot add to
# the parent's TAP stream: it leaves its findings in a file that the parent
# reports at its next request or at stop().
my $OPENAPI_SAID;
sub _check_openapi {
	my ($self, $method, $path, $res) = @_;
	return if !($self->{opt}{tap} // 1) || ($res->{status} // 599) == 599;
	my ($v, $why) = OpenApiCheck->load("$self->{srcdir}/docs/openapi.yaml");
	if (!$v) {
		Test::More::diag("responses are not checked against "
		    . "docs/openapi.yaml: $why") unless $OPENAPI_SAID++;
		return;
	}
	my $file = "$self->{tmp}/openapi-mismatches";
	my @err = $v->check($method, $path, $res);
	my $shown = $path // '';
	$shown = substr($shown, 0, 80) . '...(' . length($shown) . ' bytes)'
	    if length $shown > 100;
	my $name = ($method // '(unparsed)') . " $shown"
	    . " -> $res->{status} matches docs/openapi.yaml";
	my $todo = @err ? OpenApiCheck->known_issue($method, @err) : undef;
	if (@err && $$ != $self->{owner}) {
		open my $fh, '>>', $file or return;
		print {$fh} $JSON->encode([ $name, $todo, @err ]), "\n";
		close $fh;
		return;
	}
	my @found = @err ? [ $name, $todo, @err ] : ();
	if (-s $file) {
		open my $fh, '<', $file or return;
		push @found, map { $JSON->decode($_) } <$fh>;
		close $fh;
		unlink $file;
	}
	my $tb = Test::More->builder;
	for (@found) {
		my ($n, $why, @e) = @$_;
		$tb->todo_start("server bug: $why") if defined $why;
		Test::More::ok(0, $n);
		Test::More::diag($_) for @e;
		$tb->todo_end if defined $why;
	}
}

sub _parse_response {
	my ($in) = @_;
	my ($head, $body) = split /\r\n\r\n/, $in, 2;
	$head //= '';
	my @lines = split /\r\n/, $head;
	my $first = shift @lines // '';
	my ($status, $reason) = $first =~ m{^HTTP/\S+\s+(\d+)\s*(.*)};
	my %h;
	for (@lines) {
		my ($k, $v) = /^([^:]+):\s*(.*)$/ or next;
		$k = lc $k;
		$h{$k} = exists $h{$k} ? "$h{$k}, $v" : $v;
	}
	$body //= '';
	if (($h{'transfer-encoding'} // '') =~ /chunked/i) {
		my $out = '';
		while ($body =~ s/^([0-9a-fA-F]+)[^\r\n]*\r\n//) {
			my $len = hex $1;
			last if $len == 0;
			$out .= substr($body, 0, $len, '');
			$body =~ s/^\r\n//;
		}
		$body = $out;
	}
	return { status => $status // 599, reason => $reason, headers => \%h,
	    body => $body, json => json_decode($body), raw => $in };
}

# ---------------------------------------------------------------- helpers

# A fresh address for each call: tests share nothing through accounts.
my $EMAIL_SEQ = 0;
sub unique_email {
	my ($self, $tag) = @_;
	$EMAIL_SEQ++;
	return sprintf '%s.%d.%d.%d@example.com', $tag // 'user', $$,
	    $EMAIL_SEQ, int(rand(1e6));
}

# Registers a user through the API; returns (email, password, response).
sub register_user {
	my ($self, %f) = @_;
	my $email = $f{email} // $self->unique_email;
	my $password = $f{password} // 'correct horse battery';
	my $res = $self->request('POST', '/api/register', json => {
	    name => $f{name} // 'Test User', email => $email,
	    password => $password });
	return ($email, $password, $res);
}

# Polls $code every 0.1 s until it returns true or $timeout seconds pass;
# returns the last value.
sub wait_until {
	my ($self, $timeout, $code) = @_;
	my $deadline = time + $timeout;
	my $v;
	while (1) {
		$v = $code->();
		return $v if $v || time >= $deadline;
		sleep 0.1;
	}
}

# Compares an error response with the envelope exactly: status, Content-Type,
# X-Request-Id, and a body that is {"message","details"} (plus "errors" when
# opt errors => [fields...] is given; each named field must be in it with a
# non-empty list of strings; errors_optional => 1 tolerates an "errors"
# object).  An undef $message or $details accepts any non-empty string (for
# texts the contract leaves to the server).  retry_after => 1 requires a
# Retry-After of whole seconds.  One test; diag shows the response on
# failure.
sub expect_error {
	my ($self, $res, $status, $message, $details, %opt) = @_;
	my $name = $opt{name} // "$status " . ($message // "(any message)");
	my @why;
	push @why, "status $res->{status}, expected $status"
	    unless $res->{status} == $status;
	my $ct = $res->{headers}{'content-type'} // '(none)';
	push @why, "Content-Type '$ct'"
	    unless $ct eq 'application/json; charset=utf-8';
	push @why, 'no X-Request-Id of 32 hex digits'
	    unless ($res->{headers}{'x-request-id'} // '') =~ /^[0-9a-f]{32}$/;
	my $j = $res->{json};
	if (ref $j ne 'HASH') {
		push @why, 'body is not a JSON object';
	} else {
		push @why, 'message is ' . _show($j->{message})
		    unless _str_eq($j->{message}, $message);
		push @why, 'details is ' . _show($j->{details})
		    unless _str_eq($j->{details}, $details);
		my %allowed = (message => 1, details => 1);
		$allowed{errors} = 1 if $opt{errors_optional};
		if ($opt{errors}) {
			$allowed{errors} = 1;
			my $e = $j->{errors};
			if (ref $e ne 'HASH') {
				push @why, 'no "errors" object';
			} else {
				for my $f (@{ $opt{errors} }) {
					my $l = $e->{$f};
					push @why, "errors.$f is not a non-empty "
					    . 'list of strings'
					    unless ref $l eq 'ARRAY' && @$l
					    && !grep { !defined || ref } @$l;
				}
			}
		}
		my @extra = grep { !$allowed{$_} } sort keys %$j;
		push @why, "unexpected keys: @extra" if @extra;
	}
	if ($opt{retry_after}) {
		push @why, 'no Retry-After (seconds)'
		    unless ($res->{headers}{'retry-after'} // '') =~ /^\d+$/;
	}
	my $ok = Test::More::ok(!@why, $name);
	unless ($ok) {
		Test::More::diag("  $_") for @why;
		Test::More::diag("  body: " . substr($res->{body}, 0, 500));
	}
	return $ok;
}

# The success envelope: status, Content-Type, {"message": $message, "data"}
# (plus "meta" when opt meta => 1).  Returns data (or undef on failure).
sub expect_ok {
	my ($self, $res, $status, $message, %opt) = @_;
	my $name = $opt{name} // "$status " . ($message // "(any message)");
	my @why;
	push @why, "status $res->{status}, expected $status"
	    unless $res->{status} == $status;
	my $ct = $res->{headers}{'content-type'} // '(none)';
	push @why, "Content-Type '$ct'"
	    unless $ct eq 'application/json; charset=utf-8';
	push @why, 'no X-Request-Id of 32 hex digits'
	    unless ($res->{headers}{'x-request-id'} // '') =~ /^[0-9a-f]{32}$/;
	my $j = $res->{json};
	if (ref $j ne 'HASH') {
		push @why, 'body is not a JSON object';
	} else {
		push @why, 'message is ' . _show($j->{message})
		    unless _str_eq($j->{message}, $message);
		push @why, 'no "data"' unless exists $j->{data};
		my %allowed = (message => 1, data => 1,
		    $opt{meta} ? (meta => 1) : ());
		my @extra = grep { !$allowed{$_} } sort keys %$j;
		push @why, "unexpected keys: @extra" if @extra;
	}
	my $ok = Test::More::ok(!@why, $name);
	unless ($ok) {
		Test::More::diag("  $_") for @why;
		Test::More::diag("  body: " . substr($res->{body}, 0, 500));
	}
	return $ok ? $j->{data} : undef;
}

sub _str_eq {
	my ($got, $want) = @_;
	return 0 unless defined $got && !ref $got;
	return defined $want ? $got eq $want : length $got > 0;
}
sub _show { defined $_[0] ? $JSON->encode($_[0]) : 'missing' }

sub json_encode { $JSON->encode($_[0]) }

sub json_decode {
	my ($text) = @_;
	return undef unless defined $text && length $text;
	my $v = eval { $JSON->decode($text) };
	return $v;
}

sub b64url_encode {
	my $s = encode_base64($_[0], '');
	$s =~ tr{+/}{-_};
	$s =~ s/=+$//;
	return $s;
}

sub b64url_decode {
	my ($s) = @_;
	return undef unless defined $s && $s =~ /^[A-Za-z0-9_-]*$/;
	$s =~ tr{-_}{+/};
	$s .= '=' x ((4 - length($s) % 4) % 4);
	return decode_base64($s);
}

# (header, claims, signature bytes) of a compact JWS, or () if malformed.
sub decode_jwt {
	my ($jwt) = @_;
	return () unless defined $jwt;
	my @p = split /\./, $jwt, -1;
	return () unless @p == 3;
	my $h = json_decode(b64url_decode($p[0]));
	my $c = json_decode(b64url_decode($p[1]));
	my $s = b64url_decode($p[2]);
	return () unless ref $h eq 'HASH' && ref $c eq 'HASH' && defined $s;
	return ($h, $c, $s);
}

sub jwt_secret { b64url_decode($_[0]{jwt_keys}{$_[1] // 'kid1'}) }

# ---------------------------------------------------------------- teardown

# Stops everything and checks the logs.  Called by the test (the checks are
# then tests); END calls it for instances still running, reporting problems
# as diagnostics only (the plan is closed by then).
sub stop {
	my ($self, %o) = @_;
	return if $self->{stopped} || $self->{owner} != $$;
	$self->{stopped} = 1;
	my $quiet = $o{quiet} || !($self->{opt}{tap} // 1);
	my $check = sub {
		my ($ok, $name, @diag) = @_;
		if ($quiet) {
			unless ($ok) {
				Test::More::diag("FAILED during teardown: $name");
				Test::More::diag($_) for @diag;
				$self->{teardown_failed} = 1;
			}
		} else {
			unless (Test::More::ok($ok, $name)) {
				Test::More::diag($_) for @diag;
			}
		}
	};

	if ($self->{server_pid} && defined $self->{server_status}
	    && !$self->{term_sent}) {
		$check->(0, 'cexup-api master ran until the end of the test',
		    "it exited on its own with wait status "
		    . "$self->{server_status}");
	} elsif ($self->{server_pid} && !defined $self->{server_status}) {
		my $limit = ($self->{config}{drain_timeout} // 10) + 5;
		my @workers = $self->worker_pids;
		$self->{term_sent} = 1;
		kill 'TERM', $self->{server_pid};
		my $st = $self->wait_master($limit);
		if (!defined $st) {
			# Leave nothing behind: the master and its workers.
			kill 'KILL', $self->{server_pid}, $self->worker_pids,
			    @workers;
			$self->wait_master(5);
			$check->(0, "cexup-api exits within ${limit}s of SIGTERM");
		} else {
			$check->($st == 0, 'cexup-api exits 0 on SIGTERM',
			    "wait status $st");
		}
	}
	if (grep { !defined $_->{status} } @{ $self->{mailers} // [] }) {
		my @st = $self->stop_mailers;
		$check->(!grep({ $_ ne '0' } @st), 'mailers exit 0 on SIGTERM',
		    "wait statuses @st");
	}
	for my $k (1 .. $#{ $self->{nodes} // [] }) {
		my $n = $self->{nodes}[$k];
		next if $n->{killed} || !$n->{pid};
		kill 'TERM', $n->{pid};
		my $st = $self->wait_node($k, 15);
		if (!defined $st) {
			kill 'KILL', $n->{pid};
			$self->wait_node($k, 5);
		}
		$check->(defined $st && $st == 0, "node $k exits 0 on SIGTERM",
		    'wait status ' . ($st // 'none'));
	}
	if ($self->{nginx_pid}) {
		kill 'QUIT', $self->{nginx_pid};
		my $deadline = time + 10;
		my $r = 0;
		while (time < $deadline) {
			$r = waitpid($self->{nginx_pid}, WNOHANG);
			last if $r;
			sleep 0.05;
		}
		unless ($r) {
			kill 'KILL', $self->{nginx_pid};
			waitpid($self->{nginx_pid}, 0);
		}
		delete $self->{nginx_pid};
	}
	$self->stop_postgres('fast');
	if (-s "$self->{tmp}/openapi-mismatches") {
		open my $fh, '<', "$self->{tmp}/openapi-mismatches";
		my @found = map { $JSON->decode($_) } <$fh>;
		$check->(0, $_->[0], @$_[2 .. $#$_]) for grep { !defined $_->[1] } @found;
	}

	if ($self->{setup_failed}) {
		# Already reported by _setup_failed.
		$self->_cleanup;
		return;
	}
	# opt nginx_log_ignore => qr/.../: lines a test provokes on purpose
	# (nginx logs a refused unix-socket connect() as [crit]).
	my $ignore = $self->{opt}{nginx_log_ignore};
	my @alerts = grep { /\[(alert|crit|emerg)\]/
	    && !($ignore && $_ =~ $ignore) } split /\n/, $self->nginx_error_log;
	$check->(!@alerts, 'no [alert]/[crit]/[emerg] in nginx error log',
	    @alerts);
	if ($self->{server_pid}) {
		my @san = grep { /AddressSanitizer|LeakSanitizer|runtime error/ }
		    split /\n/, $self->server_log;
		$check->(!@san, 'no sanitizer reports in server.log',
		    @san[0 .. ($#san > 20 ? 20 : $#san)]);
	}
	$self->_cleanup;
}

sub _cleanup {
	my ($self) = @_;
	my $tb = Test::More->builder;
	my $failed = !$self->{setup_failed}
	    && ($self->{teardown_failed} || !$tb->is_passing);
	if ($failed || $ENV{CEXUP_TEST_VERBOSE}) {
		for my $f (qw(server.log nginx-error.log migrate.log),
		    map { "mailer-$_.log" } 0 .. $#{ $self->{mailers} // [] }) {
			my $text = _slurp("$self->{tmp}/$f");
			next unless length $text;
			$text = '...' . substr($text, -20000)
			    if length $text > 20000;
			Test::More::diag("---- $f ----\n$text");
		}
	}
	if ($ENV{TEST_KEEP}) {
		Test::More::diag("kept $self->{tmp}");
	} else {
		remove_tree($self->{tmp});
	}
}

# Setup failed: show what we have, tear down, stop the whole run.
sub _setup_failed {
	my ($self, $why) = @_;
	Test::More::diag($why);
	for my $f (qw(server.log nginx-error.log migrate.log pg/postgres.log)) {
		my $text = _slurp("$self->{tmp}/$f");
		Test::More::diag("---- $f ----\n$text") if length $text;
	}
	$self->{setup_failed} = 1;
	# Outside a test (scripts/start.sh, bench/) there is nothing to bail.
	croak((split /\n/, $why)[0]) unless $self->{opt}{tap} // 1;
	Test::More::BAIL_OUT((split /\n/, $why)[0]);
}

sub DESTROY {
	my ($self) = @_;
	local ($?, $!, $@);
	$self->stop(quiet => 1) if $self->{owner} && $self->{owner} == $$;
}

END {
	local $?;
	for my $t (grep { defined } @LIVE) {
		$t->stop(quiet => 1) if $t->{owner} == $$;
	}
}

# ---------------------------------------------------------------- processes

# Runs a command to completion; returns (exit code, combined output).
# $o: { env => \%env }.  The output goes through a file, not a pipe, so a
# daemon the command leaves behind (pg_ctl's postmaster) cannot hold it open.
sub _run {
	my ($self, $o, @cmd) = @_;
	my $out = "$self->{tmp}/.run-output";
	unlink $out;
	my $pid = $self->_spawn($out, $o ? $o->{env} : undef, @cmd);
	waitpid($pid, 0);
	my $rc = $? == -1 ? 127 : ($? & 127 ? 128 + ($? & 127) : $? >> 8);
	my $text = _slurp($out);
	unlink $out;
	return ($rc, $text);
}

# fork + exec with stdin from /dev/null and stdout+stderr appended to $log;
# $env (hashref) replaces the environment when given.
sub _spawn {
	my ($self, $log, $env, @cmd) = @_;
	my $pid = fork // croak "fork: $!";
	return $pid if $pid;
	# The child: only exec or _exit (no END blocks, no DESTROY).
	eval {
		chdir $self->{tmp};
		open STDIN, '<', '/dev/null' or die;
		open STDOUT, '>>', $log or die "open $log: $!";
		open STDERR, '>&', \*STDOUT or die;
		%ENV = %$env if $env;
		exec { $cmd[0] } @cmd or die "exec $cmd[0]: $!\n";
	};
	print STDERR $@;
	POSIX::_exit(127);
}

sub _free_port {
	my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
	    LocalPort => 0, Proto => 'tcp', ReuseAddr => 1)
	    or croak "cannot find a free port: $!";
	my $port = $s->sockport;
	close $s;
	return $port;
}

sub _random_bytes {
	my ($n) = @_;
	open my $fh, '<:raw', '/dev/urandom' or croak "/dev/urandom: $!";
	my $got = read($fh, my $buf, $n);
	croak 'short read from /dev/urandom' unless $got && $got == $n;
	return $buf;
}

sub _slurp {
	my ($path) = @_;
	open my $fh, '<:raw', $path or return '';
	local $/;
	my $s = <$fh>;
	return $s // '';
}

sub _write {
	my ($path, $text, $mode) = @_;
	open my $fh, '>:raw', $path or croak "write $path: $!";
	print {$fh} $text;
	close $fh or croak "close $path: $!";
	chmod $mode, $path if defined $mode;
}

sub _append {
	my ($path, $text) = @_;
	open my $fh, '>>:raw', $path or croak "append $path: $!";
	print {$fh} $text;
	close $fh;
}


# ---------------------------------------------------------------- accounts

# A client API key (docs/API.md §3), created directly in the database as
# `cexup-api apikey create` would store it (SHA-256 only).  Without a name,
# one key per instance is made on first use and reused.
sub api_key {
	my ($self, $name) = @_;
	return $self->{default_api_key} if !defined $name
	    && $self->{default_api_key};
	my $key = b64url_encode(_random_bytes(32));
	my $label = $name // 'test-app';
	$label =~ s/'/''/g;
	$self->psql("INSERT INTO api_clients (name, key_hash) VALUES "
	    . "('$label', sha256('$key'::bytea))");
	$self->{default_api_key} = $key unless defined $name;
	return $key;
}

# request() with the instance's API key added (unless headers say
# otherwise).
sub cexup_request {
	my ($self, $method, $path, %o) = @_;
	my %h = %{ $o{headers} // {} };
	$h{'x-api-key'} = $self->api_key unless exists $h{'x-api-key'};
	return $self->request($method, $path, %o, headers => \%h);
}

# A fresh username for each call.
my $USERNAME_SEQ = 0;
sub unique_username {
	my ($self, $tag) = @_;
	$USERNAME_SEQ++;
	my $letters = join '', map { ('a' .. 'z')[rand 26] } 1 .. 6;
	return ($tag // 'user') . $letters . $$ . $USERNAME_SEQ;
}

# Registers a patient through POST /api/register/patient; returns
# (user object, password, response).
sub register_patient {
	my ($self, %f) = @_;
	my %body = (
		name		=> $f{name} // 'Test Patient',
		address		=> $f{address} // 'Jl. Sudirman 1, Jakarta',
		username	=> $f{username} // $self->unique_username,
		email		=> $f{email} // $self->unique_email('patient'),
		password	=> $f{password} // 'correct horse battery',
	);
	my $res = $self->cexup_request('POST', '/api/register/patient',
	    json => \%body);
	my $user = ref $res->{json} eq 'HASH' && ref $res->{json}{data} eq 'HASH'
	    ? $res->{json}{data}{user} : undef;
	return ($user, $body{password}, $res);
}

# Logs in at /api/login/patient; returns data (token and user) or undef.
sub login_patient {
	my ($self, $identifier, $password) = @_;
	my $res = $self->cexup_request('POST', '/api/login/patient',
	    json => { email => $identifier, password => $password });
	return undef unless $res->{status} == 200;
	return $res->{json}{data};
}

# { Authorization => "Bearer $token" }
sub bearer { return { Authorization => "Bearer $_[1]" } }


# Runs `cexup-api -c <config> @args` with the server's environment; returns
# { rc, out, err } (stdout and stderr apart: `apikey create` prints only
# the key on stdout).
sub cli {
	my ($self, @args) = @_;
	my ($out, $err) = ("$self->{tmp}/.cli-out", "$self->{tmp}/.cli-err");
	unlink $out, $err;
	my $env = $self->_server_env;
	my $pid = fork // croak "fork: $!";
	if (!$pid) {
		eval {
			chdir $self->{tmp};
			open STDIN, '<', '/dev/null' or die;
			open STDOUT, '>', $out or die;
			open STDERR, '>', $err or die;
			%ENV = %$env;
			exec { $self->{bin} } $self->{bin}, '-c',
			    $self->{config_path}, @args or die;
		};
		POSIX::_exit(127);
	}
	waitpid($pid, 0);
	my %r = (rc => $? >> 8, out => _slurp($out), err => _slurp($err));
	unlink $out, $err;
	return \%r;
}

1;
