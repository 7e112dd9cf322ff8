package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/query"
)

// Search implements archive.Index.
func (d *DB) Search(ctx context.Context, p archive.Principal, req archive.SearchRequest) (*archive.SearchResult, error) {
	start := time.Now()
	if req.Limit <= 0 {
		req.Limit = 20
	}
	if req.Limit > 1000 {
		req.Limit = 1000
	}
	if req.Offset < 0 || req.Offset > 100000 {
		return nil, archive.Errorf(archive.EInvalid, "offset %d out of range (0 to 100000)", req.Offset)
	}
	node, err := query.Parse(req.Query)
	if err != nil {
		return nil, archive.Errorf(archive.EInvalid, "%s", queryError(req.Query, err))
	}
	c := &compiler{d: d, ctx: ctx}
	plan, err := c.plan(node)
	if err != nil {
		return nil, err
	}
	where := []string{accessClause(p, "d")}
	var args []any
	if req.Dataset != "" {
		where = append(where, "d.slug = ?")
		args = append(args, req.Dataset)
	}
	if plan.sql != "" {
		where = append(where, plan.sql)
		args = append(args, plan.args...)
	}
	cond := strings.Join(where, " AND ")

	gen, err := d.generation(ctx)
	if err != nil {
		return nil, err
	}
	pageKey := fmt.Sprintf("%q|%q|%q|%q|%v|%q|%d|%d|%v|%q", plan.fts, plan.parts, plan.tri, cond, args, req.Sort, req.Limit, req.Offset, req.Facets, plan.sql)
	if r := d.pages.get(gen, pageKey); r != nil {
		r.Took = time.Since(start)
		return r, nil
	}
	// The same search asked on several connections at once (a popular
	// query, a crowd arriving at a link) is computed once: the others wait
	// for it, then read the cache.
	if wait, lead := d.pages.begin(pageKey); lead {
		defer d.pages.end(pageKey)
		// At most one full search per core at a time: a crowd of new
		// queries then queues behind the CPU instead of holding every
		// database connection, and searches answered from the cache
		// keep flowing meanwhile.
		select {
		case d.computing <- struct{}{}:
			defer func() { <-d.computing }()
		case <-ctx.Done():
			return nil, fmt.Errorf("search: %w", context.Cause(ctx))
		}
	} else {
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, fmt.Errorf("search: %w", context.Cause(ctx))
		}
		if r := d.pages.get(gen, pageKey); r != nil {
			r.Took = time.Since(start)
			return r, nil
		}
	}
	res := &archive.SearchResult{}
	order := "score, item_id"
	switch req.Sort {
	case archive.SortNewest:
		order = "date IS NULL, date DESC, item_id"
	case archive.SortOldest:
		order = "date IS NULL, date ASC, item_id"
	case archive.SortRelevance, "":
		if plan.fts == "" {
			order = "date IS NULL, date DESC, item_id"
		}
	default:
		return nil, archive.Errorf(archive.EInvalid, "sort %q: want relevance, newest or oldest", req.Sort)
	}

	type hitRow struct {
		id     int64
		score  float64
		copies int
	}
	page := func(q string, a ...any) ([]hitRow, error) {
		rows, err := d.db.QueryContext(ctx, q, a...)
		if err != nil {
			return nil, ftsError(err)
		}
		defer rows.Close()
		var hrs []hitRow
		for rows.Next() {
			var h hitRow
			if err := rows.Scan(&h.id, &h.score, &h.copies); err != nil {
				return nil, fmt.Errorf("search: %w", err)
			}
			hrs = append(hrs, h)
		}
		if err := rows.Err(); err != nil {
			return nil, ftsError(err)
		}
		return hrs, nil
	}
	const group = ` GROUP BY m.blob_id`
	hitCols := `SELECT min(i.id) AS item_id, m.score AS score, max(i.date) AS date, count(*) AS copies
		FROM m JOIN items i ON i.blob_id = m.blob_id JOIN datasets d ON d.id = i.dataset_id WHERE ` + cond + group
	// The total and the facets come from a second pass over the matches;
	// run it on another connection while this one ranks and fetches the
	// page, so that a broad query costs the longer of the two, not both.
	type aggResult struct {
		total  int64
		facets map[string][]archive.FacetCount
		err    error
	}
	aggc := make(chan aggResult, 1)
	// The ranking pass over every match of a one-part query also notes
	// the matching blobs, which the count then takes instead of reading
	// the doclists again (sent exactly once, nil when not collected).
	fromRank := make(chan *collected, 1)
	var sendOnce sync.Once
	sendRank := func(c *collected) { sendOnce.Do(func() { fromRank <- c }) }
	defer sendRank(nil)
	go func() {
		var r aggResult
		r.total, r.facets, r.err = d.cachedAggregate(ctx, p, req.Dataset, plan, cond, args, fromRank)
		aggc <- r
	}()
	var hrs []hitRow
	var best map[int64]int64 // blob → its best-ranked chunk, from the fast path
	ranked := false          // the fast path made the page
	want := req.Limit + req.Offset
	if plan.fts != "" && order == "score, item_id" && want <= 1000 {
		// Fast path: rank only the best chunks, then filter. Falls back to
		// ranking every match when filters leave the page short (and for
		// pages deep in the results).
		k := 4*want + 100
		// First the best chunks of the whole index, then filtered: with
		// item filters (from:, type:, date: ...) that leave that page
		// short, only the chunks of documents passing them are ranked
		// (bm25 is what costs; a selective filter would otherwise rank
		// every match again, joined to its items). Not first: the
		// filter's subquery costs a pass over the items it selects.
		filters := []string{""}
		if plan.sql != "" && len(plan.nots) == 0 {
			filters = append(filters, ` AND (rowid >> 20) IN (SELECT i.blob_id FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE `+cond+`)`)
		}
		for n, filter := range filters {
			var fargs []any
			if filter != "" {
				fargs = args
			}
			top, complete, col, err := d.rankTop(ctx, gen, plan.fts, k, filter, fargs, n == 0 && len(plan.parts) == 0)
			if n == 0 {
				sendRank(col)
			}
			if err != nil {
				return nil, err
			}
			vals := make([]string, len(top))
			a := make([]any, 0, 2*len(top)+len(args)+2)
			best = make(map[int64]int64, len(top))
			for i, t := range top {
				if _, ok := best[t.blob]; !ok {
					best[t.blob] = t.rowid
				}
				vals[i] = "(?, ?)"
				a = append(a, t.blob, t.score)
			}
			hrs = nil
			if len(top) > 0 {
				q := `WITH top(blob_id, score) AS (VALUES ` + strings.Join(vals, ",") + `),
				m AS (SELECT blob_id, min(score) AS score FROM top GROUP BY 1)
				SELECT item_id, score, copies FROM (` + hitCols + `) ORDER BY score LIMIT ? OFFSET ?`
				hrs, err = page(q, append(append(a, args...), req.Limit, req.Offset)...)
				if err != nil {
					return nil, err
				}
			}
			// A short page is complete when every matching chunk was
			// ranked (and no document matches only across chunks);
			// else try the next way, and at last rank them all.
			short := len(hrs) < req.Limit && (!complete || len(plan.parts) > 0 || (len(hrs) == 0 && n == 0 && len(filters) == 1))
			if !short {
				ranked = true
				break
			}
			hrs, best = nil, nil
		}
	}
	if !ranked {
		var q string
		var a []any
		if plan.fts != "" {
			cte, ca := plan.matches(false)
			q = `WITH ` + cte + ` `
			a = append(a, ca...)
		} else {
			q = `WITH m AS (SELECT DISTINCT i.blob_id AS blob_id, 0.0 AS score FROM items i) `
		}
		q += `SELECT item_id, score, copies FROM (` + hitCols + `) ORDER BY ` + order + ` LIMIT ? OFFSET ?`
		hrs, err = page(q, append(append(a, args...), req.Limit, req.Offset)...)
		if err != nil {
			return nil, err
		}
	}
	ids := make([]int64, len(hrs))
	for i, h := range hrs {
		ids[i] = h.id
	}
	found, err := d.hitItems(ctx, p, ids)
	if err != nil {
		return nil, err
	}
	for _, h := range hrs {
		hi, ok := found[h.id]
		if !ok {
			continue // deleted between the two queries
		}
		res.Hits = append(res.Hits, archive.Hit{Item: hi.item, Dataset: hi.slug, Score: -h.score, Copies: h.copies - 1})
	}
	// Snippets: made in Go from the best chunks ranking found (see
	// snippet.go); the others by FTS5's snippet(), two at a time.
	var rest []int
	if best != nil {
		rest, err = d.fastSnippets(ctx, plan, res.Hits, found, best)
		if err != nil {
			return nil, err
		}
	} else {
		for i := range res.Hits {
			rest = append(rest, i)
		}
	}
	errs := make(chan error, 2)
	for w := 0; w < 2; w++ {
		go func(w int) {
			for j := w; j < len(rest); j += 2 {
				i := rest[j]
				if err := d.snippet(ctx, plan, found[res.Hits[i].Item.ID].blobID, best, &res.Hits[i]); err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}(w)
	}
	for w := 0; w < 2; w++ {
		if e := <-errs; e != nil && err == nil {
			err = e
		}
	}
	sendRank(nil) // when ranking did not collect (sort by date, deep pages...)
	agg := <-aggc
	if err != nil {
		return nil, err
	}
	if agg.err != nil {
		return nil, agg.err
	}
	res.Total = agg.total
	if req.Facets {
		res.Facets = agg.facets
	}
	res.Took = time.Since(start)
	d.pages.put(gen, pageKey, res)
	return res, nil
}

