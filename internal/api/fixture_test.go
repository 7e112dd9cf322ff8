package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/api"
	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/sqlite"
	"github.com/trove-archive/trove/internal/store"
)

var levels = []archive.ReleaseLevel{archive.LevelPublic, archive.LevelLimited, archive.LevelPrivate}

// fixture is a real catalog and blob store in a temp dir. Every dataset
// (one per release level, named after it) holds a readme, an email and its
// attachment, all mentioning "harbor". The public one also holds a long
// text, a failed extraction, an archive of 12 members, 23 "ledger" files
// and a blob damaged on disk.
type fixture struct {
	db       *sqlite.DB
	st       *store.Store
	datasets map[archive.ReleaseLevel]*archive.Dataset
	readme   map[archive.ReleaseLevel]int64
	mail     map[archive.ReleaseLevel]int64
	att      map[archive.ReleaseLevel]int64
	big      int64 // public, text of 600,001 bytes, mostly 2-byte runes
	bigText  string
	failed   int64 // public, failed extraction with server paths in its message
	zip      int64 // public, 12 members
	members  []int64
	ledger   []int64 // public, in folder "ledger"
	corrupt  int64   // public, stored bytes damaged
	content  map[int64][]byte
}

const attName = "Résumé «final» 2019.pdf"

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	st, err := store.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, st: st, datasets: map[archive.ReleaseLevel]*archive.Dataset{},
		readme: map[archive.ReleaseLevel]int64{}, mail: map[archive.ReleaseLevel]int64{}, att: map[archive.ReleaseLevel]int64{},
		content: map[int64][]byte{}}
	for _, lvl := range levels {
		ds := &archive.Dataset{Slug: string(lvl), Title: "The " + string(lvl) + " papers", Description: "About " + string(lvl),
			Level: lvl, Countries: []string{"PA"}, Source: "via SecureDrop, source " + string(lvl)}
		if err := db.CreateDataset(ctx, ds); err != nil {
			t.Fatal(err)
		}
		f.datasets[lvl] = ds
	}
	// The writer holds the write lock between its commits: datasets first.
	w, err := db.NewWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, lvl := range levels {
		ds := f.datasets[lvl]
		f.readme[lvl] = f.add(t, w, doc{ds: ds, path: "docs/readme.txt", kind: archive.KindText, mime: "text/plain",
			text: "harbor readme of " + string(lvl)})
		date := time.Date(2019, 3, 5, 10, 0, 0, 0, time.UTC)
		f.mail[lvl] = f.add(t, w, doc{ds: ds, path: "mail/m.eml", kind: archive.KindEmail, mime: "message/rfc822",
			text: "the harbor report of " + string(lvl), children: 1,
			meta: archive.Meta{Email: &archive.Email{From: "Alice <alice@police.example>", To: []string{"bob@example.org"},
				Subject: "Harbor", Date: date, MessageID: "<1@police.example>"}}})
		f.att[lvl] = f.add(t, w, doc{ds: ds, parent: f.mail[lvl], path: "mail/m.eml/" + attName, kind: archive.KindPDF,
			mime: "application/pdf", text: "attachment about the harbor, level " + string(lvl)})
	}
	pub := f.datasets[archive.LevelPublic]
	// Words short enough to stay out of the trigram index; both page
	// boundaries (262144, 524288) fall inside an "é".
	f.bigText = "x" + strings.Repeat("ééééééé ", 40000)
	f.big = f.add(t, w, doc{ds: pub, path: "big.txt", kind: archive.KindText, mime: "text/plain", text: f.bigText, raw: []byte(f.bigText)})
	f.failed = f.add(t, w, doc{ds: pub, path: "broken.pdf", kind: archive.KindPDF, mime: "application/pdf", status: archive.StatusFailed,
		failure: &archive.Failure{Reason: "corrupt", Extractor: "pdf",
			Message: "pdftotext: open /srv/trove/blobs/ab/cd/abcd: permission denied (copy at C:\\Temp\\x.pdf)",
			Stderr:  "I/O Error: Couldn't open file '/srv/trove/blobs/ab/cd/abcd'"}})
	f.zip = f.add(t, w, doc{ds: pub, path: "bundle.zip", kind: archive.KindArchive, mime: "application/zip", children: 12})
	for i := range 12 {
		f.members = append(f.members, f.add(t, w, doc{ds: pub, parent: f.zip, path: fmt.Sprintf("bundle.zip/f%02d.txt", i),
			kind: archive.KindText, mime: "text/plain", text: fmt.Sprintf("member number %d", i)}))
	}
	for i := range 23 {
		f.ledger = append(f.ledger, f.add(t, w, doc{ds: pub, path: fmt.Sprintf("ledger/l%02d.txt", i), kind: archive.KindText,
			mime: "text/plain", text: "ledger" + strings.Repeat(" ledger", i) + strings.Repeat(" filler", 40-i),
			meta: archive.Meta{Created: time.Date(2000+i, 1, 1, 0, 0, 0, 0, time.UTC)}}))
	}
	f.corrupt = f.add(t, w, doc{ds: pub, path: "corrupt.bin", kind: archive.KindOther, mime: "application/octet-stream",
		raw: bytes.Repeat([]byte("0123456789abcdef"), 10000)})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.RefreshVocab(ctx); err != nil {
		t.Fatal(err)
	}
	// Damage the stored copy of corrupt.bin: same size, one byte changed.
	it, err := db.Item(ctx, archive.Admin(), f.corrupt)
	if err != nil {
		t.Fatal(err)
	}
	damage(t, st.Path(it.Blob))
	return f
}

