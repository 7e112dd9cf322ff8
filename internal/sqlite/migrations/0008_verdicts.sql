-- Editors' verdicts on datasets (internal/sqlite/verify.go): append-only
-- history, the latest row per dataset (highest id) is its verdict; a dataset
-- without rows is unverified. Each row is also recorded in the audit log.
CREATE TABLE verdicts (
	id         INTEGER PRIMARY KEY,
	dataset_id INTEGER NOT NULL REFERENCES datasets (id),
	verdict    TEXT NOT NULL CHECK (verdict IN ('unverified', 'plausible', 'verified', 'disputed')),
	note       TEXT NOT NULL DEFAULT '',
	user_id    INTEGER NOT NULL DEFAULT 0,
	user       TEXT NOT NULL,
	time       INTEGER NOT NULL                    -- unix seconds, UTC
);
CREATE INDEX verdicts_dataset ON verdicts (dataset_id, id);

CREATE TRIGGER verdicts_no_update BEFORE UPDATE ON verdicts
BEGIN
	SELECT RAISE(ABORT, 'verdict history is append-only');
END;
CREATE TRIGGER verdicts_no_delete BEFORE DELETE ON verdicts
BEGIN
	SELECT RAISE(ABORT, 'verdict history is append-only');
END;
