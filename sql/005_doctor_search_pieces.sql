-- The name search (q) for fragments shorter than a trigram: for every one-
-- and two-character piece of the lower-cased names, the sorted positions
-- (doctor_list.position) of the doctors whose name_lower contains it.
--
-- A q of one or two characters matches much of the catalog ('a': 19,610 of
-- the 20,000 scale-data names), which the trigram index cannot narrow:
-- reading doctor_search in full cost 2.5-11 ms per statement.  Here the
-- total is the list's length and a page one slice of it, whatever the
-- depth: 0.01-0.2 ms (bench/RESULTS.md).  A q is contained in a name
-- exactly when lower(q) is one of the name_lower pieces of its length, so
-- this answers what name_lower LIKE lower('%q%') answers.
--
-- Rebuilt with doctor_search, and only when a write changes the lower-
-- cased names by position, all that either table is made of
-- (doctor_list_refill() now compares them).  20,000 doctors: 335 rows,
-- 2.8 MB; a rename, insert or delete about 0.4 s slower, any other doctor
-- update 30 % faster (bench/RESULTS.md).

-- intarray's sort() and uniq() order and deduplicate a list in C: about
-- 0.2 s less per rebuild than unnest and array_agg(DISTINCT ...).  In a
-- schema of its own: in public, its operators would take over those of
-- every integer[] (&&, @>, ...) for every statement.
CREATE SCHEMA intarray;
CREATE EXTENSION intarray SCHEMA intarray;

CREATE TABLE doctor_search_pieces (
	piece		text PRIMARY KEY,
	positions	integer[] NOT NULL
);

-- doctor_search and doctor_search_pieces from doctor_list.
CREATE FUNCTION doctor_search_refill() RETURNS void
LANGUAGE plpgsql
-- The pieces are grouped in one hash table (about 750,000 rows for 20,000
-- names): with the default work_mem the planner sorts them on disk
-- instead, twice as slow.  JIT compilation, which the row estimates
-- trigger, costs more than it saves here.
SET work_mem = '64MB' SET jit = off
AS $$
BEGIN
	DELETE FROM doctor_search;
	INSERT INTO doctor_search (position, name_lower)
	SELECT position, lower(name) FROM doctor_list;
	-- Every piece of every name, grouped by piece unsorted (a hash table:
	-- sorting 750,000 text rows is what made this slow), then each list
	-- sorted and rid of repeats (a piece twice in one name) on its own.
	DELETE FROM doctor_search_pieces;
	INSERT INTO doctor_search_pieces (piece, positions)
	SELECT g.piece, intarray.uniq(intarray.sort(g.positions))
	FROM (SELECT substr(s.name_lower, i, n) AS piece,
		array_agg(s.position::integer) AS positions
	    FROM doctor_search s,
		generate_series(1, length(s.name_lower)) i,
		(VALUES (1), (2)) len(n)
	    WHERE i + n - 1 <= length(s.name_lower)
	    GROUP BY 1) g;
	-- Fresh statistics at once, not when autovacuum gets round to it: a
	-- generic plan made before then would scan doctor_search instead of
	-- using its trigram index (measured: 1.5-4.5 ms instead of 0.3 ms).
	-- doctor_search_pieces is only ever read by its primary key.
	ANALYZE doctor_search;
END $$;

CREATE OR REPLACE FUNCTION doctor_list_refill() RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	-- One rebuild at a time: concurrent writers queue here (the lock
	-- sql/003's catalog triggers take for the doctors' counter) and each
	-- rebuild sees the rows committed before it.  DELETE, not TRUNCATE:
	-- readers keep their snapshot instead of waiting for the lock.
	PERFORM 1 FROM catalog_counts WHERE name = 'doctors' FOR UPDATE;
	DELETE FROM doctor_list;
	INSERT INTO doctor_list (position, speciality_position, doctor_id,
	    slug, name, title, photo_url, years_of_practice, speciality_id,
	    speciality_slug, speciality_name)
	SELECT row_number() OVER (ORDER BY d.name, d.id),
	    row_number() OVER (PARTITION BY d.speciality_id
		ORDER BY d.name, d.id),
	    d.id, d.slug, d.name, d.title, d.photo_url, d.years_of_practice,
	    s.id, s.slug, s.name
	FROM doctors d JOIN specialities s ON s.id = d.speciality_id;
	ANALYZE doctor_list;
	-- The name search changes only with the lower-cased names by position
	-- (an insert, a delete, a rename), not with a title, a photo or a
	-- speciality: then it is left as it is, which saves most of the
	-- rebuild (position is the key of both tables, so this comparison is
	-- exact).
	IF (SELECT count(*) FROM doctor_search) <>
	    (SELECT count(*) FROM doctor_list)
	    OR EXISTS (SELECT 1 FROM doctor_list l
		LEFT JOIN doctor_search s ON s.position = l.position
		WHERE s.name_lower IS DISTINCT FROM lower(l.name)) THEN
		PERFORM doctor_search_refill();
	END IF;
END $$;

-- Existing doctors.
SELECT doctor_search_refill();
