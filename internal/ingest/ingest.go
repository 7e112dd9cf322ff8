package ingest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/sqlite"
	"github.com/trove-archive/trove/internal/store"
)

// Options configure one ingest run.
type Options struct {
	Workers   int           // parallel extractions; default 2 per core
	MaxDepth  int           // nesting limit for containers; default 16
	Ratio     int64         // expansion budget: bytes out per byte in; default 100
	MinBudget int64         // expansion budget floor per top-level file; default 1 GiB
	Timeout   time.Duration // per-blob extraction limit; default 10 minutes
	Passwords []string      // tried on encrypted content
	Exclude   []string      // glob patterns matched against each path element
	Progress  Progress      // may be nil
	// MaxClaims bounds the blobs remembered in memory for deduplication
	// within the run (see claims); default 16384.
	MaxClaims int
}

func (o *Options) defaults() {
	if o.Workers <= 0 {
		o.Workers = 2 * runtime.NumCPU()
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = 16
	}
	if o.Ratio <= 0 {
		o.Ratio = 100
	}
	if o.MinBudget <= 0 {
		o.MinBudget = 1 << 30
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Minute
	}
	if o.MaxClaims <= 0 {
		o.MaxClaims = 16384
	}
}

// Ingester runs ingests into one catalog and store.
type Ingester struct {
	db    *sqlite.DB
	store *store.Store
	reg   *extract.Registry
	opts  Options
	ds    *archive.Dataset

	w      *sqlite.Writer
	stats  *statsCounter
	resume bool

	mu       sync.Mutex
	cond     *sync.Cond
	children []*task // depth-first: a stack
	top      []*task // top-level files from the walker
	active   int
	walkDone bool

	// claims holds the blobs met in this run, in progress or done. Done
	// ones beyond MaxClaims are dropped once committed (dropClaims): a
	// later copy of one finds its blob in the catalog, and forgotten,
	// a bitmap of its blob ID, tells it apart from a blob of an earlier
	// run. Memory then stays flat however many files a leak has.
	claimMu   sync.Mutex
	claims    map[archive.BlobID]*claim
	doneN     int // claims done and not dropped
	dropping  bool
	forgotten bitmap
}

// New returns an Ingester.
func New(db *sqlite.DB, st *store.Store, reg *extract.Registry, opts Options) *Ingester {
	opts.defaults()
	return &Ingester{db: db, store: st, reg: reg, opts: opts}
}

// task is one item to ingest: a file on disk or a stored container member.
type task struct {
	parentID int64
	rel      string // path in the dataset
	name     string
	depth    int
	src      string // file on disk, when not yet stored
	sha      archive.BlobID
	size     int64
	stored   bool
	mtime    time.Time
	budget   *budget
	top      *topState // the top-level file this task belongs to
	repair   bool      // re-extract containers: an earlier run was cut off inside this file
	// reextract, when set, replaces the extraction of a stored blob
	// (Reextract) instead of ingesting a file.
	reextract *sqlite.DatasetBlob
	// A top-level file that is a volume of a multi-volume archive found
	// beside it: the first volume carries the others (read from where
	// they are, in order) and their total size; the others name the
	// first, under which the archive's members are listed.
	volumes  []extract.Volume
	volBytes int64
	volumeOf string
	volIndex int
}

// topState tracks one top-level file's subtree: when its last task ends,
// the file is marked complete in the catalog.
type topState struct {
	itemID  int64
	pending int
}

// claim makes one worker the extractor of a blob within a run; others that
// meet the same content link to it.
type claim struct {
	ready  chan struct{} // closed once blobID, typ and firstItem are set
	blobID int64
	typ    extract.Type
	first  int64 // item that extracts it

	mu    sync.Mutex
	facts *sqlite.Facts // set once extracted
	sha   archive.BlobID
	done  atomic.Bool // all its writes sent (see claimDone)
}

