#!/usr/bin/perl
# bench/doctor_search.pl - the doctor list's name search (q) on the scale
# data set (bench/load_scale_data.sql), in three parts, same run:
#
#  1. PostgreSQL alone: each statement for a q shorter than a trigram,
#     as it was before sql/005 (doctor_search read in full) and as it is
#     now (doctor_search_pieces; a filter's rows tested by strpos), both
#     prepared in one session, median EXPLAIN ANALYZE execution time of
#     REPEAT runs after the plan cache has settled; the answers of both are
#     compared (the bench dies when they differ).
#  2. Through nginx (TLS) with wrk: unfiltered list pages, q of three or
#     more letters, q of one letter, of two letters, and short q with a
#     speciality or a hospital (bench/wrk/catalog_doctor_search.lua).
#  3. The catalog rebuild a doctor UPDATE triggers (of a title, and a
#     rename), with doctor_list_refill() as sql/004 defined it and as
#     sql/005 redefines it, alternated.
#
# Run through bench/run-doctor-search.sh (builds first).  Environment:
# CEXUP_BIN, CEXUP_SRCDIR, DURATION (default 15), CONNECTIONS (default 16),
# THREADS (default 2), WARMUP (default 3), WORKERS (default: two per core,
# as bench/catalog.pl explains), REPEAT (default 21), REBUILDS (default 3:
# rounds of part 3).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/../tests/lib", "$FindBin::Bin/lib";
use WrkResult qw(parse_wrk);
use CexupTest;

my $duration = $ENV{DURATION} // 15;
my $warmup = $ENV{WARMUP} // 3;
my $conns = $ENV{CONNECTIONS} // 16;
my $threads = $ENV{THREADS} // 2;
my $repeat = $ENV{REPEAT} // 21;
my $rebuilds = $ENV{REBUILDS} // 3;
my $srcdir = $ENV{CEXUP_SRCDIR} // "$FindBin::Bin/..";
my $cores = `nproc`;
chomp $cores;

my $t = CexupTest->new(tap => 0,
    config => { workers => $ENV{WORKERS} // 2 * $cores, max_requests => 0,
	hash_slots => 1 });
my $base = $t->base_url;

# psql on a script; its output (tuples only, unaligned).
sub psql_script {
	my ($text) = @_;
	my $file = "$t->{tmp}/bench-script.sql";
	open my $fh, '>', $file or die "$file: $!";
	print {$fh} $text;
	close $fh;
	my ($rc, $out) = $t->_run(undef, 'psql', '-X', '-q', '-A', '-t', '-v',
	    'ON_ERROR_STOP=1', '-h', $t->{pg_sockdir}, '-p', $t->{pg_port},
	    '-U', 'postgres', '-d', 'cexup', '-f', $file);
	die "bench: psql failed:\n$out" if $rc;
	return $out;
}

