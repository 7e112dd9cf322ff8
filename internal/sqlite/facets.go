package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// facetSnap is a compact copy of the facet columns of every item (dataset,
// kind, year, sender domain, language), grouped by blob, for one catalog
// generation. Counting the facets of a broad query from it costs one pass
// over the FTS doclist (blob IDs only) and array reads, instead of one
// B-tree lookup into items per match: several times faster on terms that
// match most documents.
//
// It holds no text and no access decision: which datasets a reader may see
// is still answered by SQL (accessClause) on every search, and the snapshot
// only counts items of those datasets.
type facetSnap struct {
	gen   int64
	start []int32 // items of blob b are tup[start[b]:start[b+1]]
	tup   []facetTuple
	str   []string // interned kinds, domains and languages; str[0] = ""
	// countries detected in blobs (few blobs have any), and datasets'
	// countries: both count in the country facet, like the country: filter.
	blobCountries map[int64][]string
	dsCountries   map[int64][]string
}

type facetTuple struct {
	ds     int64
	year   int32 // 0: no date
	kind   int32 // index into str
	domain int32
	lang   int32
}

// facetSnaps builds snapshots in the background, one at a time, and hands
// out the one of the current generation.
type facetSnaps struct {
	mu       sync.Mutex
	cur      *facetSnap
	building bool
	// sync builds the snapshot in the caller; off never uses one (tests).
	sync, off bool
}

// get returns the snapshot of generation gen, or nil while it is being
// built (the caller counts in SQL meanwhile).
func (d *DB) facetSnapshot(gen int64) *facetSnap {
	s := &d.snaps
	s.mu.Lock()
	cur, building, syncBuild := s.cur, s.building, s.sync
	if s.off {
		s.mu.Unlock()
		return nil
	}
	if cur != nil && cur.gen == gen {
		s.mu.Unlock()
		return cur
	}
	if building {
		s.mu.Unlock()
		return nil
	}
	s.building = true
	s.mu.Unlock()
	build := func() *facetSnap {
		snap, err := d.buildFacetSnap(context.Background(), gen)
		s.mu.Lock()
		s.building = false
		if err == nil && (s.cur == nil || s.cur.gen <= gen) {
			s.cur = snap
		}
		s.mu.Unlock()
		if err != nil {
			return nil
		}
		return snap
	}
	if syncBuild {
		return build()
	}
	go build()
	return nil
}

// WarmSearch builds the facet snapshot of the current generation, which
// the first searches after a start would otherwise count without (in SQL,
// several times slower) while it is built. Servers call it at start.
func (d *DB) WarmSearch(ctx context.Context) error {
	gen, err := d.generation(ctx)
	if err != nil {
		return err
	}
	snap, err := d.buildFacetSnap(ctx, gen)
	if err != nil {
		return err
	}
	d.snaps.mu.Lock()
	if d.snaps.cur == nil || d.snaps.cur.gen <= gen {
		d.snaps.cur = snap
	}
	d.snaps.mu.Unlock()
	return nil
}

