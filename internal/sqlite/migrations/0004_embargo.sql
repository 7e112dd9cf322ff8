-- An embargo date publishes a dataset automatically: from that moment it
-- reads as public everywhere (the access clause compares it with the
-- reader's clock), and `trove serve` then records the change for good.
ALTER TABLE datasets ADD COLUMN embargo INTEGER;  -- unix seconds; NULL: none
