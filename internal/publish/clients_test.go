package publish_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// needTool skips the test when a client program is not installed.
func needTool(t *testing.T, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			t.Skipf("%s is not installed", n)
		}
	}
}

// run runs a program in dir with no proxy and no user configuration.
func run(t *testing.T, dir, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	home := t.TempDir()
	empty := filepath.Join(home, "empty")
	os.WriteFile(empty, nil, 0o644)
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch strings.ToLower(k) {
		case "http_proxy", "https_proxy", "all_proxy", "no_proxy", "home", "wgetrc", "curl_home":
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, "HOME="+home, "WGETRC="+empty, "CURL_HOME="+home, "LC_ALL=C.UTF-8")
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func mustRun(t *testing.T, dir, name string, args ...string) string {
	t.Helper()
	out, err := run(t, dir, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

func sameFile(t *testing.T, file string, want []byte) {
	t.Helper()
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(got) != sha256.Sum256(want) {
		t.Errorf("%s: %d bytes, sha256 differs from the original (%d bytes)", file, len(got), len(want))
	}
}

// TestResume cuts a download in half and lets each real client finish it
// from where it stopped, with a Range request the server honours.
func TestResume(t *testing.T) {
	f := newFixture(t)
	want := f.data(pubRel, bigPath)
	urlPath := "/files/" + pubRel + "/" + bigPath
	half := len(want) / 2
	for _, c := range []struct {
		tool string
		args func(dir, out, url string) []string
	}{
		{"curl", func(dir, out, url string) []string { return []string{"-q", "-sS", "-f", "-C", "-", "-o", out, url} }},
		{"wget", func(dir, out, url string) []string { return []string{"-q", "-c", url} }},
		{"aria2c", func(dir, out, url string) []string {
			return []string{"--no-conf", "-q", "-c", "-x1", "-s1", "--auto-file-renaming=false", "-d", dir, "-o", filepath.Base(out), url}
		}},
	} {
		t.Run(c.tool, func(t *testing.T) {
			needTool(t, c.tool)
			dir := t.TempDir()
			out := filepath.Join(dir, bigPath)
			if err := os.WriteFile(out, want[:half], 0o644); err != nil {
				t.Fatal(err)
			}
			before := len(f.rangesSeen(urlPath))
			mustRun(t, dir, c.tool, c.args(dir, out, f.srv.URL+urlPath)...)
			sameFile(t, out, want)
			// It asked only for the rest (aria2c starts at the block
			// boundary before the cut).
			seen := f.rangesSeen(urlPath)[before:]
			var start int
			if len(seen) > 0 {
				s, _, _ := strings.Cut(strings.TrimPrefix(seen[0], "bytes="), "-")
				start, _ = strconv.Atoi(s)
			}
			if len(seen) == 0 || start <= 0 || start > half {
				t.Errorf("%s sent Range %q, want bytes=N- with 0 < N <= %d", c.tool, seen, half)
			}
		})
	}
}

// TestRangeHeaders checks the headers of /files/ and that If-Range with
// another ETag gets the whole file.
func TestRangeHeaders(t *testing.T) {
	f := newFixture(t)
	want := f.data(pubRel, reportPath)
	p := "/files/" + pubRel + "/" + escPath(reportPath)
	full := f.mustGet(t, "", p)
	if !bytes.Equal(full.body, want) {
		t.Fatal("body differs")
	}
	etag := full.header.Get("ETag")
	sum := sha256.Sum256(want)
	for k, v := range map[string]string{
		"ETag":                    `"` + hexs(sum[:]) + `"`,
		"Accept-Ranges":           "bytes",
		"Content-Type":            "application/octet-stream",
		"Content-Disposition":     `attachment; filename="report 2019.pdf"`,
		"X-Content-Type-Options":  "nosniff",
		"Content-Security-Policy": "default-src 'none'; sandbox",
		"Cache-Control":           "public, max-age=3600, immutable",
		"Last-Modified":           f.rels[pubRel].Created.UTC().Format(http.TimeFormat),
	} {
		if got := full.header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	part := f.get(t, "", p, "Range", "bytes=100-", "If-Range", etag)
	if part.status != http.StatusPartialContent || !bytes.Equal(part.body, want[100:]) {
		t.Errorf("If-Range with the ETag: %d, %d bytes", part.status, len(part.body))
	}
	wrong := f.get(t, "", p, "Range", "bytes=100-", "If-Range", `"0000"`)
	if wrong.status != http.StatusOK || !bytes.Equal(wrong.body, want) {
		t.Errorf("If-Range with another ETag: %d, %d bytes, want 200 and the whole file", wrong.status, len(wrong.body))
	}
	notMod := f.get(t, "", p, "If-None-Match", etag)
	if notMod.status != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", notMod.status)
	}
	// A limited release's files are private to the reader.
	lim := f.mustGet(t, "journalist", "/files/"+limRel+"/memo.txt")
	if cc := lim.header.Get("Cache-Control"); cc != "private, no-transform" {
		t.Errorf("limited file Cache-Control %q", cc)
	}
	uni := f.mustGet(t, "", "/files/"+pubRel+"/"+escPath("docs/ünïcødé/Ärger – ÄÖÜ.txt"))
	if cd := uni.header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''%C3%84rger%20%E2%80%93%20%C3%84%C3%96%C3%9C.txt") {
		t.Errorf("Content-Disposition %q", cd)
	}
}

func hexs(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// TestWgetMirror mirrors /files/NAME/ with wget -r and compares the tree
// with the release, byte for byte.
func TestWgetMirror(t *testing.T) {
	needTool(t, "wget")
	f := newFixture(t)
	dir := t.TempDir()
	mustRun(t, dir, "wget", "-q", "-r", "-np", "-nH", "--cut-dirs=2", "-e", "robots=off",
		"-P", "tree", f.srv.URL+"/files/"+pubRel+"/")
	root := filepath.Join(dir, "tree")
	want := map[string][]byte{}
	for _, fl := range f.files[pubRel] {
		want[fl.path] = fl.data
	}
	got := map[string]bool{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if _, ok := want[rel]; !ok {
			if filepath.Base(rel) != "index.html" {
				t.Errorf("wget made %q, not in the release", rel)
			}
			return nil
		}
		got[rel] = true
		sameFile(t, p, want[rel])
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range want {
		if !got[p] {
			t.Errorf("wget did not fetch %q", p)
		}
	}
}

// TestMinisign checks what /releases/NAME/ serves with minisign itself.
func TestMinisign(t *testing.T) {
	needTool(t, "minisign")
	f := newFixture(t)
	dir := t.TempDir()
	for _, name := range []string{"manifest.json", "manifest.json.minisig"} {
		os.WriteFile(filepath.Join(dir, name), f.mustGet(t, "", "/releases/"+pubRel+"/"+name).body, 0o644)
	}
	os.WriteFile(filepath.Join(dir, "archive.pub"), f.mustGet(t, "", "/releases/archive.pub").body, 0o644)
	out := mustRun(t, dir, "minisign", "-Vm", "manifest.json", "-p", "archive.pub")
	if !strings.Contains(out, "release:"+pubRel) {
		t.Errorf("minisign output lacks the trusted comment: %s", out)
	}
	// And it does fail on a changed manifest.
	b, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	os.WriteFile(filepath.Join(dir, "manifest.json"), bytes.Replace(b, []byte(pubRel), []byte("pub-r9"), 1), 0o644)
	if out, err := run(t, dir, "minisign", "-Vm", "manifest.json", "-p", "archive.pub"); err == nil {
		t.Errorf("minisign accepted a changed manifest: %s", out)
	}
}

// TestUnpackAndCheck downloads NAME.tar and NAME.zip with curl, unpacks
// them with tar and unzip, and runs minisign and sha256sum -c in each.
func TestUnpackAndCheck(t *testing.T) {
	needTool(t, "curl", "sha256sum")
	f := newFixture(t)
	pub := filepath.Join(t.TempDir(), "archive.pub")
	os.WriteFile(pub, f.mustGet(t, "", "/releases/archive.pub").body, 0o644)
	for _, c := range []struct {
		ext    string
		unpack []string
	}{
		{"tar", []string{"tar", "-xf", "../" + pubRel + ".tar"}},
		{"zip", []string{"unzip", "-q", "../" + pubRel + ".zip"}},
	} {
		t.Run(c.ext, func(t *testing.T) {
			needTool(t, c.unpack[0])
			dir := t.TempDir()
			mustRun(t, dir, "curl", "-q", "-sS", "-f", "-O", f.srv.URL+"/releases/"+pubRel+"/"+pubRel+"."+c.ext)
			x := filepath.Join(dir, "x")
			os.Mkdir(x, 0o755)
			mustRun(t, x, c.unpack[0], c.unpack[1:]...)
			out := mustRun(t, x, "sha256sum", "-c", "--strict", "SHA256SUMS")
			if n := strings.Count(out, ": OK\n"); n != len(f.files[pubRel]) {
				t.Errorf("sha256sum -c: %d OK, want %d:\n%s", n, len(f.files[pubRel]), out)
			}
			for _, fl := range f.files[pubRel] {
				sameFile(t, filepath.Join(x, pubRel, filepath.FromSlash(fl.path)), fl.data)
			}
			if _, err := exec.LookPath("minisign"); err == nil {
				mustRun(t, x, "minisign", "-Vm", "manifest.json", "-p", pub)
			}
			fi, err := os.Stat(filepath.Join(x, pubRel, "README.txt"))
			if err != nil {
				t.Fatal(err)
			}
			if !fi.ModTime().Equal(f.rels[pubRel].Created) || fi.Mode().Perm() != 0o644 {
				t.Errorf("README.txt: modified %v, mode %v", fi.ModTime(), fi.Mode())
			}
		})
	}
}
