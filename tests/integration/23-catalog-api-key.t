# Every catalog route needs the x-api-key of a client app (docs/API.md §3):
# missing, unknown or revoked keys are 401, before anything else about the
# request is looked at (§9).
use strict;
use warnings;

use Test::More;
use CexupTest;

my $t = CexupTest->new(demo => 1);
my $KEY = 'catalog-key-test-key';
$t->psql("INSERT INTO api_clients (name, key_hash) VALUES ('test', "
    . "sha256(convert_to('$KEY', 'UTF8')))");
$t->psql("INSERT INTO api_clients (name, key_hash, revoked_at) VALUES "
    . "('old', sha256(convert_to('revoked-key', 'UTF8')), now())");

my @UNAUTHORIZED = ('Invalid API key.',
    'Send the x-api-key header issued to your app.');
my $dhh = $t->psql('SELECT min(id) FROM doctor_has_hospital');
my %query = (
	'/api/doctor'			=> 'data=5',
	'/api/speciality'		=> 'data=5',
	'/api/doctor/show'		=> 'slug=siti-rahmawati',
	'/api/article'			=> 'page=1',
	'/api/article/show'		=> 'slug=know-the-signs-of-stroke',
	'/api/hospital'			=> 'page=1',
	'/api/hospital/show'		=> 'slug=rs-harapan-sehat-jakarta',
	'/api/doctor/get-time-list'	=> "doctor_has_hospital_id=$dhh",
);

for my $path (sort keys %query) {
	my %body = map { split /=/ } $query{$path};
	my @variants = (
		[ 'GET', "$path?$query{$path}" ],
		[ 'POST', $path, json => \%body ],
	);
	for my $v (@variants) {
		my ($method, $url, @o) = @$v;
		my $res = $t->request($method, $url, @o,
		    headers => { 'x-api-key' => $KEY });
		is($res->{status}, 200, "$method $path with the key is 200");
		$t->expect_error($t->request($method, $url, @o), 401,
		    @UNAUTHORIZED, name => "$method $path without a key is 401");
		for my $bad ('', 'wrong-key', 'revoked-key', 'x' x 300) {
			$t->expect_error($t->request($method, $url, @o,
			    headers => { 'x-api-key' => $bad }), 401,
			    @UNAUTHORIZED, name => "$method $path with key '"
			    . substr($bad, 0, 12) . "' is 401");
		}
	}
	# The key is checked before the body and its fields.
	$t->expect_error($t->request('POST', $path, body => '[oops',
	    headers => { 'Content-Type' => 'application/json' }), 401,
	    @UNAUTHORIZED, name => "POST $path with a bad body and no key: 401");
	$t->expect_error($t->request('GET', "$path?data=0&page=x&slug="), 401,
	    @UNAUTHORIZED, name => "GET $path with bad fields and no key: 401");
	# Methods other than GET and POST: 405 naming both.
	my $res = $t->request('PUT', $path, headers => { 'x-api-key' => $KEY });
	is($res->{status}, 405, "PUT $path is 405");
	is($res->{headers}{allow}, 'GET, POST', '... Allow: GET, POST');
}

$t->stop;
done_testing();
