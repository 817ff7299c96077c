
=pod

=head1 NAME

FcgiClient - speaks FastCGI to the workers directly, past nginx

=head1 SYNOPSIS

    my $c = FcgiClient->connect("$dir/cexup-api.sock");
    $c->send_request({ REQUEST_METHOD => 'GET', DOCUMENT_URI => '/api/health' },
        '', keep_conn => 0);
    my $r = $c->read_response(5);   # { stdout, app_status, eof, seconds }

=head1 DESCRIPTION

For the tests that are about the connection between nginx and the workers
(how a worker ends a connection, what a kept connection does), which nginx
itself hides.  One request per call; records as in the FastCGI 1.0
specification (version 1, request id 1).

=cut

package FcgiClient;

use strict;
use warnings;

use Carp qw(croak);
use IO::Socket::UNIX;
use Socket qw(SOCK_STREAM);
use Time::HiRes qw(time);

use constant {
	FCGI_BEGIN_REQUEST	=> 1,
	FCGI_END_REQUEST	=> 3,
	FCGI_PARAMS		=> 4,
	FCGI_STDIN		=> 5,
	FCGI_STDOUT		=> 6,
	FCGI_STDERR		=> 7,
	FCGI_RESPONDER	=> 1,
	FCGI_KEEP_CONN	=> 1,
};

sub connect {
	my ($class, $path) = @_;
	my $sock = IO::Socket::UNIX->new(Type => SOCK_STREAM, Peer => $path)
	    or croak "connect $path: $!";
	return bless { sock => $sock }, $class;
}

sub socket_handle { $_[0]{sock} }

sub _record {
	my ($type, $content) = @_;
	my $len = length $content;
	my $pad = (8 - $len % 8) % 8;
	return pack('CCnnCC', 1, $type, 1, $len, $pad, 0) . $content
	    . ("\0" x $pad);
}

sub _length {
	my ($n) = @_;
	return $n < 128 ? pack('C', $n) : pack('N', $n | 0x80000000);
}

# Params in one PARAMS record (they are small), the body in STDIN records
# of at most 65535 bytes, then the empty records that end both streams.
sub send_request {
	my ($self, $params, $body, %opt) = @_;
	$body //= '';
	my %p = (REQUEST_METHOD => 'GET', DOCUMENT_URI => '/',
	    QUERY_STRING => '', CONTENT_LENGTH => length $body, %$params);
	my $pairs = join '', map { _length(length $_) . _length(length $p{$_})
	    . $_ . $p{$_} } sort keys %p;
	my $out = _record(FCGI_BEGIN_REQUEST, pack('nCx5', FCGI_RESPONDER,
	    $opt{keep_conn} ? FCGI_KEEP_CONN : 0));
	$out .= _record(FCGI_PARAMS, $pairs) . _record(FCGI_PARAMS, '');
	for (my $off = 0; $off < length $body; $off += 65535) {
		$out .= _record(FCGI_STDIN, substr($body, $off, 65535));
	}
	$out .= _record(FCGI_STDIN, '');
	my $sent = 0;
	while ($sent < length $out) {
		my $n = syswrite($self->{sock}, $out, length($out) - $sent, $sent);
		croak "write: $!" unless defined $n;
		$sent += $n;
	}
	return;
}

sub _read_exact {
	my ($self, $len, $deadline) = @_;
	my $buf = '';
	while (length $buf < $len) {
		my $rin = '';
		vec($rin, fileno($self->{sock}), 1) = 1;
		my $left = $deadline - time;
		return undef if $left <= 0 ||
		    !select(my $rout = $rin, undef, undef, $left);
		my $n = sysread($self->{sock}, $buf, $len - length $buf,
		    length $buf);
		return undef unless $n;
	}
	return $buf;
}

# Reads records up to END_REQUEST; undef when the worker does not finish
# within $timeout seconds.
sub read_response {
	my ($self, $timeout) = @_;
	my $start = time;
	my $deadline = $start + $timeout;
	my %r = (stdout => '', stderr => '');
	for (;;) {
		my $h = $self->_read_exact(8, $deadline) // return undef;
		my (undef, $type, undef, $len, $pad) = unpack('CCnnCC', $h);
		my $c = $self->_read_exact($len + $pad, $deadline)
		    // return undef;
		$c = substr($c, 0, $len);
		if ($type == FCGI_STDOUT) {
			$r{stdout} .= $c;
		} elsif ($type == FCGI_STDERR) {
			$r{stderr} .= $c;
		} elsif ($type == FCGI_END_REQUEST) {
			$r{app_status} = unpack('N', $c);
			last;
		}
	}
	$r{seconds} = time - $start;
	($r{status}) = $r{stdout} =~ /^Status: (\d{3})/m;
	($r{body}) = $r{stdout} =~ /\r?\n\r?\n(.*)\z/s;
	return \%r;
}

# True when the worker has closed (or shut down) its side within $timeout.
sub wait_eof {
	my ($self, $timeout) = @_;
	my $rin = '';
	vec($rin, fileno($self->{sock}), 1) = 1;
	return 0 unless select(my $rout = $rin, undef, undef, $timeout);
	my $n = sysread($self->{sock}, my $buf, 1);
	return defined $n && $n == 0;
}

sub close { close $_[0]{sock} }

1;
