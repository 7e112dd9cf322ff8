package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/sqlite"
	"github.com/trove-archive/trove/internal/store"
	"github.com/trove-archive/trove/internal/web"
)

// Readers, by the name tests use in the X-Test-As header.
const (
	anon       = "anonymous"
	journalist = "journalist"         // no grant
	granted    = "journalist-granted" // a grant for the limited dataset
	expired    = "journalist-expired" // an expired grant for it
	editor     = "editor"
	admin      = "admin"
)

var readers = []string{anon, journalist, granted, expired, editor, admin}

// sees says which levels each reader may read.
var sees = map[string]map[archive.ReleaseLevel]bool{
	anon:       {archive.LevelPublic: true},
	journalist: {archive.LevelPublic: true},
	granted:    {archive.LevelPublic: true, archive.LevelLimited: true},
	expired:    {archive.LevelPublic: true},
	editor:     {archive.LevelPublic: true, archive.LevelLimited: true, archive.LevelPrivate: true},
	admin:      {archive.LevelPublic: true, archive.LevelLimited: true, archive.LevelPrivate: true},
}

var levels = []archive.ReleaseLevel{archive.LevelPublic, archive.LevelLimited, archive.LevelPrivate}

// env is a catalog with one dataset per release level, each holding the
// same tree (site/readme.txt, site/Mail/m.eml with attachment a.txt), all
// mentioning "harbor", and the web handler over it.
type env struct {
	t       *testing.T
	db      *sqlite.DB
	st      *store.Store
	h       http.Handler
	audit   *fakeAudit
	ds      map[archive.ReleaseLevel]*archive.Dataset
	readme  map[archive.ReleaseLevel]int64
	mail    map[archive.ReleaseLevel]int64
	att     map[archive.ReleaseLevel]int64
	big     int64 // a long public text
	janeID  int64 // the journalist's user row
	mailRaw map[archive.ReleaseLevel][]byte
}

func slugOf(l archive.ReleaseLevel) string {
	return map[archive.ReleaseLevel]string{
		archive.LevelPublic: "pub-leak", archive.LevelLimited: "lim-leak", archive.LevelPrivate: "priv-leak"}[l]
}

const bigPage = "Ünïcödé page text, repeated to fill the page: ☃ 😀 marina. "

