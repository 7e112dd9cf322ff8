package sqlite

// SetFacetSnapshots makes searches count facets from a snapshot built in
// the caller (on), or always in SQL (off), so that tests can compare both.
func SetFacetSnapshots(d *DB, on bool) {
	d.snaps.mu.Lock()
	d.snaps.sync, d.snaps.off = on, !on
	d.snaps.mu.Unlock()
	d.aggs.mu.Lock()
	d.aggs.m = nil
	d.aggs.mu.Unlock()
	d.pages.mu.Lock()
	d.pages.m = nil
	d.pages.mu.Unlock()
}

// RankExpr returns the ranking expression searches of generation gen use
// (building the length table now), for tests comparing it with bm25.
func RankExpr(d *DB, gen int64) (string, []any) { return d.rankExpr(gen, true) }

// DocsizeTotal exposes docsizeTotal to the tests.
var DocsizeTotal = docsizeTotal
