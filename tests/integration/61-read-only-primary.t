# A primary that turns read-only under a worker's feet (what a demoted
# Patroni primary looks like to a connection that survives): the write
# fails with SQLSTATE 25006, which must answer 503 with Retry-After, never
# 500, and drop the connection; target_session_attrs=read-write then
# refuses the read-only server until it takes writes again, and service
# resumes without a restart.
use strict;
use warnings;
use Test::More;
use CexupTest;

my $t = CexupTest->new(config => { workers => 1, auth_workers => 1,
    database_url => 'host=%PGHOST% port=%PGPORT% dbname=cexup user=cexup '
    . 'target_session_attrs=read-write' });
my (undef, undef, $res) = $t->register_user;
is($res->{status}, 201, 'a registration succeeds on the primary');

# A reload reaches the sessions already open: the workers' connections
# stay up but every write now fails with 25006.
$t->psql('ALTER SYSTEM SET default_transaction_read_only = on', 'postgres');
$t->psql('SELECT pg_reload_conf()', 'postgres');
sleep 1;
my $at = length $t->server_log;
for my $i (1 .. 3) {
	(undef, undef, $res) = $t->register_user;
	$t->expect_error($res, 503, 'Service temporarily unavailable.', undef,
	    retry_after => 1,
	    name => "read-only server: registration $i is 503 JSON");
}
like(substr($t->server_log, $at),
    qr/database server unavailable \(read-only or shutting down\)/,
    'the worker dropped the connection that answered 25006');
unlike(substr($t->server_log, $at), qr/status=500/, 'no 500 was logged');

$t->psql('ALTER SYSTEM RESET default_transaction_read_only', 'postgres');
$t->psql('SELECT pg_reload_conf()', 'postgres');
my $back = $t->wait_until(10, sub {
    (undef, undef, my $r) = $t->register_user; $r->{status} == 201 });
ok($back, 'writable again: registrations succeed without a restart');
$t->stop;
done_testing();
