package mirror_test

import (
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/trove-archive/trove/internal/mirror"
	"github.com/trove-archive/trove/internal/release"
)

func mustRead(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestParseIndex(t *testing.T) {
	entries, err := mirror.ParseIndex(mustRead(t, "testdata/index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name)
	}
	if want := []string{"blueleaks-r1", "limited-r2"}; !slices.Equal(names, want) {
		t.Fatalf("names %v, want %v", names, want)
	}
	if got := entries[0].ManifestSHA256; got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("digest %q, want it in lower case", got)
	}
	if !entries[0].Complete || entries[0].Files != 3 || entries[0].Title != "BlueLeaks" {
		t.Errorf("entry %+v", entries[0])
	}
	if entries[1].ManifestSHA256 != "" {
		t.Errorf("a bad digest was kept: %q", entries[1].ManifestSHA256)
	}
	for _, bad := range []string{``, `[]`, `{"releases":{}}`, `{"releases":[`} {
		if _, err := mirror.ParseIndex([]byte(bad)); err == nil {
			t.Errorf("ParseIndex(%q) accepted", bad)
		}
	}
}

func TestParseMirrors(t *testing.T) {
	got, err := mirror.ParseMirrors(mustRead(t, "testdata/mirrors.json"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"https://mirror.example.org", "http://[2001:db8::1]:8080/trove"}
	if !slices.Equal(got, want) {
		t.Errorf("ParseMirrors = %q, want %q", got, want)
	}
}

func TestNormalizeURL(t *testing.T) {
	tests := []struct{ in, want string }{
		{"HTTP://Example.ORG/a/b/", "http://example.org/a/b"},
		{"https://example.org", "https://example.org"},
		{"https://example.org:8443//", "https://example.org:8443"},
		{"ftp://example.org", ""},
		{"https://u@example.org", ""},
		{"https://example.org/?q", ""},
		{"https://example.org/#f", ""},
		{"javascript:alert(1)", ""},
		{"//example.org", ""},
		{"example.org", ""},
		{"", ""},
	}
	for _, tt := range tests {
		got, ok := mirror.NormalizeURL(tt.in)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("NormalizeURL(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

func FuzzParseIndex(f *testing.F) {
	f.Add(mustRead(f, "testdata/index.json"))
	f.Add([]byte(`{"releases":[{"name":"a"},{"name":"a"},{"name":"A"}]}`))
	f.Add([]byte(`{"releases":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		entries, err := mirror.ParseIndex(b)
		if err != nil {
			return
		}
		seen := map[string]bool{}
		for _, e := range entries {
			if !release.ValidName(e.Name) || seen[e.Name] {
				t.Fatalf("bad or repeated name %q", e.Name)
			}
			seen[e.Name] = true
			if e.ManifestSHA256 != "" && !hexDigest.MatchString(e.ManifestSHA256) {
				t.Fatalf("bad digest %q", e.ManifestSHA256)
			}
		}
	})
}

func FuzzParseMirrors(f *testing.F) {
	f.Add(mustRead(f, "testdata/mirrors.json"))
	f.Add([]byte(`{"mirrors":[{"url":"http://a/"},{"url":"http://A"}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		urls, err := mirror.ParseMirrors(b)
		if err != nil {
			return
		}
		if len(urls) > mirror.MaxMirrors {
			t.Fatalf("%d mirrors", len(urls))
		}
		seen := map[string]bool{}
		for _, u := range urls {
			again, ok := mirror.NormalizeURL(u)
			if !ok || again != u || seen[u] {
				t.Fatalf("mirror %q: normalises to %q, %v; repeated %v", u, again, ok, seen[u])
			}
			seen[u] = true
		}
	})
}
