# `cexup-api import-users FILE` (docs/API.md §6): JSON lines and CSV, invalid
# and duplicate rows skipped and reported, the exit status, and imported
# bcrypt users logging in and being upgraded to Argon2id.
use strict;
use warnings;

use Test::More;
use CexupTest;

my $t = CexupTest->new(config => { lockout_threshold => 1000 });

# A bcrypt hash made here, checked against a known vector first.
my $vector = crypt('password', '$2b$04$abcdefghijklmnopqrstuu');
is($vector, '$2b$04$abcdefghijklmnopqrstuughE8Ev8uGFaUgY2cNEySvxngrb/Jzdm',
    'perl crypt() makes bcrypt hashes (known vector)')
    or BAIL_OUT('no bcrypt in crypt()');
my $bcrypt_b = crypt('laravel secret', '$2b$04$0123456789abcdefghijkl');
(my $bcrypt_y = crypt('laravel secret 2', '$2b$05$zyxwvutsrqponmlkjihgfe'))
    =~ s/^\$2b\$/\$2y\$/;	# Laravel writes $2y$: the same algorithm
my $argon = `printf '%s\\n' 'argon secret' | CEXUP_ARGON2_MEMORY_KIB=1024 CEXUP_ARGON2_ITERATIONS=1 "$ENV{CEXUP_BIN}" -c ${\ $t->config_file} hash-password`;
chomp $argon;
like($argon, qr/^\$argon2id\$v=19\$m=1024,t=1,p=1\$/,
    'an Argon2id hash with other parameters (to be re-hashed)');

sub write_file {
	my ($name, $text) = @_;
	my $path = $t->tmpdir . "/$name";
	open my $fh, '>:raw', $path or die;
	print {$fh} $text;
	close $fh;
	return $path;
}
sub users { $t->psql('SELECT count(*) FROM users') }

# an account that exists already
my ($existing) = $t->register_user(email => 'existing@example.com');

