package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// proc is a trove process started from this test binary.
type proc struct {
	cmd *exec.Cmd
	out *lockedBuffer
	url string
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// startTrove runs trove ARGS as a separate process.
func startTrove(t *testing.T, data string, args ...string) *proc {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{out: &lockedBuffer{}}
	p.cmd = exec.Command(exe, append([]string{"--data", data}, args...)...)
	p.cmd.Env = append(os.Environ(), "TROVE_TEST_MAIN=1")
	p.cmd.Stderr = p.out
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if p.cmd.ProcessState == nil {
			p.cmd.Process.Kill()
			p.cmd.Wait()
		}
	})
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			p.out.Write([]byte(line + "\n"))
			if rest, ok := strings.CutPrefix(line, "trove: serving on "); ok {
				urlc <- strings.Fields(rest)[0]
			}
		}
		close(urlc)
	}()
	if args[0] == "serve" {
		select {
		case u, ok := <-urlc:
			if !ok {
				p.cmd.Wait()
				t.Fatalf("trove serve exited: %s", p.out)
			}
			p.url = u
		case <-time.After(30 * time.Second):
			t.Fatalf("trove serve did not start: %s", p.out)
		}
	}
	return p
}

func httpGet(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return resp.StatusCode, b
}

// TestSeizureDrill: an origin and two mirrors as separate processes. Mirror
// A syncs; the origin is killed in the middle of mirror B's sync; B
// completes from A (learned from the origin's mirror list); then both
// mirrors serve every release byte-identical and verified, and a tampered
// blob on a mirror is detected and refused.
func TestSeizureDrill(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	root := t.TempDir()
	origin, mirA, mirB := filepath.Join(root, "origin"), filepath.Join(root, "a"), filepath.Join(root, "b")

	// The leak: text files with a findable phrase, and large files that
	// make B's rate-limited sync take seconds.
	leak := filepath.Join(root, "leak")
	rng := rand.New(rand.NewSource(1))
	want := map[string][]byte{}
	for i := 0; i < 6; i++ {
		big := make([]byte, 3<<20)
		rng.Read(big)
		want[fmt.Sprintf("video/clip%d.bin", i)] = big
	}
	for i := 0; i < 20; i++ {
		want[fmt.Sprintf("docs/memo %02d.txt", i)] = []byte(fmt.Sprintf("Memo %d: the harbour surveillance programme, budget line %d.\n", i, i*7))
	}
	for rel, b := range want {
		write(t, leak, rel, b)
	}
	mustRun(t, origin, "dataset", "create", "leak", "--level", "public", "--title", "The Leak", "--country", "DE")
	mustRun(t, origin, "ingest", "--quiet", "leak", leak)
	mustRun(t, origin, "dataset", "create", "vetted", "--level", "limited")
	write(t, filepath.Join(root, "vetted"), "secret.txt", []byte("only for vetted journalists"))
	mustRun(t, origin, "ingest", "--quiet", "vetted", filepath.Join(root, "vetted"))
	var rel struct {
		Name      string `json:"name"`
		PublicKey string `json:"public_key"`
		Infohash  string `json:"infohash"`
	}
	out := mustRun(t, origin, "release", "leak", "--json")
	if err := json.Unmarshal([]byte(out), &rel); err != nil {
		t.Fatalf("release --json: %v\n%s", err, out)
	}
	mustRun(t, origin, "release", "vetted")
	key := strings.TrimSpace(mustRun(t, origin, "key"))
	if key != rel.PublicKey {
		t.Fatalf("trove key %q, release said %q", key, rel.PublicKey)
	}

	o := startTrove(t, origin, "serve", "--listen", "127.0.0.1:0")

	// Mirror A pulls everything public, as a daemon.
	mustRun(t, mirA, "mirror", "add", o.url, "--pubkey", key)
	startTrove(t, mirA, "mirror", "sync", "--daemon", "--every", "2s")
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(mustRun(t, mirA, "releases"), rel.Name) {
		if time.Now().After(deadline) {
			t.Fatal("mirror A's daemon did not pull the release in 60 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	a := startTrove(t, mirA, "serve", "--listen", "127.0.0.1:0", "--access-log")
	mustRun(t, origin, "mirror", "announce", a.url)

	// Mirror B starts from the origin, slowly; the origin dies midway.
	mustRun(t, mirB, "mirror", "add", o.url, "--pubkey", key)
	b := startTrove(t, mirB, "mirror", "sync", "--limit-rate", "4M", "--workers", "2")
	deadline = time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) && dirBytes(filepath.Join(mirB, "blobs"))+dirBytes(filepath.Join(mirB, "mirror-partial")) < 4<<20 {
		time.Sleep(20 * time.Millisecond)
	}
	if b.cmd.ProcessState != nil {
		t.Fatalf("B finished before the origin could be killed: %s", b.out)
	}
	o.cmd.Process.Kill()
	o.cmd.Wait()
	if err := b.cmd.Wait(); err != nil {
		t.Fatalf("mirror B sync after the origin died: %v\n%s", err, b.out)
	}
	if !strings.Contains(b.out.String(), rel.Name) || !strings.Contains(b.out.String(), "synced") {
		t.Errorf("B's report does not show %s synced:\n%s", rel.Name, b.out)
	}
	t.Logf("mirror B sync output:\n%s", b.out)
	// B got the rest from A: A's access log shows file downloads.
	if n := strings.Count(a.out.String(), "/files/"+rel.Name+"/"); n == 0 {
		t.Errorf("mirror A served no file to B; A's log:\n%s", a.out)
	} else {
		t.Logf("mirror A served %d file requests to B after the origin died", n)
	}
	bs := startTrove(t, mirB, "serve", "--listen", "127.0.0.1:0")

	for _, m := range []*proc{a, bs} {
		// Every file byte-identical, from the mirror's own store.
		for path, body := range want {
			code, got := httpGet(t, m.url+"/files/"+rel.Name+"/"+escapePath(path))
			if code != 200 || !bytes.Equal(got, body) {
				t.Errorf("%s: %s: status %d, %d bytes, want %d", m.url, path, code, len(got), len(body))
			}
		}
		// The signed manifest verifies against the pinned key.
		if out, err := run(t, root, "verify-release", m.url+"/releases/"+rel.Name+"/", "--pubkey", key); err != nil {
			t.Errorf("verify-release %s: %v\n%s", m.url, err, out)
		}
		// The limited release never reached an anonymous mirror.
		if code, _ := httpGet(t, m.url+"/releases/vetted-r1/manifest.json"); code != 404 {
			t.Errorf("%s serves the limited release: %d", m.url, code)
		}
		// The torrent has the same info-hash as the origin's.
		_, idx := httpGet(t, m.url+"/releases/index.json")
		if !strings.Contains(string(idx), rel.Infohash) {
			t.Errorf("%s index lacks info-hash %s: %s", m.url, rel.Infohash, idx)
		}
	}
	// B reports what it holds and how fresh it is.
	_, st := httpGet(t, bs.url+"/mirror/status.json")
	var status struct {
		Releases []struct {
			Name     string `json:"name"`
			Complete bool   `json:"complete"`
			Origin   string `json:"origin"`
		} `json:"releases"`
		Upstreams []struct {
			URL      string    `json:"url"`
			LastSync time.Time `json:"last_sync"`
		} `json:"upstreams"`
	}
	if err := json.Unmarshal(st, &status); err != nil {
		t.Fatalf("status.json: %v\n%s", err, st)
	}
	if len(status.Releases) != 1 || status.Releases[0].Name != rel.Name || !status.Releases[0].Complete ||
		len(status.Upstreams) != 1 || status.Upstreams[0].URL != o.url || status.Upstreams[0].LastSync.IsZero() {
		t.Errorf("B's status: %s", st)
	}
	// B ingested the release: it is searchable there.
	if r := search(t, mirB, `"harbour surveillance programme"`); r.Total != 20 {
		t.Errorf("search on mirror B: %d hits, want 20", r.Total)
	}

	// Tamper with a blob on A: the download is refused, verification fails.
	body := want["video/clip3.bin"]
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	blob := filepath.Join(mirA, "blobs", h[:2], h[2:4], h)
	f, err := os.OpenFile(blob, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte{body[1000] ^ 0xff}, 1000)
	f.Close()
	code, got := httpGet(t, a.url+"/files/"+rel.Name+"/video/clip3.bin")
	if code == 200 || bytes.Contains(got, body[2000:3000]) {
		t.Errorf("tampered blob served: status %d, %d bytes", code, len(got))
	}
	if out, err := run(t, root, "verify-release", a.url+"/releases/"+rel.Name+"/", "--pubkey", key); err == nil {
		t.Errorf("verify-release passed on a tampered mirror:\n%s", out)
	}
}

func escapePath(p string) string {
	return strings.ReplaceAll(p, " ", "%20")
}

func dirBytes(dir string) int64 {
	var n int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			n += fi.Size()
		}
		return nil
	})
	return n
}