// doc is one item to add to the fixture.
type doc struct {
	ds       *archive.Dataset
	parent   int64
	path     string
	kind     archive.Kind
	mime     string
	text     string
	raw      []byte // original bytes; default: derived from the path
	meta     archive.Meta
	status   archive.Status
	failure  *archive.Failure
	children int64
}

func (f *fixture) add(t *testing.T, w *sqlite.Writer, d doc) int64 {
	t.Helper()
	raw := d.raw
	if raw == nil {
		raw = []byte(fmt.Sprintf("original bytes of %s/%s\n", d.ds.Slug, d.path))
	}
	sha, size, err := f.st.Put(context.Background(), bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	b, id := w.NewBlobID(), w.NewItemID()
	w.InsertBlob(b, sha, size, d.mime, d.kind)
	var fileSize int64
	if d.parent == 0 {
		fileSize = size
	}
	w.InsertItem(&sqlite.ItemRow{ID: id, DatasetID: d.ds.ID, ParentID: d.parent, BlobID: b, Name: path.Base(d.path), Path: d.path,
		FileSize: fileSize, FileTime: time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)})
	chunks := 0
	for rest := d.text; rest != ""; chunks++ {
		// Chunks of about 64 KiB, cut between runes.
		n := min(len(rest), 64<<10)
		for n < len(rest) && !utf8.RuneStart(rest[n]) {
			n++
		}
		meta := ""
		if chunks == 0 {
			meta = path.Base(d.path)
		}
		w.AddChunk(b, chunks, 0, meta, rest[:n])
		rest = rest[n:]
	}
	status := d.status
	if status == "" {
		status = archive.StatusOK
	}
	w.FinishBlob(&sqlite.BlobOutcome{BlobID: b, MIME: d.mime, Kind: d.kind, Status: status, Failure: d.failure, Meta: d.meta,
		Chunks: chunks, TextBytes: int64(len(d.text)), ChildrenExpected: d.children, ChildrenEmitted: d.children})
	f.content[id] = raw
	return id
}

