package OpenApiCheck;

# Checks an HTTP response against docs/openapi.yaml: the status must be
# declared for the operation (method + path template), the declared headers
# must be present when required and match their schemas, the Content-Type
# must be one the response declares, and a JSON body must match the schema
# (JSON::Validator, Debian's libjson-validator-perl, reads OpenAPI 3).
#
#     my ($v, $why) = OpenApiCheck->load("$src/docs/openapi.yaml");
#     my @errors = $v->check('GET', '/api/doctor?page=2', $res);
#
# $res is CexupTest's response: { status, headers (lower-case), body }.
# load() reads each file once per process and returns (undef, $reason) when
# JSON::Validator or YAML::XS is missing or the document does not load.
#
# Choices:
# - HEAD is checked against the GET operation, without a body.
# - A method the path does not document (answered 405 by the server) is
#   checked against that status as declared by any operation of the path.
# - A path that no template matches (/nope, /api/doctor/, a request line
#   nginx cannot parse) is checked against the document's top-level
#   x-unmatched-path-responses.
# - Types are strict: JSON::Validator's coercion is off, so "1" is not an
#   integer; header values (always text) are numified when the schema asks
#   for an integer or a number.
# - A body is only validated for JSON media types; images and Prometheus
#   text are checked by Content-Type alone.

use strict;
use warnings;

use JSON::PP ();

my %LOADED;

# Mismatches where the server, not the document, disagrees with the API
# contract: reported as TODO failures (visible in the TAP output, not fatal)
# until the server is fixed.  [method regexp, error regexp, reason].
my @KNOWN = (
	[ qr/^TRACE$/, qr/ 405: header Allow is missing$/,
	    'nginx answers TRACE itself: its 405 has no Allow header' ],
);

