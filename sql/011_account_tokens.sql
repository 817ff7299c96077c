-- Password reset and email verification (issue 13 points 2 and 3,
-- docs/API.md §10).  The tokens travel in mails (mail_outbox, 010): 256
-- random bits, base64url; only the SHA-256 of that text is stored, so a
-- copy of the database redeems nothing.  A token is spent by setting
-- used_at (compare-and-set in the redeeming statement), which also keeps
-- the rows a per-account mail cap counts.  A new token of one purpose
-- marks the user's older unused ones used in the same statement: only the
-- latest mail works.
--
-- Idempotent: IF NOT EXISTS throughout.

-- NULL until the owner follows a verification (or reset) link.  Accounts
-- that existed before this migration start unverified; with
-- require_verified_email off (the default) nothing changes for them.
ALTER TABLE users ADD COLUMN IF NOT EXISTS email_verified_at timestamptz;

CREATE TABLE IF NOT EXISTS account_tokens (
	id		bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	user_id		bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	purpose		text NOT NULL CHECK (purpose IN ('reset', 'verify')),
	token_sha256	bytea NOT NULL UNIQUE CHECK (length(token_sha256) = 32),
	created_at	timestamptz NOT NULL DEFAULT now(),
	expires_at	timestamptz NOT NULL,
	used_at		timestamptz
);
-- The per-account cap and the superseding both look up a user's tokens
-- of one purpose by age.
CREATE INDEX IF NOT EXISTS account_tokens_user_purpose_idx
	ON account_tokens (user_id, purpose, created_at);
