# The mail outbox and `cexup-api mailer` (issue 13 point 6), against a real
# SMTP server (aiosmtpd, tests/lib/SmtpSink.pm).  Rows are inserted with
# psql as the routes insert them.  A row is delivered with the right
# envelope, headers and rendered body, then marked sent with its params
# (the token) wiped; bad rows (header injection, unknown template, a 5xx
# recipient) are retried or given up without a crash and never delivered;
# an SMTP outage loses nothing; two mailers deliver 200 rows exactly once;
# a PostgreSQL restart is survived; SIGTERM exits 0.
use strict;
use warnings;

use File::Copy qw(copy);
use Test::More;
use Time::HiRes qw(time sleep);
use CexupTest;
use SmtpSink;

my $smtp = SmtpSink->new;
my $t = CexupTest->new;
my $base = $t->config_value('public_base_url');

# The operator's templates: ours, and one that shows the placeholder rules.
my $tpl = $t->tmpdir . '/templates';
mkdir $tpl or die "$tpl: $!";
copy("$ENV{CEXUP_SRCDIR}/mail/$_.txt", "$tpl/$_.txt") or die "copy $_: $!"
    for qw(reset verify);
open my $fh, '>', "$tpl/probe.txt" or die;
print {$fh} "Subject: Probe {{name}}\n\nname=[{{name}}] n=[{{n}}] "
    . "unknown=[{{nope}}] bad=[{{ x }}] url=[{{base_url}}]\n.dot line\n";
close $fh;

my %MAILER = (
	smtp_url		=> $smtp->url,
	mail_templates_dir	=> $tpl,
	# Long: the first deliveries must come from NOTIFY, not the poll.
	mailer_poll_seconds	=> 30,
	mailer_retry_base_seconds => 1,
	mailer_retry_max_seconds => 2,
	mailer_max_attempts	=> 3,
);
my ($m0) = $t->start_mailers(1, \%MAILER);
like($t->mailer_log($m0), qr/mailer started/, 'the mailer started')
    or BAIL_OUT('no mailer: ' . $t->mailer_log($m0));

