package html_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/html"
)

// sink collects what the extractor produces.
type sink struct {
	bytes.Buffer
	meta archive.Meta
}

func (s *sink) Meta() *archive.Meta { return &s.meta }
func (s *sink) Expect(int)          {}
func (s *sink) Child(_ context.Context, _ extract.ChildInfo, r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
func (s *sink) ChildFailed(extract.ChildInfo, error) {}
func (s *sink) Passwords() []string                  { return nil }

func TestText(t *testing.T) {
	tests := []struct {
		name, in, declared string
		text, title        string
	}{
		{"blocks", "<html><head><title>T</title></head><body><h1>Head</h1><p>One</p><p>Two</p></body></html>", "",
			"Head\nOne\nTwo\n", "T"},
		{"inline words", "<p>W<b>or</b>d and <i>more</i> words, <a href=x>link</a>.</p>", "", "Word and more words, link.\n", ""},
		{"white space", "<p>  lots   of\n\n space  </p>", "", "lots of space\n", ""},
		{"invisible", "<p>a<script>var x = '<p>no</p>';</script><style>p{}</style><noscript>ns</noscript>b</p><svg><title>s</title><text>t</text></svg>", "", "ab\n", ""},
		{"table", "<table><tr><td>a</td><td>b</td></tr><tr><th>c</th><td>d</td></tr></table>", "", "a\tb\nc\td\n", ""},
		{"entities", "<p>Fish &amp; chips &eacute; &#233; &lt;tag&gt;</p>", "", "Fish & chips é é <tag>\n", ""},
		{"first title", "<title>One</title><title>Two</title>x", "", "x", "One"},
		{"title white space", "<title>\n  A   title\n</title>", "", "", "A title"},
		{"unclosed title", "<title>Not closed, the text follows", "", "Not closed, the text follows", ""},
		{"options", "<select><option>one</option><option>two</option></select>", "", "one two", ""},
		{"br", "a<br>b<br/>c", "", "a\nb\nc", ""},
		{"declared charset", "<p>caf\xe9</p>", "iso-8859-1", "café\n", ""},
		{"utf-8 guess", "<p>caf\xc3\xa9</p>", "", "café\n", ""},
		{"windows-1252 guess", "<p>caf\xe9 \x93q\x94</p>", "", "café “q”\n", ""},
		{"meta charset", `<meta charset="windows-1251"><p>` + "\xcf\xf0\xe8\xe2\xe5\xf2</p>", "", "Привет\n", ""},
		{"meta http-equiv", `<meta http-equiv="Content-Type" content="text/html; charset=koi8-r"><p>` + "\xf0\xd2\xc9\xd7\xc5\xd4</p>", "", "Привет\n", ""},
		{"meta late", "<script>" + strings.Repeat("// padding\n", 200) + `</script><meta charset="windows-1251"><p>` + "\xcf\xf0\xe8</p>", "", "При\n", ""},
		{"meta utf-8 lies", `<meta charset="utf-8"><p>caf` + "\xe9</p>", "", "café\n", ""},
		{"utf-8 bom", "\xEF\xBB\xBF<p>x</p>", "", "x\n", ""},
		{"utf-16le bom", "\xFF\xFE<\x00p\x00>\x00\xe9\x00", "", "é", ""},
		{"empty", "", "", "", ""},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		title, err := html.Text(strings.NewReader(tt.in), tt.declared, &out)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if out.String() != tt.text {
			t.Errorf("%s: text %q, want %q", tt.name, out.String(), tt.text)
		}
		if title != tt.title {
			t.Errorf("%s: title %q, want %q", tt.name, title, tt.title)
		}
	}
}

func TestExtractMeta(t *testing.T) {
	p := filepath.Join(t.TempDir(), "a.html")
	doc := `<html><head><meta name="Author" content="Ann  A."><meta name="keywords" content="a, b">` +
		`<meta name="description" content="About it"><meta name="generator" content="Gen 1.0">` +
		`<meta name="title" content="Meta title"></head><body>x</body></html>`
	if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	var s sink
	if err := html.New().Extract(context.Background(), extract.Input{Path: p}, &s); err != nil {
		t.Fatal(err)
	}
	m := s.meta
	if m.Title != "Meta title" || m.Author != "Ann A." || m.Keywords != "a, b" || m.Creator != "Gen 1.0" || m.Extra["description"] != "About it" {
		t.Errorf("meta %+v", m)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := html.New().Extract(ctx, extract.Input{Path: p}, &sink{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestCorpus extracts Tika's HTML test files. Expected strings are those
// Tika's own tests assert (peer_assertion_hints in expected.json) where
// they are about visible text, title or metadata; script and style
// content must be absent.
func TestCorpus(t *testing.T) {
	tests := []struct {
		file       string
		title      string
		contains   []string
		absent     []string
		author     string
		keywords   string
		descriptio string
	}{
		{file: "testHTMLBadScript.html", contains: []string{"This is a test"}, absent: []string{"cool"}},
		{file: "testHTML_charset_utf16le.html", title: "Title", contains: []string{"This is a sample text"}, absent: []string{"\ufeff"}},
		{file: "testHTML_embedded_img.html", title: "Title", contains: []string{"some content"}},
		{file: "testXHTML.html", title: "XHTML test document", author: "Tika Developers",
			contains: []string{"ability of Apache Tika", "extract content", "an XHTML document"}, absent: []string{"Licensed to the Apache"}},
		{file: "test_ignore_IBM420.html", contains: []string{"Please check your email"}},
		{file: "testHTML_metadata.html", title: "OldMetaTitle", author: "John Doe", keywords: "HTML,CSS,XML,JavaScript",
			descriptio: "Free Web tutorials", contains: []string{"All meta information goes in the head section..."}},
		{file: "testHTML_metadata_two_titles.html", title: "ActualTitle"},
		{file: "boilerplate.html", title: "Title", contains: []string{"This is the real meat", "This is the end of the text."}},
		{file: "testHTML_utf8.html", title: "Title : Tilte with UTF-8 chars öäå", contains: []string{"Content with UTF-8 chars", "åäö"}},
		{file: "testHTML_head.html", title: "Apache Tika"},
		// windows-1251 declared by a meta tag after 4 KiB of script
		{file: "big-preamble.html", title: `Аренда квартир, снять квартиру, аренда офисов в Москве. Коммерческая недвижимость. Группа компаний "Континент-Недвижимость"`,
			contains: []string{`Агентство недвижимости "Континент-Недвижимость", основано в 1999 году`}, absent: []string{"addToList", "selectedIndex"}},
		// UTF-8 without a declaration, ASCII for its first kilobytes
		{file: "resume.html", contains: []string{"Здравствуйте"}, absent: []string{"#style_", "font-family"}},
		{file: "testHTMLNoisyMetaEncoding_1.html", contains: []string{"وأعرب الاتحاد الجزائري"}},
		{file: "tika434.html", title: "Finger Lakes Vacation Rental | Breezy Cove Wonderful Finger Lakes Honey!", contains: []string{"Bed & Breakfast"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := corpus.File(t, filepath.Join("tika/html", tt.file))
			typ, err := extract.SniffFile(p, tt.file)
			if err != nil || typ.MIME != extract.MIMEHTML {
				t.Fatalf("sniffed %s, %v", typ.MIME, err)
			}
			var s sink
			if err := html.New().Extract(context.Background(), extract.Input{Path: p, Type: typ}, &s); err != nil {
				t.Fatal(err)
			}
			got := s.String()
			if !utf8.ValidString(got) {
				t.Error("text is not UTF-8")
			}
			if s.meta.Title != tt.title {
				t.Errorf("title %q, want %q", s.meta.Title, tt.title)
			}
			for _, want := range tt.contains {
				if !strings.Contains(got, want) {
					t.Errorf("text lacks %q", want)
				}
			}
			for _, no := range tt.absent {
				if strings.Contains(got, no) {
					t.Errorf("text holds %q", no)
				}
			}
			if tt.author != "" && s.meta.Author != tt.author {
				t.Errorf("author %q, want %q", s.meta.Author, tt.author)
			}
			if tt.keywords != "" && s.meta.Keywords != tt.keywords {
				t.Errorf("keywords %q, want %q", s.meta.Keywords, tt.keywords)
			}
			if tt.descriptio != "" && s.meta.Extra["description"] != tt.descriptio {
				t.Errorf("description %q, want %q", s.meta.Extra["description"], tt.descriptio)
			}
		})
	}
}

func FuzzText(f *testing.F) {
	for _, s := range []string{"<p>a<b>b</b></p>", "<title>x", `<meta charset="koi8-r">` + "\xf0", "<script>x</script>y", "\xFF\xFE<\x00"} {
		f.Add([]byte(s), "")
	}
	f.Add([]byte("<p>caf\xe9"), "iso-8859-1")
	if root := corpus.Root(); root != "" {
		files, _ := filepath.Glob(filepath.Join(root, "corpus", "tika", "html", "*.html"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) <= 64<<10 {
				f.Add(b, "")
			}
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, declared string) {
		var out bytes.Buffer
		title, err := html.Text(bytes.NewReader(in), declared, &out)
		if err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(out.Bytes()) || !utf8.ValidString(title) {
			t.Fatalf("not UTF-8: %q / %q", out.Bytes(), title)
		}
	})
}
