-- Countries detected in each blob's text and metadata (internal/country/detect),
-- with their evidence; docs/countries.md. Detection is per blob (items
-- share blobs), so items reach their countries through blob_id.
CREATE TABLE blob_countries (
	blob_id  INTEGER NOT NULL REFERENCES blobs (id),
	country  TEXT NOT NULL,            -- ISO 3166-1 alpha-2
	assigned INTEGER NOT NULL,         -- 1: evidence passed the threshold
	evidence TEXT NOT NULL,            -- JSON list of {kind, text, count}
	PRIMARY KEY (blob_id, country)
) WITHOUT ROWID;
-- country: filter and facet (assigned countries only).
CREATE INDEX blob_countries_country ON blob_countries (country, blob_id) WHERE assigned = 1;

-- GPS position of photos and videos, with the country it falls in ('' at
-- sea), for maps.
CREATE TABLE blob_positions (
	blob_id INTEGER PRIMARY KEY REFERENCES blobs (id),
	lat     REAL NOT NULL,
	lon     REAL NOT NULL,
	country TEXT NOT NULL DEFAULT ''
);
