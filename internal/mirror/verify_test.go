package mirror_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/mirror"
	"github.com/trove-archive/trove/internal/release"
)

// MustFolder writes a release folder as a download unpacks: manifest,
// signature and <name>/<path> files.
func MustFolder(tb testing.TB, r *testRelease) string {
	tb.Helper()
	dir := tb.TempDir()
	mustWrite(tb, filepath.Join(dir, release.ManifestName), r.raw)
	mustWrite(tb, filepath.Join(dir, release.SignatureName), r.sig)
	for p, b := range r.files {
		mustWrite(tb, filepath.Join(dir, r.m.Name, filepath.FromSlash(p)), b)
	}
	return dir
}

func flipFileByte(tb testing.TB, name string) {
	tb.Helper()
	b := mustRead(tb, name)
	b[len(b)/2] ^= 0x20
	mustWrite(tb, name, b)
}

// tamperSignature changes the trusted comment, which the global
// signature covers.
func tamperSignature(tb testing.TB, name string) {
	tb.Helper()
	b := mustRead(tb, name)
	t := bytes.Replace(b, []byte("release:verify-r1"), []byte("release:verify-r9"), 1)
	if bytes.Equal(t, b) {
		tb.Fatalf("no trusted comment to tamper with in:\n%s", b)
	}
	mustWrite(tb, name, t)
}

func verifyRelease(tb testing.TB, key *release.Key) *testRelease {
	return MustRelease(tb, key, "verify-r1", map[string][]byte{
		"docs/a.pdf":    randomBytes(40, 200<<10),
		"docs/b.txt":    []byte("bee\n"),
		"mail/x/c.eml":  []byte("From: c\n\nsee\n"),
		"top level.bin": randomBytes(41, 1000),
	})
}

func TestVerifyDir(t *testing.T) {
	ctx := context.Background()
	key := MustKey(t)
	other := MustKey(t)
	r := verifyRelease(t, key)
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
		sigOK  bool
		bad    []mirror.FileProblem
	}{
		{"good", func(*testing.T, string) {}, true, nil},
		{"extra file is not a problem", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, "verify-r1", "extra"), []byte("x"))
		}, true, nil},
		{"flipped byte", func(t *testing.T, dir string) {
			flipFileByte(t, filepath.Join(dir, "verify-r1", "docs", "a.pdf"))
		}, true, []mirror.FileProblem{{"docs/a.pdf", "sha256 mismatch"}}},
		{"missing file", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, "verify-r1", "mail", "x", "c.eml"))
		}, true, []mirror.FileProblem{{"mail/x/c.eml", "missing"}}},
		{"missing folder", func(t *testing.T, dir string) {
			os.RemoveAll(filepath.Join(dir, "verify-r1", "mail"))
		}, true, []mirror.FileProblem{{"mail/x/c.eml", "missing"}}},
		{"truncated", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, "verify-r1", "docs", "b.txt"), []byte("be"))
		}, true, []mirror.FileProblem{{"docs/b.txt", "size 2 want 4"}}},
		{"tampered signature", func(t *testing.T, dir string) {
			tamperSignature(t, filepath.Join(dir, release.SignatureName))
		}, false, nil},
		{"signed by another key", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, release.SignatureName), other.Sign(r.m, r.raw))
		}, false, nil},
		{"manifest changed after signing", func(t *testing.T, dir string) {
			raw := bytes.Replace(r.raw, []byte(`"title": "Leak verify-r1"`), []byte(`"title": "Leak verify-r2"`), 1)
			if bytes.Equal(raw, r.raw) {
				t.Fatal("manifest unchanged")
			}
			mustWrite(t, filepath.Join(dir, release.ManifestName), raw)
		}, false, nil},
		{"symlinked file", func(t *testing.T, dir string) {
			outside := filepath.Join(t.TempDir(), "b.txt")
			mustWrite(t, outside, r.files["docs/b.txt"])
			p := filepath.Join(dir, "verify-r1", "docs", "b.txt")
			os.Remove(p)
			if err := os.Symlink(outside, p); err != nil {
				t.Skip(err)
			}
		}, true, []mirror.FileProblem{{"docs/b.txt", "symlink refused"}}},
		{"symlinked folder", func(t *testing.T, dir string) {
			outside := t.TempDir()
			mustWrite(t, filepath.Join(outside, "c.eml"), r.files["mail/x/c.eml"])
			p := filepath.Join(dir, "verify-r1", "mail", "x")
			os.RemoveAll(p)
			if err := os.Symlink(outside, p); err != nil {
				t.Skip(err)
			}
		}, true, []mirror.FileProblem{{"mail/x/c.eml", "symlink refused"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := MustFolder(t, r)
			tt.damage(t, dir)
			rep, err := mirror.VerifyDir(ctx, key.PublicKey(), dir)
			if err != nil {
				t.Fatalf("VerifyDir: %v", err)
			}
			if rep.Name != "verify-r1" || rep.SignatureOK != tt.sigOK || rep.Files != 4 || !slices.Equal(rep.Bad, tt.bad) {
				t.Errorf("report %+v\nwant signature OK %v, problems %v", rep, tt.sigOK, tt.bad)
			}
			if rep.OK != 4-len(tt.bad) {
				t.Errorf("OK = %d, want %d", rep.OK, 4-len(tt.bad))
			}
			if pass := tt.sigOK && tt.bad == nil; rep.Passed() != pass {
				t.Errorf("Passed() = %v, want %v", rep.Passed(), pass)
			}
		})
	}
}

