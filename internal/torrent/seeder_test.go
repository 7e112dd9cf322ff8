package torrent_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/torrent"
)

// MustTracker serves a Tracker at /announce on 127.0.0.1 and returns its
// announce URL.
func MustTracker(tb testing.TB, cfg torrent.TrackerConfig) (*torrent.Tracker, string) {
	tb.Helper()
	tr := torrent.NewTracker(cfg)
	mux := http.NewServeMux()
	mux.Handle("/announce", tr)
	srv := httptest.NewServer(mux)
	tb.Cleanup(srv.Close)
	return tr, srv.URL + "/announce"
}

func MustSeeder(tb testing.TB, r *testRelease, trackers []string) *torrent.Seeder {
	tb.Helper()
	s, err := torrent.NewSeeder(torrent.SeederConfig{
		ListenAddr: "127.0.0.1:0",
		Store:      r.st,
		Trackers:   trackers,
		NoDHT:      true,
		Logger:     testLogger(tb),
	})
	if err != nil {
		tb.Fatalf("NewSeeder: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("Seeder.Close: %v", err)
		}
	})
	return s
}

// TestSeederAria2 has aria2c download a release from the seeder alone:
// the torrent has no web seed, and the peers meet through the tracker.
func TestSeederAria2(t *testing.T) {
	needTool(t, "aria2c", "aria2")
	t.Parallel()
	r := MustRelease(t, "test-r1", defaultFiles)
	info, ih := r.MustBuild(t)
	tr, announce := MustTracker(t, torrent.TrackerConfig{
		Interval: 2 * time.Second,
		Allow:    func(h string) bool { return h == ih },
	})
	s := MustSeeder(t, r, []string{announce})
	if err := s.Add(context.Background(), info, r.m.ReleaseFiles()); err != nil {
		t.Fatalf("Add: %v", err)
	}
	if !s.Seeding(ih) {
		t.Fatalf("Seeding(%s) = false after Add", ih)
	}
	if s.Addr() == "" {
		t.Fatalf("no listen address")
	}
	// Adding again does nothing.
	if err := s.Add(context.Background(), info, r.m.ReleaseFiles()); err != nil {
		t.Fatalf("second Add: %v", err)
	}

	// Wait for the seeder's first announce, so aria2c finds it at once.
	deadline := time.Now().Add(10 * time.Second)
	for {
		if seeders, _ := tr.Peers(ih); seeders > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the seeder (%s) did not announce to %s within 10s", s.Addr(), announce)
		}
		time.Sleep(50 * time.Millisecond)
	}

	b, err := torrent.MetaInfo(info, []string{announce}, nil, time.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	runAria2(t, writeTorrent(t, b), dir, 40*time.Second)
	if d := r.compare(filepath.Join(dir, r.m.Name)); d != "" {
		t.Errorf("aria2c download from the seeder differs: %s", d)
	}
	if st, ok := s.Stats(ih); !ok || st.Uploaded < int64(len(r.bytes)) || st.PiecesComplete != 8 {
		t.Errorf("seeder stats %+v, %v: want all %d bytes uploaded, 8 pieces offered", st, ok, len(r.bytes))
	}
	// The store's blobs are the seeder's only copy: nothing was written
	// next to them.
	if err := r.st.Walk(context.Background(), func(id archive.BlobID) error {
		return r.st.Verify(context.Background(), id)
	}); err != nil {
		t.Errorf("store after seeding: %v", err)
	}

	s.Remove(ih)
	if s.Seeding(ih) {
		t.Errorf("Seeding(%s) = true after Remove", ih)
	}
}

func TestSeederRefusesDamagedBlobs(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, r *testRelease)
		check  func(error) bool
	}{
		{"corrupt", func(t *testing.T, r *testRelease) { corrupt(t, r.st, r.m.Files[1].Blob()) },
			func(err error) bool { return errors.Is(err, archive.ErrCorrupt) }},
		{"missing", func(t *testing.T, r *testRelease) {
			if err := os.Remove(r.st.Path(r.m.Files[3].Blob())); err != nil {
				t.Fatal(err)
			}
		}, func(err error) bool { return archive.ErrorCode(err) == archive.ENotFound }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := MustRelease(t, "test-r1", defaultFiles)
			info, ih := r.MustBuild(t)
			s := MustSeeder(t, r, nil)
			tt.damage(t, r)
			err := s.Add(context.Background(), info, r.m.ReleaseFiles())
			if err == nil || !tt.check(err) {
				t.Fatalf("Add of a release with a %s blob: %v", tt.name, err)
			}
			if s.Seeding(ih) {
				t.Errorf("release seeded although its blob is %s", tt.name)
			}
		})
	}
}

func TestSeederAddMismatch(t *testing.T) {
	r := MustRelease(t, "test-r1", defaultFiles)
	info, ih := r.MustBuild(t)
	s := MustSeeder(t, r, nil)
	files := r.m.ReleaseFiles()
	files[0], files[1] = files[1], files[0]
	tests := map[string]struct {
		info  []byte
		files []archive.ReleaseFile
	}{
		"files out of order": {info, files},
		"files missing":      {info, r.m.ReleaseFiles()[1:]},
		"bad info":           {[]byte("d4:name"), r.m.ReleaseFiles()},
	}
	for name, tt := range tests {
		if err := s.Add(context.Background(), tt.info, tt.files); archive.ErrorCode(err) != archive.EInvalid {
			t.Errorf("%s: Add = %v, want EInvalid", name, err)
		}
	}
	if s.Seeding(ih) {
		t.Errorf("release seeded after refused Adds")
	}
}

func TestNewSeederBadConfig(t *testing.T) {
	r := MustRelease(t, "test-r1", []testFile{{"a", 1}})
	for _, cfg := range []torrent.SeederConfig{
		{ListenAddr: "127.0.0.1:0"},
		{ListenAddr: "nonsense", Store: r.st},
	} {
		if s, err := torrent.NewSeeder(cfg); err == nil {
			s.Close()
			t.Errorf("NewSeeder(%+v) succeeded", cfg)
		}
	}
}
