package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// Chunk rowids in the fts tables are (blob id << chunkBits) | chunk number.
const (
	chunkBits = 20
	chunkMask = 1<<chunkBits - 1
	// MaxChunks is the most chunks one blob's text may have.
	MaxChunks = 1 << chunkBits
)

// BlobRecord is a blob's row as the ingest needs it.
type BlobRecord struct {
	ID     int64
	SHA    archive.BlobID
	Size   int64
	MIME   string
	Kind   archive.Kind
	Status archive.Status
	Meta   archive.Meta
	Failed bool
	// ChildrenEmitted > 0 marks an extracted container.
	ChildrenEmitted int64
}

// BlobBySHA returns the committed row of a blob, or nil if absent.
func (d *DB) BlobBySHA(ctx context.Context, id archive.BlobID) (*BlobRecord, error) {
	var b BlobRecord
	var meta sql.NullString
	var status, kind string
	err := d.db.QueryRowContext(ctx, `SELECT id, size, mime, kind, status, meta, children_emitted FROM blobs WHERE sha256 = ?`, id[:]).
		Scan(&b.ID, &b.Size, &b.MIME, &kind, &status, &meta, &b.ChildrenEmitted)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("find blob %s: %w", id, err)
	}
	b.SHA, b.Kind, b.Status = id, archive.Kind(kind), archive.Status(status)
	b.Failed = b.Status == archive.StatusFailed
	if meta.Valid && meta.String != "" {
		if err := json.Unmarshal([]byte(meta.String), &b.Meta); err != nil {
			return nil, fmt.Errorf("blob %s meta: %w", id, err)
		}
	}
	return &b, nil
}

// DatasetBlob is a blob of a dataset with one item that holds it.
type DatasetBlob struct {
	BlobRecord
	ItemID int64
	Name   string
}

// DatasetBlobs lists the distinct blobs of a dataset's items whose kind is
// one of kinds, each with its first item.
func (d *DB) DatasetBlobs(ctx context.Context, datasetID int64, kinds []archive.Kind) ([]*DatasetBlob, error) {
	marks := strings.TrimSuffix(strings.Repeat("?,", len(kinds)), ",")
	args := []any{datasetID}
	for _, k := range kinds {
		args = append(args, string(k))
	}
	return queryAll(ctx, d.db, "dataset blobs", func(sc rowScanner) (*DatasetBlob, error) {
		var b DatasetBlob
		var meta sql.NullString
		var sha []byte
		var status, kind string
		if err := sc.Scan(&b.ID, &sha, &b.Size, &b.MIME, &kind, &status, &meta, &b.ChildrenEmitted, &b.ItemID, &b.Name); err != nil {
			return nil, err
		}
		copy(b.SHA[:], sha)
		b.Kind, b.Status = archive.Kind(kind), archive.Status(status)
		b.Failed = b.Status == archive.StatusFailed
		if meta.Valid && meta.String != "" {
			if err := json.Unmarshal([]byte(meta.String), &b.Meta); err != nil {
				return nil, fmt.Errorf("blob %d meta: %w", b.ID, err)
			}
		}
		return &b, nil
	}, `SELECT b.id, b.sha256, b.size, b.mime, b.kind, b.status, b.meta, b.children_emitted, i.id, i.name
		FROM blobs b JOIN (SELECT blob_id, min(id) AS id FROM items WHERE dataset_id = ? GROUP BY blob_id) f ON f.blob_id = b.id
		JOIN items i ON i.id = f.id
		WHERE b.kind IN (`+marks+`) ORDER BY b.id`, args...)
}

// ExistingItem returns the id of the item at (dataset, path, blob), or 0.
func (d *DB) ExistingItem(ctx context.Context, datasetID int64, path string, blobID int64) (int64, error) {
	var id int64
	err := d.db.QueryRowContext(ctx, `SELECT id FROM items WHERE dataset_id = ? AND path = ? AND blob_id = ?`, datasetID, path, blobID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("find item %q: %w", path, err)
	}
	return id, nil
}

// FirstItem returns the first item of blob in the dataset that is not
// recorded as a copy of another.
func (d *DB) FirstItem(ctx context.Context, datasetID, blobID int64) (int64, error) {
	var id int64
	err := d.db.QueryRowContext(ctx, `SELECT id FROM items WHERE dataset_id = ? AND blob_id = ? AND duplicate_of = 0 ORDER BY id LIMIT 1`, datasetID, blobID).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("first item of blob %d: %w", blobID, err)
	}
	return id, nil
}

