-- Catalog and scheduling (docs/API.md §3, §5): specialities, doctors,
-- hospitals, where each doctor practises, weekly schedules, booked
-- appointments and articles.  Applied by `cexup-api migrate` inside one
-- transaction.
--
-- Every list route reads one page through an index (see the comments at
-- each index) and takes its unfiltered `total` from catalog_counts, kept
-- exact by statement-level triggers, so no request counts a whole table.
-- Deep pages of hospitals and articles start from catalog_page_marks, so
-- no page skips more than a hundred index entries however long the list;
-- the doctors' marks were replaced by doctor_list in 004_doctor_list.sql.

-- Trigram index for the case-insensitive name search of POST /api/doctor.
-- A trusted extension since PostgreSQL 13: the database owner may create it.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- URL-safe identifiers clients send back (doctor/show?slug=...).
CREATE DOMAIN catalog_slug AS text
	CHECK (VALUE ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(VALUE) <= 200);

CREATE TABLE specialities (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	slug		catalog_slug NOT NULL UNIQUE,
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
	description	text,
	created_at	timestamptz NOT NULL DEFAULT now()
);
-- GET /api/speciality: ORDER BY name, id.
CREATE INDEX specialities_name_id_idx ON specialities (name, id);

CREATE TABLE doctors (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	slug		catalog_slug NOT NULL UNIQUE,
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
	-- Academic/professional title as written after or before the name,
	-- e.g. "Sp.PD" or "dr.".
	title		text,
	speciality_id	bigint NOT NULL REFERENCES specialities (id),
	bio		text,
	photo_url	text,
	years_of_practice integer CHECK (years_of_practice BETWEEN 0 AND 80),
	-- The doctor's own account (role doctor), if they have one.
	user_id		bigint UNIQUE REFERENCES users (id) ON DELETE SET NULL,
	created_at	timestamptz NOT NULL DEFAULT now()
);
-- POST /api/doctor without filters: ORDER BY name, id (index-only skip).
CREATE INDEX doctors_name_id_idx ON doctors (name, id);
-- ... filtered by speciality: the same order within one speciality, and
-- the filtered total as an index-only count.
CREATE INDEX doctors_speciality_name_id_idx ON doctors
	(speciality_id, name, id);

-- The names again, for the q search of POST /api/doctor (ILIKE '%q%'):
-- a trigram match must be rechecked on the row, and the rows here are a
-- fraction of the size of doctors', so a search reads far fewer pages.
-- Kept by the triggers below; rows go with their doctor (ON DELETE CASCADE).
CREATE TABLE doctor_names (
	doctor_id	bigint PRIMARY KEY REFERENCES doctors (id)
			ON DELETE CASCADE,
	name		text NOT NULL
);
CREATE INDEX doctor_names_trgm_idx ON doctor_names
	USING gin (name gin_trgm_ops);

CREATE FUNCTION doctor_names_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO doctor_names (doctor_id, name)
		SELECT id, name FROM new_rows;
	ELSE
		UPDATE doctor_names n SET name = nr.name
		FROM new_rows nr
		WHERE n.doctor_id = nr.id AND n.name IS DISTINCT FROM nr.name;
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER doctor_names_ins AFTER INSERT ON doctors
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION doctor_names_sync();
CREATE TRIGGER doctor_names_upd AFTER UPDATE ON doctors
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION doctor_names_sync();

CREATE TABLE hospitals (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	slug		catalog_slug NOT NULL UNIQUE,
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
	address		text NOT NULL,
	city		text NOT NULL,
	phone		text,
	photo_url	text,
	created_at	timestamptz NOT NULL DEFAULT now()
);
-- POST /api/hospital: ORDER BY name, id.
CREATE INDEX hospitals_name_id_idx ON hospitals (name, id);

-- Where a doctor practises.  Its id is what clients send to
-- get-time-list as doctor_has_hospital_id.
CREATE TABLE doctor_has_hospital (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	doctor_id	bigint NOT NULL REFERENCES doctors (id) ON DELETE CASCADE,
	hospital_id	bigint NOT NULL REFERENCES hospitals (id)
			ON DELETE CASCADE,
	-- Rupiah; whole amounts.
	consultation_fee bigint NOT NULL CHECK (consultation_fee >= 0),
	offers_online	boolean NOT NULL DEFAULT false,
	offers_offline	boolean NOT NULL DEFAULT true,
	CHECK (offers_online OR offers_offline),
	-- Lets appointments reference (id, doctor_id) so that the doctor of
	-- an appointment is always the doctor of its doctor_has_hospital.
	UNIQUE (id, doctor_id),
	-- doctor/show lists a doctor's hospitals through this index.
	UNIQUE (doctor_id, hospital_id)
);
-- hospital/show and the hospital filter of POST /api/doctor.
CREATE INDEX doctor_has_hospital_hospital_idx ON doctor_has_hospital
	(hospital_id, doctor_id);

