# systemd integration: the units we ship verify cleanly and are hardened to
# an exposure of 2.0 or lower; socket activation works for real
# (systemd-socket-activate passes the listening socket as systemd does); the
# master speaks the sd_notify protocol (READY, RELOADING, STOPPING).
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use IO::Socket::UNIX;
use Socket qw(SOCK_DGRAM);
use CexupTest;

my $src = $ENV{CEXUP_SRCDIR} // '.';
my $bin = $ENV{CEXUP_BIN};
plan skip_all => 'CEXUP_BIN not set' unless $bin;
my $bindir = $bin =~ s{/[^/]+$}{}r;

# ---- the unit files ----
SKIP: {
	skip 'systemd-analyze not installed', 5
	    unless -x '/usr/bin/systemd-analyze';
	my $dir = tempdir('cexup-units-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	for my $unit (qw(cexup-api.service cexup-api.socket
	    cexup-api-auth.socket cexup-api-mailer.service)) {
		open my $in, '<', "$src/systemd/$unit.in" or die "$unit.in: $!";
		local $/;
		my $text = <$in>;
		$text =~ s/\@bindir\@/$bindir/g;
		$text =~ s/\@sysconfdir\@/\/etc/g;
		$text =~ s/\@pkgdatadir\@/\/usr\/share\/cexup-api/g;
		open my $out, '>', "$dir/$unit" or die;
		print $out $text;
		close $out;
	}
	# Documentation=man:cexup-api(8) is checked against our man pages.
	local $ENV{MANPATH} = "$src/man:" . ($ENV{MANPATH} // '');
	my $man = -x '/usr/bin/man' ? '--man=yes' : '--man=no';
	my $out = `systemd-analyze verify $man $dir/cexup-api.socket $dir/cexup-api-auth.socket $dir/cexup-api.service $dir/cexup-api-mailer.service 2>&1`;
	is($?, 0, 'systemd-analyze verify exits 0');
	is($out, '', 'systemd-analyze verify prints nothing') or diag($out);
	my $sec = `systemd-analyze security --offline=yes $dir/cexup-api.service 2>&1`;
	my ($score) = $sec =~ /Overall exposure level for \S+: ([\d.]+)/;
	ok(defined $score, 'systemd-analyze security rates the service')
	    or diag($sec);
	cmp_ok($score // 99, '<=', 2.0, "exposure $score is 2.0 or lower")
	    or diag($sec);
	$sec = `systemd-analyze security --offline=yes $dir/cexup-api-mailer.service 2>&1`;
	($score) = $sec =~ /Overall exposure level for \S+: ([\d.]+)/;
	cmp_ok($score // 99, '<=', 2.0, 'mailer unit: exposure '
	    . ($score // '?') . ' is 2.0 or lower') or diag($sec);
}

# ---- socket activation and sd_notify ----
SKIP: {
	skip 'systemd-socket-activate not installed', 11
	    unless -x '/usr/bin/systemd-socket-activate';
	my $ndir = tempdir('cexup-notify-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	my $nsock = IO::Socket::UNIX->new(Type => SOCK_DGRAM,
	    Local => "$ndir/notify") or die "notify socket: $!";
	my @notes;
	my $read_notes = sub {
		my ($want, $timeout) = @_;
		my $deadline = time + $timeout;
		while (time < $deadline) {
			my $rin = '';
			vec($rin, fileno($nsock), 1) = 1;
			if (select(my $rout = $rin, undef, undef, 0.2)) {
				my $msg;
				$nsock->recv($msg, 4096);
				push @notes, $msg;
			}
			return 1 if grep { /\Q$want\E/ } @notes;
		}
		return 0;
	};

	# The socket is created by systemd-socket-activate, not by cexup-api.
	# nginx's unprivileged workers must be able to connect: systemd would
	# apply SocketMode=; here a short-lived helper chmods it.
	my $t = CexupTest->new(
		env => { NOTIFY_SOCKET => "$ndir/notify" },
		# Two sockets named as the units name them (FileDescriptorName=),
		# the auth pool's first: the master must go by name, not order.
		wrapper => [ '/bin/sh', '-c',
		    '(while [ ! -S "$1" ] || [ ! -S "$2" ]; do sleep 0.01; done; '
		    . 'chmod 666 "$1" "$2") & '
		    . 'a=$1; b=$2; shift 2; '
		    . 'exec /usr/bin/systemd-socket-activate -E NOTIFY_SOCKET '
		    . '-l "$b" -l "$a" --fdname=auth:api "$@"',
		    'sh', '%SOCKET%', '%AUTH_SOCKET%' ],
	);
	my $res = $t->request('GET', '/api/health');
	is($res->{status}, 200, 'served through the inherited socket');
	like($t->server_log, qr/api pool: .* on \S+cexup-api\.sock \(socket activation\)/,
	    'the api pool took its socket from LISTEN_FDS');
	like($t->server_log, qr/auth pool: .* on \S+cexup-api-auth\.sock \(socket activation\)/,
	    'the auth pool took its socket from LISTEN_FDS');
	my ($email, $password) = $t->register_user;
	is($t->request('POST', '/api/login', json => { email => $email,
	    password => $password })->{status}, 200, 'a login works');
	ok($read_notes->('READY=1', 10), 'READY=1 sent once the pool is up')
	    or diag("notes: @notes");

	@notes = ();
	$t->signal_master('HUP');
	ok($read_notes->('RELOADING=1', 10), 'RELOADING=1 on SIGHUP')
	    or diag("notes: @notes");
	ok($read_notes->('READY=1', 10), 'READY=1 after the reload')
	    or diag("notes: @notes");
	is($t->request('GET', '/api/health')->{status}, 200,
	    'still serving after the reload');

	@notes = ();
	$t->stop;
	ok($read_notes->('STOPPING=1', 5), 'STOPPING=1 on SIGTERM')
	    or diag("notes: @notes");
}
done_testing();
