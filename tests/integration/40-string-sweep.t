# Every string field of every route, swept with the strings a C string
# cannot hold or that are not text (docs/API.md §1, §7, §9; issue #11 points
# 1-2): a \u0000 escape (at the start, in the middle, at the end), lone
# UTF-16 surrogate escapes, and raw invalid UTF-8 (a lone continuation
# byte, a truncated sequence, an overlong encoding, an encoded surrogate,
# a code point above U+10FFFF) inside an otherwise valid JSON body, and the
# same bytes percent-encoded in query parameters.  Each is a field error:
# 400 with the route's validation message and `errors` naming the field,
# and nothing changes in the database.  A raw NUL byte in a JSON string is
# not JSON at all: the §1 "malformed JSON" envelope.
#
# The routes come from `cexup-api routes`, their string fields from
# docs/openapi.yaml (request body properties that may be strings, and
# query parameters), so a new route or field is swept as soon as it is
# documented; the valid request each case starts from comes from %RECIPE
# below, and a documented route without one fails.  Each recipe's valid
# request is sent first and must succeed (and, for a write, change the
# database), so that the sweep cannot pass by rejecting everything.
use strict;
use warnings;

use HTTP::Tiny;
use IO::Socket::SSL qw(SSL_VERIFY_NONE);
use MIME::Base64 qw(encode_base64);
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Test::More;
use Time::HiRes qw(time);
use YAML::XS ();
use CexupTest qw(json_decode);

# Failed logins below must not lock anyone out: the counters are checked
# through the database snapshot instead.
my $t = CexupTest->new(config => { lockout_threshold => 1000 });
my $started = time;

my @ENVELOPE = ('Request body must be a valid JSON object.',
    'Expected a JSON object but received: malformed JSON');
# docs/API.md §2: fdelux routes speak only the seed's words; /api/login has one
# 400 for its fields, /api/register one (§9 "fdelux validation" names NUL
# and invalid UTF-8 among its invalid fields).
my @FD_LOGIN = ('Both "email" and "password" are required.',
    'Please provide both email and password in the request body.');
my @FD_REGISTER = ('All fields (name, email, password) are required.',
    'Please provide valid name, email, and password in the request body.');
# The Cexup routes' validation message (docs/openapi.yaml).
my @INVALID = ('The given data was invalid.', undef);

my $PW = 'correct horse battery';
my $J = JSON::PP->new->utf8->canonical;

# ---------------------------------------------------------------- fixtures

# fdelux login user; patient login user; the patient who updates a profile
# and uploads avatars (its own session); a session for the refresh route.
my ($fd_email, undef, $r) = $t->register_user(password => $PW);
is($r->{status}, 201, 'registered the /api/login user')
    or BAIL_OUT("register: $r->{status} $r->{body}");
my ($pl_user) = $t->register_patient(password => $PW);
my ($up_user) = $t->register_patient(password => $PW);
ok($pl_user && $up_user, 'registered two patients') or BAIL_OUT('no patient');
my $up_login = $t->login_patient($up_user->{username}, $PW);
my $rt_login = $t->login_patient($up_user->{username}, $PW);
ok($up_login && $rt_login, 'two sessions of the updating patient')
    or BAIL_OUT('no login');
my $up_tok = $up_login->{token}{access_token};
my $refresh = $rt_login->{token}{refresh_token};
# Issue 13: a patient who changes the password (to the same one, so the
# control can repeat) and one who deletes the account, each with a session.
my ($pc_user) = $t->register_patient(password => $PW);
my ($del_user) = $t->register_patient(password => $PW);
my $pc_tok = $t->login_patient($pc_user->{username}, $PW)->{token}{access_token};
my $del_tok = $t->login_patient($del_user->{username},
    $PW)->{token}{access_token};