// Run ingests paths into the dataset and returns the summary.
func (ing *Ingester) Run(ctx context.Context, ds *archive.Dataset, paths []string) (*Stats, error) {
	for _, p := range paths {
		if _, err := os.Lstat(p); err != nil {
			return nil, archive.Errorf(archive.EInvalid, "ingest: %s: %v", p, errors.Unwrap(err))
		}
	}
	return ing.run(ctx, ds, func() { ing.count(ctx, paths) }, func() error { return ing.walk(ctx, paths) })
}

// StoredFile is a top-level file whose bytes are already in the store, such
// as a file of a release a mirror pulled.
type StoredFile struct {
	Path  string // slash-separated path in the dataset
	Blob  archive.BlobID
	Size  int64
	MTime time.Time
}

// RunStored ingests files already in the store into the dataset, exactly as
// Run would ingest them from disk (extraction, containers, index); the
// store's copy is the only copy. Resumable like Run.
func (ing *Ingester) RunStored(ctx context.Context, ds *archive.Dataset, files []StoredFile) (*Stats, error) {
	count := func() {
		var n, b int64
		for _, f := range files {
			n, b = n+1, b+f.Size
		}
		ing.stats.setTotals(n, b)
	}
	walk := func() error {
		vs := &volumeSets{}
		for _, f := range files {
			vs.addFile(path.Dir(f.Path), path.Base(f.Path), ing.store.Path(f.Blob), f.Size)
		}
		for _, f := range files {
			t := &task{rel: f.Path, name: path.Base(f.Path), sha: f.Blob, size: f.Size, stored: true, mtime: f.MTime}
			vs.mark(path.Dir(f.Path), t)
			if err := ing.pushTop(ctx, t); err != nil {
				return err
			}
		}
		return nil
	}
	return ing.run(ctx, ds, count, walk)
}

// Reextract extracts again, with this Ingester's extractors, the blobs of
// the dataset's items whose kind is in kinds and that want accepts (for
// example images and PDFs not yet read by OCR), replacing their text,
// metadata and failure record. Blobs that hold containers are left alone.
// Interrupted, it is run again: a blob whose new extraction was not
// recorded keeps its old metadata and is picked again.
func (ing *Ingester) Reextract(ctx context.Context, ds *archive.Dataset, kinds []archive.Kind, want func(*sqlite.DatasetBlob) bool) (*Stats, error) {
	blobs, err := ing.db.DatasetBlobs(ctx, ds.ID, kinds)
	if err != nil {
		return nil, err
	}
	var todo []*sqlite.DatasetBlob
	for _, b := range blobs {
		if b.ChildrenEmitted == 0 && (want == nil || want(b)) {
			todo = append(todo, b)
		}
	}
	count := func() {
		var n, sz int64
		for _, b := range todo {
			n, sz = n+1, sz+b.Size
		}
		ing.stats.setTotals(n, sz)
	}
	walk := func() error {
		for _, b := range todo {
			t := &task{rel: b.Name, name: b.Name, sha: b.SHA, size: b.Size, stored: true, reextract: b}
			if err := ing.pushTop(ctx, t); err != nil {
				return err
			}
		}
		return nil
	}
	return ing.run(ctx, ds, count, walk)
}

// reextractOne replaces the extraction of one stored blob.
func (ing *Ingester) reextractOne(ctx context.Context, t *task) {
	b := t.reextract
	ing.stats.seenTop(b.Size)
	ing.stats.seen(b.Size)
	c := &claim{ready: make(chan struct{}), blobID: b.ID, typ: extract.Type{MIME: b.MIME, Kind: b.Kind}, first: b.ItemID}
	close(c.ready)
	t.budget = newBudget(max(ing.opts.MinBudget, ing.opts.Ratio*t.size))
	ing.w.ResetBlob(b.ID)
	ing.stats.fresh()
	out := ing.extract(ctx, t, c, ing.store.Path(b.SHA))
	if ctx.Err() != nil {
		// Cut off: the blob's metadata is unchanged, so the next run
		// picks it again.
		return
	}
	ing.w.FinishBlob(out)
}

