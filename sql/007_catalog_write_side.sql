-- The catalog's write side (issue 10, point 3): a doctor update that
-- leaves the list order alone costs milliseconds instead of a rebuild.
--
-- Until now every statement that changed doctors (even one bio, which no
-- list shows) or a speciality's name or slug rebuilt doctor_list with its
-- statistics (sql/004, sql/005: about 0.5 s at 20,000 doctors, serialised).
-- The list structures stay as they are: the response cache makes misses
-- rare, but they are what a miss pays (a deep unfiltered page read through
-- doctor_list: 0.06 ms, through an OFFSET on doctors_name_id_idx: 5-6 ms;
-- a 1-2 letter q through doctor_search_pieces: 0.01-0.2 ms, without them
-- 2.5-6 ms; bench/RESULTS.md "#10 catalog write side").  What changes is
-- how a write keeps them:
--
--  - an UPDATE of doctors that changes no name (nor an id): the changed
--    rows of doctor_list are patched by doctor_id, nothing else; columns
--    no list shows (bio, user_id, created_at) touch nothing at all;
--  - the same with a change of speciality: the doctor's row gets the new
--    speciality, and speciality_position is renumbered within the
--    specialities concerned only (global positions and names are as they
--    were, so doctor_search and its pieces stay);
--  - an UPDATE of a speciality's name or slug: the speciality columns of
--    its doctors' rows are patched;
--  - a rename, an insert, a delete or a TRUNCATE of doctors still rebuilds
--    (doctor_list_refill(), sql/005): every later position moves, and
--    moving them row by row measured no cheaper than the rebuild (about
--    0.4 s for an insert in the middle of the 20,000: doctor_list,
--    doctor_search and every piece list each rewrite half the catalog);
--    the rebuild now also merges the trigram index's pending list, which
--    made every q after it slow until the next vacuum.
--
-- Writes from practices (doctor_has_hospital: fee, hospital links) never
-- touched the derived tables and still do not.  sql/006's NOTIFY triggers
-- are per table and statement and are left alone: every catalog write
-- still notifies.
--
-- Runs once, inside one transaction, like every migration; idempotent
-- besides (DROP ... IF EXISTS, CREATE OR REPLACE), and independent of
-- sql/008 (it may run after it).

-- A speciality's positions are renumbered in place, and mid-statement one
-- row can briefly hold the number another is leaving: the index must not
-- be unique for that.  Its columns, and so the speciality pages it cuts,
-- are the same.
DROP INDEX IF EXISTS doctor_list_speciality_idx;
CREATE INDEX IF NOT EXISTS doctor_list_speciality_position_idx
	ON doctor_list (speciality_id, speciality_position);

