package check

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// Kind is a kind of damage.
type Kind string

// The kinds of damage, in the order a report lists them.
const (
	CorruptBlob    Kind = "corrupt_blob"    // stored bytes do not hash to their name, or have the wrong size, or cannot be read
	MissingBlob    Kind = "missing_blob"    // a catalog row or release file whose blob is not in the store
	OrphanBlob     Kind = "orphan_blob"     // a stored blob no catalog row or release file refers to
	CatalogCorrupt Kind = "catalog_corrupt" // SQLite's check of a catalog table failed
	OrphanItem     Kind = "orphan_item"     // an item row pointing to a blob row, dataset or parent that does not exist
	MissingIndex   Kind = "missing_index"   // an extracted blob with chunks that are not in the full-text index
	StaleIndex     Kind = "stale_index"     // index rows that belong to no chunk of an existing blob
	IndexCorrupt   Kind = "index_corrupt"   // FTS5's integrity check of a full-text table failed
)

var kindOrder = []Kind{CorruptBlob, MissingBlob, OrphanBlob, CatalogCorrupt, OrphanItem, MissingIndex, StaleIndex, IndexCorrupt}

// Use is an item or release file that holds a blob.
type Use struct {
	Item    int64  `json:"item,omitempty"`
	Dataset string `json:"dataset,omitempty"`
	Release string `json:"release,omitempty"`
	Path    string `json:"path"`
}

// Damage is one thing found wrong.
type Damage struct {
	Kind    Kind    `json:"kind"`
	Blob    string  `json:"blob,omitempty"`     // SHA-256, hex
	BlobRow int64   `json:"blob_row,omitempty"` // catalog row of the blob
	Item    int64   `json:"item,omitempty"`
	Dataset string  `json:"dataset,omitempty"`
	Path    string  `json:"path,omitempty"`
	Table   string  `json:"table,omitempty"`
	RowIDs  []int64 `json:"rowids,omitempty"`
	Message string  `json:"message"`
	// UsedBy lists the first items (and release files) that hold the
	// blob; UsedByTotal counts them all.
	UsedBy      []Use `json:"used_by,omitempty"`
	UsedByTotal int   `json:"used_by_total,omitempty"`
	Repaired    bool  `json:"repaired"`
	// Fix says how to recover what --repair cannot rebuild, or what the
	// repair did.
	Fix string `json:"fix,omitempty"`

	id        archive.BlobID
	noBlob    bool // orphan item: its blob row is missing
	noDataset bool // orphan item: its dataset is missing
}

// Catalog is what the check reads from, and repairs in, the catalog and
// its full-text index. Rowids of the index tables are (blob row << 20) |
// chunk number (docs/design.md).
type Catalog interface {
	// CheckBlobs calls fn for every blob row.
	CheckBlobs(ctx context.Context, fn func(row int64, id archive.BlobID, size int64) error) error
	// CheckReleaseFiles calls fn for every file of every release.
	CheckReleaseFiles(ctx context.Context, fn func(release, path string, id archive.BlobID) error) error
	// CheckBlobItems calls fn for the first limit items holding blob row
	// and returns how many hold it.
	CheckBlobItems(ctx context.Context, row int64, limit int, fn func(item int64, dataset, path string) error) (int, error)
	// CheckOrphanItems calls fn for every item pointing to a missing row,
	// passing the missing row's id (0: present) for blob, dataset, parent.
	CheckOrphanItems(ctx context.Context, fn func(item int64, dataset, path string, noBlob, noDataset, noParent int64) error) error
	// CheckIndexGaps calls fn for every extracted blob with chunks
	// missing from the full-text index.
	CheckIndexGaps(ctx context.Context, fn func(row int64, id archive.BlobID, chunks, indexed int) error) error
	// CheckStaleIndex calls fn for every index row of no existing chunk;
	// chunks is its blob's chunk count, -1 when the blob row is missing.
	CheckStaleIndex(ctx context.Context, fn func(table string, rowid int64, chunks int) error) error
	// CheckIndexTables names the full-text tables.
	CheckIndexTables() []string
	// CheckIndexIntegrity runs the full-text engine's own check of table.
	CheckIndexIntegrity(ctx context.Context, table string) ([]string, error)
	// CheckTables runs the database's own check of the other tables.
	CheckTables(ctx context.Context) ([]string, error)

	// RepairIndexRows deletes index rows by rowid.
	RepairIndexRows(ctx context.Context, table string, rowids []int64) error
	// RepairRebuildIndex rebuilds a full-text table from its text.
	RepairRebuildIndex(ctx context.Context, table string) error
	// RepairDeleteItems deletes item rows.
	RepairDeleteItems(ctx context.Context, ids []int64) error
}

