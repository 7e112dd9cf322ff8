package rtf_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/rtf"
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

func text(tb testing.TB, doc string) (string, archive.Meta) {
	tb.Helper()
	var out bytes.Buffer
	var m archive.Meta
	if err := rtf.Text(strings.NewReader(doc), &out, &m); err != nil {
		tb.Fatalf("Text(%.40q): %v", doc, err)
	}
	return out.String(), m
}

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain", `{\rtf1\ansi Hello, world.\par Second line.}`, "Hello, world.\nSecond line."},
		{"delimiter space", `{\rtf1 \b bold\b0  text}`, "bold text"},
		{"source newlines ignored", "{\\rtf1 one\r\ntwo\\line three}", "onetwo\nthree"},
		{"escapes", `{\rtf1 \{braces\} \\ back\tab tab}`, "{braces} \\ back\ttab"},
		{"symbols", `{\rtf1 a\~b\_c\-d \emdash \endash \bullet \lquote x\rquote  \ldblquote y\rdblquote}`, "a b-cd —–•‘x’ “y”"},
		{"cp1252 default", `{\rtf1\ansi caf\'e9 \'93q\'94}`, "café “q”"},
		{"ansicpg1250", `{\rtf1\ansi\ansicpg1250 za\'bf\'f3\'b3\'e6}`, "zażółć"},
		{"ansicpg1251", `{\rtf1\ansi\ansicpg1251 \'cf\'f0\'e8\'e2\'e5\'f2}`, "Привет"},
		{"font charset", `{\rtf1\ansi{\fonttbl{\f0 Arial;}{\f1\fcharset204 Arial Cyr;}}\f0 caf\'e9 {\f1 \'cf\'f0\'e8} \'e9}`, "café При é"},
		{"shift-jis", `{\rtf1\ansi\ansicpg932 \'82\'b1\'82\'f1\'82\'c9\'82\'bf\'82\'cd}`, "こんにちは"},
		{"shift-jis ascii trail", `{\rtf1\ansi\ansicpg932 \'83n}`, "ハ"},
		{"font shift-jis", `{\rtf1\ansi{\fonttbl{\f1\fcharset128 MS Mincho;}}{\f1 \'83\'65\'83\'58\'83\'67} ok}`, "テスト ok"},
		{"unicode", `{\rtf1\uc1 \u8364?\u233\'e9 x}`, "€é x"},
		{"unicode uc2", `{\rtf1\uc2 \u12354\'82\'a0!}`, "あ!"},
		{"unicode uc0", `{\rtf1\uc0 \u65 \u66 C}`, "ABC"},
		{"uc scoped", `{\rtf1{\uc2 \u12354??}\u12354?x}`, "ああx"},
		{"surrogate pair", `{\rtf1\uc1 \u-10240?\u-8398?}`, "𐌲"},
		{"lone surrogates", `{\rtf1\uc0 a\u-10240 b\u-9216 c}`, "a\ufffdb\ufffdc"},
		{"negative param", `{\rtf1\uc1 \u-3913?}`, "\uf0b7"},
		{"skip destinations", `{\rtf1{\fonttbl{\f0 Times;}}{\colortbl;\red0;}{\stylesheet{\s0 Normal;}}{\*\unknown hidden}{\info{\title T}}Body}`, "Body"},
		{"pict and bin", "{\\rtf1 a{\\pict\\pngblip 89504e47}b{\\*\\objdata \\bin4 }}{x}c}", "abc"},
		{"bin outside pict", "{\\rtf1 a\\bin3 {}}b}", "ab"},
		{"fields", `{\rtf1 see {\field{\*\fldinst HYPERLINK "http://x"}{\fldrslt the link}} now}`, "see the link now"},
		{"field without star", `{\rtf1 {\field{\fldinst PAGE}{\fldrslt 3}}}`, "3"},
		{"table", `{\rtf1 \trowd a\cell b\cell\row\trowd c\cell d\cell\row}`, "a\tb\t\nc\td\t\n"},
		{"header footnote", `{\rtf1{\header Head}{\footer Foot}Body{\footnote Note.}}`, "HeadFootBodyNote."},
		{"text box", `{\rtf1{\shp{\*\shpinst{\sp{\sn pib}{\sv hex}}{\shptxt Boxed}}{\shprslt{\*\do Boxed}}}}`, "Boxed"},
		{"comment", `{\rtf1 Text{\*\atnid MM}{\*\annotation{\*\atndate 1}Note}}`, "Text\nNote"},
		{"upr", `{\rtf1{\upr{Ansi}{\*\ud{Uni}}}}`, "AnsiUni"},
		{"control symbol newline", "{\\rtf1 a\\\nb}", "a\nb"},
		{"trailing junk", `{\rtf1 in} out`, "in"},
		{"truncated", `{\rtf1 cut {\b here`, "cut here"},
		{"truncated hex", `{\rtf1 a\'e`, "a"},
		{"unbalanced close", `{\rtf1 a}}}`, "a"},
		{"long word", `{\rtf1 \` + strings.Repeat("x", 100) + `1 y}`, "y"},
		{"bom", "\xEF\xBB\xBF{\\rtf1 x}", "x"},
		{"plain resets font", `{\rtf1\ansi\deff0{\fonttbl{\f0 A;}{\f1\fcharset204 C;}}\f1\'e9\plain\'e9}`, "йé"},
		{"mac", `{\rtf1\mac \'8e}`, "é"},
	}
	for _, tt := range tests {
		got, _ := text(t, tt.in)
		if got != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
		}
	}
}

