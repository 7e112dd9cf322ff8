package torrent_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/torrent"
)

// webSeedTorrent builds the default release and a .torrent whose only
// source is a web seed on a local HTTP server.
func webSeedTorrent(t *testing.T) (r *testRelease, torrentPath string, hits func() int64) {
	t.Helper()
	r = MustRelease(t, "test-r1", defaultFiles)
	srv, n := fileServer(t, r)
	info, _ := r.MustBuild(t)
	b, err := torrent.MetaInfo(info, nil, torrent.WebSeeds([]string{srv.URL}), time.Now(), "web seed test")
	if err != nil {
		t.Fatal(err)
	}
	return r, writeTorrent(t, b), n.Load
}

func TestWebSeedAria2(t *testing.T) {
	needTool(t, "aria2c", "aria2")
	t.Parallel()
	r, tp, hits := webSeedTorrent(t)
	dir := t.TempDir()
	runAria2(t, tp, dir, 30*time.Second)
	root := filepath.Join(dir, r.m.Name)
	if d := r.compare(root); d != "" {
		t.Errorf("aria2c download differs: %s", d)
	}
	if m := r.missingEmpty(root); len(m) > 0 {
		t.Logf("aria2c did not create the empty files %q", m)
	}
	if hits() == 0 {
		t.Errorf("the web seed served no request")
	}
}

func TestWebSeedTransmission(t *testing.T) {
	bin := needTool(t, "transmission-cli", "transmission-cli")
	t.Parallel()
	r, tp, hits := webSeedTorrent(t)

	// transmission-cli reads settings.json from its config folder: no
	// DHT, no local peer discovery, no PEX, no port mapping; files keep
	// their names while incomplete and are not preallocated.
	cfgDir := t.TempDir()
	settings, _ := json.Marshal(map[string]any{
		"dht-enabled":             false,
		"lpd-enabled":             false,
		"pex-enabled":             false,
		"utp-enabled":             false,
		"port-forwarding-enabled": false,
		"rename-partial-files":    false,
		"preallocation":           0,
		"incomplete-dir-enabled":  false,
		"watch-dir-enabled":       false,
		"message-level":           1,
		"ratio-limit-enabled":     true,
		"ratio-limit":             0,
	})
	if err := os.WriteFile(filepath.Join(cfgDir, "settings.json"), settings, 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-g", cfgDir, "-w", dir, "-M", "-p", strconv.Itoa(freePort(t)), tp)
	cmd.Env = append(os.Environ(), "HOME="+cfgDir)
	cmd.WaitDelay = 2 * time.Second
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		cancel() // transmission-cli seeds forever: kill it
		<-exited
	}()

	// transmission-cli never exits on its own: poll until the files are
	// complete and right.
	root := filepath.Join(dir, r.m.Name)
	deadline := time.Now().Add(40 * time.Second)
	var diff string
	for {
		if diff = r.compare(root); diff == "" {
			break
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("transmission-cli exited (%v) before the download completed: %s\n%s", err, diff, out.tail())
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("transmission-cli download incomplete after 40s: %s\n%s", diff, out.tail())
		}
	}
	if hits() == 0 {
		t.Errorf("the web seed served no request")
	}
	if m := r.missingEmpty(root); len(m) > 0 {
		t.Logf("transmission-cli did not create the empty files %q", m)
	}
}
