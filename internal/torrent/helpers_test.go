package torrent_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/release"
	"github.com/trove-archive/trove/internal/store"
	"github.com/trove-archive/trove/internal/torrent"
)

type testFile struct {
	path string
	size int
}

// defaultFiles make a 2 MB release of 8 pieces of 256 KiB whose file
// boundaries fall inside pieces, with an empty file, nested folders and
// names that need escaping in URLs.
var defaultFiles = []testFile{
	{"a.bin", 1_000_003},
	{"dir/sub/b.bin", 700_001},
	{"empty.txt", 0},
	{"dir/c d.txt", 300_000},
	{"z/ü.txt", 50_000},
}

// testRelease is a release whose files are in a store, with the original
// bytes kept for comparison.
type testRelease struct {
	st    *store.Store
	m     *release.Manifest
	data  map[string][]byte // path -> bytes
	bytes []byte            // the files concatenated in manifest order
}

func MustRelease(tb testing.TB, name string, files []testFile) *testRelease {
	tb.Helper()
	st, err := store.Open(tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	r := &testRelease{st: st, data: map[string][]byte{}}
	r.m = &release.Manifest{
		Format:  release.Format,
		Name:    name,
		Created: time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC),
		Level:   string(archive.LevelPublic),
		Dataset: release.ManifestDataset{Slug: "test", Title: "Test"},
	}
	rng := rand.New(rand.NewChaCha8([32]byte{byte(len(files)), 1, 2, 3}))
	for i, f := range files {
		b := make([]byte, f.size)
		for j := range b {
			b[j] = byte(rng.Uint32())
		}
		id, n, err := st.Put(context.Background(), bytes.NewReader(b))
		if err != nil {
			tb.Fatal(err)
		}
		if n != int64(f.size) {
			tb.Fatalf("Put %s: %d bytes, want %d", f.path, n, f.size)
		}
		r.data[f.path] = b
		r.m.Files = append(r.m.Files, release.ManifestFile{Path: f.path, Size: n, SHA256: id.String(), Item: int64(i + 1)})
	}
	if _, err := r.m.Encode(); err != nil { // sorts the files, fills counts
		tb.Fatal(err)
	}
	for _, f := range r.m.Files {
		r.bytes = append(r.bytes, r.data[f.Path]...)
	}
	return r
}

func (r *testRelease) open(id archive.BlobID) (io.ReadCloser, error) {
	return r.st.Open(context.Background(), id)
}

func (r *testRelease) MustBuild(tb testing.TB) (info []byte, infoHash string) {
	tb.Helper()
	info, infoHash, err := torrent.Build(context.Background(), r.m, r.open)
	if err != nil {
		tb.Fatalf("Build: %v", err)
	}
	return info, infoHash
}

