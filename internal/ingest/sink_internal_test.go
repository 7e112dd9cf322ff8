package ingest

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
)

func TestCutPoint(t *testing.T) {
	cases := []struct {
		name string
		text string
		n    int
		want int
	}{
		{"page break in the second half wins over a later newline", "aaaaaaaaa\fbb\ncc dd", 16, 10},
		{"page break too early: the newline", "aaaa\fbbbb\ncccc dd", 16, 10},
		{"newline", "aaaaaaa bbbbbb\ncc", 16, 15},
		{"space", "aaaaaaaaaa bbbbbbbbbb", 16, 11},
		{"no separator in the second half: cut at n", "a\nbbbbbbbbbbbbbbbbbbbb", 16, 16},
	}
	for _, c := range cases {
		if got := cutPoint([]byte(c.text), c.n); got != c.want {
			t.Errorf("%s: cutPoint = %d, want %d", c.name, got, c.want)
		}
	}
	// Never inside a multi-byte character.
	text := []byte(strings.Repeat("ü", 40))
	for n := 2; n < len(text); n++ {
		cut := cutPoint(text, n)
		if cut > n || !utf8.Valid(text[:cut]) {
			t.Fatalf("n=%d: cut %d splits a character or exceeds n", n, cut)
		}
	}
}

func TestCleanMember(t *testing.T) {
	cases := map[string]string{
		"../../etc/passwd":    "etc/passwd",
		"/abs/path.txt":       "abs/path.txt",
		`C:\Docs\x.exe`:       "C:/Docs/x.exe",
		"a/./b//c.txt":        "a/b/c.txt",
		"ok.txt":              "ok.txt",
		"bad\xffname.txt":     "bad\uFFFDname.txt",
		"dir/../../../up.txt": "up.txt",
		"":                    "",
	}
	for in, want := range cases {
		if got := cleanMember(in); got != want {
			t.Errorf("cleanMember(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestBudget: a shared expansion budget stops every reader that draws from
// it once it is spent.
func TestBudget(t *testing.T) {
	b := newBudget(100)
	r1 := &budgetReader{r: bytes.NewReader(make([]byte, 60)), b: b}
	if n, err := r1.Read(make([]byte, 60)); n != 60 || err != nil {
		t.Fatalf("first read: %d %v", n, err)
	}
	r2 := &budgetReader{r: bytes.NewReader(make([]byte, 60)), b: b}
	if _, err := r2.Read(make([]byte, 60)); err == nil || !r2.exceeded {
		t.Fatalf("second read past the budget: err %v, exceeded %v", err, r2.exceeded)
	}
}

// TestMetaText: file name, title, author and addresses are searchable.
func TestMetaText(t *testing.T) {
	got := metaText("a.pdf", &metaForTest)
	for _, want := range []string{"a.pdf", "Title", "Ann Author", "alice@example.org", "bob@example.org"} {
		if !strings.Contains(got, want) {
			t.Errorf("metaText lacks %q: %q", want, got)
		}
	}
}

type (
	archiveMeta  = archive.Meta
	archiveEmail = archive.Email
)

var metaForTest = func() (m archiveMeta) {
	m.Title, m.Author = "Title", "Ann Author"
	m.Email = &archiveEmail{From: "alice@example.org", To: []string{"bob@example.org"}}
	return m
}()