# ---- JSON lines
my $jsonl = write_file('users.jsonl', join("\n",
    CexupTest::json_encode({ name => 'Bea Bcrypt', email => 'bea@example.com',
	username => 'bea', password_hash => $bcrypt_b, id => 17,
	created_at => '2020-01-01' }),
    CexupTest::json_encode({ name => 'Yusuf Laravel',
	email => 'Yusuf@Example.com', username => 'yusuf2',
	password_hash => $bcrypt_y, role => 'patient',
	phone_number => '+6281111111111', address => 'Jl. Braga 5' }),
    CexupTest::json_encode({ name => 'Ari Argon', email => 'ari@example.com',
	username => undef, password_hash => $argon, role => 'doctor' }),
    '',
    CexupTest::json_encode({ name => 'Bad Email', email => 'nope',
	password_hash => $bcrypt_b }),
    CexupTest::json_encode({ name => 'MD5 Hash', email => 'md5@example.com',
	password_hash => '$1$abcdefgh$abcdefghijklmnopqrstuv' }),
    CexupTest::json_encode({ name => 'Plain Text', email => 'pt@example.com',
	password_hash => 'hunter22' }),
    CexupTest::json_encode({ name => 'Short Bcrypt', email => 'sb@example.com',
	password_hash => substr($bcrypt_b, 0, 40) }),
    CexupTest::json_encode({ email => 'noname@example.com',
	password_hash => $bcrypt_b }),
    CexupTest::json_encode({ name => 'No Hash', email => 'nohash@example.com' }),
    CexupTest::json_encode({ name => 42, email => 'num@example.com',
	password_hash => $bcrypt_b }),
    CexupTest::json_encode({ name => 'Bad User', email => 'bu@example.com',
	username => '9lives', password_hash => $bcrypt_b }),
    CexupTest::json_encode({ name => 'Bad Role', email => 'br@example.com',
	role => 'root', password_hash => $bcrypt_b }),
    '["not", "an object"]',
    '{"name": "broken json"',
    CexupTest::json_encode({ name => 'Dup Email', email => 'BEA@example.com',
	password_hash => $bcrypt_b }),
    CexupTest::json_encode({ name => 'Dup User', email => 'du@example.com',
	username => 'BEA', password_hash => $bcrypt_b }),
    CexupTest::json_encode({ name => 'Dup Existing',
	email => 'existing@example.com', password_hash => $bcrypt_b }),
    CexupTest::json_encode({ name => q{O'Brien"; DROP TABLE users;--},
	email => 'sql@example.com', password_hash => $bcrypt_b }),
) . "\n");
my $before = users();
my $r = $t->cli('import-users', $jsonl);
is($r->{rc}, 0, 'import-users exits 0 when rows were imported')
    or diag($r->{err});
is($r->{out}, "imported 4, skipped 14 (invalid 11, duplicate 3)\n",
    'the summary on stdout') or diag($r->{out}, $r->{err});
is(users(), $before + 4, 'four users were added');
for my $line (5 .. 15) {
	like($r->{err}, qr/^line $line: skipped: /m, "line $line is reported");
}
like($r->{err}, qr/^line 6: skipped: password_hash is not/m,
    'the reason is given');
like($r->{err}, qr/^line $_: skipped: duplicate/m, "line $_ is a duplicate")
    for 16 .. 18;
unlike($r->{err}, qr/^line (?:1|2|3|4|19):/m, 'good and blank lines are not');
unlike($r->{err} . $r->{out}, qr/\$2[by]\$\d\d\$|\$argon2id\$v=/,
    'no hash is echoed in the report');
is($t->psql("SELECT concat_ws('|', name, username, role, phone_number, "
    . "address, password_hash) FROM users WHERE email = 'Yusuf\@Example.com'"),
    "Yusuf Laravel|yusuf2|patient|+6281111111111|Jl. Braga 5|$bcrypt_y",
    'every field is imported, the hash as it was');
is($t->psql("SELECT role FROM users WHERE email = 'ari\@example.com'"),
    'doctor', 'role is imported');
is($t->psql("SELECT name FROM users WHERE email = 'sql\@example.com'"),
    q{O'Brien"; DROP TABLE users;--}, 'SQL metacharacters are just text');

# ---- the imported users log in; their hashes become Argon2id
sub hash_of { $t->psql("SELECT password_hash FROM users WHERE "
    . "lower(email) = lower('$_[0]')") }
my $res = $t->request('POST', '/api/login', json => {
    email => 'bea@example.com', password => 'wrong password' });
is($res->{status}, 401, 'a wrong password for a bcrypt user is 401');
is(hash_of('bea@example.com'), $bcrypt_b, '  and leaves the hash alone');
$res = $t->request('POST', '/api/login', json => {
    email => 'bea@example.com', password => 'laravel secret' });
is($res->{status}, 200, 'the $2b$ user logs in at /api/login');
like(hash_of('bea@example.com'), qr/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/,
    '  and the stored hash is now Argon2id with the configured parameters');
$res = $t->request('POST', '/api/login', json => {
    email => 'bea@example.com', password => 'laravel secret' });
is($res->{status}, 200, '  and the new hash verifies');
ok($t->login_patient('yusuf2', 'laravel secret 2'),
    'the $2y$ user logs in at /api/login/patient by username');
like(hash_of('yusuf@example.com'), qr/^\$argon2id\$v=19\$m=19456,/,
    '  and is upgraded too');
$res = $t->request('POST', '/api/login', json => {
    email => 'ari@example.com', password => 'argon secret' });
is($res->{status}, 200, 'the Argon2id user with old parameters logs in');
like(hash_of('ari@example.com'), qr/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/,
    '  and is re-hashed with the current parameters');

# ---- CSV with a header, quoting, unknown columns ignored
my $bc_csv = crypt('csv password', '$2b$04$csvcsvcsvcsvcsvcsvcsvu');
my $csv = write_file('users.csv', join("\r\n",
    'id,Name,email,username,password_hash,role,phone_number,address,created_at',
    qq{1,"Cici, the ""CSV"" user",cici\@example.com,cici,$bc_csv,patient,,}
	. qq{"Jl. Asia Afrika 8,\nBandung",2020-01-01},
    qq{2,Dodi,dodi\@example.com,,$bc_csv,,+6282222222222,,},
    qq{3,Bad Row,bad\@example.com,,not-a-hash,,,,},
    qq{4,Too,Few,Columns},
    qq{5,"unterminated,quote\@example.com,,$bc_csv,,,,},
) . "\r\n");
$before = users();
$r = $t->cli('import-users', $csv);
is($r->{rc}, 0, 'CSV import exits 0') or diag($r->{err});
is($r->{out}, "imported 2, skipped 3 (invalid 3, duplicate 0)\n",
    'CSV summary') or diag($r->{err});
is(users(), $before + 2, 'two CSV users were added');
is($t->psql("SELECT name || '|' || address FROM users WHERE "
    . "email = 'cici\@example.com'"),
    qq{Cici, the "CSV" user|Jl. Asia Afrika 8,\nBandung},
    'quoted commas, quotes and line breaks survive');
is($t->psql("SELECT coalesce(username, 'NULL') || '|' || role FROM users "
    . "WHERE email = 'dodi\@example.com'"), 'NULL|patient',
    'empty optional fields are NULL; role defaults to patient');
# (Cici's record spans lines 2 and 3: line numbers are where records start)
like($r->{err}, qr/^line 5: skipped: password_hash/m, 'line 5 reported');
like($r->{err}, qr/^line 6: skipped: wrong number of columns/m,
    'line 6 reported');
like($r->{err}, qr/^line 7: skipped: malformed CSV/m, 'line 7 reported');
ok($t->login_patient('cici', 'csv password'), 'a CSV user logs in');

# ---- nothing importable: exit non-zero
$before = users();
for my $case (['all invalid', write_file('bad.jsonl',
	qq({"name":"x","email":"bad"}\n{"name":"y"}\n))],
    ['all duplicates', $jsonl],
    ['an empty file', write_file('empty.csv', '')],
    ['a header without password_hash', write_file('nohash.csv',
	"name,email\nA,a\@example.com\n")],
    ['a missing file', $t->tmpdir . '/does-not-exist.csv']) {
	$r = $t->cli('import-users', $case->[1]);
	is($r->{rc}, 1, "$case->[0]: exit 1");
}
$r = $t->cli('import-users');
is($r->{rc}, 2, 'no FILE is a usage error');
is(users(), $before, 'failed imports added nobody');

$t->stop;
done_testing();
