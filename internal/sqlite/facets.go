package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/bits"
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
	// Countries detected in blobs (assigned ones: those the country:
	// filter finds), blob b's in cList[cStart[b]:cStart[b+1]], and
	// datasets' countries; both count in the country facet, like the
	// country: filter. Both are indexes into cstr.
	cstr   []string
	cStart []int32
	cList  []int32
	dsC    map[int64][]int32
	// strIdx finds an interned string (kinds, extensions); attach is a
	// bitmap of the tuples with has_attach set. Both serve the item
	// filters a plan can test here (plan.test).
	strIdx map[string]int32
	attach []uint64
}

type facetTuple struct {
	date   int64 // unix seconds; noDate when unknown
	ds     int32 // dataset ID (see buildFacetSnap)
	year   int32 // 0: no date
	kind   int32 // index into str
	domain int32
	lang   int32
	ext    int32
}

// noDate marks a tuple whose item has no date.
const noDate = math.MinInt64

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
	d.bg.Add(1)
	go func() {
		defer d.bg.Done()
		build()
	}()
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
	d.rankExpr(gen, true) // and the rank table
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
	rows, err := tx.QueryContext(ctx, `SELECT blob_id, dataset_id, kind, date, domain, lang, ext, has_attach FROM items ORDER BY blob_id`)
	if err != nil {
		return nil, fmt.Errorf("facet snapshot: %w", err)
	}
	defer rows.Close()
	snap := &facetSnap{gen: gen, start: make([]int32, maxBlob.Int64+2), str: []string{""}, strIdx: map[string]int32{"": 0}}
	intern := func(s string) int32 {
		if i, ok := snap.strIdx[s]; ok {
			return i
		}
		i := int32(len(snap.str))
		snap.str = append(snap.str, s)
		snap.strIdx[s] = i
		return i
	}
	var blob, ds int64
	var date sql.NullInt64
	var kind, domain, lang, ext string
	var attach bool
	next := int64(0) // next blob whose start is not set yet
	for rows.Next() {
		if err := rows.Scan(&blob, &ds, &kind, &date, &domain, &lang, &ext, &attach); err != nil {
			return nil, fmt.Errorf("facet snapshot: %w", err)
		}
		if blob < 0 || blob > maxBlob.Int64 {
			continue // a blob row written after max(id) was read: not in this generation
		}
		for ; next <= blob; next++ {
			snap.start[next] = int32(len(snap.tup))
		}
		if ds < 0 || ds > math.MaxInt32 {
			return nil, fmt.Errorf("facet snapshot: dataset ID %d out of range", ds)
		}
		t := facetTuple{ds: int32(ds), date: noDate, kind: intern(kind), domain: intern(domain), lang: intern(lang), ext: intern(ext)}
		if date.Valid {
			t.date = date.Int64
			t.year = int32(time.Unix(date.Int64, 0).UTC().Year())
		}
		if attach {
			i := len(snap.tup)
			for len(snap.attach) <= i/64 {
				snap.attach = append(snap.attach, 0)
			}
			snap.attach[i/64] |= 1 << (i % 64)
		}
		snap.tup = append(snap.tup, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("facet snapshot: %w", err)
	}
	for ; next < int64(len(snap.start)); next++ {
		snap.start[next] = int32(len(snap.tup))
	}
	country := interner(&snap.cstr)
	snap.cStart = make([]int32, len(snap.start))
	crows, err := tx.QueryContext(ctx, `SELECT blob_id, country FROM blob_countries WHERE assigned = 1 ORDER BY blob_id`)
	if err != nil {
		return nil, fmt.Errorf("facet snapshot: %w", err)
	}
	defer crows.Close()
	var c string
	next = 0
	for crows.Next() {
		if err := crows.Scan(&blob, &c); err != nil {
			return nil, fmt.Errorf("facet snapshot: %w", err)
		}
		if blob < 0 || blob > maxBlob.Int64 {
			continue
		}
		for ; next <= blob; next++ {
			snap.cStart[next] = int32(len(snap.cList))
		}
		snap.cList = append(snap.cList, country(c))
	}
	if err := crows.Err(); err != nil {
		return nil, fmt.Errorf("facet snapshot: %w", err)
	}
	for ; next < int64(len(snap.cStart)); next++ {
		snap.cStart[next] = int32(len(snap.cList))
	}
	dsCountries, err := listsByID(ctx, tx, `SELECT id, countries FROM datasets`)
	if err != nil {
		return nil, err
	}
	snap.dsC = map[int64][]int32{}
	for id, list := range dsCountries {
		for _, c := range list {
			if i := country(c); !slices.Contains(snap.dsC[id], i) {
				snap.dsC[id] = append(snap.dsC[id], i)
			}
		}
	}
	return snap, nil
}

