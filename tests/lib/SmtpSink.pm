
=pod

=head1 NAME

SmtpSink - a real SMTP server (aiosmtpd) that keeps every mail it receives

=head1 SYNOPSIS

    use SmtpSink;

    my $smtp = SmtpSink->new;            # started on a free port
    # ... point cexup-api mailer at $smtp->url ...
    $smtp->wait_for(1, 10) or fail('no mail');
    my ($m) = $smtp->messages;
    is($m->{to}[0], 'a@example.com');
    like($m->{body}, qr{/reset-password\?token=});
    $smtp->stop;  $smtp->start;          # an outage, same port

=head1 DESCRIPTION

Runs Debian's python3-aiosmtpd (C<python3 -m aiosmtpd -n>) with the handler
tests/lib/smtp_sink.py, which writes each message as one file into a
directory.  A recipient whose local part starts with "reject" is refused
with 550 (a permanent error); one starting with "slow" has its DATA
answered after 2 s.

new(tls_auth => 'user:password') starts it (through smtp_sink.py's own
main, aiosmtpd's command line has neither) with STARTTLS and AUTH required,
on a self-signed certificate for 127.0.0.1 whose file ca_file() returns
(for smtp_ca_file); each message then records tls (true once STARTTLS
was done) and login (the authenticated user).

messages() returns the received messages, oldest first, each a hash:
mail_from, to (the envelope recipients), tls, login, headers (lower-cased names,
folded lines joined), subject, message_id, body (CRLF turned into LF) and
raw.  wait_for($count, $timeout) waits until at least $count messages are
there and returns the number found.  clear() forgets the messages received
so far.  url() is smtp://127.0.0.1:PORT.

new() calls Test::More's plan(skip_all) when aiosmtpd is not installed
(scripts/lib.sh installs it with the test packages).  The server is
stopped when the object goes away or at the end of the test.

=cut

package SmtpSink;

use strict;
use warnings;

use Carp qw(croak);
use File::Basename qw(dirname);
use File::Path qw(remove_tree);
use File::Spec;
use File::Temp qw(tempdir);
use IO::Socket::INET;
use JSON::PP;
use POSIX qw(WNOHANG);
use Scalar::Util qw(weaken);
use Test::More ();
use Time::HiRes qw(time sleep);

my @LIVE;

# The python3 that has aiosmtpd (Debian's, not a pyenv one on PATH).
sub _python {
	for my $py ('/usr/bin/python3', 'python3') {
		my $rc = system({ $py } $py, '-c', 'import aiosmtpd');
		return $py if defined $rc && $rc == 0;
	}
	return undef;
}

# new(port => N, dir => DIR): both optional.
sub new {
	my ($class, %opt) = @_;
	my $py = _python();
	Test::More::plan(skip_all =>
	    'python3-aiosmtpd is not installed (scripts/lib.sh TEST_PACKAGES)')
	    unless $py;
	my $self = bless {
		python	=> $py,
		owner	=> $$,
		libdir	=> File::Spec->rel2abs(dirname(__FILE__)),
		port	=> $opt{port} // _free_port(),
	}, $class;
	$self->{tmp} = tempdir('smtp-sink-XXXXXX', TMPDIR => 1, CLEANUP => 0);
	$self->{dir} = $opt{dir} // "$self->{tmp}/mail";
	mkdir $self->{dir} unless -d $self->{dir};
	if (defined($self->{tls_auth} = $opt{tls_auth})) {
		my ($crt, $key) = ("$self->{tmp}/smtp.crt",
		    "$self->{tmp}/smtp.key");
		my $pid = fork // croak "fork: $!";
		if (!$pid) {
			open STDOUT, '>', "$self->{tmp}/openssl.log";
			open STDERR, '>&', \*STDOUT;
			exec 'openssl', 'req', '-x509', '-newkey', 'rsa:2048',
			    '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
			    '-addext', 'subjectAltName=IP:127.0.0.1',
			    '-keyout', $key, '-out', $crt
			    or POSIX::_exit(127);
		}
		waitpid($pid, 0);
		croak 'openssl req: ' . _slurp("$self->{tmp}/openssl.log") if $?;
		@$self{qw(cert key)} = ($crt, $key);
	}
	push @LIVE, $self;
	weaken($LIVE[-1]);
	$self->start;
	return $self;
}

sub port	{ $_[0]{port} }
sub url		{ 'smtp://127.0.0.1:' . $_[0]{port} }
sub dir		{ $_[0]{dir} }
sub ca_file	{ $_[0]{cert} }
sub log		{ _slurp("$_[0]{tmp}/aiosmtpd.log") }

sub start {
	my ($self) = @_;
	return if $self->{pid};
	my $log = "$self->{tmp}/aiosmtpd.log";
	my $pid = fork // croak "fork: $!";
	if (!$pid) {
		eval {
			open STDIN, '<', '/dev/null' or die;
			open STDOUT, '>>', $log or die;
			open STDERR, '>&', \*STDOUT or die;
			$ENV{PYTHONPATH} = $self->{libdir};
			$ENV{PYTHONDONTWRITEBYTECODE} = 1;
			my @args = defined $self->{tls_auth} ?
			    ("$self->{libdir}/smtp_sink.py", $self->{dir},
			    $self->{port}, $self->{cert}, $self->{key},
			    $self->{tls_auth}) :
			    ('-m', 'aiosmtpd', '-n', '-l',
			    "127.0.0.1:$self->{port}", '-c', 'smtp_sink.Sink',
			    $self->{dir});
			exec { $self->{python} } $self->{python}, @args;
		};
		POSIX::_exit(127);
	}
	$self->{pid} = $pid;
	my $deadline = time + 15;
	while (time < $deadline) {
		my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
		    PeerPort => $self->{port}, Proto => 'tcp', Timeout => 1);
		if ($s) {
			close $s;
			return 1;
		}
		if (waitpid($pid, WNOHANG) == $pid) {
			delete $self->{pid};
			croak "aiosmtpd exited at start:\n" . $self->log;
		}
		sleep 0.05;
	}
	$self->stop;
	croak "aiosmtpd did not listen on port $self->{port} within 15 s:\n"
	    . $self->log;
}

