package release_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/release"
)

func sample() *release.Manifest {
	one, two := archive.Hash([]byte("one")), archive.Hash([]byte("two"))
	return &release.Manifest{
		Name: "leak-r1", Archive: "https://archive.example", Created: time.Date(2026, 11, 28, 10, 0, 0, 5, time.UTC), Level: "public",
		Dataset: release.ManifestDataset{Slug: "leak", Title: "Leak <one> & \"two\"", Countries: []string{"US"}},
		Files: []release.ManifestFile{
			{Path: "z/two.txt", Size: 3, SHA256: two.String(), Item: 2},
			{Path: "a one.txt", Size: 3, SHA256: one.String(), Item: 1},
		},
	}
}

func TestEncodeParse(t *testing.T) {
	m := sample()
	raw, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if m.Files[0].Path != "a one.txt" || m.FileCount != 2 || m.TotalSize != 6 || m.Format != release.Format {
		t.Errorf("Encode did not sort and count: %+v", m)
	}
	if !bytes.Contains(raw, []byte(`"Leak <one> & \"two\""`)) {
		t.Errorf("HTML escaping in manifest: %s", raw)
	}
	again, err := release.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	raw2, _ := again.Encode()
	if !bytes.Equal(raw, raw2) {
		t.Errorf("not canonical:\n%s\n%s", raw, raw2)
	}
	want := m.Files[0].SHA256 + "  leak-r1/a one.txt\n" + m.Files[1].SHA256 + "  leak-r1/z/two.txt\n"
	if got := string(m.Sums()); got != want {
		t.Errorf("Sums = %q, want %q", got, want)
	}
}

func TestValidate(t *testing.T) {
	bad := map[string]func(m *release.Manifest){
		"traversal":        func(m *release.Manifest) { m.Files[0].Path = "../etc/passwd" },
		"inner traversal":  func(m *release.Manifest) { m.Files[0].Path = "a/../../b" },
		"absolute":         func(m *release.Manifest) { m.Files[0].Path = "/etc/passwd" },
		"backslash":        func(m *release.Manifest) { m.Files[0].Path = `..\x` },
		"empty element":    func(m *release.Manifest) { m.Files[0].Path = "a//b" },
		"dot":              func(m *release.Manifest) { m.Files[0].Path = "./a" },
		"duplicate":        func(m *release.Manifest) { m.Files[1].Path = m.Files[0].Path },
		"file and folder":  func(m *release.Manifest) { m.Files[1].Path = "z/two.txt/x" },
		"bad hash":         func(m *release.Manifest) { m.Files[0].SHA256 = "abc" },
		"bad name":         func(m *release.Manifest) { m.Name = "../x" },
		"private":          func(m *release.Manifest) { m.Level = "private" },
		"negative size":    func(m *release.Manifest) { m.Files[0].Size = -1 },
		"bad dataset slug": func(m *release.Manifest) { m.Dataset.Slug = "A B" },
	}
	for name, mut := range bad {
		m := sample()
		mut(m)
		if _, err := m.Encode(); archive.ErrorCode(err) != archive.EInvalid {
			t.Errorf("%s: Encode err = %v, want invalid", name, err)
		}
	}
	// Counts are checked on parse: a manifest whose totals lie is refused.
	m := sample()
	raw, _ := m.Encode()
	lied := bytes.Replace(raw, []byte(`"total_size": 6`), []byte(`"total_size": 7`), 1)
	if _, err := release.Parse(lied); err == nil {
		t.Error("Parse accepted a wrong total")
	}
	if _, err := release.Parse([]byte(`{"format":"trove-release/2"}`)); err == nil {
		t.Error("Parse accepted another format")
	}
}

