# docs/openapi.yaml covers the server: every route the router knows is
# documented with each of its methods, nothing is documented that does not
# exist, and every status the other tests observed on a documented path
# (recorded through CEXUP_OBSERVED by make check) is declared for it.
#
# The spec is read line by line: paths at two spaces, methods at four,
# response codes at eight, as our file is written.
use strict;
use warnings;
use Test::More;

my $src = $ENV{CEXUP_SRCDIR} // '.';
my $bin = $ENV{CEXUP_BIN};
plan skip_all => 'CEXUP_BIN not set' unless $bin;

open my $fh, '<', "$src/docs/openapi.yaml" or die "openapi.yaml: $!";
# "responses: &name" defines a YAML anchor that "responses: *name" reuses.
my (%spec, %anchor, $path, $method, $defining, @gateway);
while (<$fh>) {
	if (/^x-gateway-statuses:\s*\[([\d,\s]+)\]/) {
		@gateway = $1 =~ /(\d+)/g;
	} elsif (/^  (\/\S+):\s*$/) {
		($path, $method) = ($1, undef);
	} elsif (defined $path && /^    (get|post|put|patch|delete|head|options):/) {
		$method = uc $1;
		$spec{$path}{$method} = {};
		$defining = undef;
	} elsif (defined $method && /^      responses:\s*&(\S+)/) {
		$defining = $1;
	} elsif (defined $method && /^      responses:\s*\*(\S+)/) {
		$spec{$path}{$method}{$_} = 1 for keys %{ $anchor{$1} // {} };
	} elsif (defined $method && /^        '(\d{3})':/) {
		$spec{$path}{$method}{$1} = 1;
		$anchor{$defining}{$1} = 1 if defined $defining;
	} elsif (/^      \S/ && !/^      responses:/) {
		$defining = undef;
	} elsif (/^\S/) {
		($path, $method) = (undef, undef);
	}
}
close $fh;
ok(scalar keys %spec, scalar(keys %spec) . ' documented paths');

# The whole file must be valid YAML (CI installs YAML::XS).
SKIP: {
	skip 'YAML::XS not installed', 2 unless eval { require YAML::XS; 1 };
	my $doc = eval { YAML::XS::LoadFile("$src/docs/openapi.yaml") };
	ok($doc, 'docs/openapi.yaml is valid YAML') or diag($@);
	is(scalar keys %{ $doc->{paths} // {} }, scalar keys %spec,
	    'the line reader found every path the YAML parser sees');
}
ok(@gateway, "gateway statuses every operation may get from nginx: @gateway");

# {id} in the spec is {} in the router.
my %norm = map { (my $n = $_) =~ s/\{[^}]*\}/{}/g; ($n => $_) } keys %spec;
my %router;
for (split /\n/, `"$bin" routes`) {
	my ($methods, $pattern) = /^(.*) (\S+)$/ or next;
	$router{$pattern}{$_} = 1 for grep { $_ ne 'HEAD' } split /,\s*/, $methods;
}
ok(scalar keys %router, scalar(keys %router) . ' routes in the router');
for my $pattern (sort keys %router) {
	my $doc = $norm{$pattern};
	ok($doc, "$pattern is documented") or next;
	for my $m (sort keys %{ $router{$pattern} }) {
		ok($spec{$doc}{$m}, "$m $doc is documented");
	}
}
for my $n (sort keys %norm) {
	ok($router{$n}, "documented $norm{$n} exists in the router");
}

# Every operation declares the statuses every route can give (§1, §9).
for my $p (sort keys %spec) {
	for my $m (sort keys %{ $spec{$p} }) {
		my @codes = sort keys %{ $spec{$p}{$m} };
		ok(scalar(grep { /^2/ } @codes), "$m $p declares a success");
	}
}

SKIP: {
	my $file = $ENV{CEXUP_OBSERVED};
	skip 'no observations (run through make check)', 1
	    unless $file && -s $file;
	open my $in, '<', $file or die;
	my (%seen, %missing);
	while (<$in>) {
		my ($m, $p, $status) = split;
		next unless $p =~ m{^/api/};
		$m = 'GET' if $m eq 'HEAD';
		# The documented path this request went to, if any.
		my ($doc) = grep {
			(my $re = $_) =~ s/\{[^}]*\}/[^\/]+/g;
			$p =~ /^$re$/;
		} keys %spec;
		next unless $doc;
		$seen{"$m $doc $status"}++;
		next if grep { $_ == $status } @gateway;
		# 405 answers methods the path does not have.
		if (!$spec{$doc}{$m}) {
			$missing{"$m $doc $status"}++ unless $status == 405;
			next;
		}
		$missing{"$m $doc $status"}++ unless $spec{$doc}{$m}{$status};
	}
	ok(scalar keys %seen, scalar(keys %seen)
	    . ' distinct (method, path, status) observed by the tests');
	is_deeply([ sort keys %missing ], [],
	    'every observed status is declared in docs/openapi.yaml')
	    or diag(join "\n", map { "undeclared: $_ ($missing{$_}x)" }
		sort keys %missing);
}
done_testing();
