package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand"
	"net"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"
)

// needClient returns the path of a BitTorrent client, or skips (fails on
// CI, where scripts/test.sh installs it).
func needClient(t *testing.T, bin, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(bin)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not installed (scripts/test.sh installs %s)", bin, pkg)
		}
		t.Skipf("%s not installed: apt-get install %s", bin, pkg)
	}
	return p
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func aria2(t *testing.T, torrentPath, dir string) {
	t.Helper()
	bin := needClient(t, "aria2c", "aria2")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--no-conf", "--dir="+dir,
		"--enable-dht=false", "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
		"--seed-time=0", "--follow-torrent=mem", "--file-allocation=none", "--summary-interval=0",
		"--console-log-level=warn", "--disable-ipv6=true", fmt.Sprintf("--listen-port=%d", freeTCPPort(t)),
		torrentPath)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("aria2c: %v\n%s", err, out)
	}
}

// waitSeeder announces to the tracker at url as a leecher until it lists
// the seeder at 127.0.0.1:port for the torrent, then leaves the swarm.
func waitSeeder(t *testing.T, url, infohash string, port int) {
	t.Helper()
	ih, err := hex.DecodeString(infohash)
	if err != nil {
		t.Fatal(err)
	}
	announce := func(event string) []byte {
		q := neturl.Values{"info_hash": {string(ih)}, "peer_id": {"-TT0001-waitseeder00"}, "port": {"9"},
			"uploaded": {"0"}, "downloaded": {"0"}, "left": {"1"}, "compact": {"1"}, "event": {event}}
		code, body := httpGet(t, url+"/announce?"+q.Encode())
		if code != 200 {
			t.Fatalf("announce: %d %s", code, body)
		}
		var resp struct {
			Peers []byte `bencode:"peers"`
		}
		if err := bencode.Unmarshal(body, &resp); err != nil {
			t.Fatalf("announce: %v: %q", err, body)
		}
		return resp.Peers
	}
	want := []byte{127, 0, 0, 1, byte(port >> 8), byte(port)}
	defer announce("stopped")
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		peers := announce("started")
		for i := 0; i+6 <= len(peers); i += 6 {
			if bytes.Equal(peers[i:i+6], want) {
				return
			}
		}
	}
	t.Fatalf("the seeder at port %d never announced itself to the tracker", port)
}

// sameTree checks that dir holds exactly the files of want, byte for byte
// (transmission-cli does not create empty files; none here).
func sameTree(t *testing.T, who, dir string, want map[string][]byte) {
	t.Helper()
	for rel, body := range want {
		got, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(rel)))
		if err != nil || !bytes.Equal(got, body) {
			t.Errorf("%s: %s: %d bytes (%v), want %d", who, rel, len(got), err, len(body))
		}
	}
}