// TopLevelState says whether a file at path with this size and
// modification time was already ingested into the dataset: complete (it and
// everything inside it), or only begun (an interrupted run), so that a
// resumed ingest skips complete files without reading them and repairs the
// others.
func (d *DB) TopLevelState(ctx context.Context, datasetID int64, path string, size int64, mtime time.Time) (complete, begun bool, err error) {
	var n, c int
	err = d.db.QueryRowContext(ctx, `SELECT count(*), coalesce(max(complete), 0) FROM items
		WHERE dataset_id = ? AND path = ? AND parent_id = 0 AND file_size = ? AND file_time = ?`,
		datasetID, path, size, mtime.Unix()).Scan(&n, &c)
	if err != nil {
		return false, false, fmt.Errorf("check %q: %w", path, err)
	}
	return c == 1, n > 0, nil
}

// ChildRecord describes a child of an already-extracted container, for
// linking a duplicate container into another dataset without re-extraction.
type ChildRecord struct {
	Name     string
	Rel      string // path relative to the container
	SHA      archive.BlobID
	Size     int64
	FileTime time.Time
}

// ContainerChildren lists the children of one extracted occurrence of blob.
func (d *DB) ContainerChildren(ctx context.Context, blobID int64) ([]ChildRecord, error) {
	var parent int64
	var ppath string
	err := d.db.QueryRowContext(ctx, `SELECT id, path FROM items WHERE blob_id = ? AND duplicate_of = 0 ORDER BY id LIMIT 1`, blobID).Scan(&parent, &ppath)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("container children: %w", err)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT i.name, i.path, b.sha256, b.size, i.file_time FROM items i JOIN blobs b ON b.id = i.blob_id
		WHERE i.parent_id = ? ORDER BY i.id`, parent)
	if err != nil {
		return nil, fmt.Errorf("container children: %w", err)
	}
	defer rows.Close()
	var out []ChildRecord
	for rows.Next() {
		var c ChildRecord
		var sha []byte
		var ft sql.NullInt64
		var p string
		if err := rows.Scan(&c.Name, &p, &sha, &c.Size, &ft); err != nil {
			return nil, fmt.Errorf("container children: %w", err)
		}
		copy(c.SHA[:], sha)
		c.Rel = strings.TrimPrefix(p, ppath+"/")
		if ft.Valid {
			c.FileTime = time.Unix(ft.Int64, 0).UTC()
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ItemRow is an item as the ingest inserts it.
type ItemRow struct {
	ID          int64
	DatasetID   int64
	ParentID    int64
	BlobID      int64
	Name        string
	Path        string
	Ext         string
	ExtLies     bool
	FileTime    time.Time
	FileSize    int64
	DuplicateOf int64
	Facts       *Facts // nil: filled in when the blob finishes
}

// Facts are blob facts copied onto items for filters and facets.
type Facts struct {
	Kind      archive.Kind
	Date      time.Time
	Lang      string
	From      string
	To        string
	Subject   string
	Domain    string
	HasAttach bool
	Failed    bool
}

// FactsOf derives item facts from a blob's outcome.
func FactsOf(kind archive.Kind, m *archive.Meta, status archive.Status, children int64) *Facts {
	f := &Facts{Kind: kind, Date: m.Date(), Lang: m.Language, Failed: status == archive.StatusFailed}
	if e := m.Email; e != nil {
		f.From = fold(e.From)
		f.To = fold(strings.Join(append(append(append([]string{}, e.To...), e.Cc...), e.Bcc...), ", "))
		f.Subject = fold(e.Subject)
		f.Domain = senderDomain(e.From)
		f.HasAttach = children > 0
	} else if m.Subject != "" || m.Title != "" {
		f.Subject = fold(m.Subject)
	}
	return f
}

func senderDomain(from string) string {
	at := strings.LastIndexByte(from, '@')
	if at < 0 {
		return ""
	}
	dom := from[at+1:]
	if end := strings.IndexAny(dom, "> \t\"),;"); end >= 0 {
		dom = dom[:end]
	}
	return strings.ToLower(strings.TrimSpace(dom))
}

// BlobOutcome is what extraction of one blob produced.
type BlobOutcome struct {
	BlobID           int64
	MIME             string
	Kind             archive.Kind
	Status           archive.Status
	Failure          *archive.Failure
	Meta             archive.Meta
	Chunks           int
	TextBytes        int64
	ChildrenExpected int64
	ChildrenEmitted  int64
	ChildrenFailed   int64
	ChildFailures    []ChildFailure
	Countries        *BlobCountries // detected countries; nil: leave as they are
}

// ChildFailure is a container member that could not be read.
type ChildFailure struct {
	Name    string `json:"name"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

type opKind int

const (
	opBlob opKind = iota
	opItem
	opChunk
	opResetBlob
	opFinish
	opComplete
	opFlush
)

type op struct {
	kind          opKind
	blobID        int64
	sha           archive.BlobID
	size          int64
	item          *ItemRow
	seq           int
	page          int
	meta          string
	body          string
	tri           string
	outcome       *BlobOutcome
	facts         *Facts
	failure       any
	childFailures any
	done          chan error
}

// Writer batches the ingest's writes into large transactions on one
// connection, in the order they were sent: a parent item is always
// committed before its children, a blob's chunks before its final status.
// IDs are allocated in memory so that writes need not wait.
type Writer struct {
	d        *DB
	ops      chan op
	nextBlob atomic.Int64
	nextItem atomic.Int64
	wg       sync.WaitGroup
	errMu    sync.Mutex
	err      error
	closed   atomic.Bool
	busy     time.Duration // time spent applying and committing, for tuning
}

// Busy reports how long the writer spent writing; with the run's wall time
// it shows whether the single writer is the bottleneck.
func (w *Writer) Busy() time.Duration { return w.busy }

// NewWriter starts the batching writer.
func (d *DB) NewWriter(ctx context.Context) (*Writer, error) {
	w := &Writer{d: d, ops: make(chan op, 4096)}
	var mb, mi sql.NullInt64
	if err := d.db.QueryRowContext(ctx, `SELECT (SELECT max(id) FROM blobs), (SELECT max(id) FROM items)`).Scan(&mb, &mi); err != nil {
		return nil, fmt.Errorf("new writer: %w", err)
	}
	w.nextBlob.Store(mb.Int64)
	w.nextItem.Store(mi.Int64)
	w.wg.Add(1)
	go w.loop()
	return w, nil
}

// NewBlobID allocates a blob row id.
func (w *Writer) NewBlobID() int64 { return w.nextBlob.Add(1) }

// NewItemID allocates an item row id.
func (w *Writer) NewItemID() int64 { return w.nextItem.Add(1) }

// Err returns the first write error, after which writes are dropped.
func (w *Writer) Err() error {
	w.errMu.Lock()
	defer w.errMu.Unlock()
	return w.err
}

func (w *Writer) send(o op) { w.ops <- o }

// InsertBlob records a new blob as pending.
func (w *Writer) InsertBlob(id int64, sha archive.BlobID, size int64, mime string, kind archive.Kind) {
	w.send(op{kind: opBlob, blobID: id, sha: sha, size: size, meta: mime, body: string(kind)})
}

// ResetBlob deletes what an interrupted extraction of a pending blob left
// (chunks), before it is extracted again.
func (w *Writer) ResetBlob(id int64) { w.send(op{kind: opResetBlob, blobID: id}) }

// InsertItem records an item; an item already present at (dataset, path,
// blob) is left as it is.
func (w *Writer) InsertItem(it *ItemRow) { w.send(op{kind: opItem, item: it, body: fold(it.Name)}) }

// AddChunk indexes one chunk of a blob's text. meta goes in chunk 0; tri is
// the text for the trigram index (may be empty); page is the 1-based page the
// chunk starts on, 0 when the document has no pages. The trigram text is
// selected here, in the caller's goroutine.
func (w *Writer) AddChunk(blobID int64, seq, page int, meta, body string) {
	tri := TrigramText(body)
	w.send(op{kind: opChunk, blobID: blobID, seq: seq, page: page, meta: meta, body: body, tri: tri})
}

// FinishBlob records the outcome of a blob's extraction and copies its facts
// onto every item that shares it.
func (w *Writer) FinishBlob(o *BlobOutcome) {
	// Encode here, in the caller's goroutine: the writer only runs SQL.
	f := FactsOf(o.Kind, &o.Meta, o.Status, o.ChildrenEmitted)
	meta, err := json.Marshal(o.Meta)
	if err != nil {
		meta = []byte("{}")
	}
	var failure, childFailures any
	if o.Failure != nil {
		if b, err := json.Marshal(o.Failure); err == nil {
			failure = string(b)
		}
	}
	if len(o.ChildFailures) > 0 {
		if b, err := json.Marshal(o.ChildFailures); err == nil {
			childFailures = string(b)
		}
	}
	w.send(op{kind: opFinish, outcome: o, facts: f, meta: string(meta), failure: failure, childFailures: childFailures})
}

// Complete marks a top-level item as fully ingested, with everything
// inside it; send it after the last write of its subtree.
func (w *Writer) Complete(itemID int64) { w.send(op{kind: opComplete, blobID: itemID}) }

// Flush waits until everything sent so far is committed.
func (w *Writer) Flush() error {
	done := make(chan error, 1)
	w.send(op{kind: opFlush, done: done})
	if err := <-done; err != nil {
		return err
	}
	return w.Err()
}

// Close flushes and stops the writer.
func (w *Writer) Close() error {
	if w.closed.Swap(true) {
		return w.Err()
	}
	err := w.Flush()
	close(w.ops)
	w.wg.Wait()
	return err
}

const (
	batchOps  = 20000
	batchTime = 2 * time.Second
	// batchBytes bounds the text held back for one commit.
	batchBytes = 32 << 20
)

func (w *Writer) setErr(err error) {
	w.errMu.Lock()
	if w.err == nil {
		w.err = err
	}
	w.errMu.Unlock()
}

func (w *Writer) loop() {
	defer w.wg.Done()
	var tx *txn
	var started time.Time
	n := 0
	commit := func() {
		if tx == nil {
			return
		}
		t0 := time.Now()
		if err := tx.commit(); err != nil {
			w.setErr(err)
		}
		w.busy += time.Since(t0)
		tx, n = nil, 0
	}
	timer := time.NewTimer(batchTime)
	defer timer.Stop()
	for {
		select {
		case o, ok := <-w.ops:
			if !ok {
				commit()
				return
			}
			if o.kind == opFlush {
				commit()
				o.done <- w.Err()
				continue
			}
			if w.Err() != nil {
				continue
			}
			if tx == nil {
				var err error
				tx, err = w.d.begin()
				if err != nil {
					w.setErr(err)
					continue
				}
				started = time.Now()
			}
			t0 := time.Now()
			err := tx.apply(o)
			w.busy += time.Since(t0)
			if err != nil {
				w.setErr(err)
				tx.rollback()
				tx = nil
				continue
			}
			n++
			if n >= batchOps || tx.ftsBytes > batchBytes || time.Since(started) > batchTime {
				commit()
			}
		case <-timer.C:
			if tx != nil && time.Since(started) > batchTime {
				commit()
			}
			timer.Reset(batchTime)
		}
	}
}

// txn is one batch. Full-text operations are held back and applied last,
// just before COMMIT: any other statement that opens a statement savepoint
// (an UPDATE of several rows) makes FTS5 flush its pending terms into a new
// tiny segment, which made indexing an order of magnitude slower.
type txn struct {
	tx       *sql.Tx
	stmts    map[string]*sql.Stmt
	fts      []op
	ftsBytes int
}

func (d *DB) begin() (*txn, error) {
	tx, err := d.db.Begin()
	if err != nil {
		return nil, fmt.Errorf("writer begin: %w", err)
	}
	return &txn{tx: tx, stmts: map[string]*sql.Stmt{}}, nil
}

func (t *txn) exec(q string, args ...any) error {
	st, ok := t.stmts[q]
	if !ok {
		var err error
		st, err = t.tx.Prepare(q)
		if err != nil {
			return fmt.Errorf("writer prepare: %w", err)
		}
		t.stmts[q] = st
	}
	if _, err := st.Exec(args...); err != nil {
		return fmt.Errorf("writer exec: %w", err)
	}
	return nil
}

func (t *txn) commit() error {
	for _, o := range t.fts {
		if err := t.applyFTS(o); err != nil {
			t.rollback()
			return err
		}
	}
	t.fts = nil
	if err := t.exec(`UPDATE generation SET n = n + 1 WHERE id = 1`); err != nil {
		t.rollback()
		return err
	}
	for _, st := range t.stmts {
		st.Close()
	}
	if err := t.tx.Commit(); err != nil {
		return fmt.Errorf("writer commit: %w", err)
	}
	return nil
}

func (t *txn) rollback() {
	for _, st := range t.stmts {
		st.Close()
	}
	t.tx.Rollback()
}

func unixOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.Unix()
}

