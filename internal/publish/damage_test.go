package publish_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

func blobOf(t *testing.T, data []byte) archive.BlobID {
	t.Helper()
	return archive.Hash(data)
}

// corrupt flips one byte in the middle of a stored blob, keeping its size.
func corrupt(t *testing.T, f *fixture, data []byte) {
	t.Helper()
	p := f.store.Path(blobOf(t, data))
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	fh, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	b := []byte{data[len(data)/2] ^ 0xff}
	if _, err := fh.WriteAt(b, int64(len(data)/2)); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	future := time.Now().Add(time.Hour)
	os.Chtimes(p, future, future) // no cached verification applies
}

// TestCorruptBlob damages one file of a release (a small one, read in one
// go, and a large one): /files/ refuses it without sending any of its
// bytes, and the tar and zip downloads break off inside its member, so no
// client ends up with a complete-looking archive.
func TestCorruptBlob(t *testing.T) {
	for _, damaged := range []string{reportPath, bigPath} {
		t.Run(damaged, func(t *testing.T) {
			f := newFixture(t)
			data := f.data(pubRel, damaged)
			corrupt(t, f, data)
			p := "/files/" + pubRel + "/" + escPath(damaged)
			for _, hdr := range [][]string{nil, {"Range", "bytes=0-99"}, {"Range", "bytes=1000-"}} {
				r := f.get(t, "", p, hdr...)
				if r.status != http.StatusInternalServerError {
					t.Errorf("GET %v: %d, want 500", hdr, r.status)
				}
				if bytes.Contains(r.body, data[:32]) || bytes.Contains(r.body, data[1000:1032]) || len(r.body) > 4096 {
					t.Errorf("GET %v: the damaged bytes were sent (%d bytes)", hdr, len(r.body))
				}
				if r.header.Get("ETag") != "" || r.header.Get("Content-Disposition") != "" {
					t.Errorf("GET %v: file headers on the error: %v", hdr, r.header)
				}
			}
			if !strings.Contains(f.logs.String(), "corrupt") {
				t.Errorf("nothing logged: %s", f.logs)
			}

			tr := f.get(t, "", "/releases/"+pubRel+"/"+pubRel+".tar")
			cl := tr.header.Get("Content-Length")
			if tr.status != http.StatusOK || cl == "" {
				t.Fatalf("tar: %d, Content-Length %q", tr.status, cl)
			}
			if tr.err == nil || itoa(len(tr.body)) == cl {
				t.Errorf("tar: read %d of %s bytes, err %v: want a broken download", len(tr.body), cl, tr.err)
			}
			if last, err := readTar(tr.body); err == nil || last != pubRel+"/"+damaged {
				t.Errorf("the cut tar reads to %q with %v: want an error inside the damaged member", last, err)
			}
			if _, err := exec.LookPath("tar"); err == nil {
				dir := t.TempDir()
				os.WriteFile(dir+"/x.tar", tr.body, 0o644)
				if out, err := run(t, dir, "tar", "-xf", "x.tar"); err == nil {
					t.Errorf("tar -xf accepted the cut archive: %s", out)
				}
			}

			zr := f.get(t, "", "/releases/"+pubRel+"/"+pubRel+".zip")
			if zr.err == nil {
				t.Errorf("zip: read %d bytes without error: want a broken download", len(zr.body))
			}
			if _, err := zip.NewReader(bytes.NewReader(zr.body), int64(len(zr.body))); err == nil {
				t.Error("the cut zip opens as a complete archive")
			}
			if !strings.Contains(f.logs.String(), "release download aborted") {
				t.Errorf("abort not logged: %s", f.logs)
			}

			// A real client says so too.
			if _, err := run(t, t.TempDir(), "curl", "-q", "-sS", "-f", "-o", "x.tar", f.srv.URL+"/releases/"+pubRel+"/"+pubRel+".tar"); err == nil {
				t.Error("curl: the cut tar download exited 0")
			}
		})
	}
}

// readTar reads a tar to its end and returns the name of the last member
// it reached and the first error (nil at a clean end).
func readTar(b []byte) (string, error) {
	tr := tar.NewReader(bytes.NewReader(b))
	var last string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return last, nil
		}
		if err != nil {
			return last, err
		}
		last = h.Name
		if _, err := io.Copy(io.Discard, tr); err != nil {
			return last, err
		}
	}
}

// TestMissingBlob removes a blob, as on a mirror still copying: the file
// and the whole-release downloads are 404s that say why, for readers who
// may see the release; for others, the common 404.
func TestMissingBlob(t *testing.T) {
	f := newFixture(t)
	for _, id := range []archive.BlobID{archive.Hash(f.data(pubRel, "README.txt")), archive.Hash(f.data(limRel, "memo.txt"))} {
		if err := os.Remove(f.store.Path(id)); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range []string{"/files/pub-r1/README.txt", "/releases/pub-r1/pub-r1.tar", "/releases/pub-r1/pub-r1.zip"} {
		r := f.get(t, "", p)
		if r.status != http.StatusNotFound || !strings.Contains(string(r.body), "not on this server yet") {
			t.Errorf("%s: %d %q", p, r.status, r.body)
		}
		if r.header.Get("Content-Disposition") != "" {
			t.Errorf("%s: attachment header on the error", p)
		}
	}
	// Other files of the release are still served.
	f.mustGet(t, "", "/files/pub-r1/empty.txt")
	for _, p := range []string{"/files/NAME/memo.txt", "/releases/NAME/NAME.tar"} {
		hidden := f.get(t, "", strings.ReplaceAll(p, "NAME", limRel))
		none := f.get(t, "", strings.ReplaceAll(p, "NAME", madeUp))
		if hidden.status != http.StatusNotFound || !bytes.Equal(hidden.body, none.body) {
			t.Errorf("%s as anonymous: %d %q", p, hidden.status, hidden.body)
		}
		if r := f.get(t, "journalist", strings.ReplaceAll(p, "NAME", limRel)); !strings.Contains(string(r.body), "not on this server yet") {
			t.Errorf("%s as journalist: %d %q", p, r.status, r.body)
		}
	}
}