sub median {
	my @v = sort { $a <=> $b } @_;
	return @v ? $v[$#v / 2] : 'n/a';
}

my $t0 = time;
psql_script("\\i $FindBin::Bin/load_scale_data.sql\n");
my $load_seconds = time - $t0;

my $key = 'bench-search-key';
$t->psql("INSERT INTO api_clients (name, key_hash) VALUES ('bench', "
    . "sha256(convert_to('$key', 'UTF8')))");
$ENV{CEXUP_KEY} = $key;

# ---- 1: the statements in PostgreSQL
my $cols = 't.total, p.doctor_id, p.slug, p.name, p.title, p.photo_url,'
    . ' p.years_of_practice, p.speciality_id, p.speciality_slug,'
    . ' p.speciality_name';
my $matching_tail = " SELECT $cols FROM (SELECT count(*) AS total FROM m) t"
    . ' LEFT JOIN LATERAL (SELECT * FROM (SELECT * FROM m  WHERE t.total >'
    . ' $2::bigint ORDER BY m.position  LIMIT 100 OFFSET $2::bigint) pg '
    . ' LIMIT $1::bigint) p ON true ORDER BY p.position';
my $by_spec = 'l.speciality_id = (SELECT id FROM specialities WHERE slug ='
    . ' $3)';
my $by_hosp = sub { 'l.doctor_id IN (SELECT dh.doctor_id FROM'
    . ' doctor_has_hospital dh JOIN hospitals h ON h.id = dh.hospital_id'
    . " WHERE h.slug = \$$_[0])" };
my $matching = sub { 'WITH m AS MATERIALIZED (SELECT l.* FROM doctor_list l'
    . " WHERE $_[0])$matching_tail" };
# Before sql/005 (src/api/doctor.c at be08765): q as a LIKE pattern,
# doctor_search read in full ("|| ''" kept the trigram index out).
my $old_name = sub { 'l.position IN (SELECT position FROM doctor_search'
    . " WHERE (name_lower || '') LIKE lower(\$$_[0]))" };
# Now: q itself; these must be the very texts the binary prepares.
my $new_name = sub { "strpos(lower(l.name), lower(\$$_[0])) > 0" };
my %stmt = (
	old_q1 => 'WITH m AS MATERIALIZED (SELECT position FROM doctor_search '
	    . " WHERE (name_lower || '') LIKE lower(\$3)) SELECT $cols FROM"
	    . ' (SELECT count(*) AS total FROM m) t LEFT JOIN LATERAL (SELECT'
	    . ' l.* FROM (SELECT * FROM  (SELECT m.position FROM m WHERE'
	    . ' t.total > $2::bigint  ORDER BY m.position LIMIT 100  OFFSET'
	    . ' $2::bigint) x LIMIT $1::bigint) pg  JOIN doctor_list l ON'
	    . ' l.position = pg.position) p ON true ORDER BY p.position',
	old_sq1 => $matching->("$by_spec AND " . $old_name->(4)),
	old_hq1 => $matching->($by_hosp->(3) . ' AND ' . $old_name->(4)),
	old_shq1 => $matching->("$by_spec AND " . $by_hosp->(4) . ' AND '
	    . $old_name->(5)),
	new_q1 => "SELECT $cols FROM (SELECT coalesce(cardinality("
	    . 'ps.positions), 0) AS total,  ps.positions FROM (SELECT 1) one '
	    . ' LEFT JOIN doctor_search_pieces ps ON ps.piece = lower($3)) t'
	    . ' LEFT JOIN LATERAL (SELECT l.* FROM unnest(t.positions  [($2::'
	    . 'bigint + 1)::integer : ($2::bigint + $1::bigint)::integer])  pos'
	    . ' JOIN doctor_list l ON l.position = pos  WHERE t.total >'
	    . ' $2::bigint) p ON true ORDER BY p.position',
	new_sq1 => $matching->("$by_spec AND " . $new_name->(4)),
	new_hq1 => $matching->($by_hosp->(3) . ' AND ' . $new_name->(4)),
	new_shq1 => $matching->("$by_spec AND " . $by_hosp->(4) . ' AND '
	    . $new_name->(5)),
);
{
	open my $fh, '<:raw', $ENV{CEXUP_BIN} or die "$ENV{CEXUP_BIN}: $!";
	local $/;
	my $bin = <$fh>;
	for (grep { /^new_/ } sort keys %stmt) {
		die "bench: statement $_ is not in $ENV{CEXUP_BIN}: update "
		    . "bench/doctor_search.pl to src/api/doctor.c\n"
		    if index($bin, $stmt{$_}) < 0;
	}
}
my $nparams = { q1 => 3, sq1 => 4, hq1 => 4, shq1 => 5 };
# [label, statement, limit, offset, q, speciality or hospital ...]
my @cases = (
	["'a' (19,610 matches), page 1", 'q1', 10, 0, 'a'],
	["'a', page 1961 (the last)", 'q1', 10, 19600, 'a'],
	["'a', past the end", 'q1', 10, 20000, 'a'],
	["'e' (8,110), page 3", 'q1', 10, 20, 'e'],
	["'v' (500, rare), page 1", 'q1', 10, 0, 'v'],
	["'q' (no match)", 'q1', 10, 0, 'q'],
	["'an' (10,700), page 1", 'q1', 10, 0, 'an'],
	["'RI' (5,380), page 500", 'q1', 10, 4990, 'RI'],
	["'zk' (500, rare), page 2", 'q1', 10, 10, 'zk'],
	["'a' + speciality (800 doctors), page 1", 'sq1', 10, 0, 'a',
	    'speciality-3'],
	["'a' + speciality, page 78 (deep)", 'sq1', 10, 770, 'a',
	    'speciality-3'],
	["'ri' + speciality, page 1", 'sq1', 10, 0, 'ri', 'speciality-3'],
	["'a' + hospital (20 doctors)", 'hq1', 10, 0, 'a', 'hospital-17'],
	["'ri' + hospital", 'hq1', 10, 0, 'ri', 'hospital-17'],
	["'a' + speciality + hospital", 'shq1', 10, 0, 'a', 'speciality-3',
	    'hospital-17'],
);
sub sql_lit { my $s = shift; $s =~ s/'/''/g; "'$s'" }
my $script = '';
for my $name (sort keys %stmt) {
	my ($kind) = $name =~ /_(\w+)$/;
	$script .= "PREPARE $name(" . join(',', ('text') x $nparams->{$kind})
	    . ") AS $stmt{$name};\n";
}
for my $i (0 .. $#cases) {
	my ($label, $kind, $limit, $offset, $q, @filters) = @{ $cases[$i] };
	for my $version (qw(old new)) {
		my $qp = $version eq 'old' ? "%$q%" : $q;
		my $args = join ', ', map { sql_lit($_) } $limit, $offset,
		    @filters, $qp;
		my $exec = "EXECUTE ${version}_$kind($args);\n";
		# Six runs: the plan cache's choice is made by the sixth.
		$script .= "\\o /dev/null\n" . ($exec x 6) . "\\o\n"
		    . "\\echo '\@\@rows $i $version'\n$exec"
		    . "\\echo '\@\@times $i $version'\n"
		    . ("EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF) $exec"
		    x $repeat);
	}
}
$script .= "\\echo '\@\@end'\n";
my $out = psql_script($script);
my (%rows, %times);
while ($out =~ /^\@\@(rows|times) (\d+) (\w+)\n(.*?)(?=^\@\@)/msg) {
	my ($what, $i, $version, $text) = ($1, $2, $3, $4);
	if ($what eq 'rows') {
		$rows{$i}{$version} = $text;
	} else {
		$times{$i}{$version} = median($text =~
		    /Execution Time: ([\d.]+) ms/g);
	}
}
for my $i (0 .. $#cases) {
	die "bench: case '$cases[$i][0]': old and new answers differ:\n"
	    . "old:\n$rows{$i}{old}\nnew:\n$rows{$i}{new}"
	    if ($rows{$i}{old} // 'x') ne ($rows{$i}{new} // 'y');
}
my ($pieces_rows, $pieces_size) = split /\|/, $t->psql('SELECT count(*), '
    . "pg_size_pretty(pg_total_relation_size('doctor_search_pieces')) "
    . 'FROM doctor_search_pieces');

# ---- 2: through nginx
# The machine is shared: the load average before each run goes with its
# figures.
sub loadavg {
	open my $fh, '<', '/proc/loadavg' or return 'n/a';
	my ($one) = split ' ', scalar <$fh>;
	return $one;
}
my %load;
sub wrk_run {
	my ($search) = @_;
	local $ENV{SEARCH} = $search;
	$load{$search} = loadavg();
	my $s = "'$FindBin::Bin/wrk/catalog_doctor_search.lua'";
	`wrk -t$threads -c$conns -d${warmup}s -s $s '$base/api/doctor' 2>&1`
	    if $warmup > 0;
	my $cmd = "wrk -t$threads -c$conns -d${duration}s --latency -s $s "
	    . "'$base/api/doctor' 2>&1";
	my $out = `$cmd`;
	return parse_wrk($out);
}
my @runs = (
	['unfiltered list, random page', 'list'],
	['q of 3+ letters (trigram index), pages 1-3', 'long'],
	['q of one letter or digit', 'one'],
	['q of two letters', 'two'],
	['q of 1-2 letters with a speciality or a hospital', 'filtered'],
);
my %result;
$result{ $_->[1] } = wrk_run($_->[1]) for @runs;
my $workers = scalar $t->worker_pids;
my %odd;
for (split /\n/, $t->nginx_access_log) {
	my ($status) = m{"\w+ \S+ \S+" (\d{3}) } or next;
	$odd{$status}++ if $status ne '200';
}

# ---- 3: the rebuild a doctor UPDATE triggers, sql/004's and sql/005's
sub refill_of {
	my ($file) = @_;
	open my $fh, '<', "$srcdir/sql/$file" or die "$srcdir/sql/$file: $!";
	local $/;
	my $text = <$fh>;
	my ($f) = $text =~ /^(CREATE[ ](?:OR[ ]REPLACE[ ])?FUNCTION\s+
	    doctor_list_refill\(\).*?^END[ ]\$\$;)/msx
	    or die "bench: no doctor_list_refill() in $file\n";
	$f =~ s/^CREATE FUNCTION/CREATE OR REPLACE FUNCTION/;
	return $f;
}
my %refill = ('004' => refill_of('004_doctor_list.sql'),
    '005' => refill_of('005_doctor_search_pieces.sql'));
# A title changes no name; a rename (toggled) moves names in list order.
my %update = (title => 'UPDATE doctors SET title = title WHERE id = 1;',
    rename => "UPDATE doctors SET name = CASE WHEN name LIKE '% (renamed)' "
    . "THEN left(name, -10) ELSE name || ' (renamed)' END WHERE id = 1;");
my %rebuild;
for my $round (1 .. $rebuilds) {
	for my $v (qw(004 005)) {
		for my $kind (sort keys %update) {
			my $o = psql_script("$refill{$v}\n\\timing on\n"
			    . ("$update{$kind}\n" x 2));
			push @{ $rebuild{$kind}{$v} },
			    $o =~ /^Time: ([\d.]+) ms/mg;
		}
	}
}
# sql/005's refill is in place again (the last installed); the pieces as
# its rebuild makes them (sql/004's renames left them behind).
psql_script("SELECT doctor_search_refill();\n");
$t->stop;

printf "machine: %d cores; %d workers; wrk -t%d -c%d -d%ds over TLS, "
    . "keep-alive\n", $cores, $workers, $threads, $conns, $duration;
printf "data: loaded in %ds; doctor_search_pieces: %s rows, %s\n\n",
    $load_seconds, $pieces_rows, $pieces_size;
print "PostgreSQL alone, median of $repeat EXPLAIN ANALYZE runs (ms); the "
    . "answers of both are the same:\n\n";
print "| q, filter, page | before (doctor_search in full) | after |\n";
print "|---|---|---|\n";
printf "| %s | %.3f | %.3f |\n", $cases[$_][0], $times{$_}{old},
    $times{$_}{new} for 0 .. $#cases;
print "\nThrough nginx:\n\n";
print "| workload | requests | req/s | p50 | p99 | non-2xx | load before |\n";
print "|---|---|---|---|---|---|---|\n";
for my $run (@runs) {
	my $r = $result{ $run->[1] };
	printf "| %s | %d | %.0f | %s | %s | %d | %s |\n", $run->[0],
	    $r->{requests}, $r->{rps}, $r->{p50}, $r->{p99}, $r->{non2xx},
	    $load{ $run->[1] };
}
print "\nresponses other than 200: ", (%odd ? join(', ', map {
    "$_ x$odd{$_}" } sort keys %odd) : 'none'), "\n";
print "\nrebuild a doctor UPDATE triggers (ms; median of "
    . 2 * $rebuilds . ", sql/004's doctor_list_refill() against sql/005's):\n";
for my $kind (sort keys %update) {
	printf "  %s: %.0f against %.0f (004: %s; 005: %s)\n", $kind,
	    median(@{ $rebuild{$kind}{'004'} }),
	    median(@{ $rebuild{$kind}{'005'} }),
	    join(' ', map { sprintf '%.0f', $_ } @{ $rebuild{$kind}{'004'} }),
	    join(' ', map { sprintf '%.0f', $_ } @{ $rebuild{$kind}{'005'} });
}
