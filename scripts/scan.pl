#!/usr/bin/perl
# scripts/scan.pl - the release checks of scripts/scan.sh against the real
# stack (private PostgreSQL with the demo data, both worker pools, nginx
# with the shipped server block), all in temporary directories:
#
#  1. sqlmap on every parameter of every operation of docs/openapi.yaml
#     (path and query parameters, header parameters, JSON body fields), each
#     marked with sqlmap's "*", with the demo API key and, where the
#     operation needs one, a Bearer token of a demo patient;
#  2. testssl.sh against the shipped TLS settings, nginx serving a
#     certificate for localhost/127.0.0.1 signed by a CA made for the run,
#     which testssl.sh is given (--add-ca): certificate findings are real;
#  3. slowhttptest, slowloris (-H) then slow body (-B), each at
#     SLOW_CONNECTIONS connections for SLOW_SECONDS, while a normal client
#     on 127.0.0.2 times GET /api/speciality (p50/p99 before and during).
#
# Prints a summary (also written to SUMMARY, if set) and exits 1 if sqlmap
# finds an injection, testssl.sh reports a HIGH or CRITICAL finding (but
# for the one accepted below, while its premise holds), or a check could
# not run to completion (a check that did not run is no pass).
#
# Environment: CEXUP_BIN, CEXUP_SRCDIR (set by scan.sh), CHECKS (default
# "sqlmap testssl slow"), SQLMAP_LEVEL (3), SQLMAP_RISK (2), SQLMAP_JOBS
# (sqlmap processes at once, 2), SQLMAP_ONLY (a regular expression: only
# the operations whose "METHOD /path" matches), SLOW_CONNECTIONS (500), SLOW_SECONDS (60),
# BASELINE_SECONDS (30), NICE (niceness of the scanners and attackers, 10),
# STRICT=1 (testssl.sh findings accepted below fail the scan too),
# SUMMARY (file), KEEP (directory to keep the tools' raw output in).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib";
use CexupTest qw(json_encode json_decode);
use File::Path qw(make_path);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::SSL qw(SSL_VERIFY_NONE);
use JSON::PP;
use POSIX qw(_exit);
use Time::HiRes qw(time sleep);
use YAML::XS qw(LoadFile);