func (ing *Ingester) run(ctx context.Context, ds *archive.Dataset, count func(), walk func() error) (*Stats, error) {
	ing.ds = ds
	ing.stats = newStats()
	ing.cond = sync.NewCond(&ing.mu)
	ing.claims = map[archive.BlobID]*claim{}
	ing.doneN, ing.dropping, ing.forgotten = 0, false, nil
	ing.children, ing.top, ing.active, ing.walkDone = nil, nil, 0, false
	ing.resume = ds.Items > 0
	w, err := ing.db.NewWriter(ctx)
	if err != nil {
		return nil, err
	}
	ing.w = w
	start := time.Now()

	// Count in the background so that progress has totals and an ETA.
	go count()

	var wg sync.WaitGroup
	for range ing.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ing.worker(ctx)
		}()
	}
	// Wake waiting workers and the walker when the context ends.
	stopWake := context.AfterFunc(ctx, func() {
		ing.mu.Lock()
		ing.cond.Broadcast()
		ing.mu.Unlock()
	})
	defer stopWake()
	var progressDone chan struct{}
	if ing.opts.Progress != nil {
		progressDone = make(chan struct{})
		go func() {
			defer close(progressDone)
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					ing.opts.Progress.Update(ing.stats.snapshot(start))
				case <-ctx.Done():
					return
				case <-ing.stats.done:
					return
				}
			}
		}()
	}
	walkErr := walk()
	ing.mu.Lock()
	ing.walkDone = true
	ing.cond.Broadcast()
	ing.mu.Unlock()
	wg.Wait()
	close(ing.stats.done)
	if progressDone != nil {
		<-progressDone
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	ing.stats.with(func(s *Stats) { s.WriterSeconds = w.Busy().Seconds() })
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if walkErr != nil {
		return nil, walkErr
	}
	if err := ing.db.RefreshVocab(ctx); err != nil {
		return nil, err
	}
	s := ing.stats.snapshot(start)
	if ing.opts.Progress != nil {
		ing.opts.Progress.Done(s)
	}
	return s, nil
}

func (ing *Ingester) excluded(name string) bool {
	for _, pat := range ing.opts.Exclude {
		if ok, _ := path.Match(pat, name); ok {
			return true
		}
	}
	return false
}

// walk sends every regular file under paths to top. A folder's contents
// land at the dataset's root; a single file by its name.
func (ing *Ingester) walk(ctx context.Context, paths []string) error {
	// Volumes of a multi-volume archive are read together: in a folder
	// given, with the others in that folder; among files given one by
	// one, with the others given.
	vs := &volumeSets{}
	for _, root := range paths {
		root = filepath.Clean(root)
		if fi, err := os.Stat(root); err == nil && fi.Mode().IsRegular() {
			vs.addFile(filepath.Dir(root), filepath.Base(root), root, fi.Size())
		}
	}
	for _, root := range paths {
		root = filepath.Clean(root)
		fi, err := os.Stat(root)
		if err != nil {
			return fmt.Errorf("ingest %s: %w", root, err)
		}
		base := root
		if !fi.IsDir() {
			base = filepath.Dir(root)
		}
		err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if p != root && ing.excluded(d.Name()) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if err != nil {
				ing.stats.walkError(p, err)
				if d != nil && d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if !d.Type().IsRegular() {
				if !d.IsDir() {
					ing.stats.skipSpecial()
				}
				return nil
			}
			info, err := d.Info()
			if err != nil {
				ing.stats.walkError(p, err)
				return nil
			}
			rel, err := filepath.Rel(base, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			t := &task{rel: rel, name: d.Name(), src: p, size: info.Size(), mtime: info.ModTime()}
			if extract.VolumeName(d.Name()) {
				if fi.IsDir() {
					vs.scanDir(filepath.Dir(p), ing.excluded)
				}
				vs.mark(filepath.Dir(p), t)
			}
			return ing.pushTop(ctx, t)
		})
		if err != nil {
			return fmt.Errorf("ingest walk %s: %w", root, err)
		}
	}
	return nil
}

