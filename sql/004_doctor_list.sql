-- The doctor list as POST /api/doctor serves it: one row per doctor holding
-- everything a list item shows, numbered in list order (name, id) overall
-- and within the doctor's speciality.
--
-- A page of the unfiltered list is then one range of `position`, a page of
-- a speciality one range of (speciality_id, speciality_position): ten rows
-- read from one index, no join, no skipped entries however deep the page.
-- Filtered lists (hospital, q) collect their matches here (names through
-- doctor_search) and sort them by the integer position.  On the scale
-- data this cuts the statements' PostgreSQL time to a third for
-- unfiltered and speciality pages and by half for a hospital
-- (bench/RESULTS.md).
--
-- The price is paid by writes: every statement that changes doctors, or
-- the name or slug of a speciality, rebuilds the tables and their
-- statistics (20,000 doctors: about 0.6 s).  Doctors are written only by
-- catalog administration, never by a request (a doctor's own profile
-- update changes their account, not this list).
--
-- Replaces sql/003's doctor_names (name search) and the doctors' page
-- marks, which this table makes unnecessary.

CREATE TABLE doctor_list (
	position		bigint PRIMARY KEY CHECK (position > 0),
	speciality_position	bigint NOT NULL CHECK (speciality_position > 0),
	doctor_id		bigint NOT NULL UNIQUE,
	slug			text NOT NULL,
	name			text NOT NULL,
	title			text,
	photo_url		text,
	years_of_practice	integer,
	speciality_id		bigint NOT NULL,
	speciality_slug		text NOT NULL,
	speciality_name		text NOT NULL
);
-- POST /api/doctor with speciality: a page is one range of this index.
CREATE UNIQUE INDEX doctor_list_speciality_idx
	ON doctor_list (speciality_id, speciality_position);

-- The case-insensitive name search (q): the lower-cased names by position,
-- narrow so that the hundreds of rows a common fragment matches sit in few
-- pages, and lower-cased once here so that a search is LIKE, not ILIKE
-- (which lower-cases every candidate again: 0.18 against 0.30 ms to count
-- 500 matches).  LIKE lower(pattern) on lower(name) is what ILIKE does.
CREATE TABLE doctor_search (
	position	bigint PRIMARY KEY,
	name_lower	text NOT NULL
);
CREATE INDEX doctor_search_trgm_idx ON doctor_search
	USING gin (name_lower gin_trgm_ops);

CREATE FUNCTION doctor_list_refill() RETURNS void
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
	DELETE FROM doctor_search;
	INSERT INTO doctor_search (position, name_lower)
	SELECT position, lower(name) FROM doctor_list;
	-- Fresh statistics at once, not when autovacuum gets round to it: a
	-- generic plan made before then would scan doctor_search instead of
	-- using its trigram index (measured: 1.5-4.5 ms instead of 0.3 ms).
	ANALYZE doctor_list, doctor_search;
END $$;

CREATE FUNCTION doctor_list_rebuild() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM doctor_list_refill();
	RETURN NULL;
END $$;

CREATE TRIGGER doctor_list_doctors
	AFTER INSERT OR DELETE OR UPDATE ON doctors
	FOR EACH STATEMENT EXECUTE FUNCTION doctor_list_rebuild();
CREATE TRIGGER doctor_list_doctors_trunc AFTER TRUNCATE ON doctors
	FOR EACH STATEMENT EXECUTE FUNCTION doctor_list_rebuild();
CREATE TRIGGER doctor_list_specialities
	AFTER UPDATE OF slug, name ON specialities
	FOR EACH STATEMENT EXECUTE FUNCTION doctor_list_rebuild();

-- What doctor_list replaces.
DROP TRIGGER doctor_names_ins ON doctors;
DROP TRIGGER doctor_names_upd ON doctors;
DROP FUNCTION doctor_names_sync();
DROP TABLE doctor_names;
DROP TRIGGER doctors_page_marks ON doctors;
DROP TRIGGER doctors_page_marks_trunc ON doctors;
DELETE FROM catalog_page_marks WHERE list = 'doctors';

-- Existing doctors.
SELECT doctor_list_refill();
