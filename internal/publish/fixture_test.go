package publish_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/publish"
	"github.com/trove-archive/trove/internal/release"
	"github.com/trove-archive/trove/internal/sqlite"
	"github.com/trove-archive/trove/internal/store"
)

// Names and paths the tests use.
const (
	pubRel     = "pub-r1"  // public release of the public dataset
	limRel     = "lim-r1"  // limited release of the limited dataset
	privRel    = "priv-r1" // public-level release of a private dataset
	pubLimRel  = "pub-r2"  // limited release of the public dataset
	madeUp     = "nosuch-r1"
	pubTitle   = `Harbor <script>alert("x")</script> & co`
	limTitle   = "Limited harbor files"
	privTitle  = "Private harbor files"
	bigPath    = "big.bin"
	reportPath = "docs/report 2019.pdf"
)

var allReleases = []string{pubRel, limRel, privRel, pubLimRel}

// longName is one path element longer than a USTAR name field (100 bytes):
// the tar needs a PAX record for it.
var longName = strings.Repeat("n", 120) + ".bin"

// deepPath is longer than 100 bytes but splits into USTAR prefix and name.
var deepPath = "long/" + strings.Repeat("d", 40) + "/" + strings.Repeat("e", 40) + "/" + strings.Repeat("f", 40) + "/file.txt"

type file struct {
	path string
	data []byte
}

// fixture is an archive with a real catalog and store, four releases
// (see the constants) and the publish handler served over HTTP behind a
// test middleware that reads the principal from X-Test-Role.
type fixture struct {
	db       *sqlite.DB
	store    *store.Store
	key      *release.Key
	srv      *httptest.Server
	rels     map[string]*archive.Release
	files    map[string][]file // by release, in manifest order
	datasets map[string]*archive.Dataset
	torrents map[string][]byte

	handler http.Handler // the publish handler, behind withRole
	logs    *syncBuffer  // what the handler logged

	mu     sync.Mutex
	ranges map[string][]string // Range headers received, by request path
}

// syncBuffer is a bytes.Buffer safe for the handler's goroutines.
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