// Reindexer extracts blobs again from the store to rebuild their entries
// in the full-text index.
type Reindexer interface {
	// Reindex re-extracts the blobs with these catalog rows. It returns,
	// per row, why a blob could not be re-extracted; err is for a failure
	// of the whole run.
	Reindex(ctx context.Context, rows []int64) (map[int64]error, error)
}

// Progress is told how the blob hashing is going, a few times a second.
type Progress interface {
	Update(p Status)
	Done(p Status)
}

// Status is a snapshot of a run's progress.
type Status struct {
	Blobs, BlobsTotal int64 // hashed so far, to hash in all
	Bytes, BytesTotal int64
	Damage            int64 // corrupt blobs found so far
	Elapsed           time.Duration
}

// Options configure a run.
type Options struct {
	// Sample, between 0 and 100 exclusive, hashes only a seeded
	// pseudo-random selection of the stored blobs holding at least that
	// percentage of the stored bytes (whole blobs, so a little more), and
	// skips the database's and FTS5's own checks, which read the whole
	// catalog. 0 or 100 hashes every blob and runs every check.
	Sample float64
	// Seed chooses the sample: the same seed on the same store selects
	// the same blobs.
	Seed uint64
	// Workers hash in parallel; default: one per core.
	Workers int
	// SkipDBChecks skips SQLite's and FTS5's own checks (implied by a
	// sample): they read the whole catalog and index, which can take
	// longer than hashing the blobs.
	SkipDBChecks bool
	// Repair rebuilds what can be rebuilt (see package doc).
	Repair bool
	// Reindexer re-extracts blobs whose index entries are missing; without
	// it, Repair leaves them.
	Reindexer Reindexer
	Progress  Progress
	// UsedBy is how many items a damage names (default 10).
	UsedBy int
}

// Stats describe a run.
type Stats struct {
	StoredBlobs  int64   `json:"stored_blobs"`
	StoredBytes  int64   `json:"stored_bytes"`
	HashedBlobs  int64   `json:"hashed_blobs"`
	HashedBytes  int64   `json:"hashed_bytes"`
	CatalogBlobs int64   `json:"catalog_blobs"`
	ReleaseFiles int64   `json:"release_files"`
	Sample       float64 `json:"sample_percent,omitempty"`
	Seed         uint64  `json:"seed,omitempty"`
	FullChecks   bool    `json:"database_checks"` // SQLite's and FTS5's own checks ran
	HashSeconds  float64 `json:"hash_seconds"`
	IndexSeconds float64 `json:"catalog_seconds"`
	Seconds      float64 `json:"seconds"`
	// MBPerSecond is the bytes hashed per second of the whole run, in
	// units of 10^6 bytes.
	MBPerSecond float64 `json:"mb_per_s"`
}

// Report is the outcome of a run.
type Report struct {
	Damage   []*Damage `json:"damage"`
	Stats    Stats     `json:"stats"`
	Repair   bool      `json:"repair"`
	Clean    bool      `json:"clean"`            // nothing was found
	Repaired bool      `json:"repaired_all"`     // something was found and all of it repaired
	Errors   []string  `json:"errors,omitempty"` // repairs that failed
}

// Count returns how many damages of kind k the report holds.
func (r *Report) Count(k Kind) int {
	n := 0
	for _, d := range r.Damage {
		if d.Kind == k {
			n++
		}
	}
	return n
}

// Unrepaired returns how many damages were not repaired.
func (r *Report) Unrepaired() int {
	n := 0
	for _, d := range r.Damage {
		if !d.Repaired {
			n++
		}
	}
	return n
}