func newEnv(t *testing.T) *env {
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
	e := &env{t: t, db: db, st: st, audit: &fakeAudit{}, ds: map[archive.ReleaseLevel]*archive.Dataset{},
		readme: map[archive.ReleaseLevel]int64{}, mail: map[archive.ReleaseLevel]int64{}, att: map[archive.ReleaseLevel]int64{},
		mailRaw: map[archive.ReleaseLevel][]byte{}}
	// Datasets first: the writer holds the write lock between its batches.
	for _, lvl := range levels {
		ds := &archive.Dataset{Slug: slugOf(lvl), Title: "The " + string(lvl) + " leak", Description: "Papers of the " + string(lvl) + " port.",
			Level: lvl, Countries: []string{"PA"}, Source: "Source note of " + string(lvl)}
		if err := db.CreateDataset(ctx, ds); err != nil {
			t.Fatal(err)
		}
		e.ds[lvl] = ds
	}
	w, err := db.NewWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	put := func(b []byte, mime string, kind archive.Kind) (int64, archive.BlobID) {
		id, n, err := st.Put(ctx, bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		bid := w.NewBlobID()
		w.InsertBlob(bid, id, n, mime, kind)
		return bid, id
	}
	date := time.Date(2019, 3, 5, 10, 0, 0, 0, time.UTC)
	for _, lvl := range levels {
		ds := e.ds[lvl]
		text := fmt.Sprintf("Readme of %s: <script>alert(1)</script> harbor report", lvl)
		b, _ := put([]byte(text), "text/plain", archive.KindText)
		e.readme[lvl] = w.NewItemID()
		w.InsertItem(&sqlite.ItemRow{ID: e.readme[lvl], DatasetID: ds.ID, BlobID: b, Name: "readme.txt", Path: "site/readme.txt", FileSize: int64(len(text))})
		w.AddChunk(b, 0, 0, "readme.txt", text)
		w.FinishBlob(&sqlite.BlobOutcome{BlobID: b, MIME: "text/plain", Kind: archive.KindText, Status: archive.StatusOK, Chunks: 1})

		raw := []byte(fmt.Sprintf("From: Alice <alice@police.example>\r\nSubject: Harbor %s\r\n\r\nthe harbor mail of %s\r\n", lvl, lvl))
		e.mailRaw[lvl] = raw
		mb, _ := put(raw, "message/rfc822", archive.KindEmail)
		e.mail[lvl] = w.NewItemID()
		w.InsertItem(&sqlite.ItemRow{ID: e.mail[lvl], DatasetID: ds.ID, BlobID: mb, Name: "m.eml", Path: "site/Mail/m.eml", FileSize: int64(len(raw))})
		attText := "attachment about the harbor, level " + string(lvl)
		ab, _ := put([]byte(attText), "text/plain", archive.KindText)
		e.att[lvl] = w.NewItemID()
		w.InsertItem(&sqlite.ItemRow{ID: e.att[lvl], DatasetID: ds.ID, ParentID: e.mail[lvl], BlobID: ab, Name: "a.txt", Path: "site/Mail/m.eml/a.txt"})
		w.AddChunk(mb, 0, 0, "m.eml", "the harbor mail of "+string(lvl))
		w.AddChunk(ab, 0, 0, "a.txt", attText)
		w.FinishBlob(&sqlite.BlobOutcome{BlobID: mb, MIME: "message/rfc822", Kind: archive.KindEmail, Status: archive.StatusOK, Chunks: 1,
			ChildrenEmitted: 1, Meta: archive.Meta{Email: &archive.Email{From: "Alice <alice@police.example>", To: []string{"Bob <bob@example.com>"},
				Subject: "Harbor " + string(lvl), Date: date}}})
		w.FinishBlob(&sqlite.BlobOutcome{BlobID: ab, MIME: "text/plain", Kind: archive.KindText, Status: archive.StatusOK, Chunks: 1})
	}
	// A long public document with pages: about 600 KiB of text, so three
	// views of 256 KiB.
	var pages []string
	for i := 1; i <= 60; i++ {
		pages = append(pages, fmt.Sprintf("PAGE-%d ", i)+strings.Repeat(bigPage, 10240/len(bigPage)*1))
	}
	full := strings.Join(pages, "\f")
	for len(full) < 600<<10 {
		full += "\f" + strings.Repeat(bigPage, 100)
	}
	bb, _ := put([]byte(full), "application/pdf", archive.KindPDF)
	e.big = w.NewItemID()
	w.InsertItem(&sqlite.ItemRow{ID: e.big, DatasetID: e.ds[archive.LevelPublic].ID, BlobID: bb, Name: "big.pdf", Path: "big.pdf", FileSize: int64(len(full))})
	var chunks int
	for off := 0; off < len(full); chunks++ {
		end := min(off+64<<10, len(full))
		for end < len(full) && (full[end]&0xC0) == 0x80 {
			end++
		}
		w.AddChunk(bb, chunks, 0, "big.pdf", full[off:end])
		off = end
	}
	w.FinishBlob(&sqlite.BlobOutcome{BlobID: bb, MIME: "application/pdf", Kind: archive.KindPDF, Status: archive.StatusOK, Chunks: chunks})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.RefreshVocab(ctx); err != nil {
		t.Fatal(err)
	}
	u, err := db.CreateUser(ctx, "jane", "correct horse battery staple", archive.RoleJournalist)
	if err != nil {
		t.Fatal(err)
	}
	e.janeID = u.ID

	ui, err := web.New(web.Config{}, web.Deps{Catalog: db, Index: db, Store: st, Browse: db, Accounts: db, Audit: e.audit, Auth: fakeAuth{}})
	if err != nil {
		t.Fatal(err)
	}
	e.h = e.as(ui)
	return e
}

// principal is the reader named by the test header.
func (e *env) principal(name string) archive.Principal {
	limited := e.ds[archive.LevelLimited].ID
	switch name {
	case journalist:
		return archive.Principal{UserID: e.janeID, Name: "jane", Role: archive.RoleJournalist}
	case granted:
		return archive.Principal{UserID: 1002, Name: "gail", Role: archive.RoleJournalist, Grants: []archive.Grant{{DatasetID: limited}}}
	case expired:
		return archive.Principal{UserID: 1003, Name: "ezra", Role: archive.RoleJournalist,
			Grants: []archive.Grant{{DatasetID: limited, Expires: time.Now().Add(-time.Hour)}}}
	case editor:
		return archive.Principal{UserID: 1004, Name: "eddie", Role: archive.RoleEditor}
	case admin:
		return archive.Principal{UserID: 1005, Name: "ada", Role: archive.RoleAdmin}
	}
	return archive.Anonymous()
}

// as is the test's authentication middleware: the reader comes from the
// X-Test-As header.
func (e *env) as(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := e.principal(r.Header.Get("X-Test-As"))
		next.ServeHTTP(w, r.WithContext(archive.WithPrincipal(r.Context(), p)))
	})
}