-- Weekly schedule: on ISO weekday `weekday` (1 = Monday .. 7 = Sunday),
-- slots of slot_minutes from start_time while they end by end_time, in
-- the configured time zone (config key `timezone`).
CREATE TABLE doctor_schedules (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	doctor_has_hospital_id bigint NOT NULL
			REFERENCES doctor_has_hospital (id) ON DELETE CASCADE,
	weekday		smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
	start_time	time NOT NULL,
	end_time	time NOT NULL,
	-- At most 240: the booked-slot lookup of get-time-list relies on it.
	slot_minutes	smallint NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
	appointment	text NOT NULL CHECK (appointment IN ('online', 'offline')),
	CHECK (end_time > start_time)
);
-- get-time-list: the schedules of one doctor_has_hospital on one weekday.
CREATE INDEX doctor_schedules_dhh_weekday_idx ON doctor_schedules
	(doctor_has_hospital_id, weekday);

-- One row per booked slot.  A doctor cannot be booked twice for the same
-- start time, at any of their hospitals: the unique index below makes a
-- double booking fail in PostgreSQL, whatever the application does.
CREATE TABLE appointments (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	doctor_has_hospital_id bigint NOT NULL,
	doctor_id	bigint NOT NULL,
	patient_id	bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	appointment	text NOT NULL CHECK (appointment IN ('online', 'offline')),
	starts_at	timestamptz NOT NULL,
	ends_at		timestamptz NOT NULL,
	cancelled_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	FOREIGN KEY (doctor_has_hospital_id, doctor_id)
		REFERENCES doctor_has_hospital (id, doctor_id) ON DELETE CASCADE,
	-- Same bound as doctor_schedules.slot_minutes.
	CHECK (ends_at > starts_at AND ends_at <= starts_at + interval '240 minutes')
);
-- The double-booking guard, and get-time-list's lookup of the doctor's
-- bookings around each slot.
CREATE UNIQUE INDEX appointments_doctor_slot_key ON appointments
	(doctor_id, starts_at) WHERE cancelled_at IS NULL;
-- A patient's appointments (and the FK's ON DELETE).
CREATE INDEX appointments_patient_idx ON appointments (patient_id, starts_at);
-- ON DELETE CASCADE from doctor_has_hospital.
CREATE INDEX appointments_dhh_idx ON appointments (doctor_has_hospital_id);

CREATE TABLE articles (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	slug		catalog_slug NOT NULL UNIQUE,
	title		text NOT NULL CHECK (length(title) BETWEEN 1 AND 255),
	excerpt		text,
	body		text NOT NULL,
	thumbnail_url	text,
	author		text NOT NULL,
	status		text NOT NULL DEFAULT 'draft'
			CHECK (status IN ('draft', 'published')),
	published_at	timestamptz,
	created_at	timestamptz NOT NULL DEFAULT now(),
	CHECK (status = 'draft' OR published_at IS NOT NULL)
);
-- POST /api/article: published only, newest first.
CREATE INDEX articles_published_idx ON articles (published_at DESC, id DESC)
	WHERE status = 'published';

-- Exact row counts of the unfiltered lists, so that `total` costs one
-- primary-key lookup instead of a count of the table.  Kept by the
-- statement-level triggers below (one update per statement, also for bulk
-- loads).  Names: specialities, doctors, hospitals, articles_published.
CREATE TABLE catalog_counts (
	name		text PRIMARY KEY,
	n		bigint NOT NULL CHECK (n >= 0)
);
INSERT INTO catalog_counts (name, n) VALUES
	('specialities', 0), ('doctors', 0), ('hospitals', 0),
	('articles_published', 0);