// checker holds one run.
type checker struct {
	st   archive.BlobStore
	cat  Catalog
	opts Options

	mu     sync.Mutex
	damage []*Damage

	stored   map[archive.BlobID]int64 // stored blob -> size
	rows     map[archive.BlobID]blobRow
	releases map[archive.BlobID][]Use
	hashed   map[archive.BlobID]bool // hashed in this run and sound
	bad      map[archive.BlobID]bool // corrupt or missing in the store
}

type blobRow struct {
	row  int64
	size int64
}

// Run checks the archive and, with opts.Repair, repairs it. err is for a
// check that could not complete; damage is in the report.
func Run(ctx context.Context, st archive.BlobStore, cat Catalog, opts Options) (*Report, error) {
	if opts.Sample < 0 || opts.Sample > 100 {
		return nil, archive.Errorf(archive.EInvalid, "sample: want a percentage between 0 and 100, not %g", opts.Sample)
	}
	if opts.Sample == 100 {
		opts.Sample = 0
	}
	if opts.Workers <= 0 {
		opts.Workers = runtime.GOMAXPROCS(0)
	}
	if opts.UsedBy <= 0 {
		opts.UsedBy = 10
	}
	c := &checker{st: st, cat: cat, opts: opts,
		stored: map[archive.BlobID]int64{}, rows: map[archive.BlobID]blobRow{}, releases: map[archive.BlobID][]Use{},
		hashed: map[archive.BlobID]bool{}, bad: map[archive.BlobID]bool{}}
	start := time.Now()
	rep := &Report{Repair: opts.Repair}
	full := opts.Sample == 0 && !opts.SkipDBChecks
	rep.Stats.Sample, rep.Stats.FullChecks = opts.Sample, full
	if opts.Sample > 0 {
		rep.Stats.Seed = opts.Seed
	}

	// The catalog checks (SQLite, one core each) need nothing from the
	// store: they start first and run beside the walk and the hashing.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// The full-text engine's check of the main index is the longest
	// single-threaded part: it starts first, beside the hashing; the
	// other catalog checks start when the hashing is done, so that it
	// never shares the cores with more than the hashing workers.
	var first, later []func() error
	later = append(later, func() error { return c.checkCatalog(ctx) })
	if full {
		for i, t := range append(cat.CheckIndexTables(), "") {
			job := func() error { return c.checkEngine(ctx, t) }
			if i == 0 {
				first = append(first, job)
			} else {
				later = append(later, job)
			}
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	var catSecs float64
	catStart := time.Now()
	startJobs := func(jobs []func() error) {
		for _, job := range jobs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := job()
				mu.Lock()
				catSecs = max(catSecs, time.Since(catStart).Seconds())
				errs = append(errs, err)
				mu.Unlock()
			}()
		}
	}
	startJobs(first)
	if err := c.load(ctx, &rep.Stats); err != nil {
		cancel()
		wg.Wait()
		return nil, err
	}
	todo := c.pick(c.crossStore())
	t0 := time.Now()
	hb, hn, herr := c.hash(ctx, todo, start)
	rep.Stats.HashSeconds = time.Since(t0).Seconds()
	rep.Stats.HashedBlobs, rep.Stats.HashedBytes = hb, hn
	if herr == nil {
		startJobs(later)
	}
	wg.Wait()
	if err := errors.Join(append(errs, herr)...); err != nil {
		return nil, err
	}
	rep.Stats.IndexSeconds = catSecs
	if err := c.uses(ctx); err != nil {
		return nil, err
	}
	c.sort()
	if opts.Repair {
		rep.Errors = c.repair(ctx)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
	rep.Damage = c.damage
	if rep.Damage == nil {
		rep.Damage = []*Damage{}
	}
	rep.Clean = len(rep.Damage) == 0
	rep.Repaired = !rep.Clean && rep.Unrepaired() == 0
	rep.Stats.Seconds = time.Since(start).Seconds()
	if rep.Stats.Seconds > 0 {
		rep.Stats.MBPerSecond = float64(rep.Stats.HashedBytes) / 1e6 / rep.Stats.Seconds
	}
	return rep, nil
}

func (c *checker) add(d *Damage) {
	c.mu.Lock()
	c.damage = append(c.damage, d)
	c.mu.Unlock()
}

// load reads what the store holds and what the catalog and releases say
// it should hold.
func (c *checker) load(ctx context.Context, s *Stats) error {
	err := c.st.Walk(ctx, func(id archive.BlobID) error {
		size, err := c.st.Stat(ctx, id)
		if archive.ErrorCode(err) == archive.ENotFound {
			return nil // deleted meanwhile
		} else if err != nil {
			return err
		}
		c.stored[id] = size
		s.StoredBlobs++
		s.StoredBytes += size
		return nil
	})
	if err != nil {
		return fmt.Errorf("check store: %w", err)
	}
	err = c.cat.CheckBlobs(ctx, func(row int64, id archive.BlobID, size int64) error {
		c.rows[id] = blobRow{row: row, size: size}
		s.CatalogBlobs++
		return nil
	})
	if err != nil {
		return err
	}
	return c.cat.CheckReleaseFiles(ctx, func(release, path string, id archive.BlobID) error {
		c.releases[id] = append(c.releases[id], Use{Release: release, Path: path})
		s.ReleaseFiles++
		return nil
	})
}

// crossStore compares the store with the catalog and the releases and
// returns the stored blobs to hash.
func (c *checker) crossStore() []archive.BlobID {
	var todo []archive.BlobID
	for id, size := range c.stored {
		r, inCat := c.rows[id]
		switch {
		case inCat && r.size != size:
			c.bad[id] = true
			c.add(&Damage{Kind: CorruptBlob, Blob: id.String(), BlobRow: r.row, id: id,
				Message: fmt.Sprintf("stored file has %d bytes, the catalog says %d", size, r.size)})
			continue
		case !inCat && c.releases[id] == nil:
			c.add(&Damage{Kind: OrphanBlob, Blob: id.String(), id: id,
				Message: fmt.Sprintf("stored blob of %d bytes that no catalog row or release refers to", size)})
		}
		todo = append(todo, id)
	}
	for id, r := range c.rows {
		if _, ok := c.stored[id]; !ok {
			c.bad[id] = true
			c.add(&Damage{Kind: MissingBlob, Blob: id.String(), BlobRow: r.row, id: id,
				Message: fmt.Sprintf("blob of %d bytes is in the catalog but not in the store", r.size)})
		}
	}
	for id, uses := range c.releases {
		if _, ok := c.stored[id]; ok {
			continue
		}
		if _, ok := c.rows[id]; ok {
			continue // reported above, with the release among its uses
		}
		c.bad[id] = true
		c.add(&Damage{Kind: MissingBlob, Blob: id.String(), id: id,
			Message: fmt.Sprintf("file of release %s is not in the store", uses[0].Release)})
	}
	return todo
}

// checkCatalog runs the cross-checks of catalog and index, all SQL.
func (c *checker) checkCatalog(ctx context.Context) error {
	err := c.cat.CheckOrphanItems(ctx, func(item int64, dataset, path string, noBlob, noDataset, noParent int64) error {
		d := &Damage{Kind: OrphanItem, Item: item, Dataset: dataset, Path: path, noBlob: noBlob != 0, noDataset: noDataset != 0}
		var why []string
		if noBlob != 0 {
			why = append(why, fmt.Sprintf("blob row %d does not exist", noBlob))
			d.BlobRow = noBlob
		}
		if noDataset != 0 {
			why = append(why, fmt.Sprintf("dataset %d does not exist", noDataset))
		}
		if noParent != 0 {
			why = append(why, fmt.Sprintf("parent item %d does not exist", noParent))
		}
		d.Message = joinAnd(why)
		c.add(d)
		return nil
	})
	if err != nil {
		return err
	}
	err = c.cat.CheckIndexGaps(ctx, func(row int64, id archive.BlobID, chunks, indexed int) error {
		c.add(&Damage{Kind: MissingIndex, Blob: id.String(), BlobRow: row, id: id,
			Message: fmt.Sprintf("%d of its %d text chunks are not in the full-text index", chunks-indexed, chunks)})
		return nil
	})
	if err != nil {
		return err
	}
	// Stale rows are grouped per table and blob row.
	type key struct {
		table string
		row   int64
	}
	groups := map[key]*Damage{}
	var order []key
	err = c.cat.CheckStaleIndex(ctx, func(table string, rowid int64, chunks int) error {
		k := key{table, rowid >> 20}
		d := groups[k]
		if d == nil {
			d = &Damage{Kind: StaleIndex, Table: table, BlobRow: k.row}
			if chunks < 0 {
				d.Message = fmt.Sprintf("%s rows for blob row %d, which does not exist", table, k.row)
			} else {
				d.Message = fmt.Sprintf("%s rows for chunks of blob row %d beyond its %d chunks", table, k.row, chunks)
			}
			groups[k] = d
			order = append(order, k)
		}
		d.RowIDs = append(d.RowIDs, rowid)
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range order {
		d := groups[k]
		chunks := make([]string, 0, len(d.RowIDs))
		for _, r := range d.RowIDs {
			chunks = append(chunks, fmt.Sprint(r&(1<<20-1)))
		}
		d.Message = fmt.Sprintf("%d %s (chunk %s)", len(d.RowIDs), d.Message, abbrev(chunks, 8))
		c.add(d)
	}
	return nil
}

// checkEngine runs the full-text engine's check of table, or with table
// "" the database's check of the other tables.
func (c *checker) checkEngine(ctx context.Context, table string) error {
	if table == "" {
		probs, err := c.cat.CheckTables(ctx)
		if err != nil {
			return err
		}
		for _, p := range probs {
			c.add(&Damage{Kind: CatalogCorrupt, Message: p})
		}
		return nil
	}
	probs, err := c.cat.CheckIndexIntegrity(ctx, table)
	if err != nil {
		return err
	}
	if len(probs) > 0 {
		c.add(&Damage{Kind: IndexCorrupt, Table: table, Message: fmt.Sprintf("the full-text engine's integrity check of %s failed: %s", table, abbrev(probs, 3))})
	}
	return nil
}

// uses names the items and release files that hold each damaged blob.
func (c *checker) uses(ctx context.Context) error {
	for _, d := range c.damage {
		switch d.Kind {
		case CorruptBlob, MissingBlob, MissingIndex, OrphanBlob:
		default:
			continue
		}
		if d.BlobRow != 0 {
			n, err := c.cat.CheckBlobItems(ctx, d.BlobRow, c.opts.UsedBy, func(item int64, dataset, path string) error {
				d.UsedBy = append(d.UsedBy, Use{Item: item, Dataset: dataset, Path: path})
				return nil
			})
			if err != nil {
				return err
			}
			d.UsedByTotal = n
		}
		rel := c.releases[d.id]
		d.UsedByTotal += len(rel)
		for _, u := range rel {
			if len(d.UsedBy) >= c.opts.UsedBy {
				break
			}
			d.UsedBy = append(d.UsedBy, u)
		}
	}
	return nil
}

// sort orders the damage by kind, then blob row, item, table and blob.
func (c *checker) sort() {
	rank := map[Kind]int{}
	for i, k := range kindOrder {
		rank[k] = i
	}
	slices.SortStableFunc(c.damage, func(a, b *Damage) int {
		return cmp.Or(cmp.Compare(rank[a.Kind], rank[b.Kind]), cmp.Compare(a.BlobRow, b.BlobRow),
			cmp.Compare(a.Item, b.Item), cmp.Compare(a.Table, b.Table), cmp.Compare(a.Blob, b.Blob))
	})
}

func joinAnd(s []string) string {
	switch len(s) {
	case 0:
		return ""
	case 1:
		return s[0]
	}
	out := s[0]
	for _, x := range s[1 : len(s)-1] {
		out += ", " + x
	}
	return out + " and " + s[len(s)-1]
}

// abbrev joins the first n strings of s and says how many more there are.
func abbrev(s []string, n int) string {
	if len(s) <= n {
		return joinComma(s)
	}
	return fmt.Sprintf("%s and %d more", joinComma(s[:n]), len(s)-n)
}

func joinComma(s []string) string {
	out := ""
	for i, x := range s {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out
}