type response struct {
	status int
	header http.Header
	body   string
}

func (e *env) do(r *http.Request, who string) response {
	e.t.Helper()
	r.Header.Set("X-Test-As", who)
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	return response{rec.Code, rec.Header(), rec.Body.String()}
}

func (e *env) get(who, path string) response {
	e.t.Helper()
	return e.do(httptest.NewRequest(http.MethodGet, path, nil), who)
}

// post sends a form with the reader's CSRF token (unless form sets it).
func (e *env) post(who, path string, form url.Values) response {
	e.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", fakeAuth{}.CSRFToken(archive.WithPrincipal(context.Background(), e.principal(who))))
	}
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(r, who)
}

// fakeAuth accepts jane with password "pw-ok"; tokens are derived from the
// reader's name, "anon-tok" for anonymous forms; the form field is "csrf".
type fakeAuth struct{}

func (fakeAuth) Login(w http.ResponseWriter, r *http.Request, name, password string) error {
	if name == "jane" && password == "pw-ok" {
		http.SetCookie(w, &http.Cookie{Name: "session", Value: "s"})
		return nil
	}
	return archive.Errorf(archive.EUnauthorized, "invalid name or password")
}

func (fakeAuth) Logout(w http.ResponseWriter, r *http.Request) error {
	http.SetCookie(w, &http.Cookie{Name: "session", MaxAge: -1})
	return nil
}

func (fakeAuth) CSRFToken(ctx context.Context) string {
	if p := archive.PrincipalFrom(ctx); p.SignedIn() {
		return "tok-" + p.Name
	}
	return ""
}

func (fakeAuth) AnonCSRF(w http.ResponseWriter, r *http.Request) string { return "anon-tok" }

func (a fakeAuth) CheckCSRF(r *http.Request) bool {
	want := a.CSRFToken(r.Context())
	if want == "" {
		want = "anon-tok"
	}
	return r.PostFormValue("csrf") == want
}

// fakeAudit keeps entries in memory.
type fakeAudit struct {
	mu      sync.Mutex
	entries []*archive.AuditEntry
}

func (a *fakeAudit) Record(ctx context.Context, e *archive.AuditEntry) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	e.ID = int64(len(a.entries) + 1)
	a.entries = append(a.entries, e)
	return nil
}

func (a *fakeAudit) AuditLog(ctx context.Context, limit, offset int) ([]*archive.AuditEntry, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if offset >= len(a.entries) {
		return nil, nil
	}
	return a.entries[offset:min(len(a.entries), offset+limit)], nil
}

func (a *fakeAudit) VerifyAudit(ctx context.Context) (int64, error) { return 0, nil }

// take returns and clears the entries recorded so far.
func (a *fakeAudit) take() []*archive.AuditEntry {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := a.entries
	a.entries = nil
	return out
}
