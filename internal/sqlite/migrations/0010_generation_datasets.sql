-- Search caches (totals and facets) are keyed by the catalog generation and
-- the reader's access clause. The clause names release levels, not
-- datasets, so a change of a dataset's level or embargo must start a new
-- generation too, or a cache could keep counting a dataset that was just
-- made private.
CREATE TRIGGER datasets_generation_insert AFTER INSERT ON datasets
BEGIN
	UPDATE generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER datasets_generation_update AFTER UPDATE OF level, embargo, slug, countries ON datasets
BEGIN
	UPDATE generation SET n = n + 1 WHERE id = 1;
END;
CREATE TRIGGER datasets_generation_delete AFTER DELETE ON datasets
BEGIN
	UPDATE generation SET n = n + 1 WHERE id = 1;
END;