func TestVerifyDirCannotRun(t *testing.T) {
	ctx := context.Background()
	key := MustKey(t)
	r := verifyRelease(t, key)
	traversal := bytes.Replace(r.raw, []byte(`"path": "docs/b.txt"`), []byte(`"path": "../../b.txt"`), 1)
	tests := []struct {
		name   string
		damage func(t *testing.T, dir string)
		key    string
	}{
		{"no manifest", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, release.ManifestName)) }, key.PublicKey()},
		{"no signature", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, release.SignatureName)) }, key.PublicKey()},
		{"bad key", func(*testing.T, string) {}, "nonsense"},
		{"path traversal, validly signed", func(t *testing.T, dir string) {
			mustWrite(t, filepath.Join(dir, release.ManifestName), traversal)
			mustWrite(t, filepath.Join(dir, release.SignatureName), key.Sign(r.m, traversal))
		}, key.PublicKey()},
		{"symlinked manifest", func(t *testing.T, dir string) {
			outside := filepath.Join(t.TempDir(), "m.json")
			mustWrite(t, outside, r.raw)
			os.Remove(filepath.Join(dir, release.ManifestName))
			if err := os.Symlink(outside, filepath.Join(dir, release.ManifestName)); err != nil {
				t.Skip(err)
			}
		}, key.PublicKey()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := MustFolder(t, r)
			tt.damage(t, dir)
			rep, err := mirror.VerifyDir(ctx, tt.key, dir)
			if err == nil || rep.Passed() {
				t.Errorf("VerifyDir = %+v, %v; want an error", rep, err)
			}
		})
	}
}

func TestVerifyURL(t *testing.T) {
	ctx := context.Background()
	key := MustKey(t)
	r := verifyRelease(t, key)
	tests := []struct {
		name   string
		damage func(t *testing.T, root string)
		sigOK  bool
		bad    []mirror.FileProblem
	}{
		{"good", func(*testing.T, string) {}, true, nil},
		{"flipped byte", func(t *testing.T, root string) {
			flipFileByte(t, filepath.Join(root, "files", "verify-r1", "docs", "a.pdf"))
		}, true, []mirror.FileProblem{{"docs/a.pdf", "sha256 mismatch"}}},
		{"missing file", func(t *testing.T, root string) {
			os.Remove(filepath.Join(root, "files", "verify-r1", "top level.bin"))
		}, true, []mirror.FileProblem{{"top level.bin", "missing"}}},
		{"longer file", func(t *testing.T, root string) {
			mustWrite(t, filepath.Join(root, "files", "verify-r1", "docs", "b.txt"), []byte("beee\n"))
		}, true, []mirror.FileProblem{{"docs/b.txt", "size 5 want 4"}}},
		{"tampered signature", func(t *testing.T, root string) {
			tamperSignature(t, filepath.Join(root, "releases", "verify-r1", release.SignatureName))
		}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := MustTree(t, r)
			tt.damage(t, root)
			srv := serve(t, root)
			rep, err := mirror.VerifyURL(ctx, nil, key.PublicKey(), srv.URL+"/", "verify-r1", "tok")
			if err != nil {
				t.Fatalf("VerifyURL: %v", err)
			}
			if rep.SignatureOK != tt.sigOK || rep.Files != 4 || rep.OK != 4-len(tt.bad) || !slices.Equal(rep.Bad, tt.bad) {
				t.Errorf("report %+v\nwant signature OK %v, problems %v", rep, tt.sigOK, tt.bad)
			}
			if pass := tt.sigOK && tt.bad == nil; rep.Passed() != pass {
				t.Errorf("Passed() = %v, want %v", rep.Passed(), pass)
			}
			for _, h := range srv.Hits("/") {
				if h.Auth != "Bearer tok" {
					t.Errorf("%s asked without the token", h.Path)
				}
			}
		})
	}
	srv := serve(t, MustTree(t, r))
	for _, name := range []string{"absent-r1", "../etc"} {
		if rep, err := mirror.VerifyURL(ctx, nil, key.PublicKey(), srv.URL, name, ""); err == nil || rep.Passed() {
			t.Errorf("VerifyURL(%q) = %+v, %v; want an error", name, rep, err)
		}
	}
}

// TestMinisignAccepts checks that the reference minisign tool verifies the
// manifests these tests write, and refuses a changed one.
func TestMinisignAccepts(t *testing.T) {
	bin, err := exec.LookPath("minisign")
	if err != nil {
		t.Skip("minisign not installed")
	}
	key := MustKey(t)
	r := verifyRelease(t, key)
	dir := MustFolder(t, r)
	pub := filepath.Join(t.TempDir(), release.PublicKeyFile)
	mustWrite(t, pub, key.PublicKeyText())
	run := func() (string, error) {
		cmd := exec.Command(bin, "-Vm", release.ManifestName, "-p", pub)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	out, err := run()
	if err != nil {
		t.Fatalf("minisign -V: %v\n%s", err, out)
	}
	if !strings.Contains(out, "release:verify-r1") || !strings.Contains(out, release.Digest(r.raw)) {
		t.Errorf("minisign did not print the trusted comment:\n%s", out)
	}
	flipFileByte(t, filepath.Join(dir, release.ManifestName))
	if out, err := run(); err == nil {
		t.Errorf("minisign accepted a changed manifest:\n%s", out)
	}
}
