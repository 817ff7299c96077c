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
--    dropped, and the unfiltered list and each speciality are stored as
--    sorted lists of positions in doctor_list_orders, exactly as the
--    pieces are in doctor_search_pieces (sql/005).  A page of any of the
--    three is one slice of one integer[] joined to doctor_list by
--    position; its total is the list's cardinality();
--  - a statement that inserts, deletes or renames doctors removes and
--    inserts the rows concerned in doctor_list and doctor_search, and
--    patches only the lists concerned: the whole list, the specialities,
--    the pieces of the old and the new lower-cased names (the lists stay
--    sorted: intarray's - and | sort and deduplicate).
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
-- bench/RESULTS.md "#10 sparse positions"): a rename 1,905 -> 17.6 ms, an
-- insert 1,779 -> 14.6 ms, a delete 1,656 -> 15.8 ms, a change of
-- speciality 41.8 -> 1.6 ms.  Still above 10 ms for the first three: most
-- of it (13-17 ms of a rename) is rewriting the piece lists of the name,
-- whose one-letter pieces hold most of the catalog; lists split into small
-- chunks would be the next step.  Misses: the last unfiltered page 0.05 ->
-- 0.19 ms (a slice of an 80 kB list instead of an index range), speciality
-- pages equal.

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

-- The sorted positions of the whole list (kind 'all', key 0) and of each
-- speciality (kind 'speciality', key its id): the pieces' structure.
CREATE TABLE IF NOT EXISTS doctor_list_orders (
	kind		text NOT NULL CHECK (kind IN ('all', 'speciality')),
	key		bigint NOT NULL,
	positions	integer[] NOT NULL,
	PRIMARY KEY (kind, key)
);

-- A patch rewrites whole lists (up to 20,000 integers, 80 kB): stored
-- out of line uncompressed, since sorted sparse integers do not compress
-- and every rewrite paid a failed pglz attempt.  Measured on the scale
-- data (20,000 doctors, one rename: about 40 pieces, 184,000 positions
-- rewritten): 40 ms a rename with EXTENDED, 22 ms with EXTERNAL.
ALTER TABLE doctor_search_pieces ALTER positions SET STORAGE EXTERNAL;
ALTER TABLE doctor_list_orders ALTER positions SET STORAGE EXTERNAL;

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
	DELETE FROM doctor_list_orders;
	INSERT INTO doctor_list_orders (kind, key, positions)
	SELECT 'all', 0, ARRAY(SELECT position::integer FROM doctor_list
	    ORDER BY position);
	INSERT INTO doctor_list_orders (kind, key, positions)
	SELECT 'speciality', speciality_id,
	    array_agg(position::integer ORDER BY position)
	FROM doctor_list GROUP BY speciality_id;
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

-- Positions out of and into the lists of doctor_list_orders: gone_pos[i]
-- leaves speciality gone_sp[i], came_pos[i] joins came_sp[i], and with
-- whole, the list of all doctors too.  Out before in, so a doctor who
-- keeps its position stays; intarray's - and | return sorted lists
-- without repeats.
CREATE OR REPLACE FUNCTION doctor_list_orders_patch(whole boolean,
    gone_pos integer[], gone_sp bigint[], came_pos integer[],
    came_sp bigint[]) RETURNS void
LANGUAGE sql AS $$
	WITH delta(kind, key, position, arrives) AS (
		SELECT 'speciality', g.sp, g.p, false
		FROM unnest(gone_pos, gone_sp) g(p, sp)
		UNION ALL
		SELECT 'speciality', c.sp, c.p, true
		FROM unnest(came_pos, came_sp) c(p, sp)
		UNION ALL
		SELECT 'all', 0, p, false FROM unnest(gone_pos) p WHERE whole
		UNION ALL
		SELECT 'all', 0, p, true FROM unnest(came_pos) p WHERE whole),
	per_list AS (SELECT kind, key,
		coalesce(array_agg(position) FILTER (WHERE NOT arrives),
		    '{}') AS minus,
		coalesce(intarray.sort(array_agg(position)
		    FILTER (WHERE arrives)), '{}') AS plus
	    FROM delta GROUP BY kind, key),
	patched AS (UPDATE doctor_list_orders o
		SET positions = (o.positions OPERATOR(intarray.-) p.minus)
		    OPERATOR(intarray.|) p.plus
	    FROM per_list p WHERE o.kind = p.kind AND o.key = p.key
	    RETURNING o.kind, o.key)
	INSERT INTO doctor_list_orders (kind, key, positions)
	SELECT kind, key, plus FROM per_list p
	WHERE NOT EXISTS (SELECT 1 FROM patched x
	    WHERE x.kind = p.kind AND x.key = p.key)
$$;

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
	WITH delta(piece, position, arrives) AS (
		SELECT pc, g.p, false
		FROM unnest(gone_pos, gone_name) g(p, nm),
		    doctor_name_pieces(g.nm) pc
		UNION ALL
		SELECT pc, s.position::integer, true
		FROM doctor_search s, doctor_name_pieces(s.name_lower) pc
		WHERE s.position = ANY (came_pos)),
	per_piece AS (SELECT piece,
		coalesce(array_agg(position) FILTER (WHERE NOT arrives),
		    '{}') AS minus,
		coalesce(intarray.sort(array_agg(position)
		    FILTER (WHERE arrives)), '{}') AS plus
	    FROM delta GROUP BY piece),
	-- Each piece's list after the statement, computed once: a piece
	-- no name holds any more loses its row (no row: no match).
	result AS (SELECT pp.piece, ps.piece IS NOT NULL AS stored,
		CASE WHEN ps.piece IS NULL THEN pp.plus
		ELSE (ps.positions OPERATOR(intarray.-) pp.minus)
		    OPERATOR(intarray.|) pp.plus END AS positions
	    FROM per_piece pp
	    LEFT JOIN doctor_search_pieces ps ON ps.piece = pp.piece),
	emptied AS (DELETE FROM doctor_search_pieces ps USING result r
	    WHERE ps.piece = r.piece AND r.stored AND r.positions = '{}'),
	patched AS (UPDATE doctor_search_pieces ps SET positions = r.positions
	    FROM result r
	    WHERE ps.piece = r.piece AND r.stored AND r.positions <> '{}')
	INSERT INTO doctor_search_pieces (piece, positions)
	SELECT piece, positions FROM result
	WHERE NOT stored AND positions <> '{}';
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