CREATE FUNCTION catalog_count_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	delta bigint;
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT count(*) INTO delta FROM new_rows;
	ELSIF TG_OP = 'DELETE' THEN
		SELECT -count(*) INTO delta FROM old_rows;
	ELSE	-- TRUNCATE
		UPDATE catalog_counts SET n = 0 WHERE name = TG_ARGV[0];
		RETURN NULL;
	END IF;
	IF delta <> 0 THEN
		UPDATE catalog_counts SET n = n + delta WHERE name = TG_ARGV[0];
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER specialities_count_ins AFTER INSERT ON specialities
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_rows('specialities');
CREATE TRIGGER specialities_count_del AFTER DELETE ON specialities
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_rows('specialities');
CREATE TRIGGER specialities_count_trunc AFTER TRUNCATE ON specialities
	FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_rows('specialities');

CREATE TRIGGER doctors_count_ins AFTER INSERT ON doctors
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_rows('doctors');
CREATE TRIGGER doctors_count_del AFTER DELETE ON doctors
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_rows('doctors');
CREATE TRIGGER doctors_count_trunc AFTER TRUNCATE ON doctors
	FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_rows('doctors');

CREATE TRIGGER hospitals_count_ins AFTER INSERT ON hospitals
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_rows('hospitals');
CREATE TRIGGER hospitals_count_del AFTER DELETE ON hospitals
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_rows('hospitals');
CREATE TRIGGER hospitals_count_trunc AFTER TRUNCATE ON hospitals
	FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_rows('hospitals');

-- Articles count only while published, so updates that publish or
-- unpublish move the count too.
CREATE FUNCTION catalog_count_published_articles() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	delta bigint := 0;
	added bigint;
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		UPDATE catalog_counts SET n = 0
		    WHERE name = 'articles_published';
		RETURN NULL;
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		SELECT count(*) INTO added FROM new_rows
		    WHERE status = 'published';
		delta := delta + added;
	END IF;
	IF TG_OP IN ('DELETE', 'UPDATE') THEN
		SELECT count(*) INTO added FROM old_rows
		    WHERE status = 'published';
		delta := delta - added;
	END IF;
	IF delta <> 0 THEN
		UPDATE catalog_counts SET n = n + delta
		    WHERE name = 'articles_published';
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER articles_count_ins AFTER INSERT ON articles
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_published_articles();
CREATE TRIGGER articles_count_upd AFTER UPDATE ON articles
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_published_articles();
CREATE TRIGGER articles_count_del AFTER DELETE ON articles
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_published_articles();
CREATE TRIGGER articles_count_trunc AFTER TRUNCATE ON articles
	FOR EACH STATEMENT EXECUTE FUNCTION catalog_count_published_articles();

-- Page marks of the unfiltered lists: the sort key of every hundredth row
-- (0-based positions 100, 200, ...).  A page at OFFSET o starts its index
-- scan at the mark at or before o and skips fewer than 100 entries, instead
-- of o.  Rebuilt by a statement-level trigger after each statement that
-- changes a list's membership or order: catalog writes are rare and pay
-- one index-only scan of the list; reads stay bounded.
CREATE TABLE catalog_page_marks (
	list		text NOT NULL,		-- as in catalog_counts
	position	bigint NOT NULL CHECK (position > 0),
	sort_text	text,			-- doctors, hospitals: name
	sort_time	timestamptz,		-- articles_published: published_at
	id		bigint NOT NULL,
	PRIMARY KEY (list, position)
);

CREATE FUNCTION catalog_refresh_page_marks() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	list_name text := TG_ARGV[0];
BEGIN
	-- One rebuild at a time per list: concurrent writers queue here and
	-- each rebuild sees the rows committed before it.
	PERFORM 1 FROM catalog_counts WHERE name = list_name FOR UPDATE;
	DELETE FROM catalog_page_marks WHERE list = list_name;
	IF list_name = 'doctors' THEN
		INSERT INTO catalog_page_marks (list, position, sort_text, id)
		SELECT list_name, r.pos, r.name, r.id
		FROM (SELECT name, id,
		    row_number() OVER (ORDER BY name, id) - 1 AS pos
		    FROM doctors) r
		WHERE r.pos > 0 AND r.pos % 100 = 0;
	ELSIF list_name = 'hospitals' THEN
		INSERT INTO catalog_page_marks (list, position, sort_text, id)
		SELECT list_name, r.pos, r.name, r.id
		FROM (SELECT name, id,
		    row_number() OVER (ORDER BY name, id) - 1 AS pos
		    FROM hospitals) r
		WHERE r.pos > 0 AND r.pos % 100 = 0;
	ELSE
		INSERT INTO catalog_page_marks (list, position, sort_time, id)
		SELECT list_name, r.pos, r.published_at, r.id
		FROM (SELECT published_at, id, row_number() OVER
		    (ORDER BY published_at DESC, id DESC) - 1 AS pos
		    FROM articles WHERE status = 'published') r
		WHERE r.pos > 0 AND r.pos % 100 = 0;
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER doctors_page_marks
	AFTER INSERT OR DELETE OR UPDATE OF name ON doctors
	FOR EACH STATEMENT EXECUTE FUNCTION catalog_refresh_page_marks('doctors');