// TestTorrentEndToEnd: the .torrent that trove serve publishes downloads
// with real clients nobody here wrote: aria2c and transmission-cli through
// the web seeds, and aria2c from the built-in seeder alone (web seeds
// removed), found through the built-in tracker.
func TestTorrentEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	root := t.TempDir()
	data := filepath.Join(root, "data")
	leak := filepath.Join(root, "leak")
	rng := rand.New(rand.NewSource(2))
	want := map[string][]byte{}
	for i := 0; i < 3; i++ {
		b := make([]byte, 700<<10+i*1234)
		rng.Read(b)
		want[fmt.Sprintf("raw/part %d.bin", i)] = b
	}
	want["notes/ünïcode.txt"] = []byte("the fusion centre notes\n")
	for rel, b := range want {
		write(t, leak, rel, b)
	}
	mustRun(t, data, "dataset", "create", "pub", "--level", "public")
	mustRun(t, data, "ingest", "--quiet", "pub", leak)
	var rel struct {
		Name     string `json:"name"`
		Infohash string `json:"infohash"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, data, "release", "pub", "--json")), &rel); err != nil {
		t.Fatal(err)
	}
	seedPort := freeTCPPort(t)
	srv := startTrove(t, data, "serve", "--listen", "127.0.0.1:0", "--tracker", "--seed", "--seed-dht=false", "--seed-listen", fmt.Sprintf("127.0.0.1:%d", seedPort))
	// A client whose first announce finds no peer waits the tracker's
	// interval (10 minutes) before the next: wait until the seeder has
	// announced itself.
	waitSeeder(t, srv.url, rel.Infohash, seedPort)

	code, tf := httpGet(t, srv.url+"/releases/"+rel.Name+"/"+rel.Name+".torrent")
	if code != 200 {
		t.Fatalf(".torrent: %d", code)
	}
	mi, err := metainfo.Load(bytes.NewReader(tf))
	if err != nil {
		t.Fatal(err)
	}
	if got := mi.HashInfoBytes().HexString(); got != rel.Infohash {
		t.Fatalf("served torrent info-hash %s, release %s", got, rel.Infohash)
	}
	if len(mi.UrlList) == 0 || mi.UrlList[0] != srv.url+"/files/" || mi.Announce != srv.url+"/announce" {
		t.Fatalf("web seeds %v, announce %q", mi.UrlList, mi.Announce)
	}
	torrentPath := filepath.Join(root, "web.torrent")
	os.WriteFile(torrentPath, tf, 0o644)

	t.Run("aria2c web seed and seeder", func(t *testing.T) {
		dir := t.TempDir()
		aria2(t, torrentPath, dir)
		sameTree(t, "aria2c", filepath.Join(dir, rel.Name), want)
	})

	t.Run("aria2c seeder only", func(t *testing.T) {
		only := *mi
		only.UrlList = nil
		var b bytes.Buffer
		if err := bencode.NewEncoder(&b).Encode(only); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "seed.torrent")
		os.WriteFile(p, b.Bytes(), 0o644)
		dir := t.TempDir()
		aria2(t, p, dir)
		sameTree(t, "aria2c from the seeder", filepath.Join(dir, rel.Name), want)
	})

	t.Run("transmission-cli web seed", func(t *testing.T) {
		bin := needClient(t, "transmission-cli", "transmission-cli")
		cfg := t.TempDir()
		settings, _ := json.Marshal(map[string]any{
			"dht-enabled": false, "lpd-enabled": false, "pex-enabled": false, "utp-enabled": false,
			"port-forwarding-enabled": false, "rename-partial-files": false, "preallocation": 0,
			"incomplete-dir-enabled": false, "watch-dir-enabled": false, "message-level": 1,
		})
		os.WriteFile(filepath.Join(cfg, "settings.json"), settings, 0o644)
		dir := t.TempDir()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, "-g", cfg, "-w", dir, "-M", "-p", fmt.Sprint(freeTCPPort(t)), torrentPath)
		cmd.Env = append(os.Environ(), "HOME="+cfg)
		out := &lockedBuffer{}
		cmd.Stdout, cmd.Stderr = out, out
		cmd.WaitDelay = 2 * time.Second
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Wait()
		done := func() bool {
			for rel2, body := range want {
				got, err := os.ReadFile(filepath.Join(dir, rel.Name, filepath.FromSlash(rel2)))
				if err != nil || !bytes.Equal(got, body) {
					return false
				}
			}
			return true
		}
		deadline := time.Now().Add(60 * time.Second)
		for !done() {
			if time.Now().After(deadline) {
				t.Fatalf("transmission-cli did not complete in 60 s:\n%s", out)
			}
			time.Sleep(200 * time.Millisecond)
		}
		cancel()
		sameTree(t, "transmission-cli", filepath.Join(dir, rel.Name), want)
	})

	// The folder a tar download unpacks to verifies with trove itself.
	t.Run("verify-release folder", func(t *testing.T) {
		dir := t.TempDir()
		code, tarball := httpGet(t, srv.url+"/releases/"+rel.Name+"/"+rel.Name+".tar")
		if code != 200 {
			t.Fatalf("tar: %d", code)
		}
		cmd := exec.Command("tar", "-x", "-C", dir)
		cmd.Stdin = bytes.NewReader(tarball)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("tar -x: %v\n%s", err, out)
		}
		key := strings.TrimSpace(mustRun(t, data, "key"))
		if out, err := run(t, root, "verify-release", dir, "--pubkey", key); err != nil {
			t.Fatalf("verify-release %s: %v\n%s", dir, err, out)
		}
		os.WriteFile(filepath.Join(dir, rel.Name, "notes", "ünïcode.txt"), []byte("the fusion centre notez\n"), 0o644)
		if out, err := run(t, root, "verify-release", dir, "--pubkey", key); err == nil || !strings.Contains(out, "BAD notes/ünïcode.txt") {
			t.Fatalf("verify-release passed a changed file: %v\n%s", err, out)
		}
	})
}