my %checks = map { $_ => 1 } split ' ', ($ENV{CHECKS} // 'sqlmap testssl slow');
# Level 3: sqlmap's boundaries (quote and bracket prefixes/suffixes) up to
# level 3; as every point is marked, the level adds no other places to
# test.  Risk 2 adds the heavy-query time-based tests; risk 3's OR payloads
# would rewrite every row an UPDATE reaches, and level 5 multiplies the
# requests by about ten, which the Argon2 routes turn into an hour.
my $level = $ENV{SQLMAP_LEVEL} // 3;
my $risk = $ENV{SQLMAP_RISK} // 2;
my $jobs = $ENV{SQLMAP_JOBS} // 2;
my $slow_conns = $ENV{SLOW_CONNECTIONS} // 500;
my $slow_secs = $ENV{SLOW_SECONDS} // 60;
my $baseline_secs = $ENV{BASELINE_SECONDS} // 30;
my @nice = ('nice', '-n', $ENV{NICE} // 10);
my $srcdir = $ENV{CEXUP_SRCDIR} // "$FindBin::Bin/..";

my $work = tempdir('cexup-scan-XXXXXX', TMPDIR => 1, CLEANUP => 1);
# (Only nginx's master reads the certificate and key here, as the user we
# are: the directory can stay private.)

sub run_quiet {
	my ($log, @cmd) = @_;
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		open STDOUT, '>', $log or _exit(127);
		open STDERR, '>&', \*STDOUT or _exit(127);
		exec @cmd or _exit(127);
	}
	waitpid $pid, 0;
	return $? >> 8;
}

# ---- a test CA and a server certificate signed by it

sub make_certificates {
	my $ca_key = "$work/ca.key";
	my $ca = "$work/ca.pem";
	my $key = "$work/server.key";
	my $csr = "$work/server.csr";
	my $crt = "$work/server.crt";
	my $ext = "$work/server.ext";
	open my $fh, '>', $ext or die "$ext: $!";
	# What a public CA would issue: a leaf (not a CA) for the names it
	# serves, for server authentication, with revocation pointers (nothing
	# answers there: testssl.sh only checks they are present).
	print {$fh} <<'EOF';
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:http://127.0.0.1:9/ocsp
crlDistributionPoints = URI:http://127.0.0.1:9/ca.crl
EOF
	close $fh;
	my @steps = (
	    [ 'openssl', 'req', '-x509', '-newkey', 'rsa:3072', '-nodes',
	      '-days', '730', '-subj', '/O=cexup-api scan/CN=cexup-api scan test CA',
	      '-addext', 'basicConstraints=critical,CA:TRUE',
	      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
	      '-keyout', $ca_key, '-out', $ca ],
	    [ 'openssl', 'req', '-newkey', 'rsa:2048', '-nodes',
	      '-subj', '/O=cexup-api scan/CN=localhost', '-keyout', $key,
	      '-out', $csr ],
	    # 365 days: under the 398 browsers accept for a leaf.
	    [ 'openssl', 'x509', '-req', '-in', $csr, '-CA', $ca, '-CAkey',
	      $ca_key, '-CAcreateserial', '-days', '365', '-sha256',
	      '-extfile', $ext, '-out', $crt ],
	);
	for my $cmd (@steps) {
		run_quiet("$work/openssl.log", @$cmd) == 0
		    or die "scan: @$cmd[0..1] failed:\n"
		    . `cat $work/openssl.log`;
	}
	return ($ca, $crt, $key);
}

my ($ca, $crt, $key) = make_certificates();

my $t = CexupTest->new(tap => 0, demo => 1,
    # sqlmap sends each login payload for one account: no lockout to speak
    # of, or every later payload would be answered 429 and tell nothing.
    config => { lockout_threshold => 1000, lockout_base_seconds => 1,
	lockout_max_seconds => 1,
	# The refresh token sqlmap replays stays good for the whole scan.
	refresh_reuse_window => 300 },
    # The block as shipped (its per-address limit_conn included, which the
    # harness otherwise raises for tests that load from one address), in
    # an nginx sized as the README asks (worker_connections 4096).
    conn_per_addr => 'shipped',
    nginx_edit => sub {
	my ($text) = @_;
	my $n = $text =~ s{^(\s*)ssl_certificate\s+\S+;}{$1ssl_certificate $crt;}mg;
	$n += $text =~
	    s{^(\s*)ssl_certificate_key\s+\S+;}{$1ssl_certificate_key $key;}mg;
	die "scan: expected one ssl_certificate and one ssl_certificate_key "
	    . "line, replaced $n\n" unless $n == 2;
	return $text;
    });
my $base = $t->base_url;
my $port = $t->port;
my @summary;
my $failed = 0;
sub say_summary { push @summary, @_; print "$_\n" for @_ }

# ---- demo credentials

my $api_key = 'scan-demo-key';
$t->psql("INSERT INTO api_clients (name, key_hash) VALUES ('scan', "
    . "sha256(convert_to('$api_key', 'UTF8')))");
my ($patient_email, $patient_password) = ('scan.patient@example.com',
    'scan-patient-password');
my $res = $t->request('POST', '/api/register/patient',
    headers => { 'x-api-key' => $api_key }, json => { name => 'Scan Patient',
    address => 'Jl. Scan 1', username => 'scanpatient',
    email => $patient_email, password => $patient_password });
die "scan: registering the demo patient failed: $res->{status} $res->{body}\n"
    unless $res->{status} == 201;
my $user_id = $res->{json}{data}{user}{id};
sub login {
	my $r = $t->request('POST', '/api/login/patient',
	    headers => { 'x-api-key' => $api_key },
	    json => { email => $patient_email, password => $patient_password });
	die "scan: demo login failed: $r->{status} $r->{body}\n"
	    unless $r->{status} == 200;
	return $r->{json}{data}{token};
}
my $bearer = login()->{access_token};
# A session of its own for the refresh route, whose replays must not touch
# the Bearer token's session.
my $refresh_token = login()->{refresh_token};
my $png = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
$res = $t->request('POST', '/api/avatar', headers => { 'x-api-key' => $api_key,
    Authorization => "Bearer $bearer" },
    json => { user_id => $user_id, file => $png, type => 'png' });
die "scan: uploading the demo avatar failed: $res->{status} $res->{body}\n"
    unless $res->{status} == 200;

# ---- 1. sqlmap

# A value sqlmap starts from for each parameter: one the route accepts, so
# that the first answer is the real one (200 where the data exists).
sub first_row { (split /\n/, $t->psql($_[0]))[0] // die "scan: no row: $_[0]\n" }
my %value = (
	data => 5, page => 1,
	speciality => first_row('SELECT slug FROM specialities ORDER BY id LIMIT 1'),
	hospital => first_row('SELECT slug FROM hospitals ORDER BY id LIMIT 1'),
	q => 'a',
	'/api/doctor/show slug' => first_row('SELECT slug FROM doctors ORDER BY id LIMIT 1'),
	'/api/hospital/show slug' => first_row('SELECT slug FROM hospitals ORDER BY id LIMIT 1'),
	'/api/article/show slug' => first_row(
	    "SELECT slug FROM articles WHERE status = 'published' ORDER BY id LIMIT 1"),
	doctor_has_hospital_id => first_row('SELECT min(id) FROM doctor_has_hospital'),
	date => first_row("SELECT to_char((now() AT TIME ZONE 'Asia/Jakarta')::date + 1, 'YYYY-MM-DD')"),
	appointment => 'online',
	'/api/login email' => $patient_email,
	'/api/login/patient email' => $patient_email,
	password => $patient_password,
	name => 'Scan Person', address => 'Jl. Scan 2',
	'/api/register email' => 'scan.fdelux@example.com',
	'/api/register/patient email' => 'scan.new@example.com',
	username => 'scannew',
	type => 'username',	# check-id's {type}; see the email variant below
	'/api/register/check-id/{type} username' => 'scanpatient',
	'/api/register/check-id/{type} email' => $patient_email,
	refresh_token => $refresh_token,
	role => 'patient', user_id => $user_id, gender => 'male',
	phone_number => '081234567890',
	'/api/update/{role} type' => 'ktp', no_type => '3201234567890123',
	'/api/avatar type' => 'png', file => $png,
	id => $user_id, 'If-None-Match' => '"00000000"',
);

# One sqlmap target per operation: { name, method, url, data, headers,
# points => [ "in:name", ... ] }, every parameter marked with "*".
sub targets_from_openapi {
	my $spec = LoadFile("$srcdir/docs/openapi.yaml");
	my (@targets, @none);
	for my $path (sort keys %{ $spec->{paths} }) {
		for my $method (sort keys %{ $spec->{paths}{$path} }) {
			my $op = $spec->{paths}{$path}{$method};
			next unless ref $op eq 'HASH' && $op->{responses};
			my @params = @{ $op->{parameters} // [] };
			my $schema = $op->{requestBody}
			    ? $op->{requestBody}{content}{'application/json'}{schema}
			    : undef;
			my @fields = sort keys %{ ($schema // {})->{properties} // {} };
			my $name = uc($method) . " $path";
			if (!@params && !@fields) {
				push @none, $name;
				next;
			}
			my $val = sub {
				my ($n) = @_;
				my $v = $value{"$path $n"} // $value{$n};
				die "scan: no value for parameter '$n' of $name: "
				    . "add one to %value in scripts/scan.pl\n"
				    unless defined $v;
				return $v;
			};
			my %sec = map { %$_ } @{ $op->{security} // [] };
			my %tg = (name => $name, method => uc $method,
			    headers => [], points => []);
			push @{ $tg{headers} }, "x-api-key: $api_key"
			    if $sec{apiKey};
			push @{ $tg{headers} }, "Authorization: Bearer $bearer"
			    if $sec{bearer};
			(my $url = $path) =~ s{\{(\w+)\}}{
			    push @{ $tg{points} }, "path:$1"; $val->($1) . '*' }ge;
			my @query;
			for my $p (@params) {
				if ($p->{in} eq 'query') {
					push @query, "$p->{name}=" . $val->($p->{name}) . '*';
					push @{ $tg{points} }, "query:$p->{name}";
				} elsif ($p->{in} eq 'header') {
					push @{ $tg{headers} },
					    "$p->{name}: " . $val->($p->{name}) . '*';
					push @{ $tg{points} }, "header:$p->{name}";
				} elsif ($p->{in} ne 'path') {
					die "scan: $name: parameters in '$p->{in}' "
					    . "are not handled\n";
				}
			}
			$tg{url} = $base . $url . (@query ? '?' . join('&', @query) : '');
			if (@fields) {
				# Numbers stay numbers: the payload follows the
				# digits, as sqlmap does with JSON it marks itself.
				$tg{data} = '{' . join(',', map {
				    my $v = $val->($_);
				    push @{ $tg{points} }, "body:$_";
				    $v =~ /^\d+$/ && $_ ne 'no_type' && $_ ne 'phone_number'
					? qq{"$_":$v*}
					: '"' . $_ . '":' . json_encode("$v") =~ s/"$/*"/r
				} @fields) . '}';
			}
			push @targets, \%tg;
		}
	}
	# check-id reads the query parameter named by {type}: the email
	# variant, so that ?email= is read and not ignored.
	my ($check) = grep { $_->{name} =~ m{check-id} } @targets;
	if ($check) {
		my %v = (%$check, name => "$check->{name} (type=email)");
		$v{url} = "$base/api/register/check-id/email?email="
		    . "$value{'/api/register/check-id/{type} email'}*";
		$v{points} = [ 'query:email' ];
		$check->{url} =~ s/&email=[^&]*//;
		$check->{points} = [ grep { $_ ne 'query:email' } @{ $check->{points} } ];
		push @targets, \%v;
	}
	if (defined $ENV{SQLMAP_ONLY}) {
		@targets = grep { $_->{name} =~ /$ENV{SQLMAP_ONLY}/ } @targets;
	}
	return (\@targets, \@none);
}

# The status of a target's request as sqlmap first sends it (the markers
# removed): the answer its payloads are compared with.
sub baseline_status {
	my ($tg) = @_;
	my %h = map { split /: /, $_, 2 } @{ $tg->{headers} };
	s/\*$// for values %h;
	$h{'Content-Type'} = 'application/json' if defined $tg->{data};
	(my $url = $tg->{url}) =~ s/\*//g;
	my $http = HTTP::Tiny->new(timeout => 30, verify_SSL => 0,
	    SSL_options => { SSL_verify_mode => SSL_VERIFY_NONE });
	my $r = $http->request($tg->{method}, $url, { headers => \%h,
	    defined $tg->{data} ? (content => $tg->{data} =~ s/\*//gr) : () });
	return $r->{status};
}

sub run_sqlmap {
	my ($tg, $dir) = @_;
	make_path($dir);
	my @cmd = (@nice, 'sqlmap', '--batch', '--disable-coloring',
	    "--level=$level", "--risk=$risk", '--dbms=PostgreSQL',
	    # Answers such as 401 (a payload in the token's place) or 429 are
	    # answers to compare, not reasons to stop.
	    '--ignore-code=401', '--skip-waf', '--timeout=30', '--retries=1',
	    "--output-dir=$dir", '--flush-session', '-u', $tg->{url},
	    '--method', $tg->{method});
	push @cmd, '--data', $tg->{data} if defined $tg->{data};
	push @cmd, '--headers', join("\n", @{ $tg->{headers} }) if @{ $tg->{headers} };
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		open STDIN, '<', '/dev/null';
		open STDOUT, '>', "$dir/stdout" or _exit(127);
		open STDERR, '>&', \*STDOUT or _exit(127);
		exec @cmd or _exit(127);
	}
	return $pid;
}

# What one sqlmap run found: { vulnerable => [..], clean => n, status }.
sub sqlmap_result {
	my ($dir) = @_;
	open my $fh, '<', "$dir/stdout" or return { status => 'no output' };
	local $/;
	my $out = <$fh>;
	my @vuln = $out =~ /parameter '([^']+)' is vulnerable/g;
	push @vuln, 'injection point(s) identified'
	    if !@vuln && $out =~ /identified the following injection point/;
	my $clean = () = $out =~ /does not seem to be injectable/g;
	my $all_clean = $out =~ /all tested parameters do not appear to be injectable/;
	my @critical = grep { !/all tested parameters do not appear/ }
	    $out =~ /^\[[\d:]+\] \[CRITICAL\] (.*)$/mg;
	return { vulnerable => \@vuln, clean => $clean, all_clean => $all_clean,
	    critical => \@critical };
}

if ($checks{sqlmap}) {
	my ($targets, $none) = targets_from_openapi();
	my $points = 0;
	$points += @{ $_->{points} } for @$targets;
	print "sqlmap: $points parameters in " . @$targets . " targets, level "
	    . "$level, risk $risk, $jobs at once\n";
	my $t0 = time;
	$_->{baseline} = baseline_status($_) for @$targets;
	my (%running, @queue);
	@queue = 0 .. $#$targets;
	while (@queue || %running) {
		while (@queue && keys %running < $jobs) {
			my $i = shift @queue;
			$running{ run_sqlmap($targets->[$i], "$work/sqlmap/$i") } = $i;
		}
		my $pid = wait;
		last if $pid < 0;
		my $i = delete $running{$pid} // next;
		$targets->[$i]{exit} = $? >> 8;
		printf "  done (%3d s): %s\n", time - $t0, $targets->[$i]{name};
	}
	my $secs = time - $t0;
	my ($vuln, $clean, $incomplete) = (0, 0, 0);
	my @rows;
	for my $i (0 .. $#$targets) {
		my $tg = $targets->[$i];
		my $r = sqlmap_result("$work/sqlmap/$i");
		my $n = @{ $tg->{points} };
		my $verdict;
		if (@{ $r->{vulnerable} // [] }) {
			$verdict = 'INJECTABLE: ' . join(', ', @{ $r->{vulnerable} });
			$vuln++;
		} elsif (($r->{clean} // 0) >= $n && !@{ $r->{critical} }) {
			$verdict = 'not injectable';
			$clean += $n;
		} else {
			$verdict = sprintf 'INCOMPLETE (%d of %d reported; %s)',
			    $r->{clean} // 0, $n,
			    join('; ', @{ $r->{critical} // [] }) || 'see sqlmap output';
			$incomplete++;
		}
		push @rows, sprintf '| %s | %s | %s | %s |', $tg->{name},
		    join(', ', @{ $tg->{points} }), $tg->{baseline}, $verdict;
	}
	say_summary('', "## sqlmap (level $level, risk $risk, --dbms=PostgreSQL, "
	    . sprintf('%d s)', $secs), '',
	    '| operation | parameters | status without payload | result |',
	    '|---|---|---|---|', @rows, '',
	    "Operations without parameters (nothing to inject): @$none", '',
	    sprintf('sqlmap: %d parameters of %d targets; not injectable: %d; '
	    . 'targets with an injection: %d; incomplete targets: %d',
	    $points, scalar @$targets, $clean, $vuln, $incomplete));
	$failed = 1 if $vuln || $incomplete;
}

# ---- 2. testssl.sh

if ($checks{testssl}) {
	my $json = "$work/testssl.json";
	my $t0 = time;
	my $rc = run_quiet("$work/testssl.out", @nice, 'testssl', '--quiet',
	    '--color', '0', '--warnings', 'off', '--nodns', 'none',
	    '--ip', '127.0.0.1', '--add-ca', $ca, '--jsonfile', $json,
	    "https://localhost:$port");
	my $secs = time - $t0;
	my $findings = eval {
		open my $fh, '<', $json or die "$json: $!";
		local $/;
		JSON::PP->new->decode(scalar <$fh>);
	};
	if (ref $findings ne 'ARRAY' || !@$findings) {
		say_summary('', '## testssl.sh', '',
		    "testssl.sh produced no findings (exit $rc): see its output");
		print `tail -20 $work/testssl.out`;
		$failed = 1;
	} else {
		my %count;
		$count{ $_->{severity} }++ for @$findings;
		my @shown = grep { $_->{severity} =~ /^(?:LOW|MEDIUM|HIGH|CRITICAL|WARN|FATAL)$/ }
		    @$findings;
		my %by_id = map { $_->{id} => $_ } @$findings;
		my @serious = grep { $_->{severity} =~ /^(?:HIGH|CRITICAL)$/ } @$findings;
		# A finding accepted on purpose, only while its premise holds
		# (checked here on the same run's findings); STRICT=1 counts it.
		# cipher_order: the block follows Mozilla's "intermediate"
		# profile, ssl_prefer_server_ciphers off, because every cipher
		# it offers is a forward-secret AEAD one, so the client's pick
		# (ChaCha20 on phones without AES hardware) is never a weak one.
		my %accepted = (cipher_order => sub {
		    !grep { ($by_id{"cipherlist_$_"}{finding} // '') ne 'not offered' }
			qw(NULL aNULL EXPORT LOW 3DES_IDEA AVERAGE)
		    and ($by_id{PFS_ciphers}{finding} // '') ne ''
		    and !grep { !/GCM|CHACHA20|POLY1305/ }
			split ' ', $by_id{PFS_ciphers}{finding} });
		my %why = (cipher_order => 'accepted: ssl_prefer_server_ciphers '
		    . 'off (Mozilla intermediate); every offered cipher is ECDHE '
		    . '+ AEAD and nothing weaker is offered (checked in this run)');
		for my $f (@serious) {
			my $ok = $accepted{ $f->{id} };
			$f->{accepted} = 1 if $ok && $ok->() && !$ENV{STRICT};
		}
		my @accepted = grep { $_->{accepted} } @serious;
		@serious = grep { !$_->{accepted} } @serious;
		say_summary('', sprintf('## testssl.sh (%d s; exit %d)', $secs, $rc), '',
		    'Findings by severity: ' . join(', ', map { "$_ $count{$_}" }
		    grep { $count{$_} } qw(CRITICAL HIGH MEDIUM LOW WARN FATAL OK INFO)),
		    '', '| severity | id | finding |', '|---|---|---|',
		    (map { "| $_->{severity} | $_->{id} | $_->{finding}"
			. ($_->{accepted} ? " ($why{$_->{id}})" : '') . ' |' }
		    sort { $a->{severity} cmp $b->{severity} } @shown),
		    @shown ? () : '| - | - | nothing above INFO |', '',
		    sprintf('testssl.sh: %d HIGH/CRITICAL finding(s) failing the '
		    . 'scan, %d accepted', scalar @serious, scalar @accepted));
		$failed = 1 if @serious;
	}
}

# ---- 3. slowhttptest

# A normal client on 127.0.0.2: a new TLS connection for every GET
# /api/speciality, one after the other, until $secs pass; returns the
# latencies (ms) of the 200s and the number of other outcomes.
sub normal_client {
	my ($secs) = @_;
	my $out = "$work/client.$$." . int(rand 1e9);
	my $pid = fork // die "fork: $!";
	if (!$pid) {
		my $http = HTTP::Tiny->new(agent => 'cexup-scan/1', keep_alive => 0,
		    timeout => 10, local_address => '127.0.0.2', verify_SSL => 0,
		    SSL_options => { SSL_verify_mode => SSL_VERIFY_NONE,
			SSL_hostname => 'localhost' });
		open my $fh, '>', $out or _exit(1);
		my $end = time + $secs;
		while (time < $end) {
			my $t0 = time;
			my $r = $http->get("$base/api/speciality",
			    { headers => { 'x-api-key' => $api_key } });
			printf {$fh} "%d %.3f\n", $r->{status}, 1000 * (time - $t0);
			sleep 0.05;
		}
		close $fh;
		_exit(0);
	}
	return ($pid, $out);
}

sub client_figures {
	my ($out) = @_;
	open my $fh, '<', $out or return {};
	my (@ms, %other);
	while (<$fh>) {
		my ($status, $ms) = split;
		if ($status == 200) { push @ms, $ms } else { $other{$status}++ }
	}
	@ms = sort { $a <=> $b } @ms;
	my $pct = sub { @ms ? $ms[int($_[0] / 100 * $#ms + 0.5)] : undef };
	return { n => scalar @ms, p50 => $pct->(50), p99 => $pct->(99),
	    max => $ms[-1], other => join(', ', map { "$_: $other{$_}" }
		sort keys %other) || 'none' };
}

# slowhttptest's own CSV: seconds, closed, pending, connected, service
# available (its probe connection).
sub slow_figures {
	my ($prefix) = @_;
	open my $fh, '<', "$prefix.csv" or return {};
	my ($max_connected, $unavailable) = (0, 0);
	while (<$fh>) {
		my @f = split /,/;
		next unless @f >= 5 && $f[0] =~ /^\d+$/;
		$max_connected = $f[3] if $f[3] > $max_connected;
		$unavailable++ if $f[4] =~ /^\s*0/;
	}
	return { connected => $max_connected, unavailable => $unavailable };
}

if ($checks{slow}) {
	my @rows;
	my ($pid, $out) = normal_client($baseline_secs);
	waitpid $pid, 0;
	my $before = client_figures($out);
	my $fmt = sub { defined $_[0] ? sprintf('%.1f ms', $_[0]) : '-' };
	push @rows, sprintf '| none (before) | - | - | %d | %s | %s | %s | %s |',
	    $before->{n}, $fmt->($before->{p50}), $fmt->($before->{p99}),
	    $fmt->($before->{max}), $before->{other};
	for my $attack ([ 'slowloris (-H)', '-H', 'GET', '/api/speciality' ],
	    [ 'slow body (-B)', '-B', 'POST', '/api/doctor' ]) {
		my ($label, $flag, $verb, $path) = @$attack;
		my $prefix = "$work/slow$flag";
		my $spid = fork // die "fork: $!";
		if (!$spid) {
			open STDOUT, '>', "$prefix.out" or _exit(127);
			open STDERR, '>&', \*STDOUT or _exit(127);
			# -i 10: a header line or body chunk every 10 s, well
			# inside nginx's 60 s client timeouts; -r: connections
			# opened per second; -p: its probe's timeout.
			exec @nice, 'slowhttptest', $flag, '-c', $slow_conns,
			    '-r', 250, '-i', 10, '-s', 8192, '-x', 24, '-p', 3,
			    '-l', $slow_secs, '-t', $verb, '-u', "$base$path",
			    '-g', '-o', $prefix or _exit(127);
		}
		# Let the connections open before the client starts timing.
		sleep 3;
		my ($cpid, $cout) = normal_client($slow_secs - 5);
		waitpid $cpid, 0;
		waitpid $spid, 0;
		my $rc = $? >> 8;
		my $during = client_figures($cout);
		my $s = slow_figures($prefix);
		push @rows, sprintf '| %s | %s | %s | %d | %s | %s | %s | %s |',
		    $label, $s->{connected} // '?', $s->{unavailable} // '?',
		    $during->{n}, $fmt->($during->{p50}), $fmt->($during->{p99}),
		    $fmt->($during->{max}), $during->{other};
		$failed = 1 if $rc != 0 || !defined $s->{connected};
		# Its last lines say why it ended ("Hit test time limit").
		(my $end = `tail -4 $prefix.out`) =~ s/\e\[[0-9;]*[A-Za-z]//g;
		print $end;
		# The attack's connections close with it; let nginx settle.
		$t->wait_until(15, sub {
		    ($t->request('GET', '/api/health')->{status} // 0) == 200 });
	}
	say_summary('', "## slowhttptest ($slow_conns connections, ${slow_secs} s "
	    . 'each, from 127.0.0.1; normal client on 127.0.0.2)', '',
	    '| attack | attack connections (max open) | s slowhttptest saw the '
	    . 'service unavailable | client requests (200) | p50 | p99 | max '
	    . '| other outcomes |', '|---|---|---|---|---|---|---|---|', @rows);
}

if ($ENV{KEEP}) {
	make_path($ENV{KEEP});
	system('cp', '-a', "$work/.", $ENV{KEEP});
	print "raw output kept in $ENV{KEEP}\n";
}
my $log_errors = () = $t->server_log =~ /\b(?:crit|alert|emerg)\b/g;
$t->stop;
say_summary('', "server log lines at crit/alert/emerg: $log_errors",
    $failed ? 'RESULT: FAILED (see above)' : 'RESULT: passed');
if ($ENV{SUMMARY}) {
	open my $fh, '>', $ENV{SUMMARY} or die "$ENV{SUMMARY}: $!";
	print {$fh} "$_\n" for @summary;
}
exit($failed ? 1 : 0);
