-- Booking (issue 14, docs/API.md §3): patients book the slots that
-- get-time-list shows.  PostgreSQL, not the application, refuses a double
-- booking, so any number of workers and nodes racing for one slot leave
-- exactly one appointment: the exclusion constraints below are checked
-- against every committed and in-progress row.
--
-- btree_gist gives bigint the = operator class of GiST that an exclusion
-- constraint mixing a key with a time range needs.  A trusted extension
-- since PostgreSQL 13 (contrib, Debian's `postgresql` package), so the
-- database owner may create it.
CREATE EXTENSION IF NOT EXISTS btree_gist;

-- The patient's note for the doctor (optional, as typed).
ALTER TABLE appointments ADD COLUMN note text
	CHECK (note IS NULL OR length(note) <= 1000);

-- One doctor is never booked for two overlapping times, at any of their
-- hospitals; one patient never holds two overlapping appointments.
-- Cancelled rows are left out, so cancelling frees the time at once.
-- '[)': a booking ending at 10:00 and one starting at 10:00 do not
-- overlap.  (appointments_doctor_slot_key of 003 stays: it is the index
-- get-time-list searches, and it refuses the same start with 23505.)
ALTER TABLE appointments ADD CONSTRAINT appointments_doctor_no_overlap
	EXCLUDE USING gist (doctor_id WITH =,
	    tstzrange(starts_at, ends_at, '[)') WITH &&)
	WHERE (cancelled_at IS NULL);
ALTER TABLE appointments ADD CONSTRAINT appointments_patient_no_overlap
	EXCLUDE USING gist (patient_id WITH =,
	    tstzrange(starts_at, ends_at, '[)') WITH &&)
	WHERE (cancelled_at IS NULL);

-- A patient's list of appointments, upcoming first (the index of 003 on
-- (patient_id, starts_at) serves it).

-- Idempotency-Key (docs/API.md §3): the first answer to a key, per user,
-- kept for 24 hours.  The row is written in the transaction of the action
-- it answers, so an action never commits without its key, and a second
-- request with the key waits on the first's uncommitted row (the primary
-- key) instead of acting twice.
CREATE TABLE idempotency_keys (
	user_id		bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	key		text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
	-- SHA-256 of route and body: the same key with another request is 422.
	request_hash	bytea NOT NULL,
	status		smallint NOT NULL CHECK (status BETWEEN 100 AND 599),
	body		text NOT NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (user_id, key)
);
-- Expiry: rows older than 24 h are ignored and replaced on use, and
-- removed in bulk by this index's range.
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
