package sqlite

import (
	"context"
	"fmt"
	"sync"

	"github.com/trove-archive/trove/internal/archive"
)

// datasetStats are a dataset's counts, computed once per catalog
// generation: each needs a pass over the dataset's items, which the dataset
// and search pages would otherwise pay on every request.
type datasetStats struct {
	gen                  int64
	items, bytes, failed int64
	types, failures      []archive.FacetCount
}

type statsCache struct {
	mu      sync.Mutex
	m       map[int64]*datasetStats
	compute sync.Mutex // one computation at a time: no stampede at start-up
}

// Generation returns the catalog's write generation, which changes with
// every write to items and blobs and every change of a dataset's level:
// caches of derived figures key on it.
func (d *DB) Generation(ctx context.Context) (int64, error) { return d.generation(ctx) }

// generation returns the catalog's write generation.
func (d *DB) generation(ctx context.Context) (int64, error) {
	var n int64
	if err := d.db.QueryRowContext(ctx, `SELECT n FROM generation WHERE id = 1`).Scan(&n); err != nil {
		return 0, fmt.Errorf("generation: %w", err)
	}
	return n, nil
}

// stats returns the counts of a dataset the caller has already found
// visible (the access check stays in the caller's query).
func (d *DB) stats(ctx context.Context, datasetID, gen int64) (*datasetStats, error) {
	d.cache.mu.Lock()
	if d.cache.m == nil {
		d.cache.m = map[int64]*datasetStats{}
	}
	st := d.cache.m[datasetID]
	d.cache.mu.Unlock()
	if st != nil && st.gen == gen {
		return st, nil
	}
	d.cache.compute.Lock()
	defer d.cache.compute.Unlock()
	d.cache.mu.Lock()
	st = d.cache.m[datasetID]
	d.cache.mu.Unlock()
	if st != nil && st.gen == gen {
		return st, nil // computed while this one waited
	}
	st = &datasetStats{gen: gen}
	err := d.db.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(CASE WHEN parent_id = 0 THEN file_size END), 0), coalesce(sum(failed), 0)
		FROM items WHERE dataset_id = ?`, datasetID).Scan(&st.items, &st.bytes, &st.failed)
	if err != nil {
		return nil, fmt.Errorf("dataset counts: %w", err)
	}
	if st.types, err = d.facetCounts(ctx, `SELECT kind, count(*) FROM items WHERE dataset_id = ? GROUP BY kind ORDER BY 2 DESC, 1`, datasetID); err != nil {
		return nil, err
	}
	if st.failures, err = d.facetCounts(ctx, `SELECT coalesce(json_extract(b.failure, '$.reason'), 'unknown'), count(*)
		FROM items i JOIN blobs b ON b.id = i.blob_id WHERE i.dataset_id = ? AND i.failed = 1 GROUP BY 1 ORDER BY 2 DESC, 1`, datasetID); err != nil {
		return nil, err
	}
	d.cache.mu.Lock()
	d.cache.m[datasetID] = st
	d.cache.mu.Unlock()
	return st, nil
}

func (d *DB) facetCounts(ctx context.Context, q string, args ...any) ([]archive.FacetCount, error) {
	return queryAll(ctx, d.db, "counts", func(sc rowScanner) (archive.FacetCount, error) {
		var f archive.FacetCount
		err := sc.Scan(&f.Value, &f.Count)
		return f, err
	}, q, args...)
}

// withCounts fills the counts of datasets read without them.
func (d *DB) withCounts(ctx context.Context, list ...*archive.Dataset) error {
	gen, err := d.generation(ctx)
	if err != nil {
		return err
	}
	for _, ds := range list {
		st, err := d.stats(ctx, ds.ID, gen)
		if err != nil {
			return err
		}
		ds.Items, ds.Bytes, ds.Failed = st.items, st.bytes, st.failed
	}
	return nil
}

// visibleStats checks access to a dataset inside the query, then returns
// its cached counts; a hidden dataset is not found.
func (d *DB) visibleStats(ctx context.Context, p archive.Principal, datasetID int64) (*datasetStats, error) {
	var n int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM datasets d WHERE d.id = ? AND `+accessClause(p, "d"), datasetID).Scan(&n); err != nil {
		return nil, fmt.Errorf("dataset counts: %w", err)
	}
	if n == 0 {
		return nil, archive.Errorf(archive.ENotFound, "dataset %d not found", datasetID)
	}
	gen, err := d.generation(ctx)
	if err != nil {
		return nil, err
	}
	return d.stats(ctx, datasetID, gen)
}

// aggCache keeps the totals and facets of recent searches for the current
// catalog generation: paging through results, or the same query asked
// again, costs one ranking pass instead of two. The key holds the whole
// compiled query including the reader's access clause, so readers with
// other rights never share an entry.
type aggCache struct {
	mu  sync.Mutex
	gen int64
	m   map[string]aggEntry
	off bool
}

type aggEntry struct {
	total  int64
	facets map[string][]archive.FacetCount
}

const aggCacheSize = 512

func (d *DB) cachedAggregate(ctx context.Context, p archive.Principal, dataset string, plan *plan, cond string, args []any, fromRank <-chan *collected) (int64, map[string][]archive.FacetCount, error) {
	gen, err := d.generation(ctx)
	if err != nil {
		return 0, nil, err
	}
	key := fmt.Sprintf("%q|%q|%q|%q|%v", plan.fts, plan.parts, plan.tri, cond, args)
	c := &d.aggs
	c.mu.Lock()
	if c.gen != gen || c.m == nil {
		c.gen, c.m = gen, map[string]aggEntry{}
	}
	e, ok := c.m[key]
	ok = ok && !c.off
	c.mu.Unlock()
	if ok {
		return e.total, e.facets, nil
	}
	var total int64
	var facets map[string][]archive.FacetCount
	snap := (*facetSnap)(nil)
	if plan.itemFree() {
		snap = d.facetSnapshot(gen)
	}
	if snap != nil {
		var visible map[int64]string
		visible, err = d.visibleDatasets(ctx, p, dataset)
		if err == nil {
			total, facets, err = d.aggregateSnap(ctx, snap, plan, visible, fromRank)
		}
	} else {
		total, facets, err = d.aggregate(ctx, plan, cond, args)
	}
	if err != nil {
		return 0, nil, err
	}
	c.mu.Lock()
	if c.gen == gen && !c.off {
		if len(c.m) >= aggCacheSize {
			clear(c.m) // simple and bounded; entries are cheap to recompute
		}
		c.m[key] = aggEntry{total, facets}
	}
	c.mu.Unlock()
	return total, facets, nil
}
