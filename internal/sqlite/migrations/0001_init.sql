-- trove catalog and full-text index, one SQLite database (WAL mode).
-- Items and their index entries commit together; access filters join here.

CREATE TABLE datasets (
	id          INTEGER PRIMARY KEY,
	slug        TEXT NOT NULL UNIQUE,
	title       TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	countries   TEXT NOT NULL DEFAULT '',  -- comma-separated ISO 3166-1 alpha-2
	source      TEXT NOT NULL DEFAULT '',
	level       TEXT NOT NULL CHECK (level IN ('private', 'limited', 'public')),
	created     INTEGER NOT NULL,           -- unix seconds
	updated     INTEGER NOT NULL
);

-- A blob is extracted once, whatever number of items share it.
CREATE TABLE blobs (
	id                INTEGER PRIMARY KEY,   -- fts rowids are (id << 20) | chunk
	sha256            BLOB NOT NULL UNIQUE,
	size              INTEGER NOT NULL,
	mime              TEXT NOT NULL DEFAULT '',
	kind              TEXT NOT NULL DEFAULT '',
	status            TEXT NOT NULL DEFAULT 'pending',
	failure           TEXT,                  -- JSON archive.Failure
	meta              TEXT,                  -- JSON archive.Meta
	chunks            INTEGER NOT NULL DEFAULT 0,
	text_bytes        INTEGER NOT NULL DEFAULT 0,
	children_expected INTEGER NOT NULL DEFAULT -1,
	children_emitted  INTEGER NOT NULL DEFAULT 0,
	children_failed   INTEGER NOT NULL DEFAULT 0,
	child_failures    TEXT                   -- JSON list of members that could not be read
);

CREATE TABLE items (
	id           INTEGER PRIMARY KEY,
	dataset_id   INTEGER NOT NULL REFERENCES datasets (id),
	parent_id    INTEGER NOT NULL DEFAULT 0,  -- 0: top level
	blob_id      INTEGER NOT NULL REFERENCES blobs (id),
	name         TEXT NOT NULL,
	path         TEXT NOT NULL,
	ext          TEXT NOT NULL DEFAULT '',
	ext_lies     INTEGER NOT NULL DEFAULT 0,
	file_time    INTEGER,                     -- unix seconds
	file_size    INTEGER NOT NULL DEFAULT 0,
	duplicate_of INTEGER NOT NULL DEFAULT 0,
	-- copies of blob facts, denormalised for filters and facets
	kind         TEXT NOT NULL DEFAULT '',
	date         INTEGER,                     -- unix seconds, best date
	lang         TEXT NOT NULL DEFAULT '',
	from_norm    TEXT NOT NULL DEFAULT '',    -- folded, lower case
	to_norm      TEXT NOT NULL DEFAULT '',
	subject_norm TEXT NOT NULL DEFAULT '',
	name_norm    TEXT NOT NULL DEFAULT '',
	domain       TEXT NOT NULL DEFAULT '',    -- sender domain
	has_attach   INTEGER NOT NULL DEFAULT 0,
	failed       INTEGER NOT NULL DEFAULT 0,
	complete     INTEGER NOT NULL DEFAULT 0,  -- top level: this file and everything inside it is ingested
	UNIQUE (dataset_id, path, blob_id)
);
CREATE INDEX items_blob ON items (blob_id);
CREATE INDEX items_parent ON items (parent_id, path);
CREATE INDEX items_dataset_date ON items (dataset_id, date);
CREATE INDEX items_failed ON items (dataset_id, failed) WHERE failed = 1;

-- Text, per chunk (a group of pages of at most ~64 KiB), and metadata in
-- chunk 0. Diacritics folded: "Muller" finds "Müller".
CREATE VIRTUAL TABLE fts USING fts5 (
	meta, body,
	tokenize = 'unicode61 remove_diacritics 2'
);
-- Trigram index over runs of Chinese, Japanese and Korean text and over long
-- tokens, so that they and their substrings are searchable.
CREATE VIRTUAL TABLE fts_tri USING fts5 (
	text,
	tokenize = 'trigram'
);
-- Vocabulary of the main index, for typo-tolerant term~ expansion.
CREATE VIRTUAL TABLE fts_vocab USING fts5vocab (fts, row);

-- First page number of each chunk of paged documents.
CREATE TABLE chunk_pages (
	rowid INTEGER PRIMARY KEY,  -- same rowid as fts
	page  INTEGER NOT NULL
);

-- Term list of the main index, refreshed after each ingest, for term~.
CREATE TABLE vocab (
	term TEXT PRIMARY KEY,
	docs INTEGER NOT NULL
) WITHOUT ROWID;
