package mirror_test

import (
	"bytes"
	"context"
	"encoding/json"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/mirror"
	"github.com/trove-archive/trove/internal/release"
	"github.com/trove-archive/trove/internal/store"
)

// testRelease is a signed release made for a test.
type testRelease struct {
	m     *release.Manifest
	raw   []byte
	sig   []byte
	files map[string][]byte // path -> bytes
}

// MustKey returns a new archive key in a temp folder.
func MustKey(tb testing.TB) *release.Key {
	tb.Helper()
	k, _, err := release.LoadOrCreateKey(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

// MustRelease signs a release of files with key.
func MustRelease(tb testing.TB, key *release.Key, name string, files map[string][]byte) *testRelease {
	tb.Helper()
	m := &release.Manifest{
		Name:    name,
		Archive: "https://archive.example",
		Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Level:   string(archive.LevelPublic),
		Dataset: release.ManifestDataset{Slug: "leak", Title: "Leak " + name, Countries: []string{"de"}},
	}
	var item int64
	for p, b := range files {
		item++
		m.Files = append(m.Files, release.ManifestFile{Path: p, Size: int64(len(b)), SHA256: archive.Hash(b).String(), Item: item})
	}
	raw, err := m.Encode()
	if err != nil {
		tb.Fatal(err)
	}
	return &testRelease{m: m, raw: raw, sig: key.Sign(m, raw), files: files}
}

// randomBytes returns n reproducible pseudo-random bytes.
func randomBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func mustWrite(tb testing.TB, name string, b []byte) {
	tb.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(name, b, 0o644); err != nil {
		tb.Fatal(err)
	}
}

// MustTree writes the folder an archive serves: releases/index.json,
// releases/NAME/manifest.json(.minisig) and files/NAME/<path>.
func MustTree(tb testing.TB, rels ...*testRelease) string {
	tb.Helper()
	root := tb.TempDir()
	type entry struct {
		Name           string    `json:"name"`
		Dataset        string    `json:"dataset"`
		Title          string    `json:"title"`
		Level          string    `json:"level"`
		Created        time.Time `json:"created"`
		Files          int       `json:"files"`
		Size           int64     `json:"size"`
		ManifestSHA256 string    `json:"manifest_sha256"`
		Complete       bool      `json:"complete"`
	}
	var entries []entry
	for _, r := range rels {
		entries = append(entries, entry{Name: r.m.Name, Dataset: r.m.Dataset.Slug, Title: r.m.Dataset.Title,
			Level: r.m.Level, Created: r.m.Created, Files: r.m.FileCount, Size: r.m.TotalSize,
			ManifestSHA256: release.Digest(r.raw), Complete: true})
		dir := filepath.Join(root, "releases", r.m.Name)
		mustWrite(tb, filepath.Join(dir, release.ManifestName), r.raw)
		mustWrite(tb, filepath.Join(dir, release.SignatureName), r.sig)
		for p, b := range r.files {
			mustWrite(tb, filepath.Join(root, "files", r.m.Name, filepath.FromSlash(p)), b)
		}
	}
	b, err := json.Marshal(map[string]any{"releases": entries})
	if err != nil {
		tb.Fatal(err)
	}
	mustWrite(tb, filepath.Join(root, "releases", "index.json"), b)
	return root
}

// mustMirrors writes root's mirrors.json.
func mustMirrors(tb testing.TB, root string, urls ...string) {
	tb.Helper()
	type m struct {
		URL   string    `json:"url"`
		Added time.Time `json:"added"`
	}
	var ms []m
	for _, u := range urls {
		ms = append(ms, m{u, time.Now().UTC()})
	}
	b, _ := json.Marshal(map[string]any{"mirrors": ms})
	mustWrite(tb, filepath.Join(root, "mirrors.json"), b)
}

// hit is one request a test server answered.
type hit struct {
	Path, Range, Auth string
	Bytes             int64 // body bytes written
}

// server serves a tree with http.FileServer (which gives Range and 206),
// recording every request. Its hooks change how it behaves.
type server struct {
	*httptest.Server
	root string

	mu   sync.Mutex
	hits []hit
	dead atomic.Bool

	// dropAfter, if set, returns after how many body bytes to drop the
	// connection for a request, or -1 to answer it whole.
	dropAfter func(r *http.Request) int64
	// hangAfter, if set, returns after how many body bytes to stop
	// sending, keeping the connection open, or -1.
	hangAfter func(r *http.Request) int64
	// ignoreRange drops the Range header before serving (a server
	// without Range support answers 200).
	ignoreRange bool
	// chunked drops Content-Length, so bodies are sent chunked and only
	// their end tells their size.
	chunked bool
	// after, if set, runs once a request has been answered.
	after func(s *server, r *http.Request)
}

func serve(tb testing.TB, root string) *server {
	tb.Helper()
	s := &server{root: root}
	fsrv := http.FileServer(http.Dir(root))
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.dead.Load() {
			panic(http.ErrAbortHandler) // the connection just closes
		}
		if s.ignoreRange {
			r.Header.Del("Range")
		}
		s.mu.Lock()
		drop, hang := s.dropAfter, s.hangAfter
		s.mu.Unlock()
		rw := &recorder{ResponseWriter: w, limit: -1, chunked: s.chunked}
		if drop != nil {
			rw.limit = drop(r)
		}
		if hang != nil {
			rw.limit, rw.hang = hang(r), r.Context()
		}
		defer func() {
			s.mu.Lock()
			s.hits = append(s.hits, hit{Path: r.URL.Path, Range: r.Header.Get("Range"),
				Auth: r.Header.Get("Authorization"), Bytes: rw.n})
			after := s.after
			s.mu.Unlock()
			if after != nil {
				after(s, r)
			}
		}()
		fsrv.ServeHTTP(rw, r)
	}))
	tb.Cleanup(s.Close)
	return s
}