// pageCache keeps recent result pages for the current catalog generation:
// the same search asked again (a popular query, the back button, a page of
// results reloaded) costs a map lookup instead of a ranking pass. Keys
// hold the whole compiled query including the reader's access clause, as
// in aggCache, and the generation changes with every write and every
// change of a dataset's level.
type pageCache struct {
	mu  sync.Mutex
	gen int64
	m   map[string]*archive.SearchResult
	off bool
	// inflight holds the searches being computed, closed when done.
	inflight map[string]chan struct{}
}

// begin registers a computation of key: lead is true for the first
// caller, who must call end; the others get a channel closed at its end.
func (c *pageCache) begin(key string) (wait <-chan struct{}, lead bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.off {
		return nil, true
	}
	if ch, ok := c.inflight[key]; ok {
		return ch, false
	}
	if c.inflight == nil {
		c.inflight = map[string]chan struct{}{}
	}
	c.inflight[key] = make(chan struct{})
	return nil, true
}

func (c *pageCache) end(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch, ok := c.inflight[key]; ok {
		close(ch)
		delete(c.inflight, key)
	}
}

// SetSearchCaches turns the caches of result pages and of totals and
// facets on (the default) or off, for benchmarks that measure the search
// itself: with them off, every search is computed in full.
func (d *DB) SetSearchCaches(on bool) {
	d.pages.mu.Lock()
	d.pages.off, d.pages.m = !on, nil
	d.pages.mu.Unlock()
	d.aggs.mu.Lock()
	d.aggs.off, d.aggs.m = !on, nil
	d.aggs.mu.Unlock()
}

const pageCacheSize = 1024