func TestInfo(t *testing.T) {
	doc := `{\rtf1\ansi\ansicpg1252{\info{\title The \'93Title\'94}{\author Ann  Author}{\subject Subj}` +
		`{\keywords k1 k2}{\doccomm A comment}{\operator Op}{\company ACME}` +
		`{\creatim\yr2011\mo8\dy29\hr5\min20}{\revtim\yr2012\mo1\dy2\hr3\min4\sec5}{\nofpages7}{\nofwords70}}` +
		`{\*\generator Msftedit 5.41.21.2509;}Body}`
	got, m := text(t, doc)
	if got != "Body" {
		t.Errorf("text %q", got)
	}
	want := archive.Meta{
		Title: "The “Title”", Author: "Ann Author", Subject: "Subj", Keywords: "k1 k2",
		Creator: "Msftedit 5.41.21.2509", Pages: 7,
		Created:  time.Date(2011, 8, 29, 5, 20, 0, 0, time.UTC),
		Modified: time.Date(2012, 1, 2, 3, 4, 5, 0, time.UTC),
		Extra:    map[string]string{"comments": "A comment", "last_author": "Op", "company": "ACME"},
	}
	if m.Title != want.Title || m.Author != want.Author || m.Subject != want.Subject ||
		m.Keywords != want.Keywords || m.Creator != want.Creator || m.Pages != want.Pages ||
		!m.Created.Equal(want.Created) || !m.Modified.Equal(want.Modified) {
		t.Errorf("meta\n got %+v\nwant %+v", m, want)
	}
	for k, v := range want.Extra {
		if m.Extra[k] != v {
			t.Errorf("Extra[%s] = %q, want %q", k, m.Extra[k], v)
		}
	}
	// a bad date is left out
	_, m = text(t, `{\rtf1{\info{\creatim\yr0\mo0\dy0}}x}`)
	if !m.Created.IsZero() {
		t.Errorf("zero date parsed as %v", m.Created)
	}
	// nil meta is fine
	if err := rtf.Text(strings.NewReader(doc), io.Discard, nil); err != nil {
		t.Error(err)
	}
}

func TestNotRTF(t *testing.T) {
	for _, in := range []string{"", "plain text", "{\\rt", "<html>"} {
		err := rtf.Text(strings.NewReader(in), io.Discard, nil)
		if !errors.Is(err, rtf.ErrNotRTF) || !errors.Is(err, extract.ErrCorrupt) {
			t.Errorf("Text(%q) = %v, want ErrNotRTF (corrupt)", in, err)
		}
	}
}

