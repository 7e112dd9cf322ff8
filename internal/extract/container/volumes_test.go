package container_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand"
	"path/filepath"
	"testing"

	"github.com/trove-archive/trove/internal/extract"
)

// cut writes b in n pieces NAME.001, NAME.002, ... (as split(1) or 7-Zip
// cut files) and returns the first as an Input with the others as its
// volumes.
func cut(t *testing.T, name, mime string, b []byte, n int) extract.Input {
	t.Helper()
	dir := t.TempDir()
	var vols []extract.Volume
	step := len(b)/n + 1
	for i := 0; i*step < len(b); i++ {
		vn := fmt.Sprintf("%s.%03d", name, i+1)
		p := filepath.Join(dir, vn)
		writeFile(t, p, b[i*step:min(len(b), (i+1)*step)])
		vols = append(vols, extract.Volume{Name: vn, Path: p})
	}
	in := input(t, vols[0].Path, vols[0].Name, mime)
	in.Volumes = vols[1:]
	return in
}

// TestSplitZipAndTar: a zip and a tar.gz cut into pieces (the central
// directory of the zip in the last piece, members across the cuts) read
// as the whole files; the first piece alone does not.
func TestSplitZipAndTar(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	noise := func(n int) []byte { b := make([]byte, n); rng.Read(b); return b }
	big, small := noise(300<<10), []byte("the minutes of the harbor board\n")
	zipBytes := buildZip(t, zipEntry{name: "scan.bin", body: big, stored: true}, zipEntry{name: "notes/minutes.txt", body: small})
	tgz := gz(t, "", buildTar(t, reg("scan.bin", string(big)), reg("notes/minutes.txt", string(small))))
	for _, c := range []struct {
		name, mime string
		ex         extract.Extractor
		b          []byte
	}{{"leak.zip", extract.MIMEZip, zipEx, zipBytes}, {"leak.tar.gz", extract.MIMEGzip, tarEx, tgz}} {
		in := cut(t, c.name, c.mime, c.b, 4)
		if len(in.Volumes) != 3 {
			t.Fatalf("%s: %d volumes", c.name, len(in.Volumes))
		}
		s := newSink()
		if err := c.ex.Extract(context.Background(), in, s); err != nil {
			t.Fatalf("%s in pieces: %v", c.name, err)
		}
		s.checkInvariants(t)
		checkMembers(t, s, member{"scan.bin", int64(len(big))}, member{"notes/minutes.txt", int64(len(small))})
		if got := s.child(t, "scan.bin").SHA256; got != sha(big) {
			t.Errorf("%s: scan.bin read wrong across the cuts", c.name)
		}
		if !bytes.Equal(s.child(t, "notes/minutes.txt").Data, small) {
			t.Errorf("%s: minutes.txt = %q", c.name, s.child(t, "notes/minutes.txt").Data)
		}
		// The first piece alone: never the whole archive.
		in.Volumes = nil
		s = newSink()
		err := c.ex.Extract(context.Background(), in, s)
		if err == nil && len(s.failed) == 0 && len(s.children) == 2 {
			t.Errorf("%s: the first piece alone read in full", c.name)
		}
	}
}