-- Statement level, with the statement's old and new rows: a bulk UPDATE
-- that renames pays one rebuild, not one per row.
CREATE OR REPLACE FUNCTION doctor_list_doctors_update() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	moved bigint[];
BEGIN
	-- The same lock as doctor_list_refill(): a patch and a concurrent
	-- rebuild take turns, and each sees what the other committed (a
	-- patch applied under a rebuild's snapshot would be lost).
	PERFORM 1 FROM catalog_counts WHERE name = 'doctors' FOR UPDATE;
	-- A rename moves positions; a new id (SET id = DEFAULT) too.
	IF EXISTS (SELECT 1 FROM new_rows n
	    LEFT JOIN old_rows o ON o.id = n.id
	    WHERE o.id IS NULL OR n.name IS DISTINCT FROM o.name) THEN
		PERFORM doctor_list_refill();
		RETURN NULL;
	END IF;

	-- What a list item shows, for the rows where it changed.
	UPDATE doctor_list l SET slug = n.slug, title = n.title,
	    photo_url = n.photo_url, years_of_practice = n.years_of_practice
	FROM new_rows n
	WHERE l.doctor_id = n.id
	    AND (l.slug, l.title, l.photo_url, l.years_of_practice)
		IS DISTINCT FROM
		(n.slug::text, n.title, n.photo_url, n.years_of_practice);

	-- A change of speciality: the row moves to the other speciality, and
	-- both specialities are renumbered in list order (position).
	SELECT array_agg(DISTINCT x) INTO moved
	FROM old_rows o JOIN new_rows n ON n.id = o.id,
	    LATERAL (VALUES (o.speciality_id), (n.speciality_id)) v(x)
	WHERE o.speciality_id <> n.speciality_id;
	IF moved IS NOT NULL THEN
		UPDATE doctor_list l SET speciality_id = s.id,
		    speciality_slug = s.slug, speciality_name = s.name
		FROM new_rows n JOIN specialities s ON s.id = n.speciality_id
		WHERE l.doctor_id = n.id AND l.speciality_id <> n.speciality_id;
		UPDATE doctor_list l SET speciality_position = r.rn
		FROM (SELECT doctor_id, row_number() OVER
			(PARTITION BY speciality_id ORDER BY position) AS rn
		    FROM doctor_list WHERE speciality_id = ANY (moved)) r
		WHERE l.doctor_id = r.doctor_id
		    AND l.speciality_position <> r.rn;
	END IF;
	RETURN NULL;
END $$;

-- A speciality's name or slug: shown in each of its doctors' rows, the
-- order (by doctor name) does not change.
CREATE OR REPLACE FUNCTION doctor_list_specialities_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o ON o.id = n.id
	    WHERE (n.slug, n.name) IS DISTINCT FROM (o.slug, o.name)) THEN
		RETURN NULL;
	END IF;
	PERFORM 1 FROM catalog_counts WHERE name = 'doctors' FOR UPDATE;
	UPDATE doctor_list l SET speciality_slug = n.slug,
	    speciality_name = n.name
	FROM new_rows n
	WHERE l.speciality_id = n.id
	    AND (l.speciality_slug, l.speciality_name)
		IS DISTINCT FROM (n.slug::text, n.name);
	RETURN NULL;
END $$;

-- sql/005's doctor_search_refill(), and then the trigram index's pending
-- list merged at once.  A refill re-inserts every name into doctor_search;
-- GIN keeps new entries in a pending list (fastupdate) that every search
-- reads through until the next vacuum: q 'siti' 8.7 ms after a rename
-- instead of 0.7 ms (20,000 doctors).  Merging costs about 60 ms of the
-- refill's 0.4 s or more; fastupdate = off instead made a rename 5-11 s.
-- gin_clean_pending_list() is for the index's owner: a writer who is not
-- leaves the merge to autovacuum rather than fail.
CREATE OR REPLACE FUNCTION doctor_search_refill() RETURNS void
LANGUAGE plpgsql
SET work_mem = '64MB' SET jit = off
AS $$
BEGIN
	DELETE FROM doctor_search;
	INSERT INTO doctor_search (position, name_lower)
	SELECT position, lower(name) FROM doctor_list;
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
	ANALYZE doctor_search;
	IF pg_has_role((SELECT relowner FROM pg_class
	    WHERE oid = 'doctor_search_trgm_idx'::regclass), 'USAGE') THEN
		PERFORM gin_clean_pending_list('doctor_search_trgm_idx'::regclass);
	END IF;
END $$;

-- sql/004's triggers rebuilt on every statement; these rebuild only on
-- inserts, deletes and TRUNCATE (doctor_list_doctors_trunc stays).
DROP TRIGGER IF EXISTS doctor_list_doctors ON doctors;
DROP TRIGGER IF EXISTS doctor_list_doctors_insdel ON doctors;
CREATE TRIGGER doctor_list_doctors_insdel
	AFTER INSERT OR DELETE ON doctors
	FOR EACH STATEMENT EXECUTE FUNCTION doctor_list_rebuild();
-- Transition tables need one event per trigger and no column list.
DROP TRIGGER IF EXISTS doctor_list_doctors_upd ON doctors;
CREATE TRIGGER doctor_list_doctors_upd AFTER UPDATE ON doctors
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION doctor_list_doctors_update();
DROP TRIGGER IF EXISTS doctor_list_specialities ON specialities;
DROP TRIGGER IF EXISTS doctor_list_specialities_upd ON specialities;
CREATE TRIGGER doctor_list_specialities_upd AFTER UPDATE ON specialities
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION doctor_list_specialities_update();