// writeOriginals writes the files under dir/<name>/ as a client would.
func (r *testRelease) writeOriginals(tb testing.TB, dir string) string {
	tb.Helper()
	root := filepath.Join(dir, r.m.Name)
	for p, b := range r.data {
		fp := filepath.Join(root, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(fp), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(fp, b, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	return root
}

// compare reports how the files under root differ from the release's;
// "" when every file is there with the right bytes. Clients may not
// create empty files, so a missing empty file is accepted.
func (r *testRelease) compare(root string) string {
	var diffs []string
	for p, want := range r.data {
		got, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(p)))
		switch {
		case err != nil && len(want) == 0 && os.IsNotExist(err):
		case err != nil:
			diffs = append(diffs, err.Error())
		case !bytes.Equal(got, want):
			diffs = append(diffs, fmt.Sprintf("%s: %d bytes (sha256 %.12s), want %d (sha256 %.12s)",
				p, len(got), sum(got), len(want), sum(want)))
		}
	}
	return strings.Join(diffs, "; ")
}

// missingEmpty lists the release's empty files that are not under root.
func (r *testRelease) missingEmpty(root string) []string {
	var missing []string
	for p, b := range r.data {
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(p))); len(b) == 0 && err != nil {
			missing = append(missing, p)
		}
	}
	return missing
}

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// corrupt flips a byte in the middle of a stored blob and moves its
// modification time, as bit rot or tampering would.
func corrupt(tb testing.TB, st *store.Store, id archive.BlobID) {
	tb.Helper()
	p := st.Path(id)
	if err := os.Chmod(p, 0o644); err != nil {
		tb.Fatal(err)
	}
	b, err := os.ReadFile(p)
	if err != nil {
		tb.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	if err := os.WriteFile(p, b, 0o444); err != nil {
		tb.Fatal(err)
	}
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(p, later, later); err != nil {
		tb.Fatal(err)
	}
}

// fileServer serves a release's files as trove does at
// /files/<name>/<path>, with ranges, and counts the requests.
func fileServer(tb testing.TB, r *testRelease) (*httptest.Server, *atomic.Int64) {
	tb.Helper()
	var hits atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("GET /files/", func(w http.ResponseWriter, req *http.Request) {
		hits.Add(1)
		name, p, _ := strings.Cut(strings.TrimPrefix(req.URL.Path, "/files/"), "/")
		if name != r.m.Name {
			http.NotFound(w, req)
			return
		}
		for _, f := range r.m.Files {
			if f.Path != p {
				continue
			}
			rc, err := r.st.Open(req.Context(), f.Blob())
			if err != nil {
				http.Error(w, "internal error", http.StatusInternalServerError)
				return
			}
			defer rc.Close()
			http.ServeContent(w, req, path.Base(p), time.Time{}, rc)
			return
		}
		http.NotFound(w, req)
	})
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return srv, &hits
}

// freePort returns a TCP port free on 127.0.0.1 (and, most likely, UDP).
func freePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func needTool(tb testing.TB, name, pkg string) string {
	tb.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		tb.Skipf("%s not installed (apt-get install -y %s)", name, pkg)
	}
	return p
}

// writeTorrent writes .torrent bytes to a temp file.
func writeTorrent(tb testing.TB, b []byte) string {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "release.torrent")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		tb.Fatal(err)
	}
	return p
}

// runAria2 downloads a torrent into dir with aria2c: no DHT, no local
// peer discovery, no PEX, and exits once the download is complete.
func runAria2(tb testing.TB, torrentPath, dir string, timeout time.Duration) {
	tb.Helper()
	bin := needTool(tb, "aria2c", "aria2")
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	port := freePort(tb)
	cmd := exec.CommandContext(ctx, bin,
		"--no-conf",
		"--dir="+dir,
		"--enable-dht=false", "--enable-dht6=false",
		"--bt-enable-lpd=false", "--enable-peer-exchange=false",
		"--seed-time=0", "--follow-torrent=mem",
		"--file-allocation=none", "--allow-overwrite=true", "--auto-file-renaming=false",
		"--summary-interval=0", "--console-log-level=warn", "--quiet=false",
		"--disable-ipv6=true",
		fmt.Sprintf("--listen-port=%d", port),
		"--bt-tracker-interval=1",
		torrentPath)
	cmd.Env = append(os.Environ(), "HOME="+tb.TempDir()) // nothing of aria2's in the real home
	cmd.WaitDelay = 2 * time.Second
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		tb.Fatalf("aria2c timed out after %v:\n%s", timeout, out)
	}
	if err != nil {
		tb.Fatalf("aria2c: %v:\n%s", err, out)
	}
}

// testLogger logs warnings to the test log until the test ends; the
// BitTorrent client's goroutines may outlive it.
func testLogger(tb testing.TB) *slog.Logger {
	w := &tbWriter{tb: tb, on: true}
	tb.Cleanup(func() {
		w.mu.Lock()
		w.on = false
		w.mu.Unlock()
	})
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type tbWriter struct {
	tb testing.TB
	mu sync.Mutex
	on bool
}

func (w *tbWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.on {
		w.tb.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

// lockedBuffer collects a child process's output, keeping the last 8 KiB.
type lockedBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	if len(l.b) > 8<<10 {
		l.b = append([]byte(nil), l.b[len(l.b)-8<<10:]...)
	}
	return len(p), nil
}

func (l *lockedBuffer) tail() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.ReplaceAll(string(l.b), "\r", "\n")
}