func (t *txn) apply(o op) error {
	switch o.kind {
	case opResetBlob, opChunk:
		t.fts = append(t.fts, o)
		t.ftsBytes += len(o.meta) + len(o.body) + len(o.tri)
		return nil
	case opBlob:
		return t.exec(`INSERT OR IGNORE INTO blobs (id, sha256, size, mime, kind, status) VALUES (?, ?, ?, ?, ?, 'pending')`,
			o.blobID, o.sha[:], o.size, o.meta, o.body)
	}
	return t.applyRest(o)
}

func (t *txn) applyFTS(o op) error {
	switch o.kind {
	case opResetBlob:
		lo, hi := o.blobID<<chunkBits, o.blobID<<chunkBits|chunkMask
		for _, q := range []string{
			`DELETE FROM fts WHERE rowid BETWEEN ? AND ?`,
			`DELETE FROM fts_tri WHERE rowid BETWEEN ? AND ?`,
			`DELETE FROM chunk_pages WHERE rowid BETWEEN ? AND ?`,
		} {
			if err := t.exec(q, lo, hi); err != nil {
				return err
			}
		}
		return nil
	case opChunk:
		rowid := o.blobID<<chunkBits | int64(o.seq)
		if err := t.exec(`INSERT INTO fts (rowid, meta, body) VALUES (?, ?, ?)`, rowid, o.meta, o.body); err != nil {
			return err
		}
		if o.tri != "" {
			if err := t.exec(`INSERT INTO fts_tri (rowid, text) VALUES (?, ?)`, rowid, o.tri); err != nil {
				return err
			}
		}
		if o.page > 0 {
			return t.exec(`INSERT OR REPLACE INTO chunk_pages (rowid, page) VALUES (?, ?)`, rowid, o.page)
		}
		return nil
	}
	return fmt.Errorf("writer: unknown full-text op %d", o.kind)
}

