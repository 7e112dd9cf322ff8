package legacy_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/legacy"
)

// TestCorpus: the text and properties the files' own projects (Apache
// Tika's tests, see expected.json) assert come out.
func TestCorpus(t *testing.T) {
	needTool(t, "catdoc", "antiword", "xls2csv", "wpd2text")
	cases := []struct {
		file, mime string
		want       []string // in the text
		not        []string // not in the text
		title      string
		author     string
		created    string
		modified   string
	}{
		{file: "tika/word/testWORD_various.doc", mime: extract.MIMEDOC,
			want: []string{"Footnote appears here", "This is a footnote.", "This is the header text.", "This is the footer text.",
				"Here is a text box", "Bold", "italic", "underline", "superscript", "subscript", "Here is a citation:",
				"Figure 1 This is a caption for Figure 1", "(Kramer)", "This is a hyperlink", "Here is a list:",
				"Row 1 Col 1\tRow 1 Col 2\tRow 1 Col 3", "ゾルゲと尾崎、淡々と最期"},
			not: []string{"HYPERLINK", "SEQ", "ARABIC"}},
		{file: "tika/word/testWORD6.doc", mime: extract.MIMEDOC,
			want:  []string{"The quick brown fox jumps over the lazy dog"},
			title: "The quick brown fox jumps over the lazy dog", author: "Nevin Nollop"},
		{file: "tika/word/testWORD_custom_props.doc", mime: extract.MIMEDOC,
			title: "My Title", author: "EJ04325S", created: "2010-10-05T09:03:00Z", modified: "2012-01-03T22:14:00Z"},
		{file: "tika/word/testWORD_header_hyperlink.doc", mime: extract.MIMEDOC,
			want: []string{"example.com", "http://tw-systemhaus.de"}, not: []string{"HYPERLINK"}, author: "Lutz Theurer"},
		{file: "tika/word/testWORD_3imgs.doc", mime: extract.MIMEDOC, want: []string{"The end!"}},
		{file: "office/mscfb/test.doc", mime: extract.MIMEDOC, want: []string{"HCPR"}},
		{file: "office/mscfb/novpapplan.doc", mime: extract.MIMEDOC},
		{file: "tika/excel/testEXCEL_5.xls", mime: extract.MIMEXLS,
			want: []string{"Feuil1", "Feuil3", "Sample Excel", "Number", "15", "225"}},
		{file: "tika/excel/test-columnar.xls", mime: extract.MIMEXLS,
			want: []string{"Sheet: testing", "Record Number: 3\tSquare of the Record Number: 9", "Description of the Row: This is row"}},
		{file: "office/mscfb/test.xls", mime: extract.MIMEXLS, want: []string{"Avocado", "Test2"}},
		{file: "tika/ppt/testPPT_various.ppt", mime: extract.MIMEPPT,
			want: []string{"Footnote appears here", "This is a footnote.", "This is the header text.", "This is the footer text.",
				"Here is a text box", "Here is a citation:", "Figure 1 This is a caption for Figure 1", "(Kramer)",
				"Row 1 Col 1", "Row 2 Col 3", "Row 2 column 2", "This is a hyperlink", "Here is a list:", "Bullet 1",
				"Here is a numbered list:", "italic underline superscript subscript"},
			author: "Michael McCandless"},
		{file: "tika/ppt/testPPT_groups.ppt", mime: extract.MIMEPPT,
			want: []string{"Text box1", "Text box2", "Text box3", "Text box4", "Text box5", "WordArt1", "WordArt2", "Ungrouped text box", "MyTitle", "tika"}},
		{file: "tika/ppt/testPPT_masterText.ppt", mime: extract.MIMEPPT,
			want: []string{"Text that I added to the master slide"}, not: []string{"Click to edit Master", "*"}},
		{file: "tika/ppt/testPPT_comment.ppt", mime: extract.MIMEPPT, want: []string{"Allison, Timothy B."}},
		{file: "office/mscfb/test.ppt", mime: extract.MIMEPPT, want: []string{"Lorem ipsum", "Test 2"}},
		{file: "tika/word/testWordPerfect.wpd", mime: extract.MIMEWordPerfect, want: []string{"AND FURTHER", "test1-2"}},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			s, err := run(t, legacy.Config{}, corpusFile(t, c.file), c.mime)
			if err != nil {
				t.Fatalf("extract: %v", err)
			}
			text := s.String()
			if strings.TrimSpace(text) == "" {
				t.Fatalf("no text")
			}
			for _, w := range c.want {
				if !strings.Contains(text, w) {
					t.Errorf("text lacks %q:\n%s", w, text)
				}
			}
			for _, n := range c.not {
				if strings.Contains(text, n) {
					t.Errorf("text has %q", n)
				}
			}
			m := s.meta
			if c.title != "" && m.Title != c.title {
				t.Errorf("title %q, want %q", m.Title, c.title)
			}
			if c.author != "" && m.Author != c.author {
				t.Errorf("author %q, want %q", m.Author, c.author)
			}
			if c.created != "" && m.Created.Format(time.RFC3339) != c.created {
				t.Errorf("created %v, want %s", m.Created, c.created)
			}
			if c.modified != "" && m.Modified.Format(time.RFC3339) != c.modified {
				t.Errorf("modified %v, want %s", m.Modified, c.modified)
			}
		})
	}
}