# The reason when every one of @errors is a known server issue, else undef.
sub known_issue {
	my ($class, $method, @errors) = @_;
	my $why;
	for my $e (@errors) {
		my ($k) = grep { ($method // '') =~ $_->[0] && $e =~ $_->[1] }
		    @KNOWN;
		return undef unless $k;
		$why = $k->[2];
	}
	return $why;
}

sub load {
	my ($class, $file) = @_;
	$LOADED{$file} //= [ eval { $class->_load($file) } ];
	my @r = @{ $LOADED{$file} };
	return @r if $r[0] || $r[1];
	chomp(my $e = $@ || 'unknown error');
	$LOADED{$file} = [ undef, "cannot load $file: $e" ];
	return @{ $LOADED{$file} };
}

sub _load {
	my ($class, $file) = @_;
	eval { require JSON::Validator::Schema::OpenAPIv3; 1 }
	    or return (undef, 'JSON::Validator is not installed (Debian: '
		. 'libjson-validator-perl)');
	eval { require YAML::XS; 1 }
	    or return (undef, 'YAML::XS is not installed (Debian: '
		. 'libyaml-libyaml-perl)');
	my $doc = do {
		local $YAML::XS::Boolean = 'JSON::PP';
		YAML::XS::LoadFile($file);
	};
	die "no paths in $file\n" unless ref $doc->{paths} eq 'HASH';
	my $jv = JSON::Validator::Schema::OpenAPIv3->new($doc);
	$jv->coerce({});
	my $self = bless { doc => $doc, jv => $jv, file => $file }, $class;
	# Literal paths first, then templates with more literal text.
	for my $p (sort { _literal($b) <=> _literal($a) || $a cmp $b }
	    keys %{ $doc->{paths} }) {
		my $re = join '', map { /^\{.*\}$/ ? '[^/]+' : quotemeta }
		    split /(\{[^}]*\})/, $p;
		push @{ $self->{templates} }, [ $p, qr/^$re$/ ];
	}
	return $self;
}

sub _literal { (my $s = $_[0]) =~ s/\{[^}]*\}//g; ($_[0] =~ /\{/ ? 0 : 1000) + length $s }

# The path template a request path falls under, or undef.
sub template {
	my ($self, $path) = @_;
	$path =~ s/[?#].*//s;
	for (@{ $self->{templates} }) {
		return $_->[0] if $path =~ $_->[1];
	}
	return undef;
}

# Follows "$ref": "#/..." to the object it names (responses, headers).
sub _deref {
	my ($self, $o) = @_;
	my $n = 0;
	while (ref $o eq 'HASH' && defined $o->{'$ref'} && $n++ < 20) {
		my ($ptr) = $o->{'$ref'} =~ m{^#/(.*)$} or return undef;
		$o = $self->{doc};
		for my $k (split m{/}, $ptr) {
			$k =~ s/~1/\//g;
			$k =~ s/~0/~/g;
			$o = ref $o eq 'HASH' ? $o->{$k} : undef;
		}
	}
	return $o;
}

# The declared response object for a request, or (undef, why not).
sub response_for {
	my ($self, $method, $path, $status) = @_;
	my $m = lc($method // '');
	my $tmpl = defined $path ? $self->template($path) : undef;
	if (!defined $tmpl) {
		my $r = $self->{doc}{'x-unmatched-path-responses'}{$status};
		return ($self->_deref($r), 'x-unmatched-path-responses') if $r;
		return (undef, "status $status is not declared in "
		    . "x-unmatched-path-responses (no path template matches)");
	}
	my $ops = $self->{doc}{paths}{$tmpl};
	my $op = $ops->{$m} // ($m eq 'head' ? $ops->{get} : undef);
	if ($op) {
		my $r = $op->{responses}{$status} // $op->{responses}{default};
		return ($self->_deref($r), uc($m) . " $tmpl") if $r;
		return (undef, "status $status is not declared for "
		    . uc($m) . " $tmpl");
	}
	for my $k (sort grep { ref $ops->{$_} eq 'HASH' } keys %$ops) {
		my $r = $ops->{$k}{responses}{$status} or next;
		return ($self->_deref($r), "$tmpl (" . uc($m)
		    . " is not documented; status as declared by " . uc($k) . ")");
	}
	return (undef, uc($m) . " is not documented for $tmpl and no "
	    . "operation of the path declares status $status");
}

# Returns the list of mismatches (empty when the response conforms).
sub check {
	my ($self, $method, $path, $res) = @_;
	my $status = $res->{status};
	my ($resp, $where) = $self->response_for($method, $path, $status);
	return $where unless $resp;
	my @err;
	my $h = $res->{headers} // {};
	my $headers = $resp->{headers} // {};
	for my $name (sort keys %$headers) {
		next if lc $name eq 'content-type';
		my $hd = $self->_deref($headers->{$name}) // {};
		my $v = $h->{lc $name};
		if (!defined $v) {
			push @err, "header $name is missing" if $hd->{required};
			next;
		}
		my $schema = $hd->{schema} or next;
		my $type = $schema->{type} // '';
		$v = 0 + $v if $type =~ /^(integer|number)$/
		    && $v =~ /^-?[0-9]+(\.[0-9]+)?$/;
		push @err, map { "header $name: $_" }
		    $self->{jv}->validate($v, $schema);
	}
	my $content = $resp->{content} // {};
	my $body = $res->{body} // '';
	my $no_body = lc($method // '') eq 'head' || $status == 304;
	if (!%$content) {
		push @err, "a body of " . length($body) . " bytes, but no content "
		    . "is declared" if length $body && !$no_body;
		return map { "$where $status: $_" } @err;
	}
	my ($ct) = lc($h->{'content-type'} // '') =~ /^\s*([^;\s]+)/;
	my ($media) = grep { lc $_ eq ($ct // '') } keys %$content;
	if (!$media) {
		push @err, 'Content-Type ' . ($h->{'content-type'} // 'missing')
		    . ' is not one of ' . join(', ', sort keys %$content);
	} elsif (!$no_body && $media =~ m{[/+]json$}) {
		my $schema = $self->_deref($content->{$media})->{schema};
		my $data = eval {
			JSON::PP->new->utf8->allow_nonref->decode($body);
		};
		if ($@) {
			push @err, "the body is not JSON: "
			    . substr($body, 0, 200);
		} elsif ($schema) {
			push @err, map { "body$_" }
			    $self->{jv}->validate($data, $schema);
		}
	}
	return map { "$where $status: $_" } @err;
}

1;