// get returns a copy of the cached page (the hits' items are shared and
// read-only).
func (c *pageCache) get(gen int64, key string) *archive.SearchResult {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen || c.off {
		return nil
	}
	r, ok := c.m[key]
	if !ok {
		return nil
	}
	cp := *r
	cp.Hits = slices.Clone(r.Hits)
	return &cp
}

func (c *pageCache) put(gen int64, key string, r *archive.SearchResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.off {
		return
	}
	if c.gen != gen || c.m == nil {
		if gen < c.gen {
			return
		}
		c.gen, c.m = gen, map[string]*archive.SearchResult{}
	}
	if len(c.m) >= pageCacheSize {
		clear(c.m)
	}
	cp := *r
	cp.Hits = slices.Clone(r.Hits)
	c.m[key] = &cp
}

type hitItem struct {
	item   *archive.Item
	slug   string
	blobID int64
}

// hitItems loads the items of a page of hits in one query.
func (d *DB) hitItems(ctx context.Context, p archive.Principal, ids []int64) (map[int64]hitItem, error) {
	out := make(map[int64]hitItem, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	in := make([]string, len(ids))
	for i, id := range ids {
		in[i] = strconv.FormatInt(id, 10)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT `+itemCols+`, d.slug, i.blob_id`+itemFrom+`WHERE i.id IN (`+strings.Join(in, ",")+`) AND `+accessClause(p, "d"))
	if err != nil {
		return nil, fmt.Errorf("search items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var h hitItem
		it, err := scanItem(scanPlus{rows, []any{&h.slug, &h.blobID}})
		if err != nil {
			return nil, fmt.Errorf("search items: %w", err)
		}
		h.item = it
		out[it.ID] = h
	}
	return out, rows.Err()
}

// scanPlus scans extra columns after those scanItem reads.
type scanPlus struct {
	sc    interface{ Scan(...any) error }
	extra []any
}

func (s scanPlus) Scan(dest ...any) error { return s.sc.Scan(append(dest, s.extra...)...) }

// matches returns the CTE "m" (blob_id, score) of the blobs matching the
// plan's FTS expression, and its arguments. Chunk-level matches carry their
// best bm25 rank; documents of several chunks whose parts match only in
// different chunks are added with score 0 (ranked after them).
func (plan *plan) matches(distinct bool) (string, []any) {
	head := `SELECT rowid >> 20 AS blob_id, min(rank) AS score FROM fts WHERE fts MATCH ? GROUP BY 1`
	if distinct {
		head = `SELECT DISTINCT rowid >> 20 AS blob_id, 0.0 AS score FROM fts WHERE fts MATCH ?`
	}
	if len(plan.parts) == 0 {
		return `m AS (` + head + `)`, []any{plan.fts}
	}
	args := []any{plan.fts}
	var inter []string
	for _, p := range plan.parts {
		inter = append(inter, `SELECT rowid >> 20 AS blob_id FROM fts WHERE fts MATCH ?`)
		args = append(args, p)
	}
	return `m0 AS (` + head + `), m AS (SELECT blob_id, score FROM m0 UNION ALL
		SELECT x.blob_id, 0.0 FROM (` + strings.Join(inter, " INTERSECT ") + `) AS x
		JOIN blobs b ON b.id = x.blob_id AND b.chunks > 1 WHERE x.blob_id NOT IN (SELECT blob_id FROM m0))`, args
}

// aggregate counts the matching documents and their facets by dataset,
// type, year, sender domain and language. SQLite joins the matches to their
// visible items (access and filters in the query); Go counts each document
// (blob) once overall and once per facet value, which is several times
// faster than grouping in SQL.
func (d *DB) aggregate(ctx context.Context, plan *plan, cond string, args []any) (int64, map[string][]archive.FacetCount, error) {
	var q string
	var a []any
	if plan.fts != "" {
		cte, ca := plan.matches(true)
		q = `WITH ` + cte + ` SELECT i.blob_id, i.dataset_id, i.kind, i.date, i.domain, i.lang, ` + countryCols + `
			FROM m JOIN items i ON i.blob_id = m.blob_id JOIN datasets d ON d.id = i.dataset_id WHERE ` + cond
		a = append(a, ca...)
	} else {
		q = `SELECT i.blob_id, i.dataset_id, i.kind, i.date, i.domain, i.lang, ` + countryCols + `
			FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE ` + cond
	}
	a = append(a, args...)
	rows, err := d.db.QueryContext(ctx, q, a...)
	if err != nil {
		return 0, nil, ftsError(err)
	}
	defer rows.Close()
	counts := make([]map[string]int64, 5)
	for i := range counts {
		counts[i] = map[string]int64{}
	}
	// first holds each blob's facet values as first seen; more items of
	// the same blob (copies) add only values it did not have yet.
	first := map[int64][5]string{}
	var extra map[int64][]map[string]bool
	dsIDs := map[int64]bool{}
	var blob, ds int64
	var date sql.NullInt64
	var kind, domain, lang, dsCountries string
	var docCountries sql.NullString
	countries := map[string]int64{}
	blobCountries := map[int64][]string{} // countries counted for each blob
	for rows.Next() {
		if err := rows.Scan(&blob, &ds, &kind, &date, &domain, &lang, &dsCountries, &docCountries); err != nil {
			return 0, nil, fmt.Errorf("facets: %w", err)
		}
		for _, cs := range []string{dsCountries, docCountries.String} {
			for _, c := range strings.Split(cs, ",") {
				if c != "" && !slices.Contains(blobCountries[blob], c) {
					blobCountries[blob] = append(blobCountries[blob], c)
					countries[c]++
				}
			}
		}
		year := ""
		if date.Valid {
			year = strconv.Itoa(time.Unix(date.Int64, 0).UTC().Year())
		}
		vals := [5]string{strconv.FormatInt(ds, 10), kind, year, domain, lang}
		dsIDs[ds] = true
		f0, dup := first[blob]
		if !dup {
			first[blob] = vals
			for f, v := range vals {
				if v != "" {
					counts[f][v]++
				}
			}
			continue
		}
		if extra == nil {
			extra = map[int64][]map[string]bool{}
		}
		sets := extra[blob]
		if sets == nil {
			sets = make([]map[string]bool, 5)
			for f := range sets {
				sets[f] = map[string]bool{f0[f]: true}
			}
			extra[blob] = sets
		}
		for f, v := range vals {
			if v != "" && !sets[f][v] {
				sets[f][v] = true
				counts[f][v]++
			}
		}
	}
	if err := rows.Err(); err != nil {
		return 0, nil, ftsError(err)
	}
	slugs := map[string]string{}
	if len(dsIDs) > 0 {
		srows, err := d.db.QueryContext(ctx, `SELECT id, slug FROM datasets`)
		if err != nil {
			return 0, nil, fmt.Errorf("facets: %w", err)
		}
		for srows.Next() {
			var id int64
			var slug string
			if err := srows.Scan(&id, &slug); err != nil {
				srows.Close()
				return 0, nil, fmt.Errorf("facets: %w", err)
			}
			slugs[strconv.FormatInt(id, 10)] = slug
		}
		srows.Close()
	}
	out := map[string][]archive.FacetCount{}
	for f, name := range facetNames {
		m := counts[f]
		if f == 0 {
			m = map[string]int64{}
			for v, n := range counts[f] {
				m[slugs[v]] += n
			}
		}
		out[name] = topFacets(m)
	}
	out["country"] = topFacets(countries)
	return int64(len(first)), out, nil
}

type ranked struct {
	blob  int64
	rowid int64 // the chunk
	score float64
}

// rankTop returns the k best-ranked chunks matching expr, as (blob, bm25
// rank), best first, and whether they are all the matching chunks. FTS5
// computes bm25 for every match before it sorts, which dominates broad
// queries; the rowid space is split in halves ranked on two connections at
// once (the scores do not change: bm25's statistics are the whole index's;
// on the medium corpus, word queries' p99 went from 60-74 ms to 50-55 ms).
// The order is by bm25(fts), the same value as FTS5's rank column, so that
// SQLite keeps only the best k in a heap: "ORDER BY rank" makes FTS5 sort
// every match in full first (a third slower on broad words).
//
// filter, when set, is a further SQL condition on the chunks' rowids with
// its arguments fargs.
func (d *DB) rankTop(ctx context.Context, gen int64, expr string, k int, filter string, fargs []any, collect bool) ([]ranked, bool, *collected, error) {
	var maxBlob sql.NullInt64
	if err := d.db.QueryRowContext(ctx, `SELECT max(id) FROM blobs`).Scan(&maxBlob); err != nil {
		return nil, false, nil, fmt.Errorf("search: %w", err)
	}
	mid := (maxBlob.Int64/2 + 1) << chunkBits
	bounds := [][2]int64{{0, mid}, {mid, math.MaxInt64}}
	// Not for prefix queries: each half would merge the doclists of every
	// term of the prefix again (measured slower than one pass).
	if maxBlob.Int64 < 64 || strings.Contains(expr, "*") {
		bounds = [][2]int64{{0, math.MaxInt64}}
	}
	rank, rankArgs := d.rankExpr(gen, false)
	var col int64 // collector of the matching blobs, when asked and ranking with trove_rank
	if collect && filter == "" && len(rankArgs) == 1 {
		if col = newCollector(maxBlob.Int64); col != 0 {
			rank, rankArgs = "trove_rank(fts, ?, ?)", append(slices.Clone(rankArgs), col)
		}
	}
	type result struct {
		top []ranked
		err error
	}
	out := make(chan result, len(bounds))
	for _, b := range bounds {
		go func(lo, hi int64) {
			a := append(append(slices.Clone(rankArgs), expr, lo, hi), fargs...)
			rows, err := d.db.QueryContext(ctx, `SELECT rowid, `+rank+` AS r FROM fts WHERE fts MATCH ? AND rowid >= ? AND rowid < ?`+filter+` ORDER BY r LIMIT ?`, append(a, k)...)
			if err != nil {
				out <- result{err: ftsError(err)}
				return
			}
			defer rows.Close()
			var r result
			for rows.Next() {
				var t ranked
				if err := rows.Scan(&t.rowid, &t.score); err != nil {
					out <- result{err: fmt.Errorf("search: %w", err)}
					return
				}
				t.blob = t.rowid >> chunkBits
				r.top = append(r.top, t)
			}
			r.err = rows.Err()
			if r.err != nil {
				r.err = ftsError(r.err)
			}
			out <- r
		}(b[0], b[1])
	}
	var all []ranked
	complete := true
	var err error
	for range bounds {
		r := <-out
		if r.err != nil && err == nil {
			err = r.err
		}
		if len(r.top) >= k {
			complete = false
		}
		all = append(all, r.top...)
	}
	var got *collected
	if col != 0 {
		got = &collected{gen: gen, bits: collectorBits(col)}
	}
	if err != nil {
		return nil, false, nil, err
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].score < all[j].score })
	if !complete && len(all) > k {
		all = all[:k]
	}
	return all, complete, got, nil
}

// fastSnippets fills the snippets of the hits whose best chunk is known,
// and returns the indexes of the hits it could not do.
func (d *DB) fastSnippets(ctx context.Context, plan *plan, hits []archive.Hit, found map[int64]hitItem, best map[int64]int64) ([]int, error) {
	var rowids []int64
	for _, h := range hits {
		if r, ok := best[found[h.Item.ID].blobID]; ok {
			rowids = append(rowids, r)
		}
	}
	texts, err := d.chunkTexts(ctx, rowids)
	if err != nil {
		return nil, err
	}
	phrases := ftsPhrases(plan.fts)
	var rest []int
	for i := range hits {
		h := &hits[i]
		c, ok := texts[best[found[h.Item.ID].blobID]]
		if !ok || len(phrases) == 0 {
			rest = append(rest, i)
			continue
		}
		if snip, at, ok := makeSnippet(c.body, phrases); ok {
			h.Snippet = snip
			if k := h.Item.Kind; c.page.Valid && (k == archive.KindPDF || k == archive.KindPresentation || k == archive.KindSpreadsheet) {
				h.Page = int(c.page.Int64) + strings.Count(c.body[:at], "\f")
			}
			continue
		}
		if snip, _, ok := makeSnippet(c.meta, phrases); ok {
			h.Snippet = snip
			continue
		}
		rest = append(rest, i)
	}
	return rest, nil
}

// countryCols are a matching item's countries for the country facet: its
// dataset's, and those detected in its document (comma-separated), like
// the country: filter (countryCond).
const countryCols = `d.countries, (SELECT group_concat(c.country) FROM blob_countries c WHERE c.blob_id = i.blob_id AND c.assigned = 1)`

// topFacets returns a facet's 50 most frequent values, ties by value.
func topFacets(m map[string]int64) []archive.FacetCount {
	fc := make([]archive.FacetCount, 0, len(m))
	for v, n := range m {
		fc = append(fc, archive.FacetCount{Value: v, Count: n})
	}
	sort.Slice(fc, func(a, b int) bool {
		if fc[a].Count != fc[b].Count {
			return fc[a].Count > fc[b].Count
		}
		return fc[a].Value < fc[b].Value
	})
	if len(fc) > 50 {
		fc = fc[:50]
	}
	return fc
}

// snippet fills the hit's snippet from its best-matching chunk.
func (d *DB) snippet(ctx context.Context, plan *plan, blobID int64, best map[int64]int64, hit *archive.Hit) error {
	lo, hi := blobID<<chunkBits, blobID<<chunkBits|chunkMask
	if r, ok := best[blobID]; ok {
		lo, hi = r, r // ranking found the best chunk already
	}
	var s sql.NullString
	var rowid int64
	var err error
	switch {
	case plan.fts != "":
		const q = `SELECT snippet(fts, -1, char(2), char(3), '…', 24), rowid FROM fts
			WHERE fts MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rank LIMIT 1`
		if e := plan.snippetExpr(plan.fts); e != plan.fts {
			err = d.db.QueryRowContext(ctx, q, e, lo, hi).Scan(&s, &rowid)
			if err != sql.ErrNoRows {
				break
			}
		}
		err = d.db.QueryRowContext(ctx, q, plan.fts, lo, hi).Scan(&s, &rowid)
	case plan.tri != "":
		err = d.db.QueryRowContext(ctx, `SELECT snippet(fts_tri, 0, char(2), char(3), '…', 24), rowid FROM fts_tri
			WHERE fts_tri MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rank LIMIT 1`, plan.tri, lo, hi).Scan(&s, &rowid)
	default:
		err = d.db.QueryRowContext(ctx, `SELECT substr(body, 1, 200), rowid FROM fts WHERE rowid BETWEEN ? AND ? ORDER BY rowid LIMIT 1`, lo, hi).Scan(&s, &rowid)
	}
	if err == sql.ErrNoRows && len(plan.parts) > 0 {
		// The parts match in different chunks: show the first part.
		err = d.db.QueryRowContext(ctx, `SELECT snippet(fts, -1, char(2), char(3), '…', 24), rowid FROM fts
			WHERE fts MATCH ? AND rowid BETWEEN ? AND ? ORDER BY rank LIMIT 1`, plan.snippetExpr(plan.parts[0]), lo, hi).Scan(&s, &rowid)
	}
	if err == sql.ErrNoRows {
		return nil
	} else if err != nil {
		return ftsError(err)
	}
	hit.Snippet = strings.TrimSpace(s.String)
	if k := hit.Item.Kind; k != archive.KindPDF && k != archive.KindPresentation && k != archive.KindSpreadsheet {
		return nil
	}
	var page sql.NullInt64
	if err := d.db.QueryRowContext(ctx, `SELECT page FROM chunk_pages WHERE rowid = ?`, rowid).Scan(&page); err != nil && err != sql.ErrNoRows {
		return fmt.Errorf("snippet page: %w", err)
	}
	if page.Valid {
		// Pages before the snippet within the chunk.
		var before sql.NullString
		if err := d.db.QueryRowContext(ctx, `SELECT body FROM fts WHERE rowid = ?`, rowid).Scan(&before); err == nil {
			hit.Page = int(page.Int64) + pagesBefore(before.String, s.String)
		}
	}
	return nil
}

// pagesBefore counts form feeds in body before the snippet's text.
func pagesBefore(body, snip string) int {
	plain := strings.NewReplacer("\x02", "", "\x03", "", "…", "").Replace(snip)
	plain = strings.TrimSpace(plain)
	if len(plain) > 40 {
		plain = plain[:40]
	}
	idx := strings.Index(body, plain)
	if idx < 0 {
		return 0
	}
	return strings.Count(body[:idx], "\f")
}

// ftsError turns an FTS5 syntax error into an invalid-query error.
func ftsError(err error) error {
	if strings.Contains(err.Error(), "fts5: syntax error") || strings.Contains(err.Error(), "fts5:") {
		return archive.Errorf(archive.EInvalid, "query could not be run: %s", strings.TrimPrefix(err.Error(), "fts5: "))
	}
	return fmt.Errorf("search: %w", err)
}

func queryError(q string, err error) string {
	if qe, ok := err.(*query.Error); ok {
		return qe.Error() + "\n" + qe.Caret()
	}
	return err.Error()
}

// plan is a compiled query: an FTS5 expression that drives ranking and
// snippets (may be empty), and SQL conditions over items i and datasets d.
type plan struct {
	fts string
	// parts are the AND-ed FTS expressions of a query with several: they
	// must each match somewhere in a document, not necessarily in the same
	// chunk, so long documents are matched as a whole.
	parts []string
	tri   string // trigram expression for snippets when there is no fts part
	sql   string
	args  []any
	// prefixes: see compiler.prefixes.
	prefixes map[string]string
	// nots, when set, are FTS5 expressions that sql (then made only of
	// their negations) excludes: "security -spam".
	nots []string
	// test, when set, is sql as a test of the facet snapshot's items: the
	// plan's conditions are all item filters the snapshot holds.
	test tupleTest
}

// itemFree reports whether the plan's conditions need no item column, or
// only columns the facet snapshot holds, so that its count and facets can
// be taken from the snapshot (facets.go).
func (plan *plan) itemFree() bool { return plan.sql == "" || len(plan.nots) > 0 || plan.test != nil }

// tupleTest is an item filter evaluated on a facet snapshot: bound to a
// snapshot (its interned strings), it tells whether tuple i passes. It
// gives what the filter's SQL condition gives where that condition is
// true, and false where SQL has false or NULL (an unknown date): every NOT
// is compiled as NOT coalesce(cond, 0), so NULL never reaches a negation.
type tupleTest func(s *facetSnap) func(i int32) bool

func testAll(ts []tupleTest, and bool) tupleTest {
	return func(s *facetSnap) func(int32) bool {
		fs := make([]func(int32) bool, len(ts))
		for i, t := range ts {
			fs[i] = t(s)
		}
		return func(i int32) bool {
			for _, f := range fs {
				if f(i) != and {
					return !and
				}
			}
			return and
		}
	}
}

func anyNil(ts []tupleTest) bool {
	for _, t := range ts {
		if t == nil {
			return true
		}
	}
	return false
}

// testStr tests an interned column of the tuple against the strings
// match accepts.
func testStr(col func(t *facetTuple) int32, match func(string) bool) tupleTest {
	return func(s *facetSnap) func(int32) bool {
		ok := make([]bool, len(s.str))
		for i, v := range s.str {
			ok[i] = match(v)
		}
		return func(i int32) bool { return ok[col(&s.tup[i])] }
	}
}

// simpleValue reports whether v has no character that LIKE or ESCAPE
// would read specially, nor any letter case folding could change.
func simpleValue(v string) bool {
	for _, r := range v {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// snippetExpr rewrites an FTS expression for snippets: each prefix query
// becomes the OR of the index terms it stands for. FTS5 has no prefix
// index here, so a prefix query builds the merged doclist of all its terms
// over the whole index even when asked for one document's chunks (about
// 10 ms each on the medium corpus, times every hit on the page); the terms
// seek straight to the document.
func (plan *plan) snippetExpr(e string) string {
	for pre, terms := range plan.prefixes {
		e = strings.ReplaceAll(e, pre, terms)
	}
	return e
}

type compiler struct {
	d   *DB
	ctx context.Context
	// prefixes maps each prefix expression ("inform" *) to the index
	// terms it stands for, for snippets (see plan.snippetExpr).
	prefixes map[string]string
}

// part is a compiled node. fts is set when the node is expressible as a
// positive FTS5 expression; cond is always set.
type part struct {
	fts  string
	tri  string
	cond string
	args []any
	// not is set when the node is NOT of a positive FTS5 expression.
	not string
	// test is cond as a test of the facet snapshot, when it can be one.
	test tupleTest
}

func (c *compiler) plan(n query.Node) (*plan, error) {
	pl, err := c.plan1(n)
	if pl != nil {
		pl.prefixes = c.prefixes
	}
	return pl, err
}

// expandPrefix records the index terms of a prefix expression, when the
// term list has at most 64 of them (else snippets use the prefix query).
func (c *compiler) expandPrefix(expr, prefix string) error {
	pre := fold(prefix)
	if pre == "" {
		return nil
	}
	rows, err := c.d.db.QueryContext(c.ctx, `SELECT term FROM vocab WHERE term >= ? AND term < ? LIMIT 257`, pre, pre+"\U0010FFFF")
	if err != nil {
		return fmt.Errorf("expand %q: %w", prefix, err)
	}
	defer rows.Close()
	var terms []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return fmt.Errorf("expand %q: %w", prefix, err)
		}
		terms = append(terms, ftsQuote(t))
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("expand %q: %w", prefix, err)
	}
	if len(terms) == 0 || len(terms) > 256 {
		return nil
	}
	if c.prefixes == nil {
		c.prefixes = map[string]string{}
	}
	c.prefixes[expr] = "(" + strings.Join(terms, " OR ") + ")"
	return nil
}

func (c *compiler) plan1(n query.Node) (*plan, error) {
	if n == nil {
		return &plan{}, nil
	}
	if and, ok := n.(query.And); ok {
		var fts, tri, nots []string
		var conds []string
		var args []any
		var tests []tupleTest
		for _, ch := range and.Nodes {
			p, err := c.compile(ch)
			if err != nil {
				return nil, err
			}
			if p.fts != "" {
				fts = append(fts, p.fts)
				continue
			}
			if p.not != "" {
				nots = append(nots, p.not)
			}
			if p.tri != "" {
				tri = append(tri, p.tri)
			}
			conds = append(conds, p.cond)
			args = append(args, p.args...)
			tests = append(tests, p.test)
		}
		pl := &plan{fts: strings.Join(fts, " AND "), sql: strings.Join(conds, " AND "), args: args}
		if len(nots) == len(conds) {
			pl.nots = nots
		} else if len(tests) > 0 && !anyNil(tests) {
			pl.test = testAll(tests, true)
		}
		if len(fts) > 1 {
			pl.parts = fts
		}
		if len(tri) > 0 {
			pl.tri = tri[0]
		}
		return pl, nil
	}
	p, err := c.compile(n)
	if err != nil {
		return nil, err
	}
	if p.fts != "" {
		return &plan{fts: p.fts}, nil
	}
	return &plan{sql: p.cond, args: p.args, tri: p.tri, test: p.test}, nil
}

func ftsQuote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

const inFTS = `i.blob_id IN (SELECT rowid >> 20 FROM fts WHERE fts MATCH ?)`

func (c *compiler) compile(n query.Node) (part, error) {
	switch n := n.(type) {
	case query.Term:
		return c.term(n)
	case query.And, query.Or:
		var nodes []query.Node
		op := " AND "
		if o, ok := n.(query.Or); ok {
			nodes, op = o.Nodes, " OR "
		} else {
			nodes = n.(query.And).Nodes
		}
		var fts, conds []string
		var args []any
		var tests []tupleTest
		allFTS := true
		for _, ch := range nodes {
			p, err := c.compile(ch)
			if err != nil {
				return part{}, err
			}
			if p.fts == "" {
				allFTS = false
			}
			fts = append(fts, p.fts)
			conds = append(conds, p.cond)
			args = append(args, p.args...)
			tests = append(tests, p.test)
		}
		out := part{cond: "(" + strings.Join(conds, op) + ")", args: args}
		if !anyNil(tests) {
			out.test = testAll(tests, op == " AND ")
		}
		if allFTS {
			out.fts = "(" + strings.Join(fts, op) + ")"
			out.cond, out.args = inFTS, []any{out.fts}
		}
		return out, nil
	case query.Not:
		p, err := c.compile(n.Node)
		if err != nil {
			return part{}, err
		}
		// coalesce: a condition on an unknown value (no date) is false, so
		// its negation holds.
		out := part{cond: "NOT coalesce(" + p.cond + ", 0)", args: p.args, not: p.fts}
		if t := p.test; t != nil && p.fts == "" {
			out.test = func(s *facetSnap) func(int32) bool {
				f := t(s)
				return func(i int32) bool { return !f(i) }
			}
		}
		return out, nil
	case query.Field:
		return c.field(n)
	case query.DateRange:
		var conds []string
		var args []any
		if !n.From.IsZero() {
			conds = append(conds, "i.date >= ?")
			args = append(args, n.From.Unix())
		}
		if !n.To.IsZero() {
			conds = append(conds, "i.date < ?")
			args = append(args, n.To.Unix())
		}
		from, to := int64(math.MinInt64+1), int64(math.MaxInt64)
		if !n.From.IsZero() {
			from = n.From.Unix()
		}
		if !n.To.IsZero() {
			to = n.To.Unix()
		}
		test := func(s *facetSnap) func(int32) bool {
			return func(i int32) bool { d := s.tup[i].date; return d != noDate && d >= from && d < to }
		}
		if len(conds) == 0 {
			return part{cond: "i.date IS NOT NULL", test: test}, nil
		}
		return part{cond: "(" + strings.Join(conds, " AND ") + ")", args: args, test: test}, nil
	}
	return part{}, archive.Errorf(archive.EInvalid, "query: unsupported construct %T", n)
}

func (c *compiler) term(t query.Term) (part, error) {
	if t.CJK || t.Substring {
		text := strings.Trim(t.Text, "*")
		if utf8.RuneCountInString(text) >= 3 {
			e := ftsQuote(text)
			return part{tri: e, cond: `i.blob_id IN (SELECT rowid >> 20 FROM fts_tri WHERE fts_tri MATCH ?)`, args: []any{e}}, nil
		}
		// Shorter than a trigram: a LIKE over the trigram table's text.
		like := "%" + escapeLike(text) + "%"
		return part{cond: `i.blob_id IN (SELECT rowid >> 20 FROM fts_tri WHERE text LIKE ? ESCAPE '\')`, args: []any{like}}, nil
	}
	var e string
	switch {
	case t.Fuzzy > 0:
		words, err := c.d.expand(c.ctx, t.Text, t.Fuzzy)
		if err != nil {
			return part{}, err
		}
		qs := make([]string, len(words))
		for i, w := range words {
			qs[i] = ftsQuote(w)
		}
		e = "(" + strings.Join(qs, " OR ") + ")"
		if len(qs) == 1 {
			e = qs[0]
		}
	case t.Prefix:
		e = ftsQuote(strings.TrimSuffix(t.Text, "*")) + " *"
		if err := c.expandPrefix(e, strings.TrimSuffix(t.Text, "*")); err != nil {
			return part{}, err
		}
	default:
		e = ftsQuote(t.Text)
	}
	return part{fts: e, cond: inFTS, args: []any{e}}, nil
}

// asciiFold lowers ASCII letters only, as SQLite's LIKE compares them.
func asciiFold(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// likeValue turns a field value into a LIKE pattern: folded, * as wildcard,
// matching anywhere.
func likeValue(v string) string {
	v = escapeLike(fold(v))
	v = strings.ReplaceAll(v, "*", "%")
	return "%" + v + "%"
}

func (c *compiler) field(f query.Field) (part, error) {
	v := f.Value
	switch f.Name {
	case "dataset":
		return part{cond: "d.slug = ?", args: []any{strings.ToLower(v)}}, nil
	case "type":
		k := strings.ToLower(v)
		return part{cond: "i.kind = ?", args: []any{k},
			test: testStr(func(t *facetTuple) int32 { return t.kind }, func(s string) bool { return s == k })}, nil
	case "ext":
		e := strings.ToLower(strings.TrimPrefix(v, "."))
		return part{cond: "i.ext = ?", args: []any{e},
			test: testStr(func(t *facetTuple) int32 { return t.ext }, func(s string) bool { return s == e })}, nil
	case "lang":
		l := strings.ToLower(v)
		p := part{cond: "(i.lang = ? OR i.lang LIKE ?)", args: []any{l, escapeLike(l) + "-%"}}
		if simpleValue(l) && !strings.Contains(l, "-") {
			// LIKE folds ASCII letters only.
			p.test = testStr(func(t *facetTuple) int32 { return t.lang }, func(s string) bool {
				return s == l || len(s) > len(l) && s[len(l)] == '-' && asciiFold(s[:len(l)]) == l
			})
		}
		return p, nil
	case "country":
		cond, args := countryCond(v) // dataset countries or detected (country.go)
		return part{cond: cond, args: args}, nil
	case "has":
		return part{cond: "i.has_attach = 1", test: func(s *facetSnap) func(int32) bool { return s.hasAttach }}, nil
	case "from":
		return part{cond: `i.from_norm LIKE ? ESCAPE '\'`, args: []any{likeValue(v)}}, nil
	case "to":
		return part{cond: `i.to_norm LIKE ? ESCAPE '\'`, args: []any{likeValue(v)}}, nil
	case "subject":
		return part{cond: `i.subject_norm LIKE ? ESCAPE '\'`, args: []any{likeValue(v)}}, nil
	case "filename":
		return part{cond: `i.name_norm LIKE ? ESCAPE '\'`, args: []any{likeValue(v)}}, nil
	}
	return part{}, archive.Errorf(archive.EInvalid, "query: unknown field %q", f.Name)
}

// expand returns the index terms within maxEdits of word (typo tolerance),
// most frequent first, at most 32; the word itself when nothing is close.
func (d *DB) expand(ctx context.Context, word string, maxEdits int) ([]string, error) {
	w := fold(word)
	r, size := utf8.DecodeRuneInString(w)
	if r == utf8.RuneError || size == 0 {
		return []string{word}, nil
	}
	lo := string(r)
	hi := string(r + 1)
	rows, err := d.db.QueryContext(ctx, `SELECT term, docs FROM vocab WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?`,
		lo, hi, utf8.RuneCountInString(w)-maxEdits, utf8.RuneCountInString(w)+maxEdits)
	if err != nil {
		return nil, fmt.Errorf("expand %q: %w", word, err)
	}
	defer rows.Close()
	type cand struct {
		term string
		docs int64
		dist int
	}
	var cs []cand
	for rows.Next() {
		var t string
		var n int64
		if err := rows.Scan(&t, &n); err != nil {
			return nil, fmt.Errorf("expand %q: %w", word, err)
		}
		if dist := levenshtein(w, t, maxEdits); dist <= maxEdits {
			cs = append(cs, cand{t, n, dist})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("expand %q: %w", word, err)
	}
	sort.Slice(cs, func(a, b int) bool {
		if cs[a].dist != cs[b].dist {
			return cs[a].dist < cs[b].dist
		}
		return cs[a].docs > cs[b].docs
	})
	if len(cs) > 32 {
		cs = cs[:32]
	}
	out := []string{w}
	for _, c := range cs {
		if c.term != w {
			out = append(out, c.term)
		}
	}
	return out, nil
}

// levenshtein returns the edit distance of a and b, or max+1 once it is
// certain to exceed max.
func levenshtein(a, b string, max int) int {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > max || -d > max {
		return max + 1
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		best := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			best = min(best, cur[j])
		}
		if best > max {
			return max + 1
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// RefreshVocab rebuilds the term list used for typo-tolerant search; the
// ingest calls it when it ends.
func (d *DB) RefreshVocab(ctx context.Context) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("refresh vocab: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{`DELETE FROM vocab`, `INSERT INTO vocab (term, docs) SELECT term, doc FROM fts_vocab WHERE length(term) < 64`} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("refresh vocab: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("refresh vocab: %w", err)
	}
	return nil
}

// TrigramText selects what of a chunk goes into the trigram index: runs of
// Chinese, Japanese and Korean script, and tokens of 12 characters or more
// (so that their substrings are searchable). Runs on every chunk, so ASCII
// takes a fast path.
func TrigramText(body string) string {
	var b strings.Builder
	start, n := -1, 0 // current token: byte offset and length in runes
	cjkStart := -1
	flushTok := func(end int) {
		if start >= 0 && n >= minTrigramToken {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(body[start:end])
		}
		start, n = -1, 0
	}
	flushCJK := func(end int) {
		if cjkStart >= 0 {
			if b.Len() > 0 {
				b.WriteByte('\n')
			}
			b.WriteString(body[cjkStart:end])
			cjkStart = -1
		}
	}
	for i := 0; i < len(body); {
		c := body[i]
		if c < utf8.RuneSelf {
			if cjkStart >= 0 {
				flushCJK(i)
			}
			if tokenByte[c] {
				if start < 0 {
					start = i
				}
				n++
			} else {
				flushTok(i)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(body[i:])
		switch {
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul):
			flushTok(i)
			if cjkStart < 0 {
				cjkStart = i
			}
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			flushCJK(i)
			if start < 0 {
				start = i
			}
			n++
		default:
			flushCJK(i)
			flushTok(i)
		}
		i += size
	}
	flushCJK(len(body))
	flushTok(len(body))
	return b.String()
}

const minTrigramToken = 12

var tokenByte = func() (t [utf8.RuneSelf]bool) {
	for c := 0; c < utf8.RuneSelf; c++ {
		t[c] = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("_-.@", byte(c)) >= 0
	}
	return t
}()
