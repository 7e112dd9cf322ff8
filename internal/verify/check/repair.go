package check

import (
	"context"
	"fmt"

	"github.com/trove-archive/trove/internal/archive"
)

// How to recover what cannot be rebuilt from this machine.
const (
	fixBlob = "the bytes cannot be rebuilt here: restore the original file, or fetch the file from a mirror " +
		"(GET MIRROR/files/RELEASE/PATH, or trove mirror sync for a release not yet held), then put it back with " +
		"trove check --restore FILE (it keeps only files whose SHA-256 matches a missing blob)"
	fixCorrupt = "moved aside to the quarantine folder by --repair; " + fixBlob
	fixOrphan  = "kept: it may belong to an ingest or mirror sync that was interrupted (run it again) or is running; " +
		"it holds no catalogued content"
	fixParent = "kept: its blob and dataset exist, so it is still found, shown and downloadable; only the chain of " +
		"folders and containers above it is lost (ingest its top-level file again to rebuild it)"
	fixCatalog = "SQLite found the catalog file damaged: stop trove, copy catalog.db aside, and restore it from a " +
		"backup (or salvage it with sqlite3 catalog.db .recover), then run trove check --repair"
)

// repair rebuilds what can be rebuilt and says how to recover the rest.
// It returns the repairs that failed.
func (c *checker) repair(ctx context.Context) []string {
	var errs []string
	fail := func(d *Damage, err error) {
		errs = append(errs, fmt.Sprintf("%s: %v", d.Kind, err))
		d.Fix = "repair failed: " + err.Error()
	}
	// A damaged inverted index first: deleting rows needs a sound index.
	rebuilt := false
	for _, d := range c.damage {
		if d.Kind != IndexCorrupt || ctx.Err() != nil {
			continue
		}
		if err := c.cat.RepairRebuildIndex(ctx, d.Table); err != nil {
			fail(d, err)
			continue
		}
		probs, err := c.cat.CheckIndexIntegrity(ctx, d.Table)
		switch {
		case err != nil:
			fail(d, err)
		case len(probs) > 0:
			d.Fix = "rebuilt, but the integrity check still fails: " + abbrev(probs, 3)
		default:
			d.Repaired, d.Fix = true, "rebuilt from the indexed text"
			rebuilt = true
		}
	}
	if rebuilt {
		// A rebuild indexes the text that is there: chunks whose text
		// was lost are now gaps, to be re-extracted below.
		if err := c.regaps(ctx); err != nil {
			errs = append(errs, err.Error())
		}
	}
	var items []int64
	for _, d := range c.damage {
		if ctx.Err() != nil {
			break
		}
		switch d.Kind {
		case StaleIndex:
			if err := c.cat.RepairIndexRows(ctx, d.Table, d.RowIDs); err != nil {
				fail(d, err)
				continue
			}
			d.Repaired, d.Fix = true, fmt.Sprintf("deleted %d rows", len(d.RowIDs))
		case OrphanItem:
			if d.noBlob || d.noDataset {
				// Nothing can show or serve it: every read joins its
				// blob and its dataset.
				items = append(items, d.Item)
			} else {
				d.Fix = fixParent
			}
		case CorruptBlob:
			d.Fix = fixBlob
			if q, ok := c.st.(Quarantiner); ok {
				if err := q.Quarantine(ctx, d.id); err != nil {
					fail(d, err)
					continue
				}
				d.Fix = fixCorrupt
			}
		case MissingBlob:
			d.Fix = fixBlob
		case OrphanBlob:
			d.Fix = fixOrphan
		case CatalogCorrupt:
			d.Fix = fixCatalog
		}
	}
	if len(items) > 0 && ctx.Err() == nil {
		err := c.cat.RepairDeleteItems(ctx, items)
		for _, d := range c.damage {
			if d.Kind == OrphanItem && (d.noBlob || d.noDataset) {
				if err != nil {
					fail(d, err)
				} else {
					d.Repaired, d.Fix = true, "deleted the row: nothing could reach it"
				}
			}
		}
	}
	if ctx.Err() == nil {
		errs = append(errs, c.reindex(ctx)...)
	}
	return errs
}

// Quarantiner is a store that can move a damaged blob aside, out of the
// store but kept for inspection, so that a good copy can be put back.
type Quarantiner interface {
	Quarantine(ctx context.Context, id archive.BlobID) error
}

// reindex re-extracts the blobs whose index entries are missing, if their
// bytes are sound, and checks the index again.
func (c *checker) reindex(ctx context.Context) []string {
	var todo []int64
	want := map[int64]*Damage{}
	buf := make([]byte, bufSize)
	for _, d := range c.damage {
		if d.Kind != MissingIndex {
			continue
		}
		sound := c.hashed[d.id]
		if !sound && !c.bad[d.id] {
			// Not in this run's sample: hash it before trusting it.
			if _, ok := c.stored[d.id]; ok {
				_, problem, err := c.hashOne(ctx, d.id, buf)
				if err != nil {
					return []string{err.Error()}
				}
				sound = problem == ""
			}
		}
		switch {
		case !sound:
			d.Fix = "its blob is missing or damaged (see above): recover it, then run trove check --repair again"
		case c.opts.Reindexer == nil:
			d.Fix = "no extractor available to rebuild it"
		default:
			todo = append(todo, d.BlobRow)
			want[d.BlobRow] = d
		}
	}
	if len(todo) == 0 {
		return nil
	}
	failed, err := c.opts.Reindexer.Reindex(ctx, todo)
	if err != nil {
		for _, d := range want {
			d.Fix = "re-extraction failed: " + err.Error()
		}
		return []string{fmt.Sprintf("%s: %v", MissingIndex, err)}
	}
	for row, e := range failed {
		if d := want[row]; d != nil {
			d.Fix = "could not be re-extracted: " + e.Error()
			delete(want, row)
		}
	}
	// Check again: a blob is repaired when all its chunks are indexed.
	still := map[int64]bool{}
	err = c.cat.CheckIndexGaps(ctx, func(row int64, _ archive.BlobID, chunks, indexed int) error {
		still[row] = true
		if d := want[row]; d != nil {
			d.Fix = fmt.Sprintf("re-extracted, but %d of %d chunks are still missing", chunks-indexed, chunks)
		}
		return nil
	})
	if err != nil {
		return []string{err.Error()}
	}
	for row, d := range want {
		if !still[row] {
			d.Repaired, d.Fix = true, "re-extracted from the store and indexed again"
		}
	}
	return nil
}

// regaps adds the index gaps not yet in the damage list.
func (c *checker) regaps(ctx context.Context) error {
	known := map[int64]bool{}
	for _, d := range c.damage {
		if d.Kind == MissingIndex {
			known[d.BlobRow] = true
		}
	}
	return c.cat.CheckIndexGaps(ctx, func(row int64, id archive.BlobID, chunks, indexed int) error {
		if !known[row] {
			c.damage = append(c.damage, &Damage{Kind: MissingIndex, Blob: id.String(), BlobRow: row, id: id,
				Message: fmt.Sprintf("%d of its %d text chunks are not in the full-text index (found after the rebuild)", chunks-indexed, chunks)})
		}
		return nil
	})
}