// interner returns a function that numbers strings by their place in
// *list, appending the ones not there yet.
func interner(list *[]string) func(string) int32 {
	index := make(map[string]int32, len(*list))
	for i, s := range *list {
		index[s] = int32(i)
	}
	return func(s string) int32 {
		if i, ok := index[s]; ok {
			return i
		}
		i := int32(len(*list))
		*list = append(*list, s)
		index[s] = i
		return i
	}
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

// hasAttach reports whether tuple i's item has attachments.
func (s *facetSnap) hasAttach(i int32) bool {
	return int(i/64) < len(s.attach) && s.attach[i/64]&(1<<(i%64)) != 0
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
// (words, phrases, prefixes, OR, and NOT of those) or with filters the
// snapshot can test (plan.test: type:, ext:, lang:, has:, dates):
// the matching blob IDs come from the FTS index, their items' facet values
// from the snapshot, restricted to the visible datasets.
//
// fromRank, when not nil, brings the blobs the ranking pass scored (nil if
// it did not collect them): for a one-part query, the matches themselves.
func (d *DB) aggregateSnap(ctx context.Context, snap *facetSnap, plan *plan, visible map[int64]string, fromRank <-chan *collected) (int64, map[string][]archive.FacetCount, error) {
	c := newFacetCounter(snap, visible)
	if plan.test != nil {
		c.keep = plan.test(snap)
	}
	var excluded []uint64 // bitmap of blobs matching a NOT
	for _, e := range plan.nots {
		if excluded == nil {
			excluded = make([]uint64, len(snap.start)/64+1)
		}
		err := d.matchingBlobs(ctx, `SELECT group_concat(rowid >> 20) FROM fts WHERE fts MATCH ? AND rowid >= ? AND rowid < ?`, []any{e}, true, func(blob int64) {
			if blob >= 0 && blob+1 < int64(len(snap.start)) {
				excluded[blob/64] |= 1 << (blob % 64)
			}
		})
		if err != nil {
			return 0, nil, err
		}
	}
	add := func(blob int64) {
		if excluded != nil && excluded[blob/64]&(1<<(blob%64)) != 0 {
			return
		}
		c.add(blob)
	}
	if plan.fts == "" {
		for b := int64(0); b+1 < int64(len(snap.start)); b++ {
			add(b)
		}
		return c.blobs, c.result(), nil
	}
	const q = `SELECT group_concat(rowid >> 20) FROM fts WHERE fts MATCH ? AND rowid >= ? AND rowid < ?`
	words := (len(snap.start) + 63) / 64
	mark := func(set []uint64) func(int64) {
		return func(blob int64) {
			if blob >= 0 && blob+1 < int64(len(snap.start)) { // else written after the snapshot
				set[blob/64] |= 1 << (blob % 64)
			}
		}
	}
	// A document matches when one of its chunks matches the whole
	// expression, or, for a document of several chunks, when each part of
	// an AND matches one of its chunks (plan.matches). Both come to: each
	// part matches a chunk of the document. So the matches are the
	// intersection of the documents matching each part, one pass over
	// each part's doclist, instead of the whole expression's and then a
	// SQL intersection of the parts'.
	parts := plan.parts
	if len(parts) == 0 {
		parts = []string{plan.fts}
	}
	var set []uint64
	if fromRank != nil && len(plan.parts) == 0 {
		// Taken only when it covers the snapshot: ranked in the same
		// generation, and a bitmap as long as the snapshot's blobs.
		need := (len(snap.start) - 1 + 63) / 64
		var c *collected
		select {
		case c = <-fromRank:
		case <-ctx.Done():
			return 0, nil, fmt.Errorf("facets: %w", context.Cause(ctx))
		}
		if c != nil && c.gen == snap.gen && len(c.bits) >= need {
			set = make([]uint64, words)
			copy(set, c.bits[:need])
			parts = nil
		}
	}
	for i, e := range parts {
		cur := make([]uint64, words)
		if err := d.matchingBlobs(ctx, q, []any{e}, true, mark(cur)); err != nil {
			return 0, nil, err
		}
		if i == 0 {
			set = cur
			continue
		}
		for w := range set {
			set[w] &= cur[w]
		}
	}
	for w, word := range set {
		for word != 0 {
			if b := int64(w)*64 + int64(bits.TrailingZeros64(word)); b+1 < int64(len(snap.start)) {
				add(b) // else not the snapshot's blob
			}
			word &= word - 1
		}
	}
	return c.blobs, c.result(), nil
}

// matchingBlobs calls fn with each blob ID q returns as one
// comma-separated list (group_concat), which crosses from SQLite to Go once
// instead of once per matching chunk: several times faster for broad
// terms. When ranged, q's last two arguments are a range of rowids, asked
// range by range to bound the size of one list.
func (d *DB) matchingBlobs(ctx context.Context, q string, args []any, ranged bool, fn func(blob int64)) error {
	var maxBlob sql.NullInt64
	if err := d.db.QueryRowContext(ctx, `SELECT max(id) FROM blobs`).Scan(&maxBlob); err != nil {
		return fmt.Errorf("facets: %w", err)
	}
	const span = 1 << 18 // blobs per range
	var list []byte
	for lo := int64(0); lo <= maxBlob.Int64; lo += span {
		hi := lo + span
		if hi > maxBlob.Int64 || !ranged {
			hi = math.MaxInt64 >> chunkBits // the last range is open: blobs written meanwhile
		}
		a := args
		if ranged {
			a = append(slices.Clone(args), lo<<chunkBits, hi<<chunkBits)
		}
		if err := d.db.QueryRowContext(ctx, q, a...).Scan(&list); err != nil {
			return ftsError(err)
		}
		var n int64
		digits := false
		for _, ch := range list {
			if ch >= '0' && ch <= '9' {
				n = n*10 + int64(ch-'0')
				digits = true
				continue
			}
			if digits {
				fn(n)
			}
			n, digits = 0, false
		}
		if digits {
			fn(n)
		}
		if !ranged {
			break
		}
	}
	return nil
}

// facetCounter counts documents per facet value: dataset (slug), type,
// year, domain, language and country. The common document, one item, is
// counted into arrays indexed by the snapshot's interned values; documents
// with several items (copies) are deduplicated value by value.
type facetCounter struct {
	snap    *facetSnap
	blobs   int64
	visible []string // slug by dataset ID; "" = not visible
	ds      []int64  // by dataset ID
	str     [3][]int64
	years   map[int32]int64
	country []int64 // by index into snap.cstr
	// dsOnly counts, by dataset ID, one-item documents with no country of
	// their own: each adds one to each of its dataset's countries.
	dsOnly []int64
	m      [5]map[string]int64 // multi-item documents
	cs     []int32             // scratch: a document's countries
	// keep, when set, is the plan's item filters: only the items (tuple
	// indexes) it keeps count, as only those pass the SQL conditions.
	keep func(i int32) bool
}

func newFacetCounter(snap *facetSnap, visible map[int64]string) *facetCounter {
	var maxDS int64
	for id := range visible {
		maxDS = max(maxDS, id)
	}
	c := &facetCounter{snap: snap, years: map[int32]int64{}, visible: make([]string, maxDS+1),
		ds: make([]int64, maxDS+1), dsOnly: make([]int64, maxDS+1), country: make([]int64, len(snap.cstr))}
	for id, slug := range visible {
		if id >= 0 {
			c.visible[id] = slug
		}
	}
	for i := range c.str {
		c.str[i] = make([]int64, len(snap.str))
	}
	for i := range c.m {
		c.m[i] = map[string]int64{}
	}
	return c
}

func (c *facetCounter) slug(ds int64) string {
	if ds < 0 || ds >= int64(len(c.visible)) {
		return ""
	}
	return c.visible[ds]
}

// add counts blob's visible items, once per facet value.
func (c *facetCounter) add(blob int64) {
	s := c.snap
	tups := s.items(blob)
	first := s.start[blob]
	own := s.cList[s.cStart[blob]:s.cStart[blob+1]]
	if len(tups) == 1 { // the common case: one item, nothing to deduplicate
		t := tups[0]
		if c.slug(int64(t.ds)) == "" || (c.keep != nil && !c.keep(first)) {
			return
		}
		c.blobs++
		c.ds[t.ds]++
		c.str[0][t.kind]++
		c.str[1][t.domain]++
		c.str[2][t.lang]++
		if t.year != 0 {
			c.years[t.year]++
		}
		if len(own) == 0 {
			c.dsOnly[t.ds]++
			return
		}
		c.cs = append(c.cs[:0], own...)
		for _, x := range s.dsC[int64(t.ds)] {
			if !slices.Contains(c.cs, x) {
				c.cs = append(c.cs, x)
			}
		}
		for _, x := range c.cs {
			c.country[x]++
		}
		return
	}
	var seen [5][]string
	has := func(f int, v string) bool {
		if slices.Contains(seen[f], v) {
			return true
		}
		seen[f] = append(seen[f], v)
		return false
	}
	found := false
	c.cs = append(c.cs[:0], own...)
	for j, t := range tups {
		slug := c.slug(int64(t.ds))
		if slug == "" || (c.keep != nil && !c.keep(first+int32(j))) {
			continue
		}
		found = true
		for _, x := range s.dsC[int64(t.ds)] {
			if !slices.Contains(c.cs, x) {
				c.cs = append(c.cs, x)
			}
		}
		vals := [5]string{slug, s.str[t.kind], "", s.str[t.domain], s.str[t.lang]}
		if t.year != 0 {
			vals[2] = strconv.Itoa(int(t.year))
		}
		for f, v := range vals {
			if v != "" && !has(f, v) {
				c.m[f][v]++
			}
		}
	}
	if found {
		c.blobs++
		for _, x := range c.cs {
			c.country[x]++
		}
	}
}

var facetNames = [5]string{"dataset", "type", "year", "domain", "lang"}

// result merges the counts and returns each facet's top 50, most frequent
// first, ties by value.
func (c *facetCounter) result() map[string][]archive.FacetCount {
	for id, n := range c.ds {
		if n > 0 {
			c.m[0][c.visible[id]] += n
		}
	}
	for f, counts := range c.str {
		for i, n := range counts {
			if i != 0 && n > 0 {
				c.m[[3]int{1, 3, 4}[f]][c.snap.str[i]] += n
			}
		}
	}
	for y, n := range c.years {
		c.m[2][strconv.Itoa(int(y))] += n
	}
	for id, n := range c.dsOnly {
		if n > 0 {
			for _, x := range c.snap.dsC[int64(id)] {
				c.country[x] += n
			}
		}
	}
	countries := map[string]int64{}
	for i, n := range c.country {
		if n > 0 {
			countries[c.snap.cstr[i]] += n
		}
	}
	out := map[string][]archive.FacetCount{}
	for f, name := range facetNames {
		out[name] = topFacets(c.m[f])
	}
	out["country"] = topFacets(countries)
	return out
}
