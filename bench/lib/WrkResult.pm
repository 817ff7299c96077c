# bench/lib/WrkResult.pm - the figures of one wrk run (with --latency), for
# every benchmark script.
package WrkResult;

use strict;
use warnings;
use Exporter qw(import);

our @EXPORT_OK = qw(parse_wrk);

# { raw, rps, p50, p99, requests, non2xx, socket_errors }; dies when wrk
# printed no rate (it failed).
sub parse_wrk {
	my ($out) = @_;
	my %r = (raw => $out);
	($r{rps}) = $out =~ /Requests\/sec:\s+([\d.]+)/;
	($r{p50}) = $out =~ /^\s+50%\s+(\S+)/m;
	($r{p99}) = $out =~ /^\s+99%\s+(\S+)/m;
	($r{requests}) = $out =~ /(\d+) requests in/;
	($r{non2xx}) = $out =~ /Non-2xx or 3xx responses:\s+(\d+)/;
	($r{socket_errors}) = $out =~ /Socket errors:\s+(.*)/;
	$r{non2xx} //= 0;
	die "bench: wrk failed:\n$out" unless $r{rps};
	return \%r;
}

1;
