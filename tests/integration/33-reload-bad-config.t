# A reload with a broken configuration or key file keeps the running
# configuration and workers: an operator's typo must not take a node down.
use strict;
use warnings;
use Test::More;
use Time::HiRes qw(sleep);
use CexupTest;

my $t = CexupTest->new(config => { workers => 2 });
my ($email, $password) = $t->register_user;
my $keys = $t->config_value('jwt_keys_file');
my @before = $t->worker_pids;

# 1. A key file that no longer parses.
open my $fh, '>>', $keys or die;
print $fh "broken-line-without-secret\n";
close $fh;
ok($t->signal_master('HUP'), 'SIGHUP with a broken key file');
ok($t->wait_until(5, sub { $t->server_log =~ /keeping the running configuration/ }),
    'the master says it keeps the running configuration');
sleep 0.5;
ok($t->master_alive, 'the master is still running');
is_deeply([ $t->worker_pids ], \@before, 'the workers were not replaced');
is($t->request('POST', '/api/login', json => { email => $email,
    password => $password })->{status}, 200, 'logins still work');

# 2. A configuration file with an unknown key.
open $fh, '>>', $t->config_file or die;
print $fh "wokers = 3\n";
close $fh;
my $log_lines = () = $t->server_log =~ /keeping the running configuration/g;
$t->signal_master('HUP');
ok($t->wait_until(5, sub { my $n = () = $t->server_log =~
    /keeping the running configuration/g; $n > $log_lines }),
    'a typo in the configuration is refused too');
ok($t->master_alive, 'the master is still running');
is($t->request('GET', '/api/ready')->{status}, 200, 'still ready');
$t->stop;
done_testing();