// kill makes the server drop every connection from now on, then stops it
// (as when an archive is seized).
func (s *server) kill() {
	s.dead.Store(true)
	go s.Close()
}

// Hits returns the requests answered whose path starts with prefix.
func (s *server) Hits(prefix string) []hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []hit
	for _, h := range s.hits {
		if strings.HasPrefix(h.Path, prefix) {
			out = append(out, h)
		}
	}
	return out
}

// recorder counts body bytes and drops the connection after limit bytes.
type recorder struct {
	http.ResponseWriter
	n, limit int64
	chunked  bool
	hang     context.Context // if set, reaching limit waits for the client to give up
}

func (rw *recorder) WriteHeader(code int) {
	if rw.chunked {
		rw.Header().Del("Content-Length")
	}
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *recorder) Write(p []byte) (int, error) {
	if rw.limit >= 0 && rw.n+int64(len(p)) > rw.limit {
		k := rw.limit - rw.n
		n, _ := rw.ResponseWriter.Write(p[:k])
		rw.n += int64(n)
		if f, ok := rw.ResponseWriter.(http.Flusher); ok {
			f.Flush()
		}
		if rw.hang != nil {
			<-rw.hang.Done()
			return n, rw.hang.Err()
		}
		panic(http.ErrAbortHandler) // the server closes the connection mid-body
	}
	n, err := rw.ResponseWriter.Write(p)
	rw.n += int64(n)
	return n, err
}

func (rw *recorder) Flush() {
	if f, ok := rw.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// catalog is a Catalog in a map.
type catalog struct {
	mu    sync.Mutex
	held  map[string]heldRelease
	added []*mirror.Pulled
}

type heldRelease struct {
	raw      []byte // the manifest
	complete bool
}

func newCatalog() *catalog { return &catalog{held: make(map[string]heldRelease)} }

func (c *catalog) Held(ctx context.Context, name string) ([]byte, bool, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	h, ok := c.held[name]
	return h.raw, h.complete, ok, nil
}

func (c *catalog) AddRelease(ctx context.Context, p *mirror.Pulled) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.added = append(c.added, p)
	c.held[p.Manifest.Name] = heldRelease{p.Raw, true}
	return nil
}

func (c *catalog) Added() []*mirror.Pulled {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*mirror.Pulled(nil), c.added...)
}

// MustStore opens a store in a temp folder.
func MustStore(tb testing.TB) *store.Store {
	tb.Helper()
	st, err := store.Open(filepath.Join(tb.TempDir(), "store"))
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

// testOptions are options for fast tests: short retry waits.
func testOptions(tb testing.TB, st *store.Store) mirror.Options {
	return mirror.Options{
		Store:        st,
		Workers:      2,
		PartialDir:   filepath.Join(tb.TempDir(), "partial"),
		Retries:      2,
		RetryWait:    10 * time.Millisecond,
		StallTimeout: 5 * time.Second,
	}
}

// assertStored checks that every file of r is in the store.
func assertStored(tb testing.TB, st *store.Store, r *testRelease) {
	tb.Helper()
	for p, b := range r.files {
		rc, err := st.Open(context.Background(), archive.Hash(b))
		if err != nil {
			tb.Errorf("%s/%s not in the store: %v", r.m.Name, p, err)
			continue
		}
		var got bytes.Buffer
		_, err = got.ReadFrom(rc)
		rc.Close()
		if err != nil || !bytes.Equal(got.Bytes(), b) {
			tb.Errorf("%s/%s: stored bytes differ (err %v)", r.m.Name, p, err)
		}
	}
}

// assertNotStored checks that b was never put in the store.
func assertNotStored(tb testing.TB, st *store.Store, b []byte) {
	tb.Helper()
	_, err := st.Stat(context.Background(), archive.Hash(b))
	if archive.ErrorCode(err) != archive.ENotFound {
		tb.Errorf("tampered bytes %s are in the store (Stat: %v)", archive.Hash(b), err)
	}
}

// statuses maps release names to their status in a report.
func statuses(rep *mirror.Report) map[string]string {
	out := make(map[string]string)
	for _, r := range rep.Releases {
		out[r.Name] = r.Status
	}
	return out
}

func findRelease(tb testing.TB, rep *mirror.Report, name string) mirror.ReleaseReport {
	tb.Helper()
	for _, r := range rep.Releases {
		if r.Name == name {
			return r
		}
	}
	tb.Fatalf("release %s not in report %+v", name, rep)
	return mirror.ReleaseReport{}
}

// filesPath is the URL path of a release file.
func filesPath(name, p string) string { return path.Join("/files", name, p) }

// partials lists the files left in a partial folder.
func partials(tb testing.TB, dir string) []string {
	tb.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		tb.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}
