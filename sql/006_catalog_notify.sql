-- Invalidation of the workers' catalog response caches (issue 10,
-- src/http/respcache.h).  Every statement that changes a table the cached
-- routes read sends NOTIFY cexup_catalog; each api worker LISTENs and
-- empties its whole cache when one arrives.  PostgreSQL delivers the
-- notification at commit (never for a rolled-back write) and folds the
-- identical ones of a transaction into one, so a bulk load costs one
-- message, not one per row or per statement.
--
-- Statement level, and also on TRUNCATE: a per-row trigger would cost
-- every row of a bulk load.  The derived tables get the trigger too (when
-- they exist) so that a direct repair of one is also seen; a write to a
-- base table notifies already.
--
-- Idempotent: CREATE OR REPLACE, and DROP TRIGGER IF EXISTS before each
-- CREATE TRIGGER.

CREATE OR REPLACE FUNCTION catalog_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('cexup_catalog', '');
	RETURN NULL;
END
$$;

DO $$
DECLARE
	t text;
BEGIN
	FOREACH t IN ARRAY ARRAY['specialities', 'doctors', 'hospitals',
	    'doctor_has_hospital', 'articles', 'catalog_counts',
	    'catalog_page_marks', 'speciality_doctor_counts', 'doctor_list',
	    'doctor_search', 'doctor_search_pieces']
	LOOP
		IF to_regclass(t) IS NULL THEN
			CONTINUE;
		END IF;
		EXECUTE format('DROP TRIGGER IF EXISTS %I ON %I',
		    t || '_catalog_notify', t);
		EXECUTE format('CREATE TRIGGER %I AFTER INSERT OR UPDATE OR '
		    'DELETE OR TRUNCATE ON %I FOR EACH STATEMENT '
		    'EXECUTE FUNCTION catalog_notify()',
		    t || '_catalog_notify', t);
	END LOOP;
END
$$;
