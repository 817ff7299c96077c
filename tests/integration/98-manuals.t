# The manuals cover the configuration: every key `check-config` prints is
# described in cexup-api.conf(5) and in the README's configuration table,
# and neither documents a key the server does not know.
use strict;
use warnings;
use File::Temp qw(tempdir);
use Test::More;

my $src = $ENV{CEXUP_SRCDIR} // '.';
my $bin = $ENV{CEXUP_BIN};
plan skip_all => 'CEXUP_BIN not set' unless $bin;

# The smallest configuration check-config accepts: a key file and the
# migrations; every other key keeps its default.
my $dir = tempdir(CLEANUP => 1);
my $keys = `$bin keygen manuals 2>&1`;
is($?, 0, 'keygen') or diag($keys);
open my $kf, '>', "$dir/jwt.keys" or die;
print $kf $keys;
close $kf;
chmod 0600, "$dir/jwt.keys";
open my $cf, '>', "$dir/cexup-api.conf" or die;
print $cf "jwt_keys_file = $dir/jwt.keys\nsql_dir = $src/sql\n";
close $cf;

my @dump = `$bin -c $dir/cexup-api.conf check-config 2>&1`;
is($?, 0, 'check-config accepts the minimal configuration')
    or diag(@dump);
my @keys = map { /^(\w+) = / ? $1 : () } @dump;
cmp_ok(scalar @keys, '>=', 30, scalar(@keys) . ' configuration keys');

sub slurp {
	open my $fh, '<', $_[0] or die "$_[0]: $!";
	local $/;
	return scalar <$fh>;
}
my $man = slurp("$src/man/man5/cexup-api.conf.5");
my $readme = slurp("$src/README.md");
# Keys the man page sets in bold: the words of a .B/.BR line outside its
# quoted (roman) parts, as in .BR lockout_threshold " (5), " ...
my %in_man = map { $_ => 1 } map { (my $l = $_) =~ s/"[^"]*"//g;
    $l =~ /\b([a-z][a-z0-9_]*)\b/g } grep { /^\.BR? / } split /\n/, $man;
# The README's configuration table: | `key` | default | meaning |
my %in_readme = map { $_ => 1 } $readme =~ /^\| `([a-z_0-9]+)` \|/mg;

my %known = map { $_ => 1 } @keys;
for my $k (@keys) {
	ok($in_man{$k}, "cexup-api.conf(5) describes $k");
	ok($in_readme{$k}, "the README's table lists $k");
}
is_deeply([grep { !$known{$_} } sort keys %in_readme], [],
    'the README lists no unknown key');
done_testing();