func (t *txn) applyRest(o op) error {
	switch o.kind {
	case opItem:
		it := o.item
		f := it.Facts
		if f == nil {
			f = &Facts{}
		}
		return t.exec(`INSERT OR IGNORE INTO items (id, dataset_id, parent_id, blob_id, name, path, ext, ext_lies, file_time, file_size,
			duplicate_of, kind, date, lang, from_norm, to_norm, subject_norm, name_norm, domain, has_attach, failed)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			it.ID, it.DatasetID, it.ParentID, it.BlobID, it.Name, it.Path, it.Ext, it.ExtLies, unixOrNull(it.FileTime), it.FileSize,
			it.DuplicateOf, string(f.Kind), unixOrNull(f.Date), f.Lang, f.From, f.To, f.Subject, o.body, f.Domain, f.HasAttach, f.Failed)
	case opComplete:
		return t.exec(`UPDATE items SET complete = 1 WHERE id = ?`, o.blobID)
	case opFinish:
		oc := o.outcome
		if err := t.exec(`UPDATE blobs SET mime = ?, kind = ?, status = ?, failure = ?, meta = ?, chunks = ?, text_bytes = ?,
			children_expected = ?, children_emitted = ?, children_failed = ?, child_failures = ? WHERE id = ?`,
			oc.MIME, string(oc.Kind), string(oc.Status), o.failure, o.meta, oc.Chunks, oc.TextBytes,
			oc.ChildrenExpected, oc.ChildrenEmitted, oc.ChildrenFailed, o.childFailures, oc.BlobID); err != nil {
			return err
		}
		if oc.Countries != nil {
			if err := applyCountries(t.exec, oc.BlobID, oc.Countries); err != nil {
				return err
			}
		}
		f := o.facts
		return t.exec(`UPDATE items SET kind = ?, date = ?, lang = ?, from_norm = ?, to_norm = ?, subject_norm = ?, domain = ?,
			has_attach = ?, failed = ? WHERE blob_id = ?`,
			string(f.Kind), unixOrNull(f.Date), f.Lang, f.From, f.To, f.Subject, f.Domain, f.HasAttach, f.Failed, oc.BlobID)
	}
	return fmt.Errorf("writer: unknown op %d", o.kind)
}