// buildFacetSnap reads the facet columns of every item, by blob. The
// generation is read again inside the same read transaction, so a snapshot
// is never labelled with a generation it does not reflect.
func (d *DB) buildFacetSnap(ctx context.Context, want int64) (*facetSnap, error) {
	tx, err := d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("facet snapshot: %w", err)
	}
	defer tx.Rollback()
	var gen int64
	if err := tx.QueryRowContext(ctx, `SELECT n FROM generation WHERE id = 1`).Scan(&gen); err != nil {
		return nil, fmt.Errorf("facet snapshot: %w", err)
	}
	if gen != want {
		return nil, fmt.Errorf("facet snapshot: generation moved")
	}
	var maxBlob sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT max(id) FROM blobs`).Scan(&maxBlob); err != nil {
		return nil, fmt.Errorf("facet snapshot: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT blob_id, dataset_id, kind, date, domain, lang FROM items ORDER BY blob_id`)
	if err != nil {
		return nil, fmt.Errorf("facet snapshot: %w", err)
	}
	defer rows.Close()
	snap := &facetSnap{gen: gen, start: make([]int32, maxBlob.Int64+2), str: []string{""}}
	index := map[string]int32{"": 0}
	intern := func(s string) int32 {
		if i, ok := index[s]; ok {
			return i
		}
		i := int32(len(snap.str))
		snap.str = append(snap.str, s)
		index[s] = i
		return i
	}
	var blob, ds int64
	var date sql.NullInt64
	var kind, domain, lang string
	next := int64(0) // next blob whose start is not set yet
	for rows.Next() {
		if err := rows.Scan(&blob, &ds, &kind, &date, &domain, &lang); err != nil {
			return nil, fmt.Errorf("facet snapshot: %w", err)
		}
		if blob < 0 || blob > maxBlob.Int64 {
			continue // a blob row written after max(id) was read: not in this generation
		}
		for ; next <= blob; next++ {
			snap.start[next] = int32(len(snap.tup))
		}
		t := facetTuple{ds: ds, kind: intern(kind), domain: intern(domain), lang: intern(lang)}
		if date.Valid {
			t.year = int32(time.Unix(date.Int64, 0).UTC().Year())
		}
		snap.tup = append(snap.tup, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("facet snapshot: %w", err)
	}
	for ; next < int64(len(snap.start)); next++ {
		snap.start[next] = int32(len(snap.tup))
	}
	snap.blobCountries, err = listsByID(ctx, tx, `SELECT blob_id, group_concat(country) FROM blob_countries WHERE assigned = 1 GROUP BY blob_id`)
	if err != nil {
		return nil, err
	}
	snap.dsCountries, err = listsByID(ctx, tx, `SELECT id, countries FROM datasets`)
	if err != nil {
		return nil, err
	}
	return snap, nil
}

// listsByID reads (id, comma-separated list) rows into a map.
func listsByID(ctx context.Context, tx *sql.Tx, q string) (map[int64][]string, error) {
	rows, err := tx.QueryContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("facet snapshot: %w", err)
	}
	defer rows.Close()
	out := map[int64][]string{}
	for rows.Next() {
		var id int64
		var list sql.NullString
		if err := rows.Scan(&id, &list); err != nil {
			return nil, fmt.Errorf("facet snapshot: %w", err)
		}
		for _, v := range strings.Split(list.String, ",") {
			if v != "" {
				out[id] = append(out[id], v)
			}
		}
	}
	return out, rows.Err()
}

// items returns the facet tuples of a blob.
func (s *facetSnap) items(blob int64) []facetTuple {
	if blob < 0 || blob+1 >= int64(len(s.start)) {
		return nil
	}
	return s.tup[s.start[blob]:s.start[blob+1]]
}

// visibleDatasets returns the IDs of the datasets p may read (and, when
// slug is set, only that one), answered by SQL with the access clause.
func (d *DB) visibleDatasets(ctx context.Context, p archive.Principal, slug string) (map[int64]string, error) {
	q := `SELECT d.id, d.slug FROM datasets d WHERE ` + accessClause(p, "d")
	var args []any
	if slug != "" {
		q += ` AND d.slug = ?`
		args = append(args, slug)
	}
	rows, err := d.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("facets: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var s string
		if err := rows.Scan(&id, &s); err != nil {
			return nil, fmt.Errorf("facets: %w", err)
		}
		out[id] = s
	}
	return out, rows.Err()
}

