-- The mail outbox (issue 13 point 6).  A route that mails a token inserts
-- the row in the same transaction as the token, so a mail exists exactly
-- when its token does; `cexup-api mailer` sends it later over SMTP.
--
-- params holds the template's values (the raw reset/verify token among
-- them) only until the mail is sent: the mailer sets params = '{}' in the
-- transaction that sets sent_at.  account_tokens keeps only the token's
-- SHA-256, so after sending no raw token is stored anywhere.
--
-- Mailers claim a row with SELECT ... FOR UPDATE SKIP LOCKED, one row per
-- transaction: two mailers never send one row.  A crash after the relay
-- accepted a mail but before the COMMIT sends it once more (at least once:
-- SMTP has no way to make that step atomic with our commit).
--
-- Idempotent: IF NOT EXISTS, CREATE OR REPLACE, DROP TRIGGER IF EXISTS.

CREATE TABLE IF NOT EXISTS mail_outbox (
	id bigserial PRIMARY KEY,
	to_addr text NOT NULL,
	template text NOT NULL,		-- a file name in mail_templates_dir
	params jsonb NOT NULL DEFAULT '{}',
	created_at timestamptz NOT NULL DEFAULT now(),
	attempts integer NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	sent_at timestamptz,
	last_error text
);

-- What the mailer scans: the unsent rows, soonest first.
CREATE INDEX IF NOT EXISTS mail_outbox_pending
	ON mail_outbox (next_attempt_at) WHERE sent_at IS NULL;

-- Wakes the mailers (they LISTEN cexup_mail; they also poll, so a lost
-- notification only delays a mail).  Sent at commit, once per
-- transaction however many rows it inserted.
CREATE OR REPLACE FUNCTION mail_outbox_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('cexup_mail', '');
	RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS mail_outbox_notify ON mail_outbox;
CREATE TRIGGER mail_outbox_notify AFTER INSERT ON mail_outbox
	FOR EACH STATEMENT EXECUTE FUNCTION mail_outbox_notify();
