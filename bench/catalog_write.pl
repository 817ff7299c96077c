#!/usr/bin/perl
# bench/catalog_write.pl - the catalog's write side before and after
# this tree's migrations (issue 10: sql/007_catalog_write_side.sql, then
# sql/012_catalog_sparse_positions.sql), same run, same PostgreSQL
# cluster, two databases on the scale data (bench/load_scale_data.sql,
# 20,000 doctors):
#
#  - before: the migrations of BEFORE_REF (default 8e73e6a, main before
#    sql/012; 402595d was main before sql/007), from git;
#  - whole (with WHOLE_REF, e.g. 977c479: sql/012 with each sorted list
#    one integer[]), from git;
#  - after: the migrations of this tree (sql/012's lists in chunks).
#
# For each: the bulk load's time (the whole load_scale_data.sql); single-
# doctor writes, each its own transaction (autocommit), timed by psql
# (round trip on the Unix socket included), median of UPDATES (RENAMES for
# the ones that rebuild), alternating before and after in ROUNDS; and list
# misses: the statements of src/api/doctor.c that read what sql/012 changes
# (doctor_list, doctor_list_s: as each tree compiles them), a short q
# (doctor_list_q1) and one trigram q, prepared, EXPLAIN
# (ANALYZE, TIMING OFF) execution time, median of REPEAT after six runs that
# settle the plan cache.  The response cache is out of the picture: this
# is PostgreSQL alone, what a miss pays.
#
# Single-doctor renames, inserts and deletes are medians of RENAMES (they
# rebuild before).  Run through bench/run-catalog-write.sh.  Environment:
# CEXUP_BIN, CEXUP_SRCDIR, BEFORE_SQL (a directory of migrations instead of
# BEFORE_REF's), WHOLE_REF, UPDATES (default 21), RENAMES (default 5), ROUNDS
# (default 2), REPEAT (default 21).
use strict;
use warnings;
use FindBin;
use File::Path qw(make_path);
use Time::HiRes qw(time);
use lib "$FindBin::Bin/../tests/lib";
use CexupTest;

my $updates = $ENV{UPDATES} // 21;
my $renames = $ENV{RENAMES} // 5;
my $rounds = $ENV{ROUNDS} // 2;
my $repeat = $ENV{REPEAT} // 21;
my $srcdir = $ENV{CEXUP_SRCDIR} // "$FindBin::Bin/..";

my $t = CexupTest->new(tap => 0, no_server => 1);

my %sql_dir = (after => "$srcdir/sql");
if ($ENV{BEFORE_SQL}) {
	$sql_dir{before} = $ENV{BEFORE_SQL};
} else {
	my $ref = $ENV{BEFORE_REF} // '8e73e6a';
	$sql_dir{before} = "$t->{tmp}/before";
	make_path($sql_dir{before});
	system("git -C '$FindBin::Bin/..' archive '$ref' sql | "
	    . "tar -x -C '$sql_dir{before}'") == 0
	    or die "bench: git archive $ref sql failed\n";
	$sql_dir{before} .= '/sql';
}
if (my $ref = $ENV{WHOLE_REF}) {
	$sql_dir{whole} = "$t->{tmp}/whole";
	make_path($sql_dir{whole});
	system("git -C '$FindBin::Bin/..' archive '$ref' sql | "
	    . "tar -x -C '$sql_dir{whole}'") == 0
	    or die "bench: git archive $ref sql failed\n";
	$sql_dir{whole} .= '/sql';
}

# psql on a file or a script text in database $db; its output.
sub psql_run {
	my ($db, $text, $file) = @_;
	unless ($file) {
		$file = "$t->{tmp}/bench-script.sql";
		open my $fh, '>', $file or die "$file: $!";
		print {$fh} $text;
		close $fh;
	}
	my ($rc, $out) = $t->_run(undef, 'psql', '-X', '-q', '-A', '-t', '-v',
	    'ON_ERROR_STOP=1', '-h', $t->{pg_sockdir}, '-p', $t->{pg_port},
	    '-U', 'postgres', '-d', $db, '-f', $file);
	die "bench: psql $db $file failed:\n$out" if $rc;
	return $out;
}