// TestEncrypted: password-protected files are extract.ErrEncrypted, with
// the properties that are stored in the clear still read.
func TestEncrypted(t *testing.T) {
	needTool(t, "catdoc", "antiword", "xls2csv")
	for _, c := range []struct{ file, mime, author string }{
		{"tika/word/testWORD_protected_passtika.doc", extract.MIMEDOC, "Antoni"},
		{"tika/excel/testEXCEL_protected_passtika.xls", extract.MIMEXLS, "Antoni"},
		{"tika/ppt/testPPT_protected_passtika.ppt", extract.MIMEPPT, ""},
	} {
		s, err := run(t, legacy.Config{}, corpusFile(t, c.file), c.mime)
		if !errors.Is(err, extract.ErrEncrypted) || extract.Reason(err) != "encrypted" {
			t.Errorf("%s: err = %v, want encrypted", c.file, err)
		}
		if !s.meta.Encrypted || s.meta.Author != c.author {
			t.Errorf("%s: meta %+v", c.file, s.meta)
		}
	}
}

// TestToolsSayEncrypted: the tools' own messages are recognised too (the
// FIB and FILEPASS checks in Go are skipped by running the tools directly).
func TestToolsSayEncrypted(t *testing.T) {
	needTool(t, "catdoc", "xls2csv")
	cfg := legacy.Config{}
	for _, c := range []struct{ tool, file string }{
		{"catdoc", "tika/word/testWORD_protected_passtika.doc"},
		{"xls2csv", "tika/excel/testEXCEL_protected_passtika.xls"},
	} {
		err := legacy.RunTool(context.Background(), cfg, c.tool, corpusFile(t, c.file))
		if !errors.Is(err, extract.ErrEncrypted) {
			t.Errorf("%s: %v, want encrypted", c.tool, err)
		}
	}
}

// TestHostile: garbage, truncated and mislabelled files end in a clear
// per-file error, quickly; a hung tool is stopped by the timeout.
func TestHostile(t *testing.T) {
	needTool(t, "catdoc", "antiword", "xls2csv", "wpd2text")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i*7 + i/13)
	}
	for _, mime := range []string{extract.MIMEDOC, extract.MIMEXLS, extract.MIMEPPT} {
		if _, err := run(t, legacy.Config{}, write("garbage", garbage), mime); !errors.Is(err, extract.ErrUnsupported) {
			t.Errorf("%s garbage: %v, want unsupported", mime, err)
		}
	}
	// A compound file header and then garbage.
	bad := append([]byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"), garbage...)
	for _, mime := range []string{extract.MIMEDOC, extract.MIMEXLS, extract.MIMEPPT} {
		if _, err := run(t, legacy.Config{}, write("bad-ole", bad), mime); err == nil || extract.Reason(err) == "internal" {
			t.Errorf("%s bad compound file: %v, want a sentinel", mime, err)
		}
	}
	wpd := append([]byte("\xFFWPC\x10\x00\x00\x00\x01\x0A"), garbage...)
	if _, err := run(t, legacy.Config{}, write("bad.wpd", wpd), extract.MIMEWordPerfect); err == nil || extract.Reason(err) == "internal" {
		t.Errorf("garbage wpd: %v, want a sentinel", err)
	}
	// Truncated real files.
	for _, c := range []struct{ file, mime string }{
		{"tika/word/testWORD_various.doc", extract.MIMEDOC},
		{"office/mscfb/test.doc", extract.MIMEDOC},
		{"tika/excel/testEXCEL_5.xls", extract.MIMEXLS},
		{"tika/ppt/testPPT_various.ppt", extract.MIMEPPT},
		{"tika/word/testWordPerfect.wpd", extract.MIMEWordPerfect},
	} {
		b, err := os.ReadFile(corpusFile(t, c.file))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range []int{600, len(b) / 2} {
			start := time.Now()
			_, err := run(t, legacy.Config{Timeout: 20 * time.Second}, write("trunc", b[:n]), c.mime)
			if err != nil && extract.Reason(err) == "internal" {
				t.Errorf("%s cut at %d: %v, want nil or a sentinel", c.file, n, err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("%s cut at %d took %v", c.file, n, d)
			}
		}
	}
	// A hang: a tiny timeout stops the tool.
	start := time.Now()
	_, err := run(t, legacy.Config{Timeout: time.Millisecond}, corpusFile(t, "office/mscfb/test.doc"), extract.MIMEDOC)
	if extract.Reason(err) != "timeout" {
		t.Errorf("tiny timeout: %v, want timeout", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("tiny timeout took %v", d)
	}
	// A missing tool is reported as such.
	_, err = run(t, legacy.Config{WPD2Text: "/nonexistent/wpd2text"}, corpusFile(t, "tika/word/testWordPerfect.wpd"), extract.MIMEWordPerfect)
	if !errors.Is(err, extract.ErrToolMissing) {
		t.Errorf("missing tool: %v", err)
	}
}

func TestCheck(t *testing.T) {
	for _, st := range legacy.Check(context.Background()) {
		if st.Name == "" || len(st.Formats) == 0 || st.Degraded == "" || st.Install == "" {
			t.Errorf("incomplete status %+v", st)
		}
		if st.Err != nil && os.Getenv("CI") != "" {
			t.Errorf("%s: %v", st.Name, st.Err)
		}
	}
}

func TestWorks(t *testing.T) {
	path := corpusFile(t, "tika/word/testWORKS.wps")
	typ, err := extract.SniffFile(path, "renamed.bin")
	if err != nil || typ.MIME != extract.MIMEWorks {
		t.Fatalf("sniffed %v %v, want %s", typ, err, extract.MIMEWorks)
	}
	needTool(t, "wps2text")
	s, err := run(t, legacy.Config{}, path, extract.MIMEWorks)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(s.String(), "This is an example document made with Microsoft Works Word Processor") {
		t.Errorf("text %q", s.String())
	}
}
