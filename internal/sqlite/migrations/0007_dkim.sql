-- DKIM verification (RFC 6376) of emails, per blob: one row per signature,
-- or one row with verdict 'none' (unsigned) or 'unverifiable' (rebuilt
-- from msg/pst). The keys used, with where and when they came from, and the
-- ARC sets read (RFC 8617). Written by package verify/dkim.
CREATE TABLE dkim_keys (
	id       INTEGER PRIMARY KEY,
	domain   TEXT NOT NULL,
	selector TEXT NOT NULL,
	record   TEXT NOT NULL,              -- TXT record text, strings joined
	source   TEXT NOT NULL,              -- 'archive:<file name>' or 'dns:<resolver>'
	fetched  INTEGER NOT NULL DEFAULT 0, -- unix seconds captured/fetched; 0 unknown
	UNIQUE (domain, selector, record, source, fetched)
);

CREATE TABLE dkim_results (
	blob_id   INTEGER NOT NULL REFERENCES blobs (id),
	seq       INTEGER NOT NULL,          -- signature order, top to bottom, from 0
	domain    TEXT NOT NULL DEFAULT '',  -- d= (for 'none': the From domain)
	selector  TEXT NOT NULL DEFAULT '',
	algorithm TEXT NOT NULL DEFAULT '',
	canon     TEXT NOT NULL DEFAULT '',
	headers   TEXT NOT NULL DEFAULT '',  -- h=, ':'-separated
	verdict   TEXT NOT NULL CHECK (verdict IN ('pass', 'fail', 'none', 'key_missing', 'key_revoked', 'error', 'unverifiable')),
	reason    TEXT NOT NULL DEFAULT '',
	key_id    INTEGER REFERENCES dkim_keys (id),
	checked   INTEGER NOT NULL,          -- unix seconds
	PRIMARY KEY (blob_id, seq)
) WITHOUT ROWID;

CREATE TABLE arc_sets (
	blob_id      INTEGER NOT NULL REFERENCES blobs (id),
	instance     INTEGER NOT NULL,
	domain       TEXT NOT NULL DEFAULT '',
	selector     TEXT NOT NULL DEFAULT '',
	algorithm    TEXT NOT NULL DEFAULT '',
	cv           TEXT NOT NULL DEFAULT '',
	auth_results TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (blob_id, instance)
) WITHOUT ROWID;
