-- Patient accounts, login protection and avatars (issue 3; docs/API.md §3, §4,
-- §6).  Applied by `cexup-api migrate` inside one transaction.

-- Failed logins, shared by every node.  key is 'user:<id>' when the
-- identifier (email or username) names an account, else 'id:<lower-cased
-- identifier>', so switching between email, username and letter case
-- gains nothing, and unknown emails lock exactly like known ones.
CREATE TABLE login_failures (
	key		text PRIMARY KEY CHECK (length(key) BETWEEN 4 AND 300),
	failures	integer NOT NULL CHECK (failures > 0),
	locked_until	timestamptz,
	last_failure_at	timestamptz NOT NULL DEFAULT now()
);
-- Lets a janitor (or an operator) drop counters nobody touched for a while.
CREATE INDEX login_failures_last_failure_at_idx
	ON login_failures (last_failure_at);

-- Lockout length after `failures` failures (docs/API.md §6): none below the
-- threshold, then base seconds doubling with each further failure, capped.
-- The exponent is capped too, so a huge counter cannot overflow.
CREATE FUNCTION login_lock_seconds(failures integer, threshold integer,
    base_seconds integer, max_seconds integer) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT AS $$
	SELECT CASE WHEN failures < threshold THEN 0
	ELSE least(max_seconds::bigint,
	    base_seconds::bigint << least(failures - threshold, 30))::integer
	END
$$;

-- When a key with `failures` failures is locked until (NULL: not locked).
CREATE FUNCTION login_locked_until(failures integer, threshold integer,
    base_seconds integer, max_seconds integer) RETURNS timestamptz
LANGUAGE sql STABLE STRICT AS $$
	SELECT CASE WHEN failures < threshold THEN NULL
	ELSE now() + make_interval(secs => login_lock_seconds(failures,
	    threshold, base_seconds, max_seconds))
	END
$$;

-- One avatar per user, in the database so that every node can serve it.
-- sha256 (hex) is the ETag; its first 8 digits version photo_url.
CREATE TABLE avatars (
	user_id		bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
	content		bytea NOT NULL CHECK (length(content) BETWEEN 1 AND 2097152),
	content_type	text NOT NULL
			CHECK (content_type IN ('image/png', 'image/jpeg',
			'image/webp')),
	sha256		text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	updated_at	timestamptz NOT NULL DEFAULT now()
);

-- The avatar's hash on the user row itself, so that every user query can
-- build photo_url without a join.
ALTER TABLE users ADD COLUMN avatar_sha256 text
	CHECK (avatar_sha256 ~ '^[0-9a-f]{64}$');

-- Revoking a session (logout, refresh-token reuse) looks sessions up by id;
-- audit queries look events up by kind and time.
CREATE INDEX auth_events_event_at_idx ON auth_events (event, at);
