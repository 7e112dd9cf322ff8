-- Releases: frozen, signed copies of a dataset's content (see package
-- release). A release made here and one pulled from another archive look
-- the same; origin says where it was signed.
CREATE TABLE releases (
	id         INTEGER PRIMARY KEY,
	name       TEXT NOT NULL UNIQUE,
	dataset_id INTEGER NOT NULL REFERENCES datasets(id),
	level      TEXT NOT NULL CHECK (level IN ('public', 'limited')),
	created    INTEGER NOT NULL,     -- unix seconds, as in the manifest
	files      INTEGER NOT NULL,
	size       INTEGER NOT NULL,
	manifest   BLOB NOT NULL,        -- manifest.json exactly as signed
	signature  BLOB NOT NULL,        -- manifest.json.minisig
	infohash   TEXT NOT NULL,        -- BitTorrent v1, hex
	info       BLOB NOT NULL,        -- bencoded info dictionary
	origin     TEXT NOT NULL DEFAULT '',
	complete   INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX releases_dataset ON releases(dataset_id);

CREATE TABLE release_files (
	release_id INTEGER NOT NULL REFERENCES releases(id) ON DELETE CASCADE,
	seq        INTEGER NOT NULL,     -- manifest order
	path       TEXT NOT NULL,
	size       INTEGER NOT NULL,
	sha256     BLOB NOT NULL,
	item       INTEGER NOT NULL,     -- item ID in the signing archive
	PRIMARY KEY (release_id, seq)
);
CREATE UNIQUE INDEX release_files_path ON release_files(release_id, path);

-- Mirrors this archive lists publicly and as web seeds.
CREATE TABLE mirrors (
	url   TEXT PRIMARY KEY,
	added INTEGER NOT NULL
);

-- Archives this server pulls releases from (trove mirror add).
CREATE TABLE upstreams (
	id        INTEGER PRIMARY KEY,
	url       TEXT NOT NULL UNIQUE,
	pubkey    TEXT NOT NULL,
	token     TEXT NOT NULL DEFAULT '',
	added     INTEGER NOT NULL,
	last_sync INTEGER,
	last_err  TEXT NOT NULL DEFAULT ''
);
