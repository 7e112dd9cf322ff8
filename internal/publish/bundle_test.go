package publish_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"testing"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/release"
)

// member is what the tests compare of a tar or zip entry.
type member struct {
	name string
	dir  bool
	mode fs.FileMode
	data []byte
}

// checkLayout checks the members of a release's tar or zip: the three
// root files, then NAME/ and every file in manifest order, each folder
// before anything in it, the right bytes, modes 0644 and 0755.
func checkLayout(t *testing.T, f *fixture, rel string, got []member) {
	t.Helper()
	r := f.rels[rel]
	m, err := release.Parse(r.Manifest)
	if err != nil {
		t.Fatal(err)
	}
	root := map[string][]byte{"manifest.json": r.Manifest, "manifest.json.minisig": r.Signature, "SHA256SUMS": m.Sums()}
	if len(got) < 4 {
		t.Fatalf("%d members", len(got))
	}
	for i, name := range []string{"manifest.json", "manifest.json.minisig", "SHA256SUMS"} {
		if got[i].name != name || !bytes.Equal(got[i].data, root[name]) || got[i].mode != 0o644 {
			t.Errorf("member %d: %q (%v), want %s", i, got[i].name, got[i].mode, name)
		}
	}
	seen := map[string]bool{}
	var files []member
	for _, g := range got[3:] {
		parent := path.Dir(trimSlash(g.name)) + "/"
		if g.name != rel+"/" && !seen[parent] {
			t.Errorf("%q comes before its folder", g.name)
		}
		if g.dir {
			seen[g.name] = true
			if g.mode != fs.ModeDir|0o755 {
				t.Errorf("%q: mode %v", g.name, g.mode)
			}
			continue
		}
		if g.mode != 0o644 {
			t.Errorf("%q: mode %v", g.name, g.mode)
		}
		files = append(files, g)
	}
	want := f.files[rel]
	if len(files) != len(want) {
		t.Fatalf("%d files, want %d", len(files), len(want))
	}
	for i, w := range want {
		if files[i].name != rel+"/"+w.path || !bytes.Equal(files[i].data, w.data) {
			t.Errorf("file %d: %q (%d bytes), want %q (%d bytes)", i, files[i].name, len(files[i].data), w.path, len(w.data))
		}
	}
}

func trimSlash(s string) string {
	if len(s) > 1 && s[len(s)-1] == '/' {
		return s[:len(s)-1]
	}
	return s
}

// TestTar checks that NAME.tar announces its exact length (GET and HEAD),
// with names over 100 bytes and Unicode ones, and holds the release folder.
func TestTar(t *testing.T) {
	f := newFixture(t)
	for _, rel := range allReleases {
		t.Run(rel, func(t *testing.T) {
			url := "/releases/" + rel + "/" + rel + ".tar"
			resp := f.mustGet(t, "editor", url)
			if resp.header.Get("Content-Length") != strconv.Itoa(len(resp.body)) {
				t.Fatalf("Content-Length %s, body %d bytes", resp.header.Get("Content-Length"), len(resp.body))
			}
			head := f.do(t, http.MethodHead, "editor", url)
			if head.status != http.StatusOK || head.header.Get("Content-Length") != strconv.Itoa(len(resp.body)) {
				t.Errorf("HEAD: %d, Content-Length %s, want %d", head.status, head.header.Get("Content-Length"), len(resp.body))
			}
			if ct := resp.header.Get("Content-Type"); ct != "application/x-tar" {
				t.Errorf("Content-Type %q", ct)
			}
			if cd := resp.header.Get("Content-Disposition"); cd != `attachment; filename="`+rel+`.tar"` {
				t.Errorf("Content-Disposition %q", cd)
			}
			var got []member
			var pax, long, unicode bool
			tr := tar.NewReader(bytes.NewReader(resp.body))
			for {
				h, err := tr.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				data, err := io.ReadAll(tr)
				if err != nil {
					t.Fatal(err)
				}
				if !h.ModTime.Equal(f.rels[rel].Created) {
					t.Errorf("%q: modified %v", h.Name, h.ModTime)
				}
				if len(h.Name) > 100 {
					long = true
				}
				if !isASCII(h.Name) {
					unicode = true
				}
				if h.Format&tar.FormatPAX != 0 {
					pax = true
				}
				got = append(got, member{name: h.Name, dir: h.Typeflag == tar.TypeDir, mode: h.FileInfo().Mode(), data: data})
			}
			checkLayout(t, f, rel, got)
			if rel == pubRel && !(pax && long && unicode) {
				t.Errorf("the test release should need PAX records: pax %v, long %v, unicode %v", pax, long, unicode)
			}
		})
	}
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// TestZip checks NAME.zip: the release folder, stored without compression.
func TestZip(t *testing.T) {
	f := newFixture(t)
	for _, rel := range []string{pubRel, limRel} {
		t.Run(rel, func(t *testing.T) {
			resp := f.mustGet(t, "editor", "/releases/"+rel+"/"+rel+".zip")
			if ct := resp.header.Get("Content-Type"); ct != "application/zip" {
				t.Errorf("Content-Type %q", ct)
			}
			zr, err := zip.NewReader(bytes.NewReader(resp.body), int64(len(resp.body)))
			if err != nil {
				t.Fatal(err)
			}
			var got []member
			for _, zf := range zr.File {
				if zf.Method != zip.Store {
					t.Errorf("%q: method %d", zf.Name, zf.Method)
				}
				if !zf.Modified.Equal(f.rels[rel].Created) {
					t.Errorf("%q: modified %v", zf.Name, zf.Modified)
				}
				rc, err := zf.Open()
				if err != nil {
					t.Fatal(err)
				}
				data, err := io.ReadAll(rc) // checks the CRC-32 too
				rc.Close()
				if err != nil {
					t.Fatalf("%q: %v", zf.Name, err)
				}
				got = append(got, member{name: zf.Name, dir: zf.FileInfo().IsDir(), mode: zf.Mode(), data: data})
			}
			checkLayout(t, f, rel, got)
		})
	}
}