sub sqlq { (my $s = $_[0]) =~ s/'/''/g; "'$s'" }
sub outbox {
	my ($to, $template, $params) = @_;
	return $t->psql('INSERT INTO mail_outbox (to_addr, template, params) '
	    . 'VALUES (' . sqlq($to) . ', ' . sqlq($template) . ', '
	    . sqlq(CexupTest::json_encode($params)) . '::jsonb) RETURNING id');
}
sub row {
	my ($id) = @_;
	my $r = $t->psql("SELECT sent_at IS NOT NULL, params::text, attempts, "
	    . "coalesce(last_error, ''), next_attempt_at = 'infinity' "
	    . "FROM mail_outbox WHERE id = $id");
	my @f = split /\|/, $r, 5;
	return { sent => $f[0] eq 't', params => $f[1], attempts => $f[2],
	    error => $f[3], given_up => $f[4] eq 't' };
}

# ---- one reset mail, end to end
my $token = 'tok' . join('', map { ('a'..'z')[rand 26] } 1 .. 40);
my $t0 = time;
my $id = outbox('ana@example.com', 'reset',
    { token => $token, name => 'Ana' });
is($smtp->wait_for(1, 10), 1, 'the reset mail arrived');
my $took = time - $t0;
cmp_ok($took, '<', 5, sprintf('woken by NOTIFY (%.2f s; poll is 30 s)',
    $took));
my ($m) = $smtp->messages;
is_deeply($m->{to}, ['ana@example.com'], 'envelope recipient');
is($m->{mail_from}, 'no-reply@cexup.test', 'envelope sender');
is($m->{headers}{to}, 'ana@example.com', 'To header');
is($m->{headers}{from}, 'Cexup <no-reply@cexup.test>', 'From header');
is($m->{subject}, 'Reset your Cexup password', 'Subject from the template');
like($m->{message_id}, qr/^<$id\.[0-9a-f]{16}\@cexup\.test>$/,
    'Message-ID names the row');
like($m->{headers}{date}, qr/^\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d \+0000$/,
    'Date header');
like($m->{headers}{'content-type'}, qr{text/plain; charset=utf-8},
    'plain text, UTF-8');
like($m->{body}, qr/^Hello Ana,$/m, '{{name}} filled in');
like($m->{body}, qr{^\Q$base\E/reset-password\?token=\Q$token\E$}m,
    'the link: public_base_url and the token');
my $r = $t->wait_until(5, sub { my $x = row($id); $x->{sent} ? $x : undef });
ok($r && $r->{sent}, 'marked sent');
is($r && $r->{params}, '{}', 'params (the token) wiped once sent');
is($r && $r->{attempts}, 1, 'one attempt');
is($r && $r->{error}, '', 'no error');
like($t->mailer_log($m0), qr/mail $id reset to \@example\.com: sent/,
    'one log line: id, template, recipient domain, result');
unlike($t->mailer_log($m0), qr/\Q$token\E|ana\@/,
    'the log holds neither the token nor the address');

# ---- verify, and the placeholder rules
$smtp->clear;
my $vid = outbox('bo@example.org', 'verify', { token => 'v' x 43,
    name => 'Bo' });
my $pid = outbox('cy@example.org', 'probe', { name => "Cy\r\nBcc: x\@evil",
    n => 42 });
is($smtp->wait_for(2, 10), 2, 'verify and probe mails arrived');
my %by = map { $_->{to}[0] => $_ } $smtp->messages;
like($by{'bo@example.org'}{body},
    qr{^\Q$base\E/verify-email\?token=v{43}$}m, 'verify link');
is($by{'bo@example.org'}{subject}, 'Confirm your email address for Cexup',
    'verify subject');
my $p = $by{'cy@example.org'};
is($p->{subject}, 'Probe {{name}}', 'no placeholders in the Subject');
ok(!exists $p->{headers}{bcc}, 'a value with CRLF adds no header');
like($p->{body}, qr/^name=\[Cy  Bcc: x\@evil\] n=\[42\] unknown=\[\] /m,
    'line breaks in values become spaces; numbers; unknown -> empty');
like($p->{body}, qr/bad=\[\{\{ x \}\}\] url=\[\Q$base\E\]/,
    'not a placeholder stays as written; {{base_url}}');
like($p->{body}, qr/^\.dot line$/m, 'a line starting with a dot survives');

# ---- rows that can never be sent: given up at once, no crash
$smtp->clear;
my %bad = (
	'header injection' => outbox("x\@example.com\r\nBcc: y\@evil.com",
	    'reset', { token => 'secret-1' }),
	'no @' => outbox('not-an-address', 'reset', { token => 'secret-2' }),
	'unknown template' => outbox('ok@example.com', 'nosuch',
	    { token => 'secret-3' }),
	'template path' => outbox('ok@example.com', '../reset',
	    { token => 'secret-4' }),
	'params not an object' => $t->psql("INSERT INTO mail_outbox "
	    . "(to_addr, template, params) VALUES ('ok\@example.com', "
	    . "'reset', '[1]') RETURNING id"),
);
for my $name (sort keys %bad) {
	my $x = $t->wait_until(10, sub { my $y = row($bad{$name});
	    $y->{given_up} ? $y : undef });
	ok($x && !$x->{sent} && $x->{given_up} && $x->{attempts} == 1
	    && $x->{params} eq '{}' && length $x->{error},
	    "$name: given up after one attempt, params wiped, error kept"
	    . ($x ? " ($x->{error})" : ''));
}
like(row($bad{'header injection'})->{error}, qr/invalid recipient/,
    'header injection: invalid recipient');

# ---- a 5xx recipient: retried with backoff, given up after 3 attempts
my $rid = outbox('reject-me@example.com', 'reset', { token => 'secret-5' });
my $x = $t->wait_until(20, sub { my $y = row($rid);
    $y->{given_up} ? $y : undef });
ok($x && $x->{given_up} && $x->{attempts} == 3 && !$x->{sent},
    '550 recipient: 3 attempts (mailer_max_attempts), then given up');
like($x ? $x->{error} : '', qr/550/, 'last_error has the SMTP reply');
is($smtp->count, 0, 'nothing bad was delivered');
ok(kill(0, $t->mailer_pid($m0)), 'the mailer is still running');
unlike($t->mailer_log($m0), qr/secret-\d/, 'no token in the log');

# ---- SMTP outage: rows wait, then all go out
$smtp->stop;
my @ids = map { outbox("out$_\@example.com", 'reset', { token => "o$_" }) }
    1 .. 5;
my $waited = $t->wait_until(20, sub { $t->psql("SELECT count(*) FROM "
    . "mail_outbox WHERE id IN (" . join(',', @ids) . ") AND attempts >= 2 "
    . "AND last_error IS NOT NULL AND sent_at IS NULL") == 5 });
ok($waited, 'SMTP down: every row retried (attempts >= 2), error kept, '
    . 'none marked sent');
unlike(join(' ', map { row($_)->{given_up} } @ids), qr/1/,
    'an outage gives nothing up');
like(row($ids[0])->{error}, qr/connect|Couldn't/i,
    'last_error is the connection error');
$smtp->start;
is($smtp->wait_for(5, 15), 5, 'SMTP back: all 5 delivered');
ok($t->wait_until(5, sub { $t->psql("SELECT count(*) FROM mail_outbox "
    . "WHERE id IN (" . join(',', @ids) . ") AND sent_at IS NOT NULL "
    . "AND params = '{}'") == 5 }), 'and marked sent');

# ---- PostgreSQL restart: the mailer reconnects
$t->stop_postgres('fast');
sleep 1;
$t->start_postgres;
$smtp->clear;
outbox('after@example.com', 'reset', { token => 'after-restart' });
is($smtp->wait_for(1, 20), 1, 'after a PostgreSQL restart mail flows again');

# ---- two mailers, 200 rows: each delivered exactly once
my ($st) = $t->stop_mailers($m0);
is($st, 0, 'SIGTERM: the mailer exits 0');
$smtp->clear;
my @two = $t->start_mailers(2, { %MAILER, mailer_poll_seconds => 1 });
$t0 = time;
$t->psql("INSERT INTO mail_outbox (to_addr, template, params) "
    . "SELECT 'many' || n || '\@example.com', 'reset', "
    . "jsonb_build_object('token', 'many-' || n, 'name', 'N' || n) "
    . "FROM generate_series(1, 200) n");
my $got = $smtp->wait_for(200, 45);
my $elapsed = time - $t0;
is($got, 200, sprintf('200 mails delivered (%.1f s)', $elapsed));
sleep 1.5;	# a duplicate would arrive now
my @all = $smtp->messages;
is(scalar @all, 200, 'no mail delivered twice');
my (%ids, %tok);
$ids{ $_->{message_id} // '' }++ for @all;
for (@all) { $tok{$1}++ if $_->{body} =~ /token=many-(\d+)$/m }
is(scalar(keys %ids), 200, '200 distinct Message-IDs');
is_deeply([sort { $a <=> $b } keys %tok], [1 .. 200],
    'every row exactly once');
ok(!grep({ $_ != 1 } values %tok), 'no token twice');
is($t->psql("SELECT count(*) FROM mail_outbox WHERE to_addr LIKE "
    . "'many%' AND sent_at IS NOT NULL AND params = '{}' AND attempts = 1"),
    200, 'all 200 rows sent on the first attempt, params wiped');
my @share = map { scalar(() = $t->mailer_log($_) =~ /: sent$/mg) } @two;
diag("mailer shares: @share");
ok($share[0] > 0 && $share[1] > 0 && $share[0] + $share[1] == 200,
    "both mailers sent some (@share)");
my @st = $t->stop_mailers;
is_deeply(\@st, [0, 0], 'both exit 0 on SIGTERM');

# ---- SIGTERM while a mail is at the relay: it is finished and recorded
$smtp->clear;
my ($slow) = $t->start_mailers(1, { %MAILER, mailer_poll_seconds => 1 });
my $sid = outbox('slow@example.com', 'reset', { token => 'slow-token' });
ok($t->wait_until(5, sub { $t->psql("SELECT count(*) FROM pg_locks l "
    . "JOIN pg_class c ON c.oid = l.relation WHERE c.relname = "
    . "'mail_outbox' AND l.mode = 'RowShareLock'") > 0 }),
    'the mailer holds the row while the relay is slow');
kill 'TERM', $t->mailer_pid($slow);
my $t1 = time;
my ($sst) = $t->stop_mailers($slow);
is($sst, 0, 'SIGTERM during a send: exit 0');
cmp_ok(time - $t1, '>=', 0.5, 'after the relay answered');
is($smtp->count, 1, 'the mail was delivered');
ok(row($sid)->{sent}, 'and recorded as sent (no resend on restart)');

# ---- STARTTLS and AUTH from the credentials file, against a relay that
# requires both (certificate checked against smtp_ca_file)
my $secure = SmtpSink->new(tls_auth => 'mailer:s3cret:with:colons');
my $cred = $t->tmpdir . '/smtp.credentials';
sub write_cred {
	open my $c, '>', $cred or die;
	print {$c} "$_[0]\n";
	close $c;
	chmod $_[1], $cred;
}
my %SECURE = (%MAILER, smtp_url => $secure->url, smtp_tls => 'required',
    smtp_ca_file => $secure->ca_file, smtp_credentials_file => $cred,
    mailer_poll_seconds => 1);

write_cred('mailer:s3cret:with:colons', 0644);
my ($loose) = $t->start_mailers(1, \%SECURE);
my ($lst) = $t->stop_mailers($loose);
isnt($lst, 0, 'a credentials file others can read: the mailer refuses');
like($t->mailer_log($loose), qr/readable by group or others/,
    'and says why');

write_cred('mailer:wrong-password', 0600);
my ($bad) = $t->start_mailers(1, \%SECURE);
my $aid = outbox('auth@example.com', 'reset', { token => 'tls-token' });
my $y = $t->wait_until(15, sub { my $z = row($aid);
    $z->{attempts} >= 2 ? $z : undef });
ok($y && !$y->{sent} && !$y->{given_up},
    'AUTH refused: retried, not given up');
like($y ? $y->{error} : '', qr/login|auth/i, 'last_error: the login');
$t->stop_mailers($bad);

write_cred('mailer:s3cret:with:colons', 0600);
my ($good) = $t->start_mailers(1, \%SECURE);
is($secure->wait_for(1, 15), 1, 'right password: the waiting mail is sent');
my ($sm) = $secure->messages;
ok($sm && $sm->{tls}, 'over STARTTLS');
is($sm && $sm->{login}, 'mailer', 'authenticated as the file says');
like($sm ? $sm->{body} : '', qr/token=tls-token$/m, 'the right mail');
ok($t->wait_until(5, sub { row($aid)->{sent} }), 'marked sent');
$t->stop_mailers($good);

# smtp_tls = required against a relay without STARTTLS: nothing in clear.
$smtp->clear;
my ($strict) = $t->start_mailers(1, { %MAILER, smtp_tls => 'required',
    mailer_poll_seconds => 1 });
my $cid = outbox('clear@example.com', 'reset', { token => 'no-clear' });
$y = $t->wait_until(10, sub { my $z = row($cid);
    $z->{attempts} >= 1 ? $z : undef });
ok($y && !$y->{sent} && !$y->{given_up} && $smtp->count == 0,
    'smtp_tls = required, no STARTTLS offered: not sent, retried'
    . ($y ? " ($y->{error})" : ''));
$t->stop_mailers($strict);
$secure->stop;

$smtp->stop;
$t->stop;
done_testing();
