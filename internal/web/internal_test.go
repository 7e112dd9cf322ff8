package web

import (
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
)

func TestSnippetHTML(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a \x02b\x03 c", "a <mark>b</mark> c"},
		{"<script>\x02alert\x03(1)</script>", "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;"},
		{"\x02open", "<mark>open</mark>"},
		{"stray\x03 \x02x\x02y\x03", "stray <mark>xy</mark>"},
		{`"q" & 'a'`, "&#34;q&#34; &amp; &#39;a&#39;"},
	}
	for _, tt := range tests {
		if got := string(snippetHTML(tt.in)); got != tt.want {
			t.Errorf("snippetHTML(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTextWindow(t *testing.T) {
	// Views of any size, over text written in pieces of any size, add up
	// to the text, each cut at character boundaries.
	text := strings.Repeat("aé東\f😀b", 50)
	for size := int64(1); size < 20; size++ {
		for piece := 1; piece < 9; piece++ {
			var all strings.Builder
			breaks := 0
			for start := int64(0); start < int64(len(text)); start += size {
				w := newTextWindow(start, size)
				for i := 0; i < len(text); i += piece {
					w.Write([]byte(text[i:min(i+piece, len(text))]))
				}
				if w.total != int64(len(text)) {
					t.Fatalf("total %d", w.total)
				}
				v := w.text()
				if !isValid(v) {
					t.Fatalf("size %d piece %d start %d: view %q is not valid UTF-8", size, piece, start, v)
				}
				if w.breaks != strings.Count(text[:start], "\f") {
					t.Fatalf("breaks %d at %d", w.breaks, start)
				}
				breaks += strings.Count(v, "\f")
				all.WriteString(v)
			}
			if all.String() != text {
				t.Fatalf("size %d piece %d: views add up to %q", size, piece, all.String())
			}
			if breaks != 50 {
				t.Fatalf("breaks %d", breaks)
			}
		}
	}
}

func isValid(s string) bool { return strings.ToValidUTF8(s, "\uFFFD") == s }

func TestAttachment(t *testing.T) {
	tests := []struct{ in, want string }{
		{"report.pdf", `attachment; filename="report.pdf"`},
		{`a"b;c%.txt`, `attachment; filename="a_b_c_.txt"; filename*=UTF-8''a%22b%3Bc%25.txt`},
		{"Müller ü.pdf", `attachment; filename="M_ller _.pdf"; filename*=UTF-8''M%C3%BCller%20%C3%BC.pdf`},
		{"../../etc/passwd", `attachment; filename=".._.._etc_passwd"`},
		{"a\r\nb", `attachment; filename="a__b"`},
		{"", `attachment; filename="download"`},
	}
	for _, tt := range tests {
		if got := attachment(tt.in); got != tt.want {
			t.Errorf("attachment(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "/account",
		"/datasets/x":           "/datasets/x",
		"/search?q=a":           "/search?q=a",
		"//evil.example/":       "/account",
		`/\evil.example`:        "/account",
		"https://evil.example/": "/account",
		"javascript:alert(1)":   "/account",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMissingTemplate(t *testing.T) {
	saved := pages
	defer func() { pages = saved }()
	pages = append(append([]string(nil), saved...), "no-such-page")
	if _, err := parseTemplates(); err == nil || !strings.Contains(err.Error(), "no-such-page") {
		t.Fatalf("parseTemplates with a missing page: %v", err)
	}
}

// TestFacetsShownOnPage: the page lists the most frequent values of each
// facet, plus the active one wherever it ranks, with links that add or
// remove its filter.
func TestFacetsShownOnPage(t *testing.T) {
	var years []archive.FacetCount
	for y := 2000; y < 2030; y++ {
		years = append(years, archive.FacetCount{Value: strconv.Itoa(y), Count: int64(3000 - y)})
	}
	r := httptest.NewRequest("GET", "/search?q=report+date:2029", nil)
	gs := facets(r, "report date:2029", "", map[string][]archive.FacetCount{"year": years})
	if len(gs) != 1 || len(gs[0].Values) != facetShown+1 {
		t.Fatalf("groups %+v", gs)
	}
	last := gs[0].Values[facetShown]
	if last.Label != "2029" || !last.Active || !strings.Contains(last.URL, "q=report&") && !strings.HasSuffix(last.URL, "q=report") {
		t.Errorf("active value: %+v", last)
	}
	if first := gs[0].Values[0]; first.Label != "2000" || first.Active || !strings.Contains(first.URL, "date%3A2000") {
		t.Errorf("first value: %+v", first)
	}
}
