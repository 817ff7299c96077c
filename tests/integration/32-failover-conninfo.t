# PostgreSQL failover through libpq's multi-host connection strings: the
# first host is gone, libpq moves on to the next one that accepts writes
# (target_session_attrs=read-write), and the server works normally.
use strict;
use warnings;
use Test::More;
use CexupTest;

my $url = 'host=/nonexistent-primary,%PGHOST% port=5432,%PGPORT% '
    . 'dbname=cexup user=cexup target_session_attrs=read-write';
my $t = CexupTest->new(config => { database_url => $url });
like($t->config_value('database_url'), qr/^host=\/nonexistent-primary,/,
    'the server runs with a two-host connection string');
is($t->request('GET', '/api/ready')->{status}, 200,
    'ready: connected to the second host');
my ($email, $password, $res) = $t->register_user;
is($res->{status}, 201, 'a write (registration) succeeds');
is($t->request('POST', '/api/login', json => { email => $email,
    password => $password })->{status}, 200, 'a login succeeds');

# The same string in URI form.
my $t2 = CexupTest->new(config => { database_url =>
    'postgresql://cexup@/cexup?host=/nonexistent-primary,%PGHOST%'
    . '&port=5432,%PGPORT%&target_session_attrs=read-write' });
is($t2->request('GET', '/api/ready')->{status}, 200,
    'URI form with two hosts works too');
$t2->stop;
$t->stop;
done_testing();