// TestDeep: nesting far beyond the bounded stack neither fails nor loses
// the text.
func TestDeep(t *testing.T) {
	n := 200000
	doc := `{\rtf1 ` + strings.Repeat("{", n) + "deep" + strings.Repeat("}", n) + " after}"
	got, _ := text(t, doc)
	if got != "deep after" {
		t.Errorf("got %q", got)
	}
	doc = `{\rtf1 a{\*\skipped ` + strings.Repeat("{", n) + "x" + strings.Repeat("}", n) + "} b}"
	if got, _ := text(t, doc); got != "a b" {
		t.Errorf("got %q", got)
	}
}

// TestLarge: a large picture streams by.
func TestLarge(t *testing.T) {
	hex := strings.Repeat("0123456789abcdef", 1<<20) // 16 MiB
	r := io.MultiReader(strings.NewReader(`{\rtf1 before{\pict\pngblip `), strings.NewReader(hex), strings.NewReader(`} after}`))
	var out bytes.Buffer
	if err := rtf.Text(r, &out, nil); err != nil {
		t.Fatal(err)
	}
	if out.String() != "before after" {
		t.Errorf("got %q", out.String())
	}
}

func TestExtractor(t *testing.T) {
	e := rtf.New()
	if e.Name() != "rtf" || len(e.MIMEs()) != 1 || e.MIMEs()[0] != extract.MIMERTF {
		t.Errorf("Name %q MIMEs %v", e.Name(), e.MIMEs())
	}
	p := filepath.Join(t.TempDir(), "a.rtf")
	if err := os.WriteFile(p, []byte(`{\rtf1{\info{\title T}}Hello}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var s sink
	if err := e.Extract(context.Background(), extract.Input{Path: p}, &s); err != nil {
		t.Fatal(err)
	}
	if s.String() != "Hello" || s.meta.Title != "T" {
		t.Errorf("text %q title %q", s.String(), s.meta.Title)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.Extract(ctx, extract.Input{Path: p}, &sink{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	if err := e.Extract(context.Background(), extract.Input{Path: p + "x"}, &sink{}); err == nil {
		t.Error("missing file: want an error")
	}
}

// TestCorpus checks Tika's RTF test files against what Tika's own tests
// assert about them (peer_assertion_hints in the corpus's expected.json).
// Table cells come out tab-separated and rows newline-separated, so, as
// Tika's test does for testRTFVarious, white space is collapsed before
// the table assertions.
func TestCorpus(t *testing.T) {
	tests := []struct {
		file       string
		contains   []string
		normalized []string // asserted after collapsing white space
		check      func(t *testing.T, m archive.Meta, text string)
	}{
		{file: "testRTFVarious.rtf",
			contains: []string{"Footnote appears here", "This is a footnote.", "This is the header text.",
				"This is the footer text.", "Here is a text box", "Bold", "italic", "underline", "superscript",
				"subscript", "Here is a citation:", "Figure 1 This is a caption for Figure 1", "(Kramer)",
				"This is a hyperlink", "Here is a list:", "Bullet 1", "Bullet 3", "Here is a numbered list:",
				"Number bullet 1", "Number bullet 3", "Keyword1 Keyword2", "Subject is here"},
			normalized: []string{"Row 1 Col 1 Row 1 Col 2 Row 1 Col 3 Row 2 Col 1 Row 2 Col 2 Row 2 Col 3",
				"Row 1 column 1 Row 2 column 1 Row 1 column 2 Row 2 column 2"},
			check: func(t *testing.T, m archive.Meta, _ string) {
				if m.Subject != "Subject is here" || m.Keywords != "Keyword1 Keyword2" {
					t.Errorf("subject %q keywords %q", m.Subject, m.Keywords)
				}
			}},
		{file: "testRTF-ms932.rtf", contains: []string{"こんにちは"},
			check: func(t *testing.T, m archive.Meta, _ string) {
				if m.Title != "タイトル" {
					t.Errorf("title %q", m.Title)
				}
			}},
		{file: "testRTFJapanese.rtf", contains: []string{"（ＧＨＱ）", "東京都三鷹市"},
			check: func(t *testing.T, m archive.Meta, text string) {
				if m.Title != "ゾルゲと尾崎、淡々と最期" || m.Author != "VMazel" || m.Extra["comments"] != "StarWriter" {
					t.Errorf("title %q author %q comments %q", m.Title, m.Author, m.Extra["comments"])
				}
				if n := utf8.RuneCountInString(text); n <= 500 {
					t.Errorf("%d characters, want > 500", n)
				}
			}},
		{file: "testRTFInvalidUnicode.rtf",
			contains: []string{"Unpaired hi \ufffd here", "Unpaired lo \ufffd here", "Mismatched pair \ufffd\ufffd here"}},
		{file: "testRTFTableCellSeparation.rtf", normalized: []string{"a b c d \u00E4 \u00EB \u00F6 \u00FC"}},
		{file: "testRTFUmlautSpaces.rtf", contains: []string{"\u00DCbersicht"}},
		{file: "testRTFUnicodeGothic.rtf", contains: []string{"\U00010332\U0001033f\U00010344\U00010339\U00010343\U0001033A"}},
		{file: "testRTFWindowsCodepage1250.rtf",
			contains: []string{"za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144", "ZA\u017b\u00d3\u0141\u0106 G\u0118\u015aL\u0104 JA\u0179\u0143"}},
		{file: "testRTFWord2010CzechCharacters.rtf",
			contains: []string{"\u010Cl\u00E1nek t\u00FDdne", "starov\u011Bk\u00E9 \u017Eidovsk\u00E9 n\u00E1bo\u017Eensk\u00E9 texty"},
			check: func(t *testing.T, m archive.Meta, _ string) {
				if m.Pages != 1 || m.Created.Year() != 2010 || m.Created.Month() != 10 {
					t.Errorf("pages %d created %v", m.Pages, m.Created)
				}
			}},
		{file: "testRTFWordPadCzechCharacters.rtf",
			contains: []string{"\u010Cl\u00E1nek t\u00FDdne", "starov\u011Bk\u00E9 \u017Eidovsk\u00E9 n\u00E1bo\u017Eensk\u00E9 texty"}},
		{file: "testRTFHyperlink.rtf", contains: []string{"our most frequently asked questions"}},
		{file: "testRTFListMicrosoftWord.rtf", contains: []string{"one", "first"}},
		{file: "testComment.rtf", contains: []string{"Here is some text", "Here is a comment."}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			p := corpus.File(t, filepath.Join("tika/rtf", tt.file))
			typ, err := extract.SniffFile(p, tt.file)
			if err != nil || typ.MIME != extract.MIMERTF {
				t.Fatalf("sniffed %v, %v", typ.MIME, err)
			}
			var s sink
			if err := rtf.New().Extract(context.Background(), extract.Input{Path: p, Type: typ}, &s); err != nil {
				t.Fatal(err)
			}
			got := s.String()
			for _, want := range tt.contains {
				if !strings.Contains(got, want) {
					t.Errorf("text lacks %q", want)
				}
			}
			flat := strings.Join(strings.Fields(got), " ")
			for _, want := range tt.normalized {
				if !strings.Contains(flat, want) {
					t.Errorf("text lacks %q (white space collapsed)", want)
				}
			}
			if tt.check != nil {
				tt.check(t, s.meta, got)
			}
		})
	}
}

func FuzzRTF(f *testing.F) {
	for _, s := range []string{
		`{\rtf1\ansi\ansicpg932 \'83n\uc2\u12354\'82\'a0{\*\x}}`,
		`{\rtf1{\fonttbl{\f1\fcharset128 M;}}\f1\'82{\info{\creatim\yr2011\mo1\dy1}}}`,
		"{\\rtf1 \\bin5 {}{}\\u-10240?x}",
	} {
		f.Add([]byte(s))
	}
	if root := corpus.Root(); root != "" {
		files, _ := filepath.Glob(filepath.Join(root, "corpus", "tika", "rtf", "*.rtf"))
		for _, p := range files {
			if b, err := os.ReadFile(p); err == nil && len(b) <= 64<<10 {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		var m archive.Meta
		err := rtf.Text(bytes.NewReader(in), &out, &m)
		if err != nil && !errors.Is(err, rtf.ErrNotRTF) {
			t.Fatal(err)
		}
		if !utf8.Valid(out.Bytes()) {
			t.Fatalf("output is not UTF-8: %q", out.Bytes())
		}
		if out.Len() > 4*len(in)+16 {
			t.Fatalf("%d bytes out of %d in", out.Len(), len(in))
		}
	})
}