sub stop {
	my ($self) = @_;
	my $pid = delete $self->{pid} or return;
	kill 'TERM', $pid;
	my $deadline = time + 5;
	while (time < $deadline) {
		return 1 if waitpid($pid, WNOHANG) == $pid;
		sleep 0.05;
	}
	kill 'KILL', $pid;
	waitpid($pid, 0);
	return 1;
}

sub running { defined $_[0]{pid} }

sub _files {
	my ($self) = @_;
	opendir my $dh, $self->{dir} or return ();
	my @f = sort grep { /^\d.*\.json$/ } readdir $dh;
	closedir $dh;
	return @f;
}

sub messages {
	my ($self) = @_;
	my @out;
	for my $f ($self->_files) {
		next if $self->{cleared}{$f};
		my $m = JSON::PP->new->utf8->decode(
		    _slurp("$self->{dir}/$f"));
		push @out, _parse($m);
	}
	return @out;
}

sub count { scalar grep { !$_[0]{cleared}{$_} } $_[0]->_files }

sub clear {
	my ($self) = @_;
	$self->{cleared}{$_} = 1 for $self->_files;
}

sub wait_for {
	my ($self, $count, $timeout) = @_;
	my $deadline = time + ($timeout // 10);
	my $n;
	while (1) {
		$n = $self->count;
		return $n if $n >= $count || time >= $deadline;
		sleep 0.1;
	}
}

sub _parse {
	my ($m) = @_;
	my $raw = $m->{data};
	(my $text = $raw) =~ s/\r\n/\n/g;
	my ($head, $body) = split /\n\n/, $text, 2;
	$head =~ s/\n[ \t]+/ /g;	# unfold
	my %h;
	for my $line (split /\n/, $head) {
		my ($k, $v) = $line =~ /^([^:\s]+):\s*(.*)$/ or next;
		$h{lc $k} = exists $h{lc $k} ? "$h{lc $k}\n$v" : $v;
	}
	return {
		mail_from	=> $m->{mail_from},
		tls		=> $m->{tls} ? 1 : 0,
		login		=> $m->{login},
		to		=> $m->{rcpt_tos},
		headers		=> \%h,
		subject		=> $h{subject},
		message_id	=> $h{'message-id'},
		body		=> $body // '',
		raw		=> $raw,
	};
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
	my $s = <$fh>;
	return $s // '';
}

sub DESTROY {
	my ($self) = @_;
	local ($?, $!, $@);
	return unless $self->{owner} && $self->{owner} == $$;
	$self->stop;
	remove_tree($self->{tmp}) unless $ENV{TEST_KEEP};
}

END {
	local $?;
	for my $s (grep { defined } @LIVE) {
		$s->stop if $s->{owner} == $$;
	}
}

1;
