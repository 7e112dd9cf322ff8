-- Accounts, sessions, API tokens, grants, access requests and the audit log.
-- Times are unix seconds (audit: unix nanoseconds); 0 means "never" for
-- expiries and "not yet" for last-use times. Secrets (session IDs, token
-- secrets) are stored only as their SHA-256. No IP address is stored anywhere.

CREATE TABLE users (
	id            INTEGER PRIMARY KEY,
	name          TEXT NOT NULL UNIQUE,            -- lower case
	role          TEXT NOT NULL CHECK (role IN ('journalist', 'editor', 'admin')),
	password      TEXT NOT NULL,                   -- Argon2id PHC string (package password)
	created       INTEGER NOT NULL,
	disabled      INTEGER NOT NULL DEFAULT 0,
	failed_logins INTEGER NOT NULL DEFAULT 0,      -- consecutive failures since the last success or lock
	locked_until  INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
	id        BLOB PRIMARY KEY,                    -- SHA-256 of the cookie secret
	user_id   INTEGER NOT NULL REFERENCES users (id),
	csrf      TEXT NOT NULL,
	created   INTEGER NOT NULL,
	expires   INTEGER NOT NULL,
	last_seen INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires);

CREATE TABLE tokens (
	id        INTEGER PRIMARY KEY,
	hash      BLOB NOT NULL UNIQUE,                -- SHA-256 of the secret
	user_id   INTEGER NOT NULL REFERENCES users (id),
	name      TEXT NOT NULL,
	created   INTEGER NOT NULL,
	expires   INTEGER NOT NULL DEFAULT 0,
	last_used INTEGER NOT NULL DEFAULT 0,
	revoked   INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX tokens_user ON tokens (user_id);

-- A journalist may read a limited dataset while holding an unexpired grant.
-- Expired grants stay as history; granting again updates the row.
CREATE TABLE grants (
	user_id    INTEGER NOT NULL REFERENCES users (id),
	dataset_id INTEGER NOT NULL REFERENCES datasets (id),
	expires    INTEGER NOT NULL DEFAULT 0,
	granted_by TEXT NOT NULL,
	created    INTEGER NOT NULL,
	PRIMARY KEY (user_id, dataset_id)
) WITHOUT ROWID;

CREATE TABLE access_requests (
	id            INTEGER PRIMARY KEY,
	user_id       INTEGER NOT NULL REFERENCES users (id),
	dataset_id    INTEGER NOT NULL REFERENCES datasets (id),
	reason        TEXT NOT NULL,
	outlet        TEXT NOT NULL DEFAULT '',
	status        TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'refused')),
	created       INTEGER NOT NULL,
	decided       INTEGER NOT NULL DEFAULT 0,
	decided_by    TEXT NOT NULL DEFAULT '',
	grant_expires INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX access_requests_status ON access_requests (status, id);
CREATE INDEX access_requests_user ON access_requests (user_id, dataset_id);

-- Append-only, hash-chained audit log (internal/sqlite/audit.go):
-- hash = hex(SHA-256(canonical encoding of prev, id and the fields)).
-- Entries are written under BEGIN IMMEDIATE, one at a time, so the chain
-- never forks.
-- The triggers refuse UPDATE and DELETE, so changing history needs a raw
-- edit of the file, which the chain then shows.
CREATE TABLE audit (
	id         INTEGER PRIMARY KEY,
	time       INTEGER NOT NULL,                   -- unix nanoseconds, UTC
	user_id    INTEGER NOT NULL DEFAULT 0,
	user       TEXT NOT NULL DEFAULT '',
	action     TEXT NOT NULL,
	dataset_id INTEGER NOT NULL DEFAULT 0,
	item_id    INTEGER NOT NULL DEFAULT 0,
	detail     TEXT NOT NULL DEFAULT '',
	prev       TEXT NOT NULL,                      -- hash of the previous entry ('' for the first)
	hash       TEXT NOT NULL
);
CREATE INDEX audit_dataset ON audit (dataset_id, id) WHERE dataset_id <> 0;
CREATE INDEX audit_user ON audit (user_id, id) WHERE user_id <> 0;

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
	SELECT RAISE(ABORT, 'audit log is append-only');
END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
	SELECT RAISE(ABORT, 'audit log is append-only');
END;