func pubFiles() []file {
	rng := rand.New(rand.NewChaCha8([32]byte{1}))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		return b
	}
	return []file{
		{"README.txt", []byte("Read me first.\n")},
		{bigPath, random(3<<20 + 17)},
		{reportPath, random(200 << 10)},
		{"docs/a#b?c%d.txt", []byte("hash, question mark and percent\n")},
		{"docs/ünïcødé/Ärger – ÄÖÜ.txt", []byte("unicode folder and name\n")},
		{`docs/"><img src=x onerror=alert(1)>.txt`, []byte("hostile name\n")},
		{"docs/colon:name.txt", []byte("a colon\n")},
		{"empty.txt", nil},
		{"deep/" + longName, random(1000)},
		{deepPath, []byte("deep\n")},
		{"日本語/ファイル.txt", []byte("こんにちは\n")},
	}
}

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
	key, _, err := release.LoadOrCreateKey(filepath.Join(dir, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{db: db, store: st, key: key, rels: map[string]*archive.Release{}, files: map[string][]file{},
		datasets: map[string]*archive.Dataset{}, torrents: map[string][]byte{}}
	for _, ds := range []*archive.Dataset{
		{Slug: "pub", Title: pubTitle, Level: archive.LevelPublic, Countries: []string{"DE", "FR"}, Description: "Port <b>records</b>"},
		{Slug: "lim", Title: limTitle, Level: archive.LevelLimited, Countries: []string{"US"}},
		{Slug: "priv", Title: privTitle, Level: archive.LevelPrivate},
	} {
		if err := db.CreateDataset(ctx, ds); err != nil {
			t.Fatal(err)
		}
		f.datasets[ds.Slug] = ds
	}
	day := func(m time.Month) time.Time { return time.Date(2024, m, 1, 10, 0, 0, 0, time.UTC) }
	f.addRelease(t, pubRel, f.datasets["pub"], archive.LevelPublic, day(3), pubFiles())
	f.addRelease(t, limRel, f.datasets["lim"], archive.LevelLimited, day(4), []file{{"memo.txt", []byte("limited memo\n")}, {"sub/data.csv", []byte("a,b\n1,2\n")}})
	f.addRelease(t, privRel, f.datasets["priv"], archive.LevelPublic, day(5), []file{{"secret.txt", []byte("private\n")}})
	f.addRelease(t, pubLimRel, f.datasets["pub"], archive.LevelLimited, day(6), []file{{"extra.txt", []byte("limited part of a public dataset\n")}})

	f.logs = &syncBuffer{}
	h := publish.New(publish.Config{
		Logger:    slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Releases:  db,
		Store:     st,
		PublicKey: key.PublicKeyText,
		Torrent: func(ctx context.Context, r *archive.Release) ([]byte, error) {
			return torrentBytes(r), nil
		},
		Magnet: magnet,
		Mirrors: func(ctx context.Context) ([]archive.Mirror, error) {
			return []archive.Mirror{{URL: "https://mirror.example", Added: day(2)}}, nil
		},
		Status: func(ctx context.Context) (any, error) { return map[string]any{"upstreams": 1, "ok": true}, nil },
	})
	limited := f.datasets["lim"].ID
	f.ranges = map[string][]string{}
	rec := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if rg := r.Header.Get("Range"); rg != "" {
			f.mu.Lock()
			f.ranges[r.URL.Path] = append(f.ranges[r.URL.Path], rg)
			f.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
	f.handler = withRole(rec, limited)
	f.srv = httptest.NewServer(f.handler)
	t.Cleanup(f.srv.Close)
	return f
}

func torrentBytes(r *archive.Release) []byte {
	announce := "http://tracker.invalid/announce"
	return []byte(fmt.Sprintf("d8:announce%d:%s4:info%se", len(announce), announce, r.Info))
}

func magnet(r *archive.Release) string {
	return "magnet:?xt=urn:btih:" + r.InfoHash + "&dn=" + url.QueryEscape(r.Name)
}

// addRelease stores the files, writes and signs their manifest and records
// the release.
func (f *fixture) addRelease(t *testing.T, name string, ds *archive.Dataset, level archive.ReleaseLevel, created time.Time, files []file) {
	t.Helper()
	ctx := context.Background()
	m := &release.Manifest{Name: name, Archive: "test", Created: created, Level: string(level),
		Dataset: release.ManifestDataset{Slug: ds.Slug, Title: ds.Title, Description: ds.Description, Countries: ds.Countries}}
	for i, fl := range files {
		id, n, err := f.store.Put(ctx, strings.NewReader(string(fl.data)))
		if err != nil {
			t.Fatal(err)
		}
		m.Files = append(m.Files, release.ManifestFile{Path: fl.path, Size: n, SHA256: id.String(), Item: int64(i + 1)})
	}
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	info := []byte(fmt.Sprintf("d6:lengthi%de4:name%d:%s12:piece lengthi262144ee", m.TotalSize, len(name), name))
	sum := sha1.Sum(info)
	r := &archive.Release{Name: name, DatasetID: ds.ID, Level: level, Created: m.Created, Size: m.TotalSize,
		Manifest: b, Signature: f.key.Sign(m, b), InfoHash: hex.EncodeToString(sum[:]), Info: info, Complete: true}
	if err := f.db.CreateRelease(ctx, r, m.ReleaseFiles()); err != nil {
		t.Fatal(err)
	}
	r.Title, r.Dataset, r.Countries = ds.Title, ds.Slug, ds.Countries
	f.rels[name] = r
	byPath := map[string][]byte{}
	for _, fl := range files {
		byPath[fl.path] = fl.data
	}
	for _, mf := range m.Files { // manifest order
		f.files[name] = append(f.files[name], file{mf.Path, byPath[mf.Path]})
	}
	f.torrents[name] = torrentBytes(r)
}

// rangesSeen returns the Range headers received for a path.
func (f *fixture) rangesSeen(path string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.ranges[path])
}

// withRole sets the request's principal from X-Test-Role, as the auth
// middleware does from a session or token.
func withRole(next http.Handler, limited int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := archive.Anonymous()
		switch r.Header.Get("X-Test-Role") {
		case "journalist":
			p = archive.Principal{UserID: 2, Name: "jo", Role: archive.RoleJournalist, Grants: []archive.Grant{{DatasetID: limited}}}
		case "nogrant":
			p = archive.Principal{UserID: 3, Name: "ng", Role: archive.RoleJournalist}
		case "editor":
			p = archive.Principal{UserID: 4, Name: "ed", Role: archive.RoleEditor}
		}
		next.ServeHTTP(w, r.WithContext(archive.WithPrincipal(r.Context(), p)))
	})
}

type response struct {
	status int
	header http.Header
	body   []byte
	err    error // reading the body
}

// do sends a request as role (""= anonymous) without following redirects.
func (f *fixture) do(t *testing.T, method, role, path string, hdr ...string) response {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if role != "" {
		req.Header.Set("X-Test-Role", role)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, rerr := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, header: resp.Header, body: body, err: rerr}
}

func (f *fixture) get(t *testing.T, role, path string, hdr ...string) response {
	t.Helper()
	return f.do(t, http.MethodGet, role, path, hdr...)
}

// mustGet is get expecting a complete 200.
func (f *fixture) mustGet(t *testing.T, role, path string, hdr ...string) response {
	t.Helper()
	r := f.get(t, role, path, hdr...)
	if r.status != http.StatusOK || r.err != nil {
		t.Fatalf("GET %s as %q: %d, %v: %.300s", path, role, r.status, r.err, r.body)
	}
	return r
}

// escPath percent-encodes each element of a path, as a client builds a URL.
func escPath(p string) string {
	els := strings.Split(p, "/")
	for i, el := range els {
		els[i] = url.PathEscape(el)
	}
	return strings.Join(els, "/")
}

func (f *fixture) data(rel, path string) []byte {
	for _, fl := range f.files[rel] {
		if fl.path == path {
			return fl.data
		}
	}
	panic("no file " + path)
}