func (ing *Ingester) count(ctx context.Context, paths []string) {
	var files, bytes int64
	for _, root := range paths {
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				return nil
			}
			if p != root && ing.excluded(d.Name()) {
				if d.IsDir() {
					return filepath.SkipDir
				}
				return nil
			}
			if d.Type().IsRegular() {
				if info, err := d.Info(); err == nil {
					files++
					bytes += info.Size()
				}
			}
			return nil
		})
	}
	ing.stats.setTotals(files, bytes)
}

func (ing *Ingester) enqueueChild(parent *task, t *task) {
	t.top, t.repair = parent.top, parent.repair
	ing.mu.Lock()
	if t.top != nil {
		t.top.pending++
	}
	ing.children = append(ing.children, t)
	ing.mu.Unlock()
	ing.cond.Signal()
}

// next returns the next task: container members first (depth first, to
// finish containers and bound the queue), then top-level files; nil when
// the walk is over and no task is running that could add more.
func (ing *Ingester) next() *task {
	ing.mu.Lock()
	defer ing.mu.Unlock()
	for {
		if n := len(ing.children); n > 0 {
			t := ing.children[n-1]
			ing.children = ing.children[:n-1]
			ing.active++
			return t
		}
		if len(ing.top) > 0 {
			t := ing.top[0]
			ing.top = ing.top[1:]
			ing.active++
			ing.cond.Broadcast() // room for the walker
			return t
		}
		if ing.walkDone && ing.active == 0 {
			ing.cond.Broadcast()
			return nil
		}
		ing.cond.Wait()
	}
}