sub median {
	my @v = sort { $a <=> $b } @_;
	return @v ? $v[$#v / 2] : 'n/a';
}

my @variants = ('before', $sql_dir{whole} ? 'whole' : (), 'after');
my %db = map { $_ => "bench_$_" } @variants;
my %load;
for my $v (@variants) {
	$t->psql("CREATE DATABASE $db{$v} OWNER cexup", 'postgres');
	opendir my $d, $sql_dir{$v} or die "$sql_dir{$v}: $!";
	my @files = sort grep { /^\d{3}_.*\.sql$/ } readdir $d;
	closedir $d;
	print "$v: @files\n";
	psql_run($db{$v}, "BEGIN;\n\\i $sql_dir{$v}/$_\nCOMMIT;\n") for @files;
	my $t0 = time;
	psql_run($db{$v}, undef, "$FindBin::Bin/load_scale_data.sql");
	$load{$v} = time - $t0;
	# What autovacuum does soon after a load, for both alike.
	psql_run($db{$v}, "VACUUM ANALYZE;\n");
	printf "%s: bulk load %.1f s\n", $v, $load{$v};
}

# The statements of src/api/doctor.c that read doctor_list (as compiled
# in each tree, page size 10), a short and a trigram q.
my $cols = 't.total, p.doctor_id, p.slug, p.name, p.title, p.photo_url,'
    . ' p.years_of_practice, p.speciality_id, p.speciality_slug,'
    . ' p.speciality_name';
my @misses = (
	[ 'unfiltered, page 1', 'doctor_list', '10, 0' ],
	[ 'unfiltered, page 2000 (last)', 'doctor_list', '10, 19990' ],
	[ 'speciality, page 1', 'doctor_list_s', "10, 0, 'speciality-7'" ],
	[ 'speciality, page 80 (last)', 'doctor_list_s',
	    "10, 790, 'speciality-7'" ],
	[ "q 'a', page 1900", 'doctor_list_q1', "10, 18990, 'a'" ],
	[ "q 'siti', page 1", 'doctor_list_q', "10, 0, '%siti%'" ],
);
# whole: a page as one slice of a sorted list of positions (the row ps).
my $slice = sub {
	my ($list) = @_;
	return "SELECT $cols FROM (SELECT coalesce(cardinality(ps.positions), 0)"
	    . ' AS total, ps.positions[($2::bigint + 1)::integer'
	    . ' : ($2::bigint + $1::bigint)::integer] AS page'
	    . " FROM (SELECT 1) one $list OFFSET 0) t"
	    . ' LEFT JOIN LATERAL (SELECT l.* FROM unnest(t.page) pos'
	    . ' JOIN doctor_list l ON l.position = pos'
	    . ' WHERE t.total > $2::bigint) p ON true ORDER BY p.position';
};
my $common = <<"SQL";
PREPARE doctor_list_q(bigint, bigint, text) AS
 WITH m AS MATERIALIZED (SELECT position FROM doctor_search
  WHERE name_lower LIKE lower(\$3))
 SELECT $cols FROM (SELECT count(*) AS total FROM m) t
 LEFT JOIN LATERAL (SELECT l.* FROM (SELECT * FROM
  (SELECT m.position FROM m WHERE t.total > \$2::bigint
  ORDER BY m.position LIMIT 100 OFFSET \$2::bigint) x LIMIT \$1::bigint) pg
  JOIN doctor_list l ON l.position = pg.position) p ON true
 ORDER BY p.position;
PREPARE doctor_list_q1(bigint, bigint, text) AS
SQL
# The piece list's statement as BEFORE_REF has it: t flattened, so the
# list is read again wherever t.total is used.
my $before_q1 = "SELECT $cols FROM (SELECT coalesce(cardinality(ps.positions),"
    . ' 0) AS total, ps.positions FROM (SELECT 1) one'
    . ' LEFT JOIN doctor_search_pieces ps ON ps.piece = lower($3)) t'
    . ' LEFT JOIN LATERAL (SELECT l.* FROM unnest(t.positions'
    . '[($2::bigint + 1)::integer : ($2::bigint + $1::bigint)::integer])'
    . ' pos JOIN doctor_list l ON l.position = pos'
    . ' WHERE t.total > $2::bigint) p ON true ORDER BY p.position';
my %prepare = (before => $common . "$before_q1;\n" . <<"SQL");
PREPARE doctor_list(bigint, bigint) AS SELECT $cols
 FROM (SELECT n AS total FROM catalog_counts WHERE name = 'doctors') t
 LEFT JOIN LATERAL (SELECT * FROM doctor_list l
  WHERE l.position > \$2::bigint AND l.position <= \$2::bigint + \$1::bigint)
 p ON true ORDER BY p.position;
PREPARE doctor_list_s(bigint, bigint, text) AS SELECT $cols
 FROM (SELECT s.id AS speciality_id, coalesce(c.n, 0) AS total
  FROM (SELECT 1) one LEFT JOIN specialities s ON s.slug = \$3
  LEFT JOIN speciality_doctor_counts c ON c.speciality_id = s.id) t
 LEFT JOIN LATERAL (SELECT * FROM doctor_list l
  WHERE l.speciality_id = t.speciality_id
  AND l.speciality_position > \$2::bigint
  AND l.speciality_position <= \$2::bigint + \$1::bigint) p ON true
 ORDER BY p.speciality_position;
SQL
$prepare{whole} = $common
    . $slice->('LEFT JOIN doctor_search_pieces ps ON ps.piece = lower($3)')
    . ";\n"
    . 'PREPARE doctor_list(bigint, bigint) AS '
    . $slice->("LEFT JOIN doctor_list_orders ps ON ps.kind = 'all'"
    . ' AND ps.key = 0') . ";\n"
    . 'PREPARE doctor_list_s(bigint, bigint, text) AS '
    . $slice->('LEFT JOIN specialities s ON s.slug = $3'
    . " LEFT JOIN doctor_list_orders ps ON ps.kind = 'speciality'"
    . ' AND ps.key = s.id') . ";\n";
# after: a page from the chunks of a sorted list (sorted_list_chunks),
# found by the running sum of their lengths, as doctor.c has it.
my $chunks = sub {
	my ($key) = @_;
	return 'WITH c AS MATERIALIZED (SELECT first_position, n,'
	    . ' sum(n) OVER (ORDER BY first_position) - n AS before'
	    . " FROM sorted_list_chunks WHERE $key)"
	    . " SELECT $cols FROM (SELECT coalesce(sum(n), 0) AS total FROM c) t"
	    . ' LEFT JOIN LATERAL (SELECT l.* FROM c,'
	    . ' LATERAL (SELECT k.positions FROM sorted_list_chunks k'
	    . " WHERE $key AND k.first_position = c.first_position LIMIT 1) k,"
	    . ' unnest(k.positions[(greatest($2::bigint - c.before, 0) + 1)'
	    . '::integer : ($2::bigint + $1::bigint - c.before)::integer]) pos'
	    . ' JOIN doctor_list l ON l.position = pos'
	    . ' WHERE t.total > $2::bigint AND c.before < $2::bigint + $1::bigint'
	    . ' AND c.before + c.n > $2::bigint) p ON true ORDER BY p.position';
};
$prepare{after} = $common
    . $chunks->("kind = 'piece' AND key = lower(\$3)") . ";\n"
    . 'PREPARE doctor_list(bigint, bigint) AS '
    . $chunks->("kind = 'all' AND key = '0'") . ";\n"
    . 'PREPARE doctor_list_s(bigint, bigint, text) AS '
    . $chunks->("kind = 'speciality' AND key = (SELECT id::text"
    . ' FROM specialities WHERE slug = $3)') . ";\n";
# $when: 'loaded' (after the load and VACUUM) or 'written' (after the
# writes below: a rebuild leaves its rows in the trigram index's pending
# list until the next vacuum, which a q then reads through).
my %miss;
sub measure_misses {
	my ($when) = @_;
	for my $v (@variants) {
		for my $m (@misses) {
			my ($what, $name, $args) = @$m;
			my $script = $prepare{$v};
			$script .= "EXECUTE $name($args);\n" x 6;
			$script .= ('EXPLAIN (ANALYZE, TIMING OFF) '
			    . "EXECUTE $name($args);\n") x $repeat;
			my $out = psql_run($db{$v}, $script);
			$miss{$when}{$what}{$v} =
			    median($out =~ /Execution Time: ([\d.]+) ms/g);
		}
	}
}

measure_misses('loaded');

# Writes of one doctor (or practice) each; %d: a different row each time,
# or with same_rows the rows of the write before (a delete removes the
# doctors the insert before it added, next to doctor %d by name).
my @writes = (
	[ 'fee (doctor_has_hospital)', $updates,
	    'UPDATE doctor_has_hospital SET consultation_fee = '
	    . 'consultation_fee + 1 WHERE id = %d' ],
	[ 'bio', $updates, "UPDATE doctors SET bio = bio || '.' WHERE id = %d" ],
	[ 'title, photo', $updates, "UPDATE doctors SET title = 'Sp.' || id, "
	    . "photo_url = 'https://cdn.example/' || id WHERE id = %d" ],
	[ 'speciality', $updates, 'UPDATE doctors SET speciality_id = '
	    . '1 + speciality_id %% 25 WHERE id = %d' ],
	[ 'name (a rename)', $renames,
	    "UPDATE doctors SET name = name || ' Jr' WHERE id = %d" ],
	[ 'insert', $renames, "INSERT INTO doctors (slug, name, speciality_id) "
	    . "SELECT 'bench-' || id, name || ' Sr', 1 + id %% 25 FROM doctors "
	    . 'WHERE id = %d' ],
	[ 'delete', $renames, "DELETE FROM doctors WHERE slug = 'bench-%d'",
	    'same_rows' ],
);
my %times;
my $row = 100;
for my $round (1 .. $rounds) {
	for my $w (@writes) {
		my ($what, $n, $sql, $same_rows) = @$w;
		$row -= 37 * $n + 1 if $same_rows;
		for my $v ($round % 2 ? @variants : reverse @variants) {
			my $script = "\\timing on\n";
			$script .= sprintf("$sql;\n", $row + 37 * $_) for 1 .. $n;
			my $out = psql_run($db{$v}, $script);
			push @{ $times{$what}{$v} }, $out =~ /^Time: ([\d.]+) ms/mg;
		}
		$row += 37 * $n + 1;
	}
}

measure_misses('written');

print "\n| single-doctor write (one transaction) | "
    . join(' | ', @variants) . " | before / after |\n";
print '|---' x (@variants + 1), "|\n";
for my $w (@writes) {
	my $what = $w->[0];
	my %m = map { $_ => median(@{ $times{$what}{$_} }) } @variants;
	printf "| %s (median of %d) | %s | %.1f |\n", $what,
	    scalar @{ $times{$what}{after} },
	    join(' | ', map { sprintf '%.2f ms', $m{$_} } @variants),
	    $m{after} > 0 ? $m{before} / $m{after} : 0;
}
printf "| bulk load (load_scale_data.sql) | %s |\n",
    join(' | ', map { sprintf '%.1f s', $load{$_} } @variants);
print "\n| list miss (PostgreSQL, median of $repeat) | "
    . join(' | ', @variants) . ' | '
    . join(' | ', map { "$_, after the writes" } @variants) . " |\n";
print '|---' x (2 * @variants + 1), "|\n";
for my $m (@misses) {
	my $what = $m->[0];
	printf "| %s | %s |\n", $what, join(' | ', map {
	    sprintf '%.3f ms', $miss{$_->[0]}{$what}{$_->[1]} }
	    map { my $when = $_; map { [$when, $_] } @variants }
	    qw(loaded written));
}
$t->stop;
