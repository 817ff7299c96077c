-- Accounts, client apps, sessions and refresh tokens (docs/API.md §2-§4, §6).
-- Applied by `cexup-api migrate` inside one transaction.

CREATE TABLE users (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name		text NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
	-- stored as given (trimmed); matched lower-cased everywhere
	email		text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
	-- NULL for fdelux registrations; Cexup usernames match ^[a-zA-Z]+[0-9]*$
	username	text CHECK (username ~ '^[a-zA-Z]+[0-9]*$'),
	password_hash	text NOT NULL,
	role		text NOT NULL DEFAULT 'patient'
			CHECK (role IN ('patient', 'doctor', 'admin')),
	phone_number	text,
	city		text,
	address		text,
	postal_code	text,
	gender		text CHECK (gender IN ('male', 'female')),
	id_type		text CHECK (id_type IN ('ktp', 'nik', 'passport', 'kitas')),
	id_number	text,
	created_at	timestamptz NOT NULL DEFAULT now(),
	updated_at	timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username))
	WHERE username IS NOT NULL;

-- White-label client apps; only the SHA-256 of each key is stored.
CREATE TABLE api_clients (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name		text NOT NULL,
	key_hash	bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
	created_at	timestamptz NOT NULL DEFAULT now(),
	revoked_at	timestamptz
);

-- One row per login; access tokens carry its id as "sid".
CREATE TABLE sessions (
	id		uuid PRIMARY KEY DEFAULT gen_random_uuid(),
	user_id		bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	api_client_id	bigint REFERENCES api_clients (id) ON DELETE SET NULL,
	created_at	timestamptz NOT NULL DEFAULT now(),
	last_seen_at	timestamptz NOT NULL DEFAULT now(),
	revoked_at	timestamptz,
	revoked_reason	text,
	remote_addr	text,
	user_agent	text
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- Refresh tokens: SHA-256 only.  A spent token keeps its row (spent_at)
-- so that presenting it again is recognised as reuse.
CREATE TABLE refresh_tokens (
	token_hash	bytea PRIMARY KEY CHECK (length(token_hash) = 32),
	session_id	uuid NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
	issued_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	spent_at	timestamptz
);
CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);

-- Audit trail of authentication events; never a password or token.
CREATE TABLE auth_events (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	at		timestamptz NOT NULL DEFAULT now(),
	event		text NOT NULL,
	user_id		bigint REFERENCES users (id) ON DELETE SET NULL,
	session_id	uuid,
	api_client_id	bigint,
	identifier	text,
	remote_addr	text,
	user_agent	text
);
CREATE INDEX auth_events_user_id_at_idx ON auth_events (user_id, at);
