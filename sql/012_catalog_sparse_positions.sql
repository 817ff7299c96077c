-- Sparse positions (issue 10, stop 24): a rename, an insert or a delete
-- of one doctor patches a few rows instead of rebuilding the list.
--
-- Until now doctor_list's positions were dense (row_number over (name,
-- id), overall and per speciality), so one doctor more or less, or one
-- moved by a rename, renumbered every later row of doctor_list,
-- doctor_search and every piece list: sql/007 left these to
-- doctor_list_refill(), 0.4-0.6 s at 20,000 doctors.
--
-- Now:
--
--  - positions keep the list order (name, id) but leave room: a rebuild
--    numbers the n doctors i * gap, gap = floor(2,000,000,000 / (n + 1)),
--    so they still fit the integer[] lists.  A doctor who arrives (an
--    insert, or a rename: its old position goes, it gets a new one) takes
--    a position between its neighbours in (name, id) order, the midpoint
--    (k arrivals in one gap: spread evenly over it).  When the gap has no
--    free integer left, the statement rebuilds, which spreads them again;
--  - nothing reads positions as counts any more: speciality_position is
--    dropped, and the unfiltered list, each speciality and each one- or
--    two-letter piece of the names (sql/005) are sorted lists of
--    positions, all kept the same way: in chunks of 256 positions
--    (sorted_list_chunks, below).  A page of any of them is the slice of
--    the one or two chunks holding its ranks, found by the running sum of
--    the chunks' lengths, joined to doctor_list by position; its total
--    is the sum of the lengths.  doctor_list_orders and
--    doctor_search_pieces are views assembling whole lists, for tests
--    and people;
--  - a statement that inserts, deletes or renames doctors removes and
--    inserts the rows concerned in doctor_list and doctor_search, and
--    patches only the chunks concerned: of the whole list, the
--    specialities, the pieces of the old and the new lower-cased names
--    (the chunks stay sorted: intarray's - and | sort and deduplicate).
--    A statement that removes or adds more than 200 doctors rebuilds
--    instead (a bulk load, a mass import): a patch's neighbour look-ups and
--    list rewrites grow with its rows, a rebuild does not (20,000 doctors,
--    a busy machine: renaming 100 or 200 doctors in one statement patched
--    in 0.2-0.5 s, a rebuild took 1.7-2.0 s);
--  - TRUNCATE rebuilds, as before; what sql/007 patched (a title, a
--    speciality, a speciality's name or slug) is patched still, a change
--    of speciality now moving the position between two speciality lists.
--
-- sql/007's lock (catalog_counts 'doctors' FOR UPDATE) still orders
-- patches and rebuilds.  sql/006's NOTIFY triggers are left alone: each
-- patch writes doctors (or specialities) and so notifies as before.
--
-- Measured (bench/catalog_write.pl, 20,000 doctors, a busy shared machine;
-- bench/RESULTS.md "#10 sparse positions"): with whole lists, a rename
-- 1,905 -> 17.6 ms, an insert 1,779 -> 14.6 ms, a delete 1,656 -> 15.8 ms,
-- 13-17 ms of a rename rewriting its ~40 piece lists (the one-letter ones
-- hold most of the catalog: 'a' 19,609 positions, 78 kB).  In chunks
-- (same run, whole lists -> chunks): a rename 15.4 -> 9.3 ms, an insert
-- 16.5 -> 9.9 ms, a delete 14.3 -> 5.7 ms, ~44 rows of at most 2 kB
-- rewritten; a change of speciality 1.6 -> 2.0 ms.  Chunks of 128 wrote
-- as fast but a page summed 158 lengths (0.45 ms); 512 wrote no faster.
-- Misses pay the running sum over all of a list's chunks: unfiltered and
-- 1-letter q pages 0.11-0.19 -> 0.25-0.28 ms, speciality pages about
-- equal (0.07-0.13 -> 0.09-0.15 ms).

-- The bounds positions are spread between: above 0 (doctor_list's CHECK)
-- and at most 2,000,000,000, below integer's 2,147,483,647.
CREATE OR REPLACE FUNCTION doctor_position_ceiling() RETURNS bigint
LANGUAGE sql IMMUTABLE AS 'SELECT 2000000000::bigint';

-- Counts no longer: the speciality pages are slices of
-- doctor_list_orders (the index goes with the column).
ALTER TABLE doctor_list DROP COLUMN IF EXISTS speciality_position;
-- A new doctor's neighbours in list order.
CREATE INDEX IF NOT EXISTS doctor_list_name_idx
	ON doctor_list (name, doctor_id);

-- Every sorted list of positions (the whole list: kind 'all', key '0';
-- a speciality: kind 'speciality', key its id; a one- or two-letter
-- piece of the lower-cased names: kind 'piece', key the piece) is cut
-- into chunks: positions sorted and without repeats, n its length, and
-- first_position its first element, which finds the chunk a position
-- belongs in: the one with the greatest first_position at most that
-- position, or the list's first chunk for one below them all.  As whole
-- lists, a patch rewrote each list concerned, up to 20,000 integers (the
-- piece 'a': 19,609 positions, 78 kB) and a rename's 40 or so pieces:
-- 13-17 ms of its 15-18 ms at 20,000 doctors.  A chunk is a few hundred.
CREATE TABLE IF NOT EXISTS sorted_list_chunks (
	kind		text NOT NULL
	    CHECK (kind IN ('all', 'speciality', 'piece')),
	key		text NOT NULL,
	first_position	integer NOT NULL,
	positions	integer[] NOT NULL,
	n		integer NOT NULL,
	PRIMARY KEY (kind, key, first_position)
);
-- A chunk (at most 2 x its size, 2 kB) stays in its row: out of line it
-- would cost a TOAST write per patch as well.
ALTER TABLE sorted_list_chunks SET (toast_tuple_target = 8160);
ALTER TABLE sorted_list_chunks ALTER positions SET STORAGE EXTERNAL;

-- A rebuild cuts a list into chunks of this many positions; a patch
-- splits a chunk grown past twice as many into chunks of this size and
-- deletes a chunk it empties (chunks are never merged: a list of k
-- positions that lost many may have more than k / size chunks, which
-- a page's running sum reads, until the next rebuild).
CREATE OR REPLACE FUNCTION sorted_list_chunk_size() RETURNS integer
LANGUAGE sql IMMUTABLE AS 'SELECT 256';

-- Sorted positions as chunks: one chunk when there are at most at_most
-- of them, else chunks of sorted_list_chunk_size(); none when empty.
CREATE OR REPLACE FUNCTION sorted_list_cut(integer[], at_most integer)
RETURNS TABLE (first_position integer, positions integer[], n integer)
LANGUAGE sql IMMUTABLE AS $$
	SELECT c[1], c, cardinality(c)
	FROM (SELECT CASE WHEN cardinality($1) <= at_most THEN $1
		ELSE $1[i * sorted_list_chunk_size() + 1
		    : (i + 1) * sorted_list_chunk_size()] END AS c
	    FROM generate_series(0, CASE WHEN cardinality($1) <= at_most
		THEN 0
		ELSE (cardinality($1) - 1) / sorted_list_chunk_size() END) i) x
	WHERE cardinality(c) > 0
$$;

-- Positions out of (arrives false) and into (true) the lists named by
-- kind and key: each goes to its chunk, and each chunk concerned is
-- deleted and written again patched (intarray's - and | keep it sorted
-- and without repeats), split if it grew past twice the chunk size, not
-- written again if emptied.  A list with no chunk gets its first.  The
-- chunk is found before any is rewritten; a chunk written again from
-- one that was deleted keeps within its range, so no key collides.
CREATE OR REPLACE FUNCTION sorted_lists_patch(kinds text[], keys text[],
    moved integer[], arriving boolean[]) RETURNS void
-- plpgsql, not sql: its statement's plan is kept for the session, where
-- a sql function's is made again at each call.
LANGUAGE plpgsql AS $$
BEGIN
	WITH delta AS (SELECT d.kind, d.key, d.position, d.arrives,
		coalesce((SELECT c.first_position FROM sorted_list_chunks c
		    WHERE c.kind = d.kind AND c.key = d.key
			AND c.first_position <= d.position
		    ORDER BY c.first_position DESC LIMIT 1),
		    (SELECT c.first_position FROM sorted_list_chunks c
		    WHERE c.kind = d.kind AND c.key = d.key
		    ORDER BY c.first_position LIMIT 1)) AS chunk
	    FROM unnest(kinds, keys, moved, arriving)
		d(kind, key, position, arrives)),
	per_chunk AS (SELECT kind, key, chunk,
		coalesce(array_agg(position) FILTER (WHERE NOT arrives),
		    '{}') AS minus,
		coalesce(intarray.sort(array_agg(position)
		    FILTER (WHERE arrives)), '{}') AS plus
	    FROM delta GROUP BY kind, key, chunk),
	rewritten AS (DELETE FROM sorted_list_chunks c USING per_chunk p
	    WHERE c.kind = p.kind AND c.key = p.key
		AND c.first_position = p.chunk
	    RETURNING c.kind, c.key, c.first_position, c.positions),
	patched AS (SELECT p.kind, p.key, CASE WHEN r.kind IS NULL
		THEN intarray.uniq(p.plus)
		ELSE (r.positions OPERATOR(intarray.-) p.minus)
		    OPERATOR(intarray.|) p.plus END AS positions
	    FROM per_chunk p LEFT JOIN rewritten r ON r.kind = p.kind
		AND r.key = p.key AND r.first_position = p.chunk)
	INSERT INTO sorted_list_chunks (kind, key, first_position, positions,
	    n)
	SELECT p.kind, p.key, c.first_position, c.positions, c.n
	FROM patched p,
	    sorted_list_cut(p.positions, 2 * sorted_list_chunk_size()) c;
END $$;

-- The lists as whole arrays, as the tests and a person read them (the
-- API reads the chunks): the unfiltered list and the specialities ...
DROP TABLE IF EXISTS doctor_list_orders;
CREATE OR REPLACE VIEW doctor_list_orders AS
SELECT kind, key::bigint AS key,
    array_agg(p ORDER BY first_position, i) AS positions
FROM sorted_list_chunks, unnest(positions) WITH ORDINALITY u(p, i)
WHERE kind IN ('all', 'speciality')
GROUP BY kind, key;
-- ... and the pieces (sql/005's table, now chunks too).
DROP TABLE IF EXISTS doctor_search_pieces;
CREATE OR REPLACE VIEW doctor_search_pieces AS
SELECT key AS piece, array_agg(p ORDER BY first_position, i) AS positions
FROM sorted_list_chunks, unnest(positions) WITH ORDINALITY u(p, i)
WHERE kind = 'piece'
GROUP BY key;

-- sql/007's doctor_search_refill(), the pieces written as chunks.
CREATE OR REPLACE FUNCTION doctor_search_refill() RETURNS void
LANGUAGE plpgsql
SET work_mem = '64MB' SET jit = off
AS $$
BEGIN
	DELETE FROM doctor_search;
	INSERT INTO doctor_search (position, name_lower)
	SELECT position, lower(name) FROM doctor_list;
	DELETE FROM sorted_list_chunks WHERE kind = 'piece';
	INSERT INTO sorted_list_chunks (kind, key, first_position, positions,
	    n)
	SELECT 'piece', g.piece, c.first_position, c.positions, c.n
	FROM (SELECT substr(s.name_lower, i, n) AS piece,
		array_agg(s.position::integer) AS positions
	    FROM doctor_search s,
		generate_series(1, length(s.name_lower)) i,
		(VALUES (1), (2)) len(n)
	    WHERE i + n - 1 <= length(s.name_lower)
	    GROUP BY 1) g,
	    sorted_list_cut(intarray.uniq(intarray.sort(g.positions)),
		sorted_list_chunk_size()) c;
	ANALYZE doctor_search;
	ANALYZE sorted_list_chunks;
	IF pg_has_role((SELECT relowner FROM pg_class
	    WHERE oid = 'doctor_search_trgm_idx'::regclass), 'USAGE') THEN
		PERFORM gin_clean_pending_list('doctor_search_trgm_idx'::regclass);
	END IF;
END $$;

-- The whole rebuild: sparse positions, the orders, and the name search
-- when the names by position changed (sql/005, sql/007).
CREATE OR REPLACE FUNCTION doctor_list_refill() RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	gap bigint;
BEGIN
	-- One rebuild at a time: concurrent writers queue here (the lock
	-- sql/003's catalog triggers take for the doctors' counter) and each
	-- rebuild sees the rows committed before it.  DELETE, not TRUNCATE:
	-- readers keep their snapshot instead of waiting for the lock.
	PERFORM 1 FROM catalog_counts WHERE name = 'doctors' FOR UPDATE;
	SELECT doctor_position_ceiling() / (count(*) + 1) INTO gap
	FROM doctors;
	DELETE FROM doctor_list;
	INSERT INTO doctor_list (position, doctor_id, slug, name, title,
	    photo_url, years_of_practice, speciality_id, speciality_slug,
	    speciality_name)
	SELECT gap * row_number() OVER (ORDER BY d.name, d.id),
	    d.id, d.slug, d.name, d.title, d.photo_url, d.years_of_practice,
	    s.id, s.slug, s.name
	FROM doctors d JOIN specialities s ON s.id = d.speciality_id;
	ANALYZE doctor_list;
	DELETE FROM sorted_list_chunks WHERE kind IN ('all', 'speciality');
	INSERT INTO sorted_list_chunks (kind, key, first_position, positions,
	    n)
	SELECT o.kind, o.key, c.first_position, c.positions, c.n
	FROM (SELECT 'all' AS kind, '0' AS key,
		ARRAY(SELECT position::integer FROM doctor_list
		    ORDER BY position) AS positions
	    UNION ALL
	    SELECT 'speciality', speciality_id::text,
		array_agg(position::integer ORDER BY position)
	    FROM doctor_list GROUP BY speciality_id) o,
	    sorted_list_cut(o.positions, sorted_list_chunk_size()) c;
	ANALYZE sorted_list_chunks;
	-- Position is the key of both tables, so this comparison is exact.
	IF (SELECT count(*) FROM doctor_search) <>
	    (SELECT count(*) FROM doctor_list)
	    OR EXISTS (SELECT 1 FROM doctor_list l
		LEFT JOIN doctor_search s ON s.position = l.position
		WHERE s.name_lower IS DISTINCT FROM lower(l.name)) THEN
		PERFORM doctor_search_refill();
	END IF;
END $$;

-- The one- and two-character pieces of a lower-cased name, once each.
CREATE OR REPLACE FUNCTION doctor_name_pieces(name_lower text)
RETURNS SETOF text
LANGUAGE sql IMMUTABLE AS $$
	SELECT DISTINCT substr(name_lower, i, n)
	FROM generate_series(1, length(name_lower)) i, (VALUES (1), (2)) len(n)
	WHERE i + n - 1 <= length(name_lower)
$$;

-- Positions out of and into the lists of the whole list and the
-- specialities: gone_pos[i] leaves speciality gone_sp[i], came_pos[i]
-- joins came_sp[i], and with whole, the list of all doctors too.  Out
-- before in, so a doctor who keeps its position stays.
CREATE OR REPLACE FUNCTION doctor_list_orders_patch(whole boolean,
    gone_pos integer[], gone_sp bigint[], came_pos integer[],
    came_sp bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM sorted_lists_patch(array_agg(kind), array_agg(key),
	    array_agg(position), array_agg(arrives))
	FROM (SELECT 'speciality' AS kind, g.sp::text AS key, g.p AS position,
		false AS arrives
	    FROM unnest(gone_pos, gone_sp) g(p, sp)
	    UNION ALL
	    SELECT 'speciality', c.sp::text, c.p, true
	    FROM unnest(came_pos, came_sp) c(p, sp)
	    UNION ALL
	    SELECT 'all', '0', p, false FROM unnest(gone_pos) p WHERE whole
	    UNION ALL
	    SELECT 'all', '0', p, true FROM unnest(came_pos) p WHERE whole) d;
END $$;

-- The doctors gone_ids leave the list (their current rows go), the
-- doctors came_ids arrive (read from doctors as they are now); an id in
-- both moves.  Everything else stays.  Returns false when a gap is
-- exhausted, having removed the leaving rows only: the caller rebuilds.
CREATE OR REPLACE FUNCTION doctor_list_patch(gone_ids bigint[],
    came_ids bigint[]) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
	gone_pos integer[];
	gone_sp bigint[];
	gone_name text[];
	came_id bigint[];
	came_pos integer[];
	exhausted boolean;
BEGIN
	WITH g AS (DELETE FROM doctor_list WHERE doctor_id = ANY (gone_ids)
	    RETURNING position, speciality_id, lower(name) AS name_lower)
	SELECT array_agg(position::integer), array_agg(speciality_id),
	    array_agg(name_lower)
	INTO gone_pos, gone_sp, gone_name FROM g;
	DELETE FROM doctor_search WHERE position = ANY (gone_pos);

	-- Each arrival's neighbours among the rows that stay; the k of one
	-- gap spread evenly between them, in (name, id) order.
	WITH n AS (SELECT d.id, d.name,
		coalesce((SELECT l.position FROM doctor_list l
		    WHERE (l.name, l.doctor_id) < (d.name, d.id)
		    ORDER BY l.name DESC, l.doctor_id DESC LIMIT 1), 0) AS lo,
		coalesce((SELECT l.position FROM doctor_list l
		    WHERE (l.name, l.doctor_id) > (d.name, d.id)
		    ORDER BY l.name, l.doctor_id LIMIT 1),
		    doctor_position_ceiling()) AS hi
	    FROM doctors d WHERE d.id = ANY (came_ids)),
	r AS (SELECT id, lo, hi,
		row_number() OVER (PARTITION BY lo ORDER BY name, id) AS k,
		count(*) OVER (PARTITION BY lo) AS m
	    FROM n)
	SELECT array_agg(id),
	    array_agg((lo + (hi - lo) * k / (m + 1))::integer),
	    coalesce(bool_or(hi - lo <= m), false)
	INTO came_id, came_pos, exhausted FROM r;
	IF exhausted THEN
		RETURN false;
	END IF;

	INSERT INTO doctor_list (position, doctor_id, slug, name, title,
	    photo_url, years_of_practice, speciality_id, speciality_slug,
	    speciality_name)
	SELECT c.pos, d.id, d.slug, d.name, d.title, d.photo_url,
	    d.years_of_practice, s.id, s.slug, s.name
	FROM unnest(came_id, came_pos) c(id, pos)
	JOIN doctors d ON d.id = c.id
	JOIN specialities s ON s.id = d.speciality_id;
	INSERT INTO doctor_search (position, name_lower)
	SELECT l.position, lower(l.name) FROM doctor_list l
	WHERE l.position = ANY (came_pos);

	PERFORM doctor_list_orders_patch(true, gone_pos, gone_sp, came_pos,
	    ARRAY(SELECT l.speciality_id
		FROM unnest(came_pos) WITH ORDINALITY c(pos, i)
		JOIN doctor_list l ON l.position = c.pos ORDER BY c.i));
	-- The pieces of the names that left and of the names that came.
	PERFORM sorted_lists_patch(array_agg('piece'::text), array_agg(piece),
	    array_agg(position), array_agg(arrives))
	FROM (SELECT pc AS piece, g.p AS position, false AS arrives
	    FROM unnest(gone_pos, gone_name) g(p, nm),
		doctor_name_pieces(g.nm) pc
	    UNION ALL
	    SELECT pc, s.position::integer, true
	    FROM doctor_search s, doctor_name_pieces(s.name_lower) pc
	    WHERE s.position = ANY (came_pos)) d;
	RETURN true;
END $$;

-- More rows than this in one statement rebuild instead of patching.
CREATE OR REPLACE FUNCTION doctor_list_patch_max_rows() RETURNS bigint
LANGUAGE sql IMMUTABLE AS 'SELECT 200::bigint';

-- INSERT and DELETE: statement level, with the statement's rows.
CREATE OR REPLACE FUNCTION doctor_list_doctors_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	came bigint[];
BEGIN
	PERFORM 1 FROM catalog_counts WHERE name = 'doctors' FOR UPDATE;
	SELECT array_agg(id) INTO came FROM new_rows;
	IF came IS NULL THEN
		RETURN NULL;
	END IF;
	IF cardinality(came) > doctor_list_patch_max_rows()
	    OR NOT doctor_list_patch('{}', came) THEN
		PERFORM doctor_list_refill();
	END IF;
	RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION doctor_list_doctors_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	gone bigint[];
BEGIN
	PERFORM 1 FROM catalog_counts WHERE name = 'doctors' FOR UPDATE;
	SELECT array_agg(id) INTO gone FROM old_rows;
	IF gone IS NULL THEN
		RETURN NULL;
	END IF;
	IF cardinality(gone) > doctor_list_patch_max_rows()
	    OR NOT doctor_list_patch(gone, '{}') THEN
		PERFORM doctor_list_refill();
	END IF;
	RETURN NULL;
END $$;

-- UPDATE: a doctor whose (id, name) changed moves (its old row goes, the
-- new one arrives); the others are patched in place as in sql/007, a
-- change of speciality moving the position between two speciality lists.
CREATE OR REPLACE FUNCTION doctor_list_doctors_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	gone bigint[];
	came bigint[];
	moved_pos integer[];
	from_sp bigint[];
	to_sp bigint[];
BEGIN
	-- The same lock as doctor_list_refill(): a patch and a concurrent
	-- rebuild take turns, and each sees what the other committed (a
	-- patch applied under a rebuild's snapshot would be lost).
	PERFORM 1 FROM catalog_counts WHERE name = 'doctors' FOR UPDATE;
	SELECT array_agg(o.id) INTO gone FROM old_rows o
	WHERE NOT EXISTS (SELECT 1 FROM new_rows n
	    WHERE n.id = o.id AND n.name = o.name);
	SELECT array_agg(n.id) INTO came FROM new_rows n
	WHERE NOT EXISTS (SELECT 1 FROM old_rows o
	    WHERE o.id = n.id AND o.name = n.name);
	IF gone IS NOT NULL OR came IS NOT NULL THEN
		IF greatest(cardinality(gone), cardinality(came))
		    > doctor_list_patch_max_rows()
		    OR NOT doctor_list_patch(coalesce(gone, '{}'),
			coalesce(came, '{}')) THEN
			PERFORM doctor_list_refill();
			RETURN NULL;
		END IF;
	END IF;

	-- What a list item shows, for the rows where it changed.
	UPDATE doctor_list l SET slug = n.slug, title = n.title,
	    photo_url = n.photo_url, years_of_practice = n.years_of_practice
	FROM new_rows n
	WHERE l.doctor_id = n.id
	    AND (l.slug, l.title, l.photo_url, l.years_of_practice)
		IS DISTINCT FROM
		(n.slug::text, n.title, n.photo_url, n.years_of_practice);

	-- A change of speciality (rows that moved arrived with theirs).
	WITH c AS (SELECT l.position, l.speciality_id AS from_sp,
		s.id AS to_sp, s.slug, s.name
	    FROM new_rows n JOIN doctor_list l ON l.doctor_id = n.id
	    JOIN specialities s ON s.id = n.speciality_id
	    WHERE l.speciality_id <> n.speciality_id),
	u AS (UPDATE doctor_list l SET speciality_id = c.to_sp,
		speciality_slug = c.slug, speciality_name = c.name
	    FROM c WHERE l.position = c.position RETURNING l.position)
	SELECT array_agg(c.position::integer), array_agg(c.from_sp),
	    array_agg(c.to_sp)
	INTO moved_pos, from_sp, to_sp FROM c;
	IF moved_pos IS NOT NULL THEN
		PERFORM doctor_list_orders_patch(false, moved_pos, from_sp,
		    moved_pos, to_sp);
	END IF;
	RETURN NULL;
END $$;

-- sql/007's INSERT OR DELETE trigger rebuilt; these patch.
-- doctor_list_doctors_trunc (TRUNCATE: a rebuild) and sql/007's UPDATE
-- and speciality triggers stay.
DROP TRIGGER IF EXISTS doctor_list_doctors_insdel ON doctors;
DROP TRIGGER IF EXISTS doctor_list_doctors_ins ON doctors;
CREATE TRIGGER doctor_list_doctors_ins AFTER INSERT ON doctors
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION doctor_list_doctors_insert();
DROP TRIGGER IF EXISTS doctor_list_doctors_del ON doctors;
CREATE TRIGGER doctor_list_doctors_del AFTER DELETE ON doctors
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION doctor_list_doctors_delete();

-- Existing doctors: spread out, and their orders.
SELECT doctor_list_refill();
