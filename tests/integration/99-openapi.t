# docs/openapi.yaml covers the server: every route the router knows is
# documented with each of its methods, nothing is documented that does not
# exist, and every status the other tests observed on a documented path
# (recorded through CEXUP_OBSERVED by make check) is declared for it.
# Every operation declares the statuses nginx and the dispatcher can give on
# any route, and every POST describes the body it accepts.  Finally, the
# response validator the harness runs on every response
# (tests/lib/OpenApiCheck.pm) is shown to reject wrong responses.
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
my (%spec, %anchor, %body, %unmatched, $path, $method, $defining, $top);
while (<$fh>) {
	if (/^(\S+):/) {
		($top, $path, $method) = ($1, undef, undef);
	} elsif (($top // '') eq 'x-unmatched-path-responses'
	    && /^  '(\d{3})':/) {
		$unmatched{$1} = 1;
	} elsif (/^  (\/\S+):\s*$/) {
		($path, $method) = ($1, undef);
	} elsif (defined $path && /^    (get|post|put|patch|delete|head|options):/) {
		$method = uc $1;
		$spec{$path}{$method} = {};
		$defining = undef;
	} elsif (defined $method && /^      requestBody:/) {
		$body{"$method $path"} = 1;
	} elsif (defined $method && /^      responses:\s*&(\S+)/) {
		$defining = $1;
	} elsif (defined $method && /^      responses:\s*\*(\S+)/) {
		$spec{$path}{$method}{$_} = 1 for keys %{ $anchor{$1} // {} };
	} elsif (defined $method && /^        '(\d{3})':/) {
		$spec{$path}{$method}{$1} = 1;
		$anchor{$defining}{$1} = 1 if defined $defining;
	} elsif (/^      \S/ && !/^      responses:/) {
		$defining = undef;
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
ok(scalar keys %unmatched, 'x-unmatched-path-responses: '
    . join(' ', sort keys %unmatched));
ok($unmatched{404}, 'an unmatched path may be answered 404');

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

# Every operation declares a success and the statuses any route can give:
# nginx's 400, 413, 414, 503 (no worker reachable, connection limits; nginx
# never answers 500 or 502 itself), 504 and the dispatcher's 400 (bad
# Content-Length), 405, 413, 415 (a non-empty body that is not JSON, on any
# route), 500 (a handler that set nothing) and 503 (database down).  No
# operation declares 502.  Every POST accepts a body.
for my $p (sort keys %spec) {
	for my $m (sort keys %{ $spec{$p} }) {
		my @codes = sort keys %{ $spec{$p}{$m} };
		ok(scalar(grep { /^2/ } @codes), "$m $p declares a success");
		my @need = (400, 405, 413, 414, 415, 500, 503, 504);
		my @missing = grep { !$spec{$p}{$m}{$_} } @need;
		is("@missing", '', "$m $p declares every status any route can give");
		ok(!$spec{$p}{$m}{502}, "$m $p declares no 502");
		ok($body{"$m $p"}, "$m $p describes its request body")
		    if $m eq 'POST';
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
		$m = 'GET' if $m eq 'HEAD';
		# The documented path this request went to, if any.
		my ($doc) = grep {
			(my $re = $_) =~ s/\{[^}]*\}/[^\/]+/g;
			$p =~ /^$re$/;
		} keys %spec;
		if (!$doc) {
			$seen{"$m (unmatched) $status"}++;
			$missing{"$m (unmatched path) $status"}++
			    unless $unmatched{$status};
			next;
		}
		$seen{"$m $doc $status"}++;
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

# The validator every integration test runs on every response must be able
# to say no.
SKIP: {
	require OpenApiCheck;
	my ($v, $why) = OpenApiCheck->load("$src/docs/openapi.yaml");
	skip "response validation: $why", 1 unless $v;
	my $json = { 'content-type' => 'application/json; charset=utf-8' };
	my $check = sub {
		my ($m, $p, $status, $body, %h) = @_;
		return $v->check($m, $p, { status => $status, body => $body,
		    headers => { %$json, %h } });
	};
	my $list = '{"message":"OK","data":[],"meta":{"current_page":1,'
	    . '"per_page":10,"total":0,"last_page":1}}';
	my $err = '{"message":"Not found.","details":"No endpoint matches this path."}';
	my @e;
	is_deeply([ $check->('GET', '/api/doctor?page=1', 200, $list) ], [],
	    'a right list passes');
	@e = $check->('POST', '/api/doctor', 200,
	    '{"message":"OK","data":[{"id":"1"}],"meta":{"current_page":"1"}}');
	ok(scalar(grep { m{body/meta/current_page: Expected integer} } @e),
	    'a string where an integer belongs is rejected') or diag(@e);
	ok(scalar(grep { m{body/data/0/slug: Missing property} } @e),
	    'a missing property is rejected') or diag(@e);
	@e = $check->('GET', '/api/doctor', 200, $list,
	    'content-type' => 'text/html');
	ok(scalar(grep { /Content-Type text\/html is not one of/ } @e),
	    'a wrong Content-Type is rejected') or diag(@e);
	@e = $check->('GET', '/api/doctor', 200, 'not json');
	ok(scalar(grep { /the body is not JSON/ } @e),
	    'a body that is not JSON is rejected') or diag(@e);
	@e = $check->('GET', '/api/doctor', 418, $err);
	ok(scalar(grep { /status 418 is not declared for GET \/api\/doctor/ } @e),
	    'an undeclared status is rejected') or diag(@e);
	@e = $check->('POST', '/api/doctor/show', 404, '{"message":"Doctor not found."}');
	ok(scalar(grep { m{body/details: Missing property} } @e),
	    'an error without details is rejected') or diag(@e);
	@e = $check->('POST', '/api/logout', 200, '{"message":"Logged out","data":{}}');
	ok(scalar(grep { m{body/data: Expected null} } @e),
	    'logout data must be null') or diag(@e);
	@e = $check->('GET', '/api/ready', 503, $err);
	ok(scalar(grep { /header Retry-After is missing/ } @e),
	    'a 503 without Retry-After is rejected') or diag(@e);
	@e = $check->('GET', '/api/ready', 503, $err, 'retry-after' => 'soon');
	ok(scalar(grep { /header Retry-After: .*Expected integer/ } @e),
	    'a Retry-After that is not a number is rejected') or diag(@e);
	@e = $check->('DELETE', '/api/doctor', 405, $err);
	ok(scalar(grep { /header Allow is missing/ } @e),
	    'a 405 without Allow is rejected') or diag(@e);
	is_deeply([ $check->('DELETE', '/api/doctor', 405, $err,
	    allow => 'GET, POST') ], [], 'a 405 with Allow passes');
	is_deeply([ $check->('GET', '/api/users/7/avatar', 200, "\x89PNG",
	    'content-type' => 'image/png') ], [], 'an image passes by its type');
	is_deeply([ $check->('HEAD', '/api/users/7/avatar', 304, '') ], [],
	    'HEAD is checked as GET, without a body');
	is($v->template('/api/users/7/avatar'), '/api/users/{id}/avatar',
	    'a path falls under its template');
	is($v->template('/api/register/patient'), '/api/register/patient',
	    'a literal path wins over a template');
	is_deeply([ $check->('GET', '/nope', 404, $err) ], [],
	    'an unmatched path is checked against x-unmatched-path-responses');
	@e = $check->('GET', '/nope', 200, '{"message":"OK","data":null}');
	ok(scalar(grep { /not declared in x-unmatched-path-responses/ } @e),
	    'and a 200 there is rejected') or diag(@e);
}
done_testing();