// aggregateSnap counts like aggregate, for plans without item filters
// (words, phrases, prefixes, OR, and NOT of those):
// the matching blob IDs come from the FTS index, their items' facet values
// from the snapshot, restricted to the visible datasets.
func (d *DB) aggregateSnap(ctx context.Context, snap *facetSnap, plan *plan, visible map[int64]string) (int64, map[string][]archive.FacetCount, error) {
	counts := newFacetCounter(snap)
	var cs []string
	addCountries := func(blob int64, ds int64) {
		for _, list := range [][]string{snap.dsCountries[ds], snap.blobCountries[blob]} {
			for _, c := range list {
				if !slices.Contains(cs, c) {
					cs = append(cs, c)
					counts.countries[c]++
				}
			}
		}
	}
	excluded := map[int64]bool{}
	for _, e := range plan.nots {
		rows, err := d.db.QueryContext(ctx, `SELECT DISTINCT rowid >> 20 FROM fts WHERE fts MATCH ?`, e)
		if err != nil {
			return 0, nil, ftsError(err)
		}
		var blob int64
		for rows.Next() {
			if err := rows.Scan(&blob); err != nil {
				rows.Close()
				return 0, nil, fmt.Errorf("facets: %w", err)
			}
			excluded[blob] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, nil, ftsError(err)
		}
	}
	add := func(blob int64) {
		if excluded[blob] {
			return
		}
		cs = cs[:0]
		tups := snap.items(blob)
		if len(tups) == 1 { // the common case: one item, nothing to deduplicate
			t := tups[0]
			if _, ok := visible[t.ds]; ok {
				counts.blobs++
				counts.add(0, visible[t.ds])
				counts.addIdx(1, t.kind)
				if t.year != 0 {
					counts.years[t.year]++
				}
				counts.addIdx(3, t.domain)
				counts.addIdx(4, t.lang)
				addCountries(blob, t.ds)
			}
			return
		}
		var seen [5][]string
		found := false
		has := func(f int, v string) bool {
			for _, s := range seen[f] {
				if s == v {
					return true
				}
			}
			seen[f] = append(seen[f], v)
			return false
		}
		for _, t := range tups {
			slug, ok := visible[t.ds]
			if !ok {
				continue
			}
			found = true
			addCountries(blob, t.ds)
			vals := [5]string{slug, snap.str[t.kind], "", snap.str[t.domain], snap.str[t.lang]}
			if t.year != 0 {
				vals[2] = strconv.Itoa(int(t.year))
			}
			for f, v := range vals {
				if v != "" && !has(f, v) {
					counts.m[f][v]++
				}
			}
		}
		if found {
			counts.blobs++
		}
	}
	if plan.fts == "" {
		for b := int64(0); b+1 < int64(len(snap.start)); b++ {
			add(b)
		}
	} else {
		cte, ca := plan.matches(true)
		rows, err := d.db.QueryContext(ctx, `WITH `+cte+` SELECT blob_id FROM m`, ca...)
		if err != nil {
			return 0, nil, ftsError(err)
		}
		var blob int64
		for rows.Next() {
			if err := rows.Scan(&blob); err != nil {
				rows.Close()
				return 0, nil, fmt.Errorf("facets: %w", err)
			}
			add(blob)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, nil, ftsError(err)
		}
	}
	return counts.blobs, counts.result(), nil
}

// facetCounter counts documents per facet value: dataset (slug), type,
// year, domain, lang.
type facetCounter struct {
	snap  *facetSnap
	blobs int64
	m     [5]map[string]int64
	// idx counts interned values before they are turned into strings.
	idx       [5]map[int32]int64
	years     map[int32]int64
	countries map[string]int64
}

func newFacetCounter(snap *facetSnap) *facetCounter {
	c := &facetCounter{snap: snap, years: map[int32]int64{}, countries: map[string]int64{}}
	for i := range c.m {
		c.m[i] = map[string]int64{}
		c.idx[i] = map[int32]int64{}
	}
	return c
}

func (c *facetCounter) add(f int, v string) {
	if v != "" {
		c.m[f][v]++
	}
}

func (c *facetCounter) addIdx(f int, i int32) {
	if i != 0 {
		c.idx[f][i]++
	}
}

var facetNames = [5]string{"dataset", "type", "year", "domain", "lang"}

// result merges the counts and returns each facet's top 50, most frequent
// first, ties by value.
func (c *facetCounter) result() map[string][]archive.FacetCount {
	for f := range c.idx {
		for i, n := range c.idx[f] {
			c.m[f][c.snap.str[i]] += n
		}
	}
	for y, n := range c.years {
		c.m[2][strconv.Itoa(int(y))] += n
	}
	out := map[string][]archive.FacetCount{}
	for f, name := range facetNames {
		out[name] = topFacets(c.m[f])
	}
	out["country"] = topFacets(c.countries)
	return out
}
