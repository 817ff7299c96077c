#!/usr/bin/perl
# layers.t - no layer includes upward.  The layers, lowest first:
#   core < auth < app < http < api, mail < server, cli (and main.c)
# A file may include headers of its own layer and of the layers below it.
# core/ is the foundation (no project header outside core/); auth/ knows
# nothing of requests; app/ is the neutral worker state and configuration;
# http/ is the request, its middleware and dispatch; api/ the handlers;
# mail/ the outbox and SMTP (beside api/: neither includes the other);
# server/ and cli/ create and drive everything.
use strict;
use warnings;
use File::Find;

my $src = ($ENV{CEXUP_SRCDIR} // '.') . '/src';
my %rank = (core => 0, auth => 1, app => 2, http => 3, api => 4,
    mail => 4, server => 5, cli => 5);
my (@files, $n);
find(sub { push @files, $File::Find::name if /\.[ch]$/ }, $src);
@files = sort @files;

my @violations;
for my $file (@files) {
	# The layer is the first directory below src/ (main.c has none).
	(my $rel = $file) =~ s{^\Q$src\E/}{};
	my ($layer) = $rel =~ m{^([^/]+)/[^/]+$} or next;
	die "unknown layer $layer ($file)\n" unless exists $rank{$layer};
	open my $fh, '<', $file or die "$file: $!\n";
	while (my $line = <$fh>) {
		my ($dir) = $line =~ /^\s*#\s*include\s+"([a-z]+)\// or next;
		$n++;
		die "$file includes from unknown layer $dir\n"
		    unless exists $rank{$dir};
		next if $dir eq $layer;
		push @violations, "$file:$.: $layer includes $dir/"
		    if $rank{$dir} >= $rank{$layer};
	}
}
print "1..3\n";
print((@files > 50 ? 'ok' : 'not ok'), " 1 - found the sources (",
    scalar @files, " files)\n");
print(($n > 100 ? 'ok' : 'not ok'), " 2 - found their includes ($n)\n");
print((@violations ? 'not ok' : 'ok'),
    " 3 - no layer includes a layer above it\n");
print "# $_\n" for @violations;
exit(@violations ? 1 : 0);
