# POST /api/register (docs/API.md §2, with §1, §6, §7, §9): the exact
# messages of the fdelux seed, field validation with "errors", uniqueness
# without regard to letter case (also under concurrency), and that a
# refused request changes nothing.
use strict;
use warnings;

use POSIX ();
use Test::More;
use CexupTest qw(json_encode);

my $t = CexupTest->new(config => { lockout_threshold => 1000,
    log_level => 'debug' });

my @BAD_BODY = ('Request body must be a valid JSON object.');
my @INVALID = ('All fields (name, email, password) are required.',
    'Please provide valid name, email, and password in the request body.');
my @TAKEN = ('User with this email already exists.',
    'Please use a different email address for registration.');
my @NOT_POST = ('Only POST requests are supported for this endpoint.',
    'Please use POST to submit your registration details.');

sub register { $t->request('POST', '/api/register', @_) }
sub users { $t->psql('SELECT count(*) FROM users') }
sub sql_str { my ($s) = @_; $s =~ s/'/''/g; "'$s'" }

# ---- success
my $email = $t->unique_email('Lebowski');
my $password = 'the dude abides';
my $res = register(json => { name => 'Lebowski', email => $email,
    password => $password });
my $data = $t->expect_ok($res, 201, 'Registration successful',
    name => 'register is 201');
my $user = $data && $data->{user};
is(ref $user, 'HASH', 'data.user is an object');
is_deeply([sort keys %{ $user // {} }], [qw(email id name)],
    'data.user is exactly {id, name, email}');
like(json_encode($user->{id}), qr/^\d+$/, 'user.id is a JSON number');
is($user->{name}, 'Lebowski', 'user.name as given');
is($user->{email}, $email, 'user.email as given');
my $uid = $user->{id};
unlike($res->{body}, qr/the dude abides|\$argon2/,
    'neither password nor hash in the response');

my $row = $t->psql("SELECT name, email, role, coalesce(username, '-'), "
    . "password_hash FROM users WHERE id = $uid");
my ($r_name, $r_email, $r_role, $r_username, $r_hash) = split /\|/, $row, 5;
is($r_name, 'Lebowski', 'stored name');
is($r_email, $email, 'stored email');
is($r_role, 'patient', 'fdelux registrations are patients');
is($r_username, '-', 'without a username');
like($r_hash // '', qr/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+\/]+\$[A-Za-z0-9+\/]+$/,
    'the password is stored as an Argon2id PHC string with OWASP parameters');

$res = $t->request('POST', '/api/login',
    json => { email => $email, password => $password });
is($res->{status}, 200, 'the new user can log in');

# ---- email uniqueness ignores case and surrounding spaces: 409
my $before = users();
for my $dup (uc $email, lc $email, "  $email ") {
	$res = register(json => { name => 'Walter', email => $dup,
	    password => 'other password' });
	$t->expect_error($res, 409, @TAKEN, errors_optional => 1,
	    name => "'$dup' is taken");
}
is(users(), $before, 'no duplicate was stored');
is($t->psql("SELECT name FROM users WHERE id = $uid"), 'Lebowski',
    'the existing account was not overwritten');

# Stored trimmed, as given otherwise.
my $spaced = $t->unique_email('Spaced');
$res = register(json => { name => '  Maude  ', email => "  $spaced  ",
    password => 'password1' });
is($res->{status}, 201, 'email with surrounding spaces registers');
is($res->{json}{data}{user}{email}, $spaced, 'and is answered trimmed');
is($t->psql('SELECT email FROM users WHERE lower(email) = '
    . sql_str(lc $spaced)), $spaced, 'and stored trimmed, case kept');

# ---- bodies that are not a JSON object
my %kind = (
	'"Lebowski"'	=> 'String',
	'7'		=> 'Number',
	'0.5'		=> 'Number',
	'true'		=> 'Boolean',
	'null'		=> 'Null',
	'[1,2,3]'	=> 'Array',
	'[]'		=> 'Array',
	'{"name":"a",}'	=> 'malformed JSON',
	'{"name" "a"}'	=> 'malformed JSON',
	'{"name":"a"'	=> 'malformed JSON',
	'{"name":"a\\q"}'	=> 'malformed JSON',
	'{"name":NaN}'	=> 'malformed JSON',
	'{"name":"a"}}'	=> 'malformed JSON',
	''		=> 'malformed JSON',
	' '		=> 'malformed JSON',
);
$before = users();
for my $body (sort keys %kind) {
	$res = register(body => $body,
	    headers => { 'Content-Type' => 'application/json' });
	(my $show = $body) =~ s/([^\x20-\x7e])/sprintf '\\x%02x', ord $1/ge;
	$t->expect_error($res, 400, $BAD_BODY[0],
	    "Expected a JSON object but received: $kind{$body}",
	    name => "body '$show' is 400 ($kind{$body})");
}
# Invalid UTF-8 inside a string of a well-formed body is a field error of
# that field (docs/API.md §7, §9), including the byte sequences a lax UTF-8
# check lets through (an overlong "/", an encoded surrogate); storing
# them, or a 500 from PostgreSQL's encoding check, is not.
for my $c (["\xe9", 'a Latin-1 byte'], ["\xc0\xaf", 'an overlong encoding'],
    ["\xed\xa0\x80", 'an encoded UTF-16 surrogate'],
    ["\xf4\x90\x80\x80", 'a code point above U+10FFFF']) {
	my ($bytes, $what) = @$c;
	$res = register(body => qq({"name":"a$bytes","email":"x\@example.com",)
	    . '"password":"password1"}',
	    headers => { 'Content-Type' => 'application/json' });
	my $j = $res->{json} // {};
	ok($res->{status} == 400 && ($j->{message} // '') eq $INVALID[0]
	    && ref $j->{errors} eq 'HASH' && $j->{errors}{name},
	    "a name with $what is a 400 with errors.name")
	    or diag("$res->{status} $res->{body}");
}
is(users(), $before, 'no malformed body created a user');

# ---- every invalid field: the exact 400 with "errors" naming it
my %good = (name => 'Jeffrey', email => undef, password => 'password1');
my @cases;
for my $f (qw(name email password)) {
	push @cases, ["$f missing", $f, undef, 1];
	push @cases, ["$f empty", $f, ''];
	push @cases, ["$f a number", $f, 12345678];
	push @cases, ["$f an array", $f, ['password1']];
	push @cases, ["$f null", $f, undef];
	push @cases, ["$f an object", $f, { v => 'password1' }];
	push @cases, ["$f a boolean", $f, JSON::PP::true];
	push @cases, ["$f with a NUL", $f,
	    $f eq 'email' ? "a\x{0}b\@example.com" : "pass\x{0}word1"];
}
push @cases,
    ['name only spaces', 'name', '   '],
    ['name of 10 KB', 'name', 'n' x 10240],
    ['name of 256 characters', 'name', 'n' x 256],
    ['password of 7 bytes', 'password', 'passwor'],
    ['password of 6 bytes in 3 characters', 'password', "\x{e9}\x{e9}\x{e9}"],
    ['password of 1025 bytes', 'password', 'p' x 1025],
    ['password of 1025 bytes, 2-byte chars', 'password',
	("\x{e9}" x 512) . 'p'],
    ['email of 10 KB', 'email', ('e' x 10240) . '@example.com'],
    ['email over 254 characters', 'email', ('e' x 250) . '@example.com'];
for my $bad ('plainaddress', 'no-at.example.com', '@example.com', 'user@',
    'user@@example.com', 'us er@example.com', 'user@exa mple.com',
    "user\@example.com\nBcc: x\@example.com", '<user@example.com>',
    'user@example.com,other@example.com') {
	(my $show = $bad) =~ s/\n/\\n/g;
	push @cases, ["invalid email '$show'", 'email', $bad];
}
for my $c (@cases) {
	my ($what, $field, $value, $omit) = @$c;
	my %body = (%good, email => $t->unique_email('jeff'));
	if ($omit) {
		delete $body{$field};
	} else {
		$body{$field} = $value;
	}
	$before = users();
	$res = register(json => \%body);
	$t->expect_error($res, 400, @INVALID, errors => [$field],
	    name => "$what: 400 with errors.$field");
	is(users(), $before, "$what: no user created");
}
# Several bad fields: each is named.
$res = register(json => { name => '', email => 'nope', password => 'short' });
$t->expect_error($res, 400, @INVALID, errors => [qw(name email password)],
    name => 'three bad fields are all named in errors');
$res = register(json => {});
$t->expect_error($res, 400, @INVALID, errors => [qw(name email password)],
    name => 'an empty object names all three fields');

# ---- boundaries that are valid
for my $c (['password of exactly 8 bytes', password => 'p' x 8],
    ['password of 8 bytes in 4 characters', password => "\x{e9}" x 4],
    ['password of exactly 1024 bytes', password => 'p' x 1024],
    ['name of 255 characters', name => 'n' x 255],
    ['name in Indonesian with accents', name => "Sit\x{ed} N\x{fc}rhaliz\x{e4}"],
    ['email with plus and subdomain', email => undef, 'tag'],
    ['email with an apostrophe', email => undef, 'quote']) {
	my ($what, $field, $value, $kind) = @$c;
	my %body = (%good, email => $t->unique_email('edge'));
	if ($field eq 'email') {
		$body{email} = $kind eq 'tag'
		    ? 'first.last+tag.' . int(rand 1e9) . '@mail.example.co.id'
		    : "o'brien." . int(rand 1e9) . '@example.com';
	} else {
		$body{$field} = $value;
	}
	$res = register(json => \%body);
	is($res->{status}, 201, "$what is accepted")
	    or diag($res->{body});
	if ($res->{status} == 201) {
		my $id = $res->{json}{data}{user}{id};
		$res = $t->request('POST', '/api/login', json => {
		    email => $body{email}, password => $body{password} });
		is($res->{status}, 200, "$what: can log in");
		if ($field eq 'name') {
			is($res->{json}{data}{user}{name}, $value,
			    "$what: name round-trips");
		}
	}
}

# ---- SQL metacharacters are data
my $evil_name = "Robert'); DROP TABLE users;--";
my $evil_email = "x'--" . int(rand 1e9) . '@example.com';
$res = register(json => { name => $evil_name, email => $evil_email,
    password => 'password1' });
is($res->{status}, 201, 'a name full of SQL registers');
is($res->{json}{data}{user}{name}, $evil_name, 'and comes back as given');
is($t->psql('SELECT name FROM users WHERE email = ' . sql_str($evil_email)),
    $evil_name, 'and is stored literally');
$res = register(json => { name => 'x', email => "x'; DROP TABLE users;--",
    password => 'password1' });
$t->expect_error($res, 400, @INVALID, errors => ['email'],
    name => "\"x'; DROP TABLE users;--\" is an invalid email");
is($t->psql(q{SELECT count(*) FROM pg_tables WHERE tablename = 'users'}),
    '1', 'the users table survived');

# ---- fields the client may not set are ignored (no mass assignment)
my $sneaky = $t->unique_email('sneaky');
$res = register(json => { name => 'Sneaky', email => $sneaky,
    password => 'password1', role => 'admin', id => 1, username => 'admin',
    password_hash => '$argon2id$v=19$m=8,t=1,p=1$AAAA$AAAA' });
is($res->{status}, 201, 'extra fields do not prevent registration');
is($t->psql('SELECT role || coalesce(username, \'-\') FROM users WHERE '
    . 'email = ' . sql_str($sneaky)), 'patient-',
    'role and username are not taken from the body');

# ---- concurrent registration of one address: one 201, the rest 409
my $race = $t->unique_email('race');
my @kids;
pipe(my $rd, my $wr) or die "pipe: $!";
for my $i (1 .. 6) {
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		close $rd;
		my $r = $t->request('POST', '/api/register', json => {
		    name => "Racer $i", email => $i % 2 ? uc $race : $race,
		    password => 'password1' });
		syswrite $wr, "$r->{status}\n";
		POSIX::_exit(0);
	}
	push @kids, $pid;
}
close $wr;
my @st = sort map { chomp; $_ } <$rd>;
waitpid($_, 0) for @kids;
is(scalar @st, 6, 'six concurrent registrations answered');
is(scalar(grep { $_ == 201 } @st), 1, 'exactly one 201') or diag("@st");
is(scalar(grep { $_ == 409 } @st), 5, 'the others 409, never 500')
    or diag("@st");
is($t->psql('SELECT count(*) FROM users WHERE lower(email) = '
    . sql_str(lc $race)), '1', 'one row for the raced address');

# ---- other methods: the exact 405 with Allow
for my $m (qw(GET PUT DELETE PATCH)) {
	$res = $t->request($m, '/api/register',
	    $m eq 'GET' || $m eq 'DELETE' ? () :
	    (json => { name => 'M', email => $t->unique_email('m'),
		password => 'password1' }));
	$t->expect_error($res, 405, @NOT_POST,
	    name => "$m /api/register is 405");
	like($res->{headers}{allow} // '', qr/\bPOST\b/,
	    "$m /api/register: Allow names POST");
}

# ---- the log never holds a password or a hash
my $log = $t->server_log;
for my $secret ($password, 'other password', 'pass' . "\x{0}" . 'word1') {
	ok(index($log, $secret) < 0, 'server.log does not contain a password');
}
unlike($log, qr/the dude abides|\$argon2/,
    'server.log holds neither password nor hash');

$t->stop;
done_testing();