// TestSignatureMinisign: what trove signs, the minisign tool verifies, and
// what trove verifies fails on any change.
func TestSignatureMinisign(t *testing.T) {
	dir := t.TempDir()
	key, created, err := release.LoadOrCreateKey(filepath.Join(dir, "keys"))
	if err != nil || !created {
		t.Fatal(err, created)
	}
	again, created, err := release.LoadOrCreateKey(filepath.Join(dir, "keys"))
	if err != nil || created || again.PublicKey() != key.PublicKey() {
		t.Fatalf("reload: %v %v", err, created)
	}
	if fi, err := os.Stat(filepath.Join(dir, "keys", release.SecretKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("secret key mode: %v %v", fi.Mode(), err)
	}
	m := sample()
	raw, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	sig := key.Sign(m, raw)
	if _, err := release.Verify(key.PublicKey(), raw, sig); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if _, err := release.Verify(string(key.PublicKeyText()), raw, sig); err != nil {
		t.Fatalf("Verify with key file text: %v", err)
	}
	tampered := bytes.Replace(raw, []byte("a one.txt"), []byte("a two.txt"), 1)
	if _, err := release.Verify(key.PublicKey(), tampered, sig); err != release.ErrBadSignature {
		t.Errorf("tampered manifest: %v", err)
	}
	other, _, _ := release.LoadOrCreateKey(filepath.Join(dir, "other"))
	if _, err := release.Verify(other.PublicKey(), raw, sig); err != release.ErrBadSignature {
		t.Errorf("other key: %v", err)
	}

	if _, err := exec.LookPath("minisign"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("minisign not installed (scripts/deps.sh installs it)")
		}
		t.Skip("minisign not installed: apt-get install minisign")
	}
	os.WriteFile(filepath.Join(dir, release.ManifestName), raw, 0o644)
	os.WriteFile(filepath.Join(dir, release.SignatureName), sig, 0o644)
	out, err := exec.Command("minisign", "-V", "-m", filepath.Join(dir, release.ManifestName), "-p", filepath.Join(dir, "keys", release.PublicKeyFile)).CombinedOutput()
	if err != nil {
		t.Fatalf("minisign -V: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "release:leak-r1") {
		t.Errorf("minisign did not show the trusted comment: %s", out)
	}
	out, err = exec.Command("minisign", "-V", "-m", filepath.Join(dir, release.ManifestName), "-P", other.PublicKey()).CombinedOutput()
	if err == nil {
		t.Errorf("minisign accepted another key: %s", out)
	}
	os.WriteFile(filepath.Join(dir, release.ManifestName), tampered, 0o644)
	if out, err := exec.Command("minisign", "-V", "-m", filepath.Join(dir, release.ManifestName), "-P", key.PublicKey()).CombinedOutput(); err == nil {
		t.Errorf("minisign accepted a tampered manifest: %s", out)
	}
}

func FuzzParse(f *testing.F) {
	raw, _ := sample().Encode()
	f.Add(raw)
	f.Add([]byte(`{"format":"trove-release/1","name":"a","level":"public","dataset":{"slug":"a"},"files":[{"path":"../x","size":1,"sha256":"00"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := release.Parse(b)
		if err != nil {
			return
		}
		for _, f := range m.Files {
			if !release.ValidPath(f.Path) || strings.Contains(f.Path, "..") && strings.Contains("/"+f.Path+"/", "/../") {
				t.Fatalf("accepted unsafe path %q", f.Path)
			}
		}
		if _, err := m.Encode(); err != nil {
			t.Fatalf("parsed manifest does not re-encode: %v", err)
		}
	})
}

func TestValidNameAndPath(t *testing.T) {
	for _, n := range []string{"index.json", "feed.rss", "archive.pub", "A", "-x", "a..b", ""} {
		if release.ValidName(n) {
			t.Errorf("ValidName(%q) = true", n)
		}
	}
	for _, p := range []string{"a\nb", "a\x00", "tab\there", "a\\b"} {
		if release.ValidPath(p) {
			t.Errorf("ValidPath(%q) = true", p)
		}
	}
	for _, p := range []string{"a b/c#?%.txt", "ünï/コード.pdf"} {
		if !release.ValidPath(p) {
			t.Errorf("ValidPath(%q) = false", p)
		}
	}
}
