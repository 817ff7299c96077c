#!/usr/bin/perl
# installed-files.t - every migration in sql/ and every mail template in
# mail/ is listed in Makefile.am, so `make install` (and the packages
# built from it) carries it: a server installed without a migration its
# code needs fails at its first request.
use strict;
use warnings;

my $src = $ENV{CEXUP_SRCDIR} // '.';
open my $fh, '<', "$src/Makefile.am" or die "Makefile.am: $!\n";
my $am = do { local $/; <$fh> };
$am =~ s/\\\n/ /g;
my $n = 0;
print "1..2\n";
for ([ 'sql', qr/^\d{3}_\w+\.sql$/, 'dist_sql_DATA' ],
    [ 'mail', qr/^\w+\.txt$/, 'dist_mail_DATA' ]) {
	my ($dir, $pattern, $var) = @$_;
	my ($list) = $am =~ /^\Q$var\E\s*=\s*(.*)$/m;
	my %listed = map { $_ => 1 } split ' ', $list // '';
	opendir my $dh, "$src/$dir" or die "$dir: $!\n";
	my @files = sort grep { /$pattern/ } readdir $dh;
	my @missing = grep { !$listed{"$dir/$_"} } @files;
	$n++;
	print((@files && !@missing ? 'ok' : 'not ok'),
	    " $n - $var lists all " . scalar(@files) . " files of $dir/"
	    . (@missing ? " (missing: @missing)" : '') . "\n");
}
