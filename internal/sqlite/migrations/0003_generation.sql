-- A counter the batching writer bumps in every transaction that changes
-- items or blobs, so that caches of derived figures (dataset counts) know
-- when they are stale, also across processes (an ingest while serving).
CREATE TABLE generation (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	n  INTEGER NOT NULL
);
INSERT INTO generation (id, n) VALUES (1, 0);
