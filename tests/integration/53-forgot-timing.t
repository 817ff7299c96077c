# Does POST /api/password/forgot reveal whether an email has an account
# (issue 13 point 2)?  Interleaved requests for a known and an unknown
# address, 100 each: the answers are the same bytes, and the median times
# differ by less than 10 %, measured as bench/login_timing.pl measures the
# login: by the client through nginx and by the server (the ms= of its
# request log).  Without forgot_floor_ms (default 5) the server-side
# medians were 0.5 and 0.8 ms here: the known address's inserts.
use strict;
use warnings;

use HTTP::Tiny;
use IO::Socket::SSL qw(SSL_VERIFY_NONE);
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Test::More;
use Time::HiRes qw(time);
use CexupTest qw(json_encode);

my $N = 100;
# A high cap: every known request mails, the expensive case.
my $t = CexupTest->new(config => { account_mails_per_hour => 100,
    workers => 2 });


my ($known) = $t->register_user;
# Two known accounts, so that neither meets the hourly cap of 100.
my ($known2) = $t->register_user;
my %client = (unknown => [], known => []);
my (%bodies, $bad);
# One kept-alive TLS connection: a handshake per request (tens of ms on
# a loaded machine, and as noisy) would drown what is measured.
my $http = HTTP::Tiny->new(keep_alive => 1, timeout => 30, verify_SSL => 0,
    SSL_options => { SSL_verify_mode => SSL_VERIFY_NONE,
    SSL_hostname => 'localhost' });
my $url = $t->base_url . '/api/password/forgot';
my @order;
my $started = time;
for my $i (1 .. $N) {
	# Alternating which goes first, so that neither always follows the
	# other's work.
	for my $kind ($i % 2 ? ('unknown', 'known') : ('known', 'unknown')) {
		my $email = $kind eq 'known' ? ($i % 4 < 2 ? $known : $known2)
		    : "nobody.$i.$$\@example.com";
		# HTTP::Tiny writes head and body apart: without NODELAY,
		# Nagle and delayed ACKs add 40 ms to every request.
		my $fh = $http->{handle} && $http->{handle}{fh};
		setsockopt($fh, IPPROTO_TCP, TCP_NODELAY, 1) if $fh;
		my $t0 = time;
		my $r = $http->request('POST', $url, { headers => {
		    'Content-Type' => 'application/json' },
		    content => json_encode({ email => $email }) });
		push @{ $client{$kind} }, (time - $t0) * 1000;
		push @order, $kind;
		$bad //= "$r->{status} $r->{content}"
		    unless $r->{status} == 200;
		$bodies{$r->{content}}++;
	}
}
my $elapsed = time - $started;
is($bad, undef, 'every forgot answered 200');
is(scalar keys %bodies, 1, 'all ' . 2 * $N . ' answers are the same bytes');
is($t->psql("SELECT count(*) FROM mail_outbox WHERE template = 'reset'"), $N,
    "$N mails were queued, all for the known addresses");

# Server-side times, in the order sent (one connection: one at a time).
my @server = map { /status=200 ms=([\d.]+)/ ? $1 : () }
    grep { m{path=/api/password/forgot status=200} } split /\n/,
    $t->server_log;
is(scalar @server, 2 * $N, 'the server logged every request');
my %server = (unknown => [], known => []);
push @{ $server{$order[$_]} }, $server[$_] for 0 .. $#server;

sub median {
	my @s = sort { $a <=> $b } @_;
	return 0 unless @s;
	return @s % 2 ? $s[$#s / 2] : ($s[@s / 2 - 1] + $s[@s / 2]) / 2;
}

for my $where (['client (through nginx)', \%client],
    ['server (request log)', \%server]) {
	my ($name, $d) = @$where;
	my ($u, $k) = (median(@{ $d->{unknown} }), median(@{ $d->{known} }));
	my $diff = $k > 0 ? abs($u - $k) / $k * 100 : 0;
	my $msg = sprintf '%s: unknown %.2f ms, known %.2f ms, %.2f %% apart',
	    $name, $u, $k, $diff;
	diag($msg);
	ok($diff < 10, "$msg (< 10 %)");
}
diag(sprintf '%d requests in %.1f s', 2 * $N, $elapsed);

$t->stop;
done_testing();
