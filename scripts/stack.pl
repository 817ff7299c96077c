#!/usr/bin/perl
# scripts/stack.pl - the demo stack for scripts/start.sh: a private
# PostgreSQL cluster with demo data, the worker pool and nginx with the
# shipped server block, all in one temporary directory that is removed on
# exit.  Uses the same harness as the integration tests.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib";
use CexupTest;

my $port = $ENV{PORT} // 8443;
my $t = CexupTest->new(tap => 0, port => $port, demo => 1,
    config => { workers => $ENV{WORKERS} // 4, max_requests => 10000,
	lockout_threshold => 5 });
my $base = $t->base_url;
my $bin = $ENV{CEXUP_BIN};
my $conf = $t->config_file;

# A patient to log in as.
$t->request('POST', '/api/register', json => { name => 'Demo Patient',
    email => 'demo@cexup.example', password => 'demo-password' });

# An API key for a demo client app, when this build has the command.
my $key = `"$bin" -c "$conf" apikey create demo-app 2>/dev/null`;
chomp $key;
$key = (split /\n/, $key)[-1] // '' if $key;

my $keyhdr = $key ? " -H 'x-api-key: $key'" : '';
print <<"EOT";

cexup-api is running: nginx https://127.0.0.1:$port (self-signed), FastCGI
workers, PostgreSQL with demo data.  Everything lives in @{[ $t->tmpdir ]}
and is removed when you press Ctrl-C.

Try it (-k: the certificate is self-signed):

  curl -k $base/api/health
  curl -k $base/api/register -H 'Content-Type: application/json' \\
       -d '{"name":"Lebowski","email":"dude\@example.com","password":"password123"}'
  curl -k $base/api/login -H 'Content-Type: application/json' \\
       -d '{"email":"demo\@cexup.example","password":"demo-password"}'
EOT
if ($key) {
	print <<"EOT";

Cexup routes need the demo app's API key: $key

  curl -k $base/api/login/patient$keyhdr -H 'Content-Type: application/json' \\
       -d '{"email":"demo\@cexup.example","password":"demo-password"}'
  curl -k '$base/api/register/check-id/email?email=demo\@cexup.example' -X POST$keyhdr
  curl -k $base/api/doctor$keyhdr -H 'Content-Type: application/json' -d '{"data":5,"page":1}'
  curl -k $base/api/speciality$keyhdr
EOT
}
my $extra = "$FindBin::Bin/../sql/demo/README.curl";
if (-r $extra) {
	open my $fh, '<', $extra or die;
	local $/;
	my $text = <$fh>;
	$text =~ s/\{BASE\}/$base/g;
	$text =~ s/\{KEYHDR\}/$keyhdr/g;
	print "\n$text";
}
print "\nServer log: @{[ $t->tmpdir ]}/server.log   Press Ctrl-C to stop.\n";

my $stop = 0;
$SIG{INT} = $SIG{TERM} = $SIG{HUP} = sub { $stop = 1 };
# STACK_SECONDS: stop by itself (used by the test of this script).
my $deadline = $ENV{STACK_SECONDS} ? time + $ENV{STACK_SECONDS} : 0;
while (!$stop && $t->master_alive) {
	last if $deadline && time >= $deadline;
	sleep 1;
}
print "\nstopping...\n";
$t->stop;
print "stopped and cleaned up.\n";