# Issue 13 recovery: an account whose reset and verification tokens are
# made here as the routes store them (SHA-256 of the text).  The sweep's
# requests carry a live token that they never spend (every case is a field
# error); each control gets a fresh one, made before its snapshot.
my ($rs_user) = $t->register_patient(password => $PW);
sub account_token {
	my ($purpose) = @_;
	my $tok = CexupTest::b64url_encode(join '', map { chr int rand 256 }
	    1 .. 32);
	$t->psql("INSERT INTO account_tokens (user_id, purpose, token_sha256, "
	    . "expires_at) VALUES ($rs_user->{id}, '$purpose', "
	    . "sha256('$tok'::bytea), now() + interval '1 hour')");
	return $tok;
}
my %LIVE_TOKEN = map { ($_ => account_token($_)) } qw(reset verify);

# A small catalog: one of each, a weekly schedule, a published article.
$t->psql(<<'SQL');
INSERT INTO specialities (slug, name) VALUES ('cardiology', 'Cardiology');
INSERT INTO hospitals (slug, name, address, city)
    VALUES ('rs-sweep', 'RS Sweep', 'Jl. Sapu 1', 'Jakarta');
INSERT INTO doctors (slug, name, speciality_id)
    VALUES ('doc-sweep', 'Doctor Sweeper', 1);
INSERT INTO doctor_has_hospital (doctor_id, hospital_id, consultation_fee,
    offers_online, offers_offline) VALUES (1, 1, 200000, true, true);
INSERT INTO doctor_schedules (doctor_has_hospital_id, weekday, start_time,
    end_time, slot_minutes, appointment)
SELECT 1, w, time '09:00', time '11:00', 30, a
    FROM generate_series(1, 7) w, (VALUES ('online'), ('offline')) v(a);
INSERT INTO articles (slug, title, body, author, status, published_at)
    VALUES ('sweep-article', 'Sweeping', 'Text.', 'Editor', 'published',
    now() - interval '1 day');
SQL
my $date = $t->psql("SELECT (now() AT TIME ZONE 'Asia/Jakarta')::date + 7");
# Booking (issue 14): an appointment of the updating patient to cancel, and
# a doctor's account (the doctor of the catalog above) with its token.
my $appt = $t->psql("INSERT INTO appointments (doctor_has_hospital_id, "
    . "doctor_id, patient_id, appointment, starts_at, ends_at) VALUES (1, 1, "
    . "$up_user->{id}, 'offline', ('$date'::date + time '10:30') AT TIME ZONE "
    . "'Asia/Jakarta', ('$date'::date + time '11:00') AT TIME ZONE "
    . "'Asia/Jakarta') RETURNING id");
my ($doc_user) = $t->register_patient(password => $PW);
$t->psql("UPDATE users SET role = 'doctor' WHERE id = $doc_user->{id}; "
    . "UPDATE doctors SET user_id = $doc_user->{id} WHERE id = 1");
my $doc_login = $t->request('POST', '/api/login',
    json => { email => $doc_user->{email}, password => $PW });
my $doc_tok = $doc_login->{json}{data}{token}{access_token}
    // BAIL_OUT("doctor login: $doc_login->{status}");

my $PNG1 = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR" . ('1' x 64);
my $PNG2 = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR" . ('2' x 64);
sub b64 { encode_base64($_[0], '') }

# ---------------------------------------------------------------- recipes

# "METHOD /openapi/path" (path parameters as {}) => how to send a valid
# request: path (string, or sub taking the swept field), valid (sub: the
# parameters of a valid request, fresh each call), control (optional sub:
# the positive control's parameters, when the sweep's must differ from
# what the control stores), headers (sub), ok ([status, message, list]),
# invalid (the field-error message pair), write (the route changes the
# database when it succeeds), single (send only the swept parameter),
# after (sub run with the control's response).
my $KEY = sub { +{ 'x-api-key' => $t->api_key } };
my $KEY_BEARER = sub { +{ 'x-api-key' => $t->api_key,
    Authorization => "Bearer $up_tok" } };