// damage flips one byte of a stored blob file.
func damage(t *testing.T, p string) {
	t.Helper()
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0xff
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// reader is one kind of reader of the authorization matrix.
type reader struct {
	name string
	p    archive.Principal
	sees map[archive.ReleaseLevel]bool
}

func readers(f *fixture) []reader {
	limited := f.datasets[archive.LevelLimited].ID
	past := time.Now().Add(-time.Hour)
	all := map[archive.ReleaseLevel]bool{archive.LevelPublic: true, archive.LevelLimited: true, archive.LevelPrivate: true}
	return []reader{
		{"anonymous", archive.Anonymous(), map[archive.ReleaseLevel]bool{archive.LevelPublic: true}},
		{"journalist", archive.Principal{UserID: 11, Name: "jo", Role: archive.RoleJournalist},
			map[archive.ReleaseLevel]bool{archive.LevelPublic: true}},
		{"granted", archive.Principal{UserID: 12, Name: "jane", Role: archive.RoleJournalist, Grants: []archive.Grant{{DatasetID: limited}}},
			map[archive.ReleaseLevel]bool{archive.LevelPublic: true, archive.LevelLimited: true}},
		{"expired", archive.Principal{UserID: 13, Name: "jim", Role: archive.RoleJournalist,
			Grants: []archive.Grant{{DatasetID: limited, Expires: past}}}, map[archive.ReleaseLevel]bool{archive.LevelPublic: true}},
		{"editor", archive.Principal{UserID: 14, Name: "ed", Role: archive.RoleEditor}, all},
		{"admin", archive.Principal{UserID: 15, Name: "ada", Role: archive.RoleAdmin}, all},
	}
}

// memAudit is an archive.Auditor in memory.
type memAudit struct {
	mu      sync.Mutex
	entries []archive.AuditEntry
	fail    error
}

func (a *memAudit) Record(ctx context.Context, e *archive.AuditEntry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fail != nil {
		return a.fail
	}
	e.ID = int64(len(a.entries) + 1)
	a.entries = append(a.entries, *e)
	return nil
}

func (a *memAudit) AuditLog(ctx context.Context, limit, offset int) ([]*archive.AuditEntry, error) {
	return nil, nil
}

func (a *memAudit) VerifyAudit(ctx context.Context) (int64, error) { return 0, nil }

func (a *memAudit) take() []archive.AuditEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.entries
	a.entries = nil
	return out
}

// env is the API mounted as the server mounts it, behind a test middleware
// that sets the principal named by the X-Test-Reader header.
type env struct {
	t     *testing.T
	f     *fixture
	srv   *httptest.Server
	audit *memAudit
	logs  *syncBuffer
}

const readerHeader = "X-Test-Reader"

func newEnv(t *testing.T, f *fixture, modify func(*api.Deps)) *env {
	t.Helper()
	e := &env{t: t, f: f, audit: &memAudit{}, logs: &syncBuffer{}}
	deps := api.Deps{Catalog: f.db, Index: f.db, Store: f.st, Audit: e.audit, Browse: f.db,
		Log: slog.New(slog.NewTextHandler(e.logs, nil))}
	if modify != nil {
		modify(&deps)
	}
	principals := map[string]archive.Principal{}
	for _, r := range readers(f) {
		principals[r.name] = r.p
	}
	withReader := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if name := r.Header.Get(readerHeader); name != "" {
				p, ok := principals[name]
				if !ok {
					t.Errorf("unknown reader %q", name)
				}
				r = r.WithContext(archive.WithPrincipal(r.Context(), p))
			}
			next.ServeHTTP(w, r)
		})
	}
	mux := http.NewServeMux()
	mux.Handle("/api/v1/", http.StripPrefix("/api/v1", withReader(api.New(deps))))
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

// resp is a response read in full.
type resp struct {
	status int
	header http.Header
	body   []byte
	err    error // reading the body
}

func (r *resp) String() string { return fmt.Sprintf("%d %s", r.status, r.body) }

// do sends a request as the named reader ("" or "anonymous": none) to the
// API path (relative to /api/v1).
func (e *env) do(method, readerName, apiPath string, hdr ...string) *resp {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+"/api/v1"+apiPath, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	if readerName != "" && readerName != "anonymous" {
		req.Header.Set(readerHeader, readerName)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, apiPath, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return &resp{status: res.StatusCode, header: res.Header, body: body, err: err}
}

func (e *env) get(readerName, apiPath string, hdr ...string) *resp {
	e.t.Helper()
	return e.do(http.MethodGet, readerName, apiPath, hdr...)
}

// getJSON gets apiPath, wants status, and decodes the body into v.
func (e *env) getJSON(readerName, apiPath string, status int, v any) *resp {
	e.t.Helper()
	r := e.get(readerName, apiPath)
	if r.status != status {
		e.t.Fatalf("GET %s as %s: %s, want status %d", apiPath, readerName, r, status)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		e.t.Fatalf("GET %s: Content-Type %q", apiPath, ct)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			e.t.Fatalf("GET %s: %v: %s", apiPath, err, r.body)
		}
	}
	return r
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