CREATE TRIGGER doctors_page_marks_trunc AFTER TRUNCATE ON doctors
	FOR EACH STATEMENT EXECUTE FUNCTION catalog_refresh_page_marks('doctors');
CREATE TRIGGER hospitals_page_marks
	AFTER INSERT OR DELETE OR UPDATE OF name ON hospitals
	FOR EACH STATEMENT EXECUTE FUNCTION
	catalog_refresh_page_marks('hospitals');
CREATE TRIGGER hospitals_page_marks_trunc AFTER TRUNCATE ON hospitals
	FOR EACH STATEMENT EXECUTE FUNCTION
	catalog_refresh_page_marks('hospitals');
CREATE TRIGGER articles_page_marks
	AFTER INSERT OR DELETE OR UPDATE OF status, published_at ON articles
	FOR EACH STATEMENT EXECUTE FUNCTION
	catalog_refresh_page_marks('articles_published');
CREATE TRIGGER articles_page_marks_trunc AFTER TRUNCATE ON articles
	FOR EACH STATEMENT EXECUTE FUNCTION
	catalog_refresh_page_marks('articles_published');

-- Doctors per speciality: the total of POST /api/doctor filtered by
-- speciality, the most common filter, without counting the index.  Kept
-- by a statement-level trigger like catalog_counts.
CREATE TABLE speciality_doctor_counts (
	speciality_id	bigint PRIMARY KEY REFERENCES specialities (id)
			ON DELETE CASCADE,
	n		bigint NOT NULL CHECK (n >= 0)
);

CREATE FUNCTION speciality_doctor_counts_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'TRUNCATE' THEN
		DELETE FROM speciality_doctor_counts;
	ELSIF TG_OP = 'INSERT' THEN
		INSERT INTO speciality_doctor_counts AS c (speciality_id, n)
		SELECT speciality_id, count(*) FROM new_rows
		GROUP BY speciality_id
		ON CONFLICT (speciality_id) DO UPDATE SET n = c.n + excluded.n;
	ELSIF TG_OP = 'DELETE' THEN
		UPDATE speciality_doctor_counts c SET n = c.n - o.k
		FROM (SELECT speciality_id, count(*) AS k FROM old_rows
		    GROUP BY speciality_id) o
		WHERE c.speciality_id = o.speciality_id;
	ELSE
		-- Only doctors who changed speciality move between counts.
		UPDATE speciality_doctor_counts c SET n = c.n - m.k
		FROM (SELECT o.speciality_id, count(*) AS k FROM old_rows o
		    JOIN new_rows nr ON nr.id = o.id
		    WHERE nr.speciality_id <> o.speciality_id
		    GROUP BY o.speciality_id) m
		WHERE c.speciality_id = m.speciality_id;
		INSERT INTO speciality_doctor_counts AS c (speciality_id, n)
		SELECT nr.speciality_id, count(*) FROM old_rows o
		JOIN new_rows nr ON nr.id = o.id
		WHERE nr.speciality_id <> o.speciality_id
		GROUP BY nr.speciality_id
		ON CONFLICT (speciality_id) DO UPDATE SET n = c.n + excluded.n;
	END IF;
	RETURN NULL;
END $$;

CREATE TRIGGER speciality_doctor_counts_ins AFTER INSERT ON doctors
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION speciality_doctor_counts_sync();
CREATE TRIGGER speciality_doctor_counts_upd AFTER UPDATE ON doctors
	REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION speciality_doctor_counts_sync();
CREATE TRIGGER speciality_doctor_counts_del AFTER DELETE ON doctors
	REFERENCING OLD TABLE AS old_rows
	FOR EACH STATEMENT EXECUTE FUNCTION speciality_doctor_counts_sync();
CREATE TRIGGER speciality_doctor_counts_trunc AFTER TRUNCATE ON doctors
	FOR EACH STATEMENT EXECUTE FUNCTION speciality_doctor_counts_sync();