my %paging = (data => '10', page => '1');
my %RECIPE = (
	'POST /api/login' => {
		valid => sub { +{ email => $fd_email, password => $PW } },
		ok => [200, 'Login successful'], invalid => \@FD_LOGIN,
		write => 1 },
	'POST /api/register' => {
		valid => sub { +{ name => 'Sweep User',
		    email => $t->unique_email('sweep'), password => $PW } },
		ok => [201, 'Registration successful'],
		invalid => \@FD_REGISTER, write => 1 },
	'POST /api/login/patient' => {
		valid => sub { +{ email => $pl_user->{email},
		    password => $PW } },
		headers => $KEY, ok => [200, 'Login successful'],
		invalid => \@INVALID, write => 1 },
	'POST /api/register/patient' => {
		valid => sub { +{ name => 'Sweep Patient',
		    address => 'Jl. Sapu Lidi 2, Jakarta',
		    username => $t->unique_username('sweep'),
		    email => $t->unique_email('sweep'), password => $PW } },
		headers => $KEY, ok => [201, 'Registration successful'],
		invalid => \@INVALID, write => 1 },
	'POST /api/register/check-id/{}' => {
		path => sub { "/api/register/check-id/$_[0]" },
		valid => sub { +{ username => 'sweepfree',
		    email => 'sweep.free@example.com' } },
		single => 1, headers => $KEY, ok => [200, 'OK'],
		invalid => \@INVALID },
	'POST /api/update/{}' => {
		path => '/api/update/patient',
		control => sub { +{ user_id => $up_user->{id},
		    name => 'Control Name', address => 'Jl. Kontrol 1',
		    gender => 'female', phone_number => '081234567890',
		    type => 'ktp', no_type => '3201234567890123' } },
		valid => sub { +{ user_id => "$up_user->{id}",
		    name => 'Sweep Name', address => 'Jl. Sapu 2',
		    gender => 'male', phone_number => '081298765432',
		    type => 'nik', no_type => '3201987654321098' } },
		headers => $KEY_BEARER, ok => [200, 'Profile updated'],
		invalid => \@INVALID, write => 1 },
	'POST /api/avatar' => {
		control => sub { +{ user_id => $up_user->{id},
		    file => b64($PNG1), type => 'png' } },
		valid => sub { +{ user_id => "$up_user->{id}",
		    file => b64($PNG2), type => 'png' } },
		headers => $KEY_BEARER, ok => [200, 'Avatar updated'],
		invalid => \@INVALID, write => 1 },
	'POST /api/appointment/book' => {
		control => sub { +{ doctor_has_hospital_id => 1, date => $date,
		    start => '09:00', appointment => 'offline' } },
		valid => sub { +{ doctor_has_hospital_id => '1', date => $date,
		    start => '09:30', appointment => 'online',
		    note => 'Sweep note' } },
		headers => $KEY_BEARER, ok => [201, 'Appointment booked.'],
		invalid => \@INVALID, write => 1 },
	'POST /api/appointment/cancel' => {
		valid => sub { +{ id => "$appt" } },
		headers => $KEY_BEARER, ok => [200, 'Appointment cancelled.'],
		invalid => \@INVALID, write => 1 },
	(map { ("$_ /api/appointment" => {
		valid => sub { +{ %paging, status => 'booked' } },
		headers => $KEY_BEARER, ok => [200, 'OK', 1],
		invalid => \@INVALID }) } qw(GET POST)),
	(map { ("$_ /api/doctor/appointments" => {
		valid => sub { +{ date => $date } },
		headers => sub { +{ 'x-api-key' => $t->api_key,
		    Authorization => "Bearer $doc_tok" } }, ok => [200, 'OK'],
		invalid => \@INVALID }) } qw(GET POST)),
	'POST /api/token/refresh' => {
		valid => sub { +{ refresh_token => $refresh } },
		ok => [200, 'Token refreshed'], invalid => \@INVALID,
		write => 1,
		after => sub { $refresh = $_[0]{json}{data}{token}{refresh_token}
		    // $refresh } },
	'POST /api/password/change' => {
		valid => sub { +{ current_password => $PW,
		    new_password => $PW } },
		headers => sub { +{ Authorization => "Bearer $pc_tok" } },
		ok => [200, 'Password changed'], invalid => \@INVALID,
		write => 1 },
	'POST /api/password/forgot' => {
		valid => sub { +{ email => $fd_email } },
		ok => [200, 'If an account with this email exists, a password '
		    . 'reset link has been sent to it.'], invalid => \@INVALID,
		write => 1 },
	'POST /api/password/reset' => {
		valid => sub { +{ token => $LIVE_TOKEN{reset},
		    password => $PW } },
		control => sub { +{ token => account_token('reset'),
		    password => $PW } },
		ok => [200, 'Password reset'], invalid => \@INVALID,
		write => 1 },
	'POST /api/email/verify' => {
		valid => sub { +{ token => $LIVE_TOKEN{verify} } },
		control => sub { +{ token => account_token('verify') } },
		ok => [200, 'Email verified'], invalid => \@INVALID,
		write => 1 },
	'POST /api/account/delete' => {
		valid => sub { +{ password => $PW } },
		headers => sub { +{ Authorization => "Bearer $del_tok" } },
		ok => [200, 'Account deleted'], invalid => \@INVALID,
		write => 1 },
);
my %catalog = (
	'/api/doctor' => [1, { %paging, speciality => 'cardiology',
	    hospital => 'rs-sweep', q => 'Sweep' }],
	'/api/speciality' => [1, { %paging }],
	'/api/hospital' => [1, { %paging }],
	'/api/article' => [1, { %paging }],
	'/api/doctor/show' => [0, { slug => 'doc-sweep' }],
	'/api/hospital/show' => [0, { slug => 'rs-sweep' }],
	'/api/article/show' => [0, { slug => 'sweep-article' }],
	'/api/doctor/get-time-list' => [0, { doctor_has_hospital_id => '1',
	    date => $date, appointment => 'online' }],
);
for my $p (keys %catalog) {
	my ($list, $v) = @{ $catalog{$p} };
	for my $m (qw(GET POST)) {
		$RECIPE{"$m $p"} = { valid => sub { +{ %$v } }, headers => $KEY,
		    ok => [200, 'OK', $list], invalid => \@INVALID };
	}
}

# ---------------------------------------------------------------- the classes

# JSON body: [name, where, what goes into the string's text].  'escape'
# is JSON text (an escape sequence), 'raw' bytes as they are.
my @BODY_CLASSES = (
	['nul-escape-start', 'start', '\u0000'],
	['nul-escape-middle', 'middle', '\u0000'],
	['nul-escape-end', 'end', '\u0000'],
	# A lone surrogate has no UTF-8 form: the string is not text
	# (docs/API.md §7 "valid UTF-8"), though the JSON grammar allows it.
	['lone-high-surrogate-escape', 'middle', '\ud800'],
	['lone-low-surrogate-escape', 'end', '\udc00'],
	['utf8-lone-continuation', 'middle', "\x80"],
	['utf8-truncated', 'middle', "\xE2\x82"],
	['utf8-truncated-at-end', 'end', "\xE2\x82"],
	['utf8-overlong', 'middle', "\xC0\xAF"],
	['utf8-surrogate', 'middle', "\xED\xA0\x80"],
	['utf8-above-10ffff', 'middle', "\xF4\x90\x80\x80"],
	# Control: a raw control character is not JSON (§1 envelope).
	['raw-nul-byte', 'middle', "\x00", 'envelope'],
);
# Query string: percent-encoded.
my @QUERY_CLASSES = (
	['pct-nul-start', 'start', '%00'],
	['pct-nul-middle', 'middle', '%00'],
	['pct-nul-end', 'end', '%00'],
	['pct-lone-continuation', 'middle', '%80'],
	['pct-truncated', 'middle', '%E2%82'],
	['pct-truncated-at-end', 'end', '%E2%82'],
	['pct-overlong', 'middle', '%C0%AF'],
	['pct-surrogate', 'middle', '%ED%A0%80'],
	['pct-above-10ffff', 'middle', '%F4%90%80%80'],
);

# ---------------------------------------------------------------- the spec

my $doc = YAML::XS::LoadFile("$t->{srcdir}/docs/openapi.yaml");
sub deref {
	my ($s) = @_;
	while (ref $s eq 'HASH' && $s->{'$ref'}) {
		my @p = split m{/}, $s->{'$ref'} =~ s{^#/}{}r;
		$s = $doc;
		$s = $s->{$_} for @p;
	}
	return $s;
}
sub may_be_string {
	my ($s) = @_;
	$s = deref($s);
	return 0 unless ref $s eq 'HASH';
	my $ty = $s->{type};
	return 1 if defined $ty
	    && grep { $_ eq 'string' } ref $ty ? @$ty : ($ty);
	for my $k (qw(oneOf anyOf allOf)) {
		return 1 if grep { may_be_string($_) } @{ $s->{$k} // [] };
	}
	return 0;
}
# A value for a documented field the valid request leaves out.
sub doc_value {
	my ($s) = @_;
	$s = deref($s);
	return "$s->{example}" if defined $s->{example} && !ref $s->{example};
	my ($e) = grep { defined } @{ $s->{enum} // [] };
	return defined $e ? "$e" : 'sweep';
}

my %doc_path = map { (s/\{[^}]*\}/{}/gr => $_) } keys %{ $doc->{paths} };

my $routes = `$ENV{CEXUP_BIN} routes`;
ok($? == 0 && $routes =~ m{/api/}, 'cexup-api routes lists the routes')
    or BAIL_OUT('cexup-api routes failed');
my @ops;	# [method, pattern, recipe, where, [fields], {field => schema}]
my $nbody = 0;
for my $line (split /\n/, $routes) {
	my ($methods, $pattern) = $line =~ /^(\S.*?)\s+(\/\S+)$/ or next;
	my $dp = $doc_path{$pattern};
	ok($dp, "$pattern is documented") or next;
	for my $m (grep { $_ ne 'HEAD' } split /,\s*/, $methods) {
		my $op = $doc->{paths}{$dp}{lc $m};
		ok($op, "$m $pattern is documented") or next;
		my %in;		# where => {field => schema}
		if (my $rb = deref($op->{requestBody})) {
			my $schema = deref($rb->{content}{'application/json'}
			    {schema});
			my $props = ref $schema eq 'HASH'
			    ? $schema->{properties} // {} : {};
			my %f = map { ($_ => $props->{$_}) }
			    grep { may_be_string($props->{$_}) } keys %$props;
			# A body documented as ignored has no fields at all.
			if (%$props) {
				ok(scalar keys %f, "$m $pattern: its documented "
				    . 'body has string fields to sweep')
				    or diag('  properties: '
				    . join(', ', sort keys %$props));
				$in{body} = \%f if %f;
				$nbody++;
			}
		}
		my @params = map { deref($_) }
		    @{ $doc->{paths}{$dp}{parameters} // [] },
		    @{ $op->{parameters} // [] };
		my %q = map { ($_->{name} => $_->{schema} // {}) }
		    grep { ($_->{in} // '') eq 'query' } @params;
		$in{query} = \%q if %q;
		next unless %in;
		my $rec = $RECIPE{"$m $pattern"};
		ok($rec, "$m $pattern has a valid-request recipe in this test")
		    or next;
		# Routes that take a field from the body or the query string
		# are swept in both.
		push @ops, [$m, $pattern, $rec, $_, [sort keys %{ $in{$_} }],
		    $in{$_}] for sort keys %in;
	}
}
ok($nbody >= 10, "found $nbody documented JSON bodies");
ok(@ops >= 20, scalar(@ops) . ' operations to sweep');

# ---------------------------------------------------------------- requests

sub uri_esc { my ($s) = @_; $s =~ s/([^A-Za-z0-9\-._~])/sprintf '%%%02X', ord $1/ge; $s }
sub json_text { my $e = $J->encode([$_[0]]); $e =~ s/^\["//; $e =~ s/"\]$//; $e }
sub split_value {
	my ($v, $where) = @_;
	return ('', $v) if $where eq 'start';
	return ($v, '') if $where eq 'end';
	my $h = int(length($v) / 2) || 1;
	return (substr($v, 0, $h), substr($v, $h));
}
# CexupTest's request() with one kept-alive connection: a TLS handshake per
# request would cost most of the run.
my $http = HTTP::Tiny->new(agent => 'cexup-test/1', keep_alive => 1,
    max_redirect => 0, timeout => 30, verify_SSL => 0,
    SSL_options => { SSL_verify_mode => SSL_VERIFY_NONE,
    SSL_hostname => 'localhost' });
sub req {
	my ($m, $path, %o) = @_;
	# HTTP::Tiny writes the head and the body apart: without this, Nagle
	# and delayed ACKs stall every POST on a kept connection for 40 ms.
	my $fh = $http->{handle} && $http->{handle}{fh};
	setsockopt($fh, IPPROTO_TCP, TCP_NODELAY, 1) if $fh;
	my $r = $http->request($m, $t->base_url . $path, { headers => $o{headers},
	    defined $o{body} ? (content => $o{body}) : () });
	my %h;
	for my $k (keys %{ $r->{headers} }) {
		my $v = $r->{headers}{$k};
		$h{lc $k} = ref $v ? join(', ', @$v) : $v;
	}
	# tests/integration/99-openapi.t checks that each status seen is
	# documented.
	CexupTest::_observe($m, $path, $r->{status})
	    if CexupTest->can('_observe');
	return { status => $r->{status}, headers => \%h,
	    body => $r->{content} // '', json => json_decode($r->{content}) };
}
sub path_of { ref $_[0]{path} ? $_[0]{path}->($_[1]) : $_[0]{path} }

# send($op, \%params, $field, $class): a request with %params, the swept
# field (if any) carrying the class.
sub send_case {
	my ($op, $params, $field, $class) = @_;
	my ($m, $pattern, $rec, $where) = @$op;
	my %p = %$params;
	%p = ($field => $p{$field}) if $rec->{single} && defined $field;
	my $path = path_of($rec, $field) // $pattern;
	my %h = %{ $rec->{headers} ? $rec->{headers}->() : {} };
	my $inj;
	if (defined $class) {
		my $v = "$p{$field}";
		my ($pre, $post) = split_value($v, $class->[1]);
		$inj = $where eq 'body'
		    ? json_text($pre) . $class->[2] . json_text($post)
		    : uri_esc($pre) . $class->[2] . uri_esc($post);
		$p{$field} = '@@SWEEP@@';
	}
	if ($where eq 'body') {
		my $body = $J->encode(\%p);
		$body =~ s/"\@\@SWEEP\@\@"/"$inj"/ if defined $inj;
		$h{'Content-Type'} = 'application/json';
		return req($m, $path, body => $body, headers => \%h);
	}
	my $qs = join '&', map { "$_=" . ($p{$_} eq '@@SWEEP@@' ? $inj
	    : uri_esc($p{$_})) } sort keys %p;
	return req($m, "$path?$qs", headers => \%h);
}

# ---------------------------------------------------------------- database

# One line per table: name, row count, hash of every row.
my $snap_sql = $t->psql(q{SELECT string_agg(format('SELECT %L || '':'' || }
    . q{count(*) || '':'' || coalesce(md5(string_agg(t::text, '','' }
    . q{ORDER BY t::text)), '''') FROM %I t', c.relname, c.relname), }
    . q{' UNION ALL ' ORDER BY c.relname) FROM pg_class c JOIN pg_namespace n }
    . q{ON n.oid = c.relnamespace WHERE n.nspname = 'public' }
    . q{AND c.relkind = 'r'});
ok($snap_sql =~ /users/ && $snap_sql =~ /login_failures/,
    'the database snapshot covers users, sessions, login_failures, ...');
sub snapshot { return { map { split /:/, $_, 2 } split /\n/, $t->psql($snap_sql) } }
sub changed {
	my ($a, $b) = @_;
	my %all = (%$a, %$b);
	return grep { ($a->{$_} // '') ne ($b->{$_} // '') }
	    sort keys %all;
}

# ---------------------------------------------------------------- controls

for my $op (@ops) {
	my ($m, $pattern, $rec, $where, $fields) = @$op;
	my $params = ($rec->{control} // $rec->{valid})->();
	my @sets = $rec->{single} ? map { [$_] } @$fields : ([undef]);
	for my $s (@sets) {
		my $before = $rec->{write} ? snapshot() : undef;
		my $res = send_case($op, $params, $s->[0]);
		my ($status, $msg, $list) = @{ $rec->{ok} };
		my $what = "$m " . (path_of($rec, $s->[0]) // $pattern)
		    . ($s->[0] ? " ($s->[0])" : '');
		$t->expect_ok($res, $status, $msg, meta => $list,
		    name => "control: a valid $what is $status");
		$rec->{after}->($res) if $rec->{after};
		if ($before) {
			ok(scalar changed($before, snapshot()),
			    "control: a valid $what changes the database");
		}
	}
}

# ---------------------------------------------------------------- the sweep

my (@failed, %covered);
for my $op (@ops) {
	my ($m, $pattern, $rec, $where, $fields, $schemas) = @$op;
	my $route_before = snapshot();
	my $before = $route_before;
	my $t0 = time;
	for my $f (@$fields) {
		for my $class ($where eq 'body' ? @BODY_CLASSES : @QUERY_CLASSES) {
			my $params = $rec->{valid}->();
			$params->{$f} //= doc_value($schemas->{$f});
			my $res = send_case($op, $params, $f, $class);
			my $path = path_of($rec, $f) // $pattern;
			my $name = "$m $path $where.$f $class->[0]";
			my $ok;
			if (($class->[3] // '') eq 'envelope') {
				$ok = $t->expect_error($res, 400, @ENVELOPE,
				    name => "$name: 400 malformed JSON");
			} else {
				$ok = $t->expect_error($res, 400,
				    @{ $rec->{invalid} }, errors => [$f],
				    name => "$name: 400 errors.$f");
			}
			if ($rec->{write}) {
				my $after = snapshot();
				my @ch = changed($before, $after);
				ok(!@ch, "$name: the database is unchanged")
				    or diag("  changed: @ch"), $ok = 0;
				$before = $after;
			}
			push @failed, "$name -> $res->{status} "
			    . substr($res->{body}, 0, 160) unless $ok;
			$covered{"$m $pattern"}{$f}++;
		}
	}
	my @ch = changed($route_before, snapshot());
	ok(!@ch, "$m $pattern: the sweep left the database as it was")
	    or diag("  changed: @ch");
	note(sprintf '%s %s: %.1fs', $m, $pattern, time - $t0);
}

my $n = 0;
$n += $_ for map { values %$_ } values %covered;
diag(sprintf '%d cases over %d operations in %.0fs', $n, scalar @ops,
    time - $started);
if (@failed) {
	diag(scalar(@failed) . ' failing cases:');
	diag("  $_") for @failed;
}

$t->stop;
done_testing();