// pushTop queues a top-level file, waiting while the queue is full.
func (ing *Ingester) pushTop(ctx context.Context, t *task) error {
	ing.mu.Lock()
	defer ing.mu.Unlock()
	for len(ing.top) >= 256 && ctx.Err() == nil {
		ing.cond.Wait()
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	ing.top = append(ing.top, t)
	ing.cond.Signal()
	return nil
}

func (ing *Ingester) doneTask() {
	ing.mu.Lock()
	ing.active--
	ing.mu.Unlock()
	ing.cond.Broadcast()
}

func (ing *Ingester) worker(ctx context.Context) {
	for {
		t := ing.next()
		if t == nil {
			return
		}
		if ctx.Err() == nil {
			ing.process(ctx, t)
		}
		ing.taskDone(ctx, t)
		ing.doneTask()
	}
}

// process ingests one task: store, claim, record, extract.
func (ing *Ingester) process(ctx context.Context, t *task) {
	if t.reextract != nil {
		ing.reextractOne(ctx, t)
		return
	}
	if t.parentID == 0 {
		ing.stats.seenTop(t.size)
		if ing.resume {
			complete, begun, err := ing.db.TopLevelState(ctx, ing.ds.ID, t.rel, t.size, t.mtime)
			if err != nil {
				ing.stats.internal(t.rel, err)
				return
			}
			if complete {
				ing.stats.unchanged()
				return
			}
			t.repair = begun
		}
		t.top = &topState{pending: 1}
		if t.stored {
			// Already in the store (a release a mirror pulled): check it
			// is there with the expected size.
			size, err := ing.store.Stat(ctx, t.sha)
			if err == nil && size != t.size {
				err = fmt.Errorf("stored blob %s has %d bytes, want %d", t.sha, size, t.size)
			}
			if err != nil {
				ing.stats.walkError(t.rel, err)
				return
			}
		} else {
			f, err := os.Open(t.src)
			if err != nil {
				ing.stats.walkError(t.src, err)
				return
			}
			id, size, err := ing.store.Put(ctx, f)
			f.Close()
			if err != nil {
				if ctx.Err() == nil {
					ing.stats.walkError(t.src, err)
				}
				return
			}
			t.sha, t.size, t.stored = id, size, true
		}
		t.budget = newBudget(max(ing.opts.MinBudget, ing.opts.Ratio*(t.size+t.volBytes)))
	}
	ing.stats.seen(t.size)

	ing.claimMu.Lock()
	c, dup := ing.claims[t.sha]
	if !dup {
		c = &claim{ready: make(chan struct{}), sha: t.sha}
		ing.claims[t.sha] = c
	}
	ing.claimMu.Unlock()
	if dup {
		<-c.ready
		ing.link(ctx, t, c)
		return
	}
	ing.extractNew(ctx, t, c)
}

// itemID returns the id for a new item row, reusing the row of an earlier,
// interrupted run when there is one.
func (ing *Ingester) itemID(ctx context.Context, t *task, blobID int64) (id int64, existed bool) {
	if ing.resume {
		if id, err := ing.db.ExistingItem(ctx, ing.ds.ID, t.rel, blobID); err == nil && id != 0 {
			return id, true
		}
	}
	return ing.w.NewItemID(), false
}

func (ing *Ingester) newItem(ctx context.Context, t *task, c *claim, dupOf int64, facts *sqlite.Facts) int64 {
	id, existed := ing.itemID(ctx, t, c.blobID)
	if !existed {
		ing.w.InsertItem(&sqlite.ItemRow{
			ID: id, DatasetID: ing.ds.ID, ParentID: t.parentID, BlobID: c.blobID,
			Name: t.name, Path: t.rel, Ext: extract.Ext(t.name), ExtLies: extract.ExtLies(c.typ, t.name),
			FileTime: t.mtime, FileSize: t.size, DuplicateOf: dupOf, Facts: facts,
		})
	}
	return id
}

// link records a duplicate of a blob met earlier in this run.
func (ing *Ingester) link(ctx context.Context, t *task, c *claim) {
	c.mu.Lock()
	id := ing.newItem(ctx, t, c, c.first, c.facts)
	c.mu.Unlock()
	ing.setTop(t, id)
	ing.stats.duplicate()
}

// setTop records the item id of a top-level file, for marking it complete.
func (ing *Ingester) setTop(t *task, itemID int64) {
	if t.parentID == 0 && t.top != nil {
		ing.mu.Lock()
		t.top.itemID = itemID
		ing.mu.Unlock()
	}
}

// taskDone counts down the subtree of t's top-level file and marks the file
// complete after its last task, if nothing was cut off.
func (ing *Ingester) taskDone(ctx context.Context, t *task) {
	if t.top == nil {
		return
	}
	ing.mu.Lock()
	t.top.pending--
	done := t.top.pending == 0 && t.top.itemID != 0
	ing.mu.Unlock()
	if done && ctx.Err() == nil {
		ing.w.Complete(t.top.itemID)
	}
}

func (ing *Ingester) extractNew(ctx context.Context, t *task, c *claim) {
	rec, err := ing.db.BlobBySHA(ctx, t.sha)
	if err != nil {
		close(c.ready)
		ing.stats.internal(t.rel, err)
		return
	}
	if rec != nil && rec.Status != archive.StatusPending && ing.isForgotten(rec.ID) {
		// Met earlier in this run, its claim since dropped: a copy, as
		// link records it (not read again, whatever the task).
		ing.linkForgotten(ctx, t, c, rec)
		return
	}
	path := ing.store.Path(t.sha)
	// A volume that failed when read alone is taken again now that the
	// others of its set are here.
	again := (len(t.volumes) > 0 || t.volumeOf != "") && rec != nil && rec.Status == archive.StatusFailed
	if rec != nil && rec.Status != archive.StatusPending && !(t.repair && rec.ChildrenEmitted > 0) && !again {
		// Extracted by an earlier run (maybe for another dataset).
		c.blobID = rec.ID
		c.typ = extract.Type{MIME: rec.MIME, Kind: rec.Kind}
		c.facts = sqlite.FactsOf(rec.Kind, &rec.Meta, rec.Status, rec.ChildrenEmitted)
		exists, err := ing.db.ExistingItem(ctx, ing.ds.ID, t.rel, rec.ID)
		if err != nil {
			close(c.ready)
			ing.stats.internal(t.rel, err)
			return
		}
		c.first = ing.newItem(ctx, t, c, 0, c.facts)
		close(c.ready)
		ing.claimDone(ctx, c)
		ing.setTop(t, c.first)
		if exists != 0 {
			ing.stats.unchanged()
		} else {
			ing.stats.duplicate()
		}
		if rec.ChildrenEmitted > 0 {
			ing.replay(ctx, t, c.first, rec.ID)
		}
		return
	}
	typ, err := extract.SniffFile(path, t.name)
	if err != nil {
		typ = extract.Type{MIME: extract.MIMEOctet, Kind: archive.KindOther}
	}
	c.typ = typ
	if rec != nil {
		c.blobID = rec.ID
		ing.w.ResetBlob(rec.ID)
	} else {
		c.blobID = ing.w.NewBlobID()
		ing.w.InsertBlob(c.blobID, t.sha, t.size, typ.MIME, typ.Kind)
	}
	c.first = ing.newItem(ctx, t, c, 0, nil)
	close(c.ready)
	ing.setTop(t, c.first)
	ing.stats.fresh()

	out := ing.extract(ctx, t, c, path)
	c.mu.Lock()
	c.facts = sqlite.FactsOf(out.Kind, &out.Meta, out.Status, out.ChildrenEmitted)
	ing.w.FinishBlob(out)
	c.mu.Unlock()
	ing.claimDone(ctx, c)
}

// claimDone counts a claim whose writes are all sent, and drops the done
// claims when there are more than MaxClaims.
func (ing *Ingester) claimDone(ctx context.Context, c *claim) {
	c.done.Store(true)
	ing.claimMu.Lock()
	ing.doneN++
	drop := ing.doneN > ing.opts.MaxClaims && !ing.dropping
	if drop {
		ing.dropping = true
	}
	ing.claimMu.Unlock()
	if drop {
		ing.dropClaims(ctx)
	}
}

// dropClaims forgets the claims that are done, once the catalog holds
// their blobs and first items: it waits for the writer to commit what was
// sent, so that a later copy finds them there (linkForgotten).
func (ing *Ingester) dropClaims(ctx context.Context) {
	var done []*claim
	ing.claimMu.Lock()
	for _, c := range ing.claims {
		if c.done.Load() {
			done = append(done, c)
		}
	}
	ing.claimMu.Unlock()
	err := ing.w.Flush()
	ing.claimMu.Lock()
	defer ing.claimMu.Unlock()
	ing.dropping = false
	if err != nil || ctx.Err() != nil {
		return // the run is failing: keep them
	}
	for _, c := range done {
		if ing.claims[c.sha] == c {
			delete(ing.claims, c.sha)
			ing.forgotten.set(c.blobID)
			ing.doneN--
		}
	}
}

// linkForgotten records a copy of a blob met earlier in this run whose
// claim was dropped: like link, a duplicate of the blob's first item in
// the dataset, with the same facts, read back from the catalog.
func (ing *Ingester) linkForgotten(ctx context.Context, t *task, c *claim, rec *sqlite.BlobRecord) {
	first, err := ing.db.FirstItem(ctx, ing.ds.ID, rec.ID)
	if err != nil {
		close(c.ready)
		ing.stats.internal(t.rel, err)
		return
	}
	c.blobID, c.first = rec.ID, first
	c.typ = extract.Type{MIME: rec.MIME, Kind: rec.Kind}
	c.facts = sqlite.FactsOf(rec.Kind, &rec.Meta, rec.Status, rec.ChildrenEmitted)
	close(c.ready)
	ing.link(ctx, t, c)
	ing.claimDone(ctx, c)
}

func (ing *Ingester) isForgotten(blobID int64) bool {
	ing.claimMu.Lock()
	defer ing.claimMu.Unlock()
	return ing.forgotten.has(blobID)
}

// bitmap is a set of blob IDs, one bit each.
type bitmap []uint64

func (b bitmap) has(id int64) bool {
	return id >= 0 && id/64 < int64(len(b)) && b[id/64]&(1<<(id%64)) != 0
}

func (b *bitmap) set(id int64) {
	if id < 0 {
		return
	}
	for int64(len(*b)) <= id/64 {
		*b = append(*b, 0)
	}
	(*b)[id/64] |= 1 << (id % 64)
}

// replay links the children of a container extracted before into this
// dataset, without extracting them again.
func (ing *Ingester) replay(ctx context.Context, t *task, itemID, blobID int64) {
	kids, err := ing.db.ContainerChildren(ctx, blobID)
	if err != nil {
		ing.stats.internal(t.rel, err)
		return
	}
	for _, k := range kids {
		if strings.Contains(k.Rel, "\x00") {
			continue
		}
		ing.enqueueChild(t, &task{parentID: itemID, rel: t.rel + "/" + k.Rel, name: k.Name, depth: t.depth + 1,
			sha: k.SHA, size: k.Size, stored: true, mtime: k.FileTime, budget: t.budget})
	}
}

func (ing *Ingester) extract(ctx context.Context, t *task, c *claim, path string) *sqlite.BlobOutcome {
	out := &sqlite.BlobOutcome{BlobID: c.blobID, MIME: c.typ.MIME, Kind: c.typ.Kind, Status: archive.StatusOK, ChildrenExpected: -1}
	ex := ing.reg.For(c.typ.MIME)
	s := &sink{ing: ing, t: t, itemID: c.first, blobID: c.blobID, expected: -1,
		paged: c.typ.Kind == archive.KindPDF || c.typ.Kind == archive.KindPresentation || c.typ.Kind == archive.KindSpreadsheet}
	var err error
	switch {
	case t.volumeOf != "":
		// A further volume of a multi-volume archive (or piece of a
		// split file): read with the first volume, its members listed
		// under it.
		s.meta.Title = fmt.Sprintf("volume %d of %s (read with its first volume)", t.volIndex, t.volumeOf)
	case ex == nil:
		out.Status = archive.StatusSkipped
	default:
		ectx, cancel := context.WithTimeout(ctx, ing.opts.Timeout)
		err = safeExtract(ectx, ex, extract.Input{Name: t.name, Path: path, Size: t.size, Type: c.typ, Volumes: t.volumes}, s)
		if err == nil && ectx.Err() != nil && ctx.Err() == nil {
			err = fmt.Errorf("after %s: %w", ing.opts.Timeout, extract.ErrTimeout)
		}
		cancel()
	}
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		err = fmt.Errorf("after %s: %w", ing.opts.Timeout, extract.ErrTimeout)
	}
	s.flushHeld()
	if s.bombed && err == nil {
		err = extract.ErrBomb
	}
	out.Chunks = s.finish()
	out.TextBytes = s.textBytes
	out.Meta = s.meta
	out.Countries = s.countryResult()
	out.ChildrenExpected, out.ChildrenEmitted, out.ChildrenFailed, out.ChildFailures = s.expected, s.emitted, s.failed, s.failures
	if err != nil {
		out.Status = archive.StatusFailed
		f := &archive.Failure{Reason: extract.Reason(err), Extractor: ex.Name(), Message: err.Error()}
		var te *extract.ToolError
		if errors.As(err, &te) {
			f.Stderr = te.Stderr
		}
		out.Failure = f
		ing.stats.failed(f.Reason, t.rel, err)
	}
	ing.stats.extracted(out.TextBytes)
	return out
}

// safeExtract runs an extractor, turning a panic in a parser of untrusted
// bytes into a recorded error instead of a crashed ingest.
func safeExtract(ctx context.Context, ex extract.Extractor, in extract.Input, s extract.Sink) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%s panicked: %v: %w", ex.Name(), r, extract.ErrCorrupt)
		}
	}()
	return ex.Extract(ctx, in, s)
}
