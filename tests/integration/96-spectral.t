# docs/openapi.yaml passes Spectral's standard OpenAPI ruleset
# (tests/integration/spectral.yaml: extends spectral:oas, nothing turned
# off) without a single error or warning.
#
# Spectral is $SPECTRAL (scripts/test.sh installs it with npm and exports
# it), else `spectral` from PATH; the test is skipped without either.
use strict;
use warnings;
use Test::More;
use JSON::PP;

my $src = $ENV{CEXUP_SRCDIR} // '.';
my $spectral = $ENV{SPECTRAL};
if (!defined $spectral || $spectral eq '') {
	($spectral) = grep { -x "$_/spectral" } split /:/, $ENV{PATH} // '';
	$spectral = "$spectral/spectral" if defined $spectral;
}
plan skip_all => 'Spectral not found: set SPECTRAL or put spectral on PATH '
    . '(npm install @stoplight/spectral-cli)'
    unless defined $spectral && -x $spectral;

my $ruleset = "$src/tests/integration/spectral.yaml";
my $doc = "$src/docs/openapi.yaml";
open my $rs, '<', $ruleset or die "$ruleset: $!";
my $rules = do { local $/; <$rs> };
like($rules, qr/^extends:\s*\[?\s*["']?spectral:oas["']?\s*\]?\s*$/m,
    'the ruleset extends spectral:oas');
unlike($rules, qr/^rules:/m, 'and turns no rule off');

# JSON output: one object per finding; severity 0 error, 1 warning,
# 2 information, 3 hint.  --fail-severity=hint: any finding exits non-zero,
# so an empty list with exit 0 is the only pass.
my $out = `"$spectral" lint --quiet -f json --fail-severity=hint -r "$ruleset" "$doc" 2>&1`;
my $rc = $? >> 8;
my $found = eval { decode_json($out =~ /(\[.*\])/s ? $1 : $out) };
ok(ref $found eq 'ARRAY', 'spectral printed its findings as JSON')
    or diag("exit $rc: $out");
$found = [] unless ref $found eq 'ARRAY';
my @name = qw(error warning info hint);
my %count;
$count{ $name[ $_->{severity} ] // 'other' }++ for @$found;
for my $sev (qw(error warning)) {
	my @f = grep { ($name[ $_->{severity} ] // '') eq $sev } @$found;
	is(scalar @f, 0, "spectral:oas: 0 ${sev}s")
	    or diag(map { sprintf "%d:%d %s %s (%s)\n",
		$_->{range}{start}{line} + 1, $_->{range}{start}{character} + 1,
		$_->{code}, $_->{message}, join('.', @{ $_->{path} // [] }) } @f);
}
is($rc, 0, 'spectral exits 0') or diag($out) unless @$found;
note(join ', ', map { "$_: $count{$_}" } sort keys %count) if %count;
done_testing();
