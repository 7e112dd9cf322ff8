package pdf_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/pdf"
)

// sink records what an extractor produces.
type sink struct {
	text      bytes.Buffer
	meta      archive.Meta
	passwords []string
	limit     int // Write fails once the text would exceed limit (0: no limit)
}

var errFull = errors.New("sink full")

func (s *sink) Write(p []byte) (int, error) {
	if s.limit > 0 && s.text.Len()+len(p) > s.limit {
		return 0, errFull
	}
	return s.text.Write(p)
}
func (s *sink) Meta() *archive.Meta { return &s.meta }
func (s *sink) Expect(int)          {}
func (s *sink) Child(context.Context, extract.ChildInfo, io.Reader) error {
	return errors.New("pdf emits no children")
}
func (s *sink) ChildFailed(extract.ChildInfo, error) {}
func (s *sink) Passwords() []string                  { return s.passwords }

func needTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"pdftotext", "pdfinfo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed (poppler-utils)", tool)
		}
	}
}

func run(t *testing.T, cfg pdf.Config, path string, passwords ...string) (*sink, error) {
	t.Helper()
	s := &sink{passwords: passwords}
	err := pdf.New(cfg).Extract(context.Background(), extract.Input{Path: path, Type: extract.Type{MIME: extract.MIMEPDF}}, s)
	return s, err
}

// normalize collapses white space (including no-break spaces) the way a
// search tokenizer would.
func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

// buildPDF writes a minimal PDF 1.4 file: one Helvetica text line per page
// and an Info dictionary whose values are written as literal strings, bytes
// as given.
func buildPDF(pages []string, info map[string]string) []byte {
	var objs []string
	n := len(pages)
	// 1 catalog, 2 pages, 3 font, then page/content pairs, then info.
	kids := make([]string, n)
	for i := range pages {
		kids[i] = fmt.Sprintf("%d 0 R", 4+2*i)
	}
	objs = append(objs,
		"<< /Type /Catalog /Pages 2 0 R >>",
		fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
	)
	for i, p := range pages {
		stream := fmt.Sprintf("BT /F1 18 Tf 72 720 Td (%s) Tj ET", p)
		objs = append(objs,
			fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5+2*i),
			fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(stream), stream),
		)
	}
	var kv []string
	for _, k := range []string{"Title", "Author", "Subject", "Keywords", "Creator", "Producer", "CreationDate", "ModDate"} {
		if v, ok := info[k]; ok {
			kv = append(kv, fmt.Sprintf("/%s (%s)", k, v))
		}
	}
	objs = append(objs, "<< "+strings.Join(kv, " ")+" >>")
	infoObj := len(objs)

	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, infoObj, xref)
	return b.Bytes()
}

func writeFile(t *testing.T, name string, data []byte, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestBuiltPDF(t *testing.T) {
	needTools(t)
	doc := buildPDF(
		[]string{"Hello page one", "Second page says operation amber falcon 4471", "Third page"},
		map[string]string{
			"Title":        "Tiny test",
			"Author":       "Bertrand Delacr\xc3\xa9taz and Ma\xc5\x82gorzata",
			"Subject":      "operation silver narwhal 6727",
			"Keywords":     "alpha, beta",
			"CreationDate": "D:20240102030405+01'00'",
			"ModDate":      "D:20240203040506Z",
		})
	s, err := run(t, pdf.Config{}, writeFile(t, "tiny.pdf", doc, 0o644))
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	text := s.text.String()
	for _, want := range []string{"Hello page one", "operation amber falcon 4471", "Third page",
		"\nSubject: operation silver narwhal 6727", "\nKeywords: alpha, beta"} {
		if !strings.Contains(text, want) {
			t.Errorf("text lacks %q:\n%q", want, text)
		}
	}
	if got := strings.Count(text, "\f"); got != 2 {
		t.Errorf("form feeds = %d, want 2 (between 3 pages): %q", got, text)
	}
	if strings.HasSuffix(strings.TrimRight(text, "\n"), "\f") {
		t.Errorf("text ends with a page separator: %q", text)
	}
	m := s.meta
	want := archive.Meta{
		Title: "Tiny test", Author: "Bertrand Delacrétaz and Małgorzata",
		Subject: "operation silver narwhal 6727", Keywords: "alpha, beta", Pages: 3,
		Created:  time.Date(2024, 1, 2, 2, 4, 5, 0, time.UTC),
		Modified: time.Date(2024, 2, 3, 4, 5, 6, 0, time.UTC),
	}
	if m.Title != want.Title || m.Author != want.Author || m.Subject != want.Subject ||
		m.Keywords != want.Keywords || m.Pages != want.Pages {
		t.Errorf("meta = %+v\nwant %+v", m, want)
	}
	if !m.Created.Equal(want.Created) || !m.Modified.Equal(want.Modified) {
		t.Errorf("dates = %v, %v; want %v, %v", m.Created, m.Modified, want.Created, want.Modified)
	}
	if m.Encrypted {
		t.Error("Encrypted = true for a plain file")
	}
}

func TestCorpus(t *testing.T) {
	needTools(t)
	tests := []struct {
		file      string
		passwords []string
		contains  []string // after white space is normalized
		title     string
		author    string
		subject   string
		pages     int
		encrypted bool
	}{
		{file: "testAnnotations.pdf", contains: []string{"Here is some text"}, author: "Michael McCandless", pages: 1},
		{file: "testPDFTwoTextBoxes.pdf", contains: []string{"Left column line 1", "Right column line 2"}, pages: 1},
		{file: "testPDFVarious.pdf", pages: 2, author: "Michael McCandless", subject: "Subject is here",
			contains: []string{"Footnote appears here", "This is a footnote.", "This is the header text.",
				"This is the footer text.", "Here is a text box", "Here is a citation:",
				"Figure 1 This is a caption for Figure 1", "(Kramer)", "This is a hyperlink",
				"Keywords: Keyword1 Keyword2", "（ＧＨＱ）"}},
		{file: "testPDF-custommetadata.pdf", contains: []string{"Hello World!"}, title: "Document title",
			author: "Document author", subject: "Document subject", pages: 1},
		{file: "testPDF_protected.pdf", encrypted: true, pages: 41, author: "The Bank of England",
			subject:  "Speeches by Andrew G Haldane",
			title:    "Rethinking the Financial Network, Speech by Andrew G Haldane, Executive Director, Financial Stability delivered at the Financial Student Association, Amsterdam on 28 April 2009",
			contains: []string{"RETHINKING THE FINANCIAL NETWORK", "On 16 November 2002", "In many important respects"}},
		{file: "testPDF_bad_page_303226.pdf", contains: []string{"1309.61"}, pages: 19,
			author: "U.S. Government Printing Office"},
		{file: "testPDF_rotated.pdf", contains: []string{"until a further review indicates that the infrastructure"},
			title: "Apache Tika - Apache Tika", author: "Bertrand Delacrétaz"},
		{file: "testPDF_diffTitles.pdf", title: "this is a new title", author: "Sample Author 1"},
		{file: "testPDF_twoAuthors.pdf", title: "Sample Title", author: "Sample Author 1"},
		{file: "testPDF_JBIG2.pdf", contains: []string{"test images compressed using JBIG2"}, author: "Pascal Essiembre"},
		{file: "testPDF_incrementalUpdates.pdf", contains: []string{"Testing Incremental"}, title: "Test"},
		{file: "testPDF_no_extract_yes_accessibility_owner_empty.pdf", contains: []string{"Hello World"}, encrypted: true},
		{file: "testPDF_no_extract_no_accessibility_owner_user.pdf", passwords: []string{"wrong", "user"},
			contains: []string{"Hello World"}, encrypted: true},
		{file: "testPDF_no_extract_no_accessibility_owner_user.pdf", passwords: []string{"owner"},
			contains: []string{"Hello World"}, encrypted: true},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := run(t, pdf.Config{}, corpus.File(t, "tika/pdf/"+tt.file), tt.passwords...)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			text := s.text.String()
			norm := normalize(text)
			for _, want := range tt.contains {
				if !strings.Contains(norm, want) {
					t.Errorf("text lacks %q:\n%s", want, text)
				}
			}
			m := s.meta
			check := func(field, got, want string) {
				if want != "" && got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			check("Title", m.Title, tt.title)
			check("Author", m.Author, tt.author)
			check("Subject", m.Subject, tt.subject)
			if tt.pages != 0 {
				if m.Pages != tt.pages {
					t.Errorf("Pages = %d, want %d", m.Pages, tt.pages)
				}
				if got := strings.Count(text, "\f"); got != tt.pages-1 {
					t.Errorf("page separators = %d, want %d", got, tt.pages-1)
				}
			}
			if m.Encrypted != tt.encrypted {
				t.Errorf("Encrypted = %v, want %v", m.Encrypted, tt.encrypted)
			}
			if m.Created.IsZero() && tt.file != "testPDF_no_extract_no_accessibility_owner_user.pdf" &&
				tt.file != "testPDF_no_extract_yes_accessibility_owner_empty.pdf" && tt.file != "testPDFTwoTextBoxes.pdf" {
				// every other file above has a CreationDate
				t.Errorf("Created is zero")
			}
		})
	}
}

func TestCorpusDates(t *testing.T) {
	needTools(t)
	s, err := run(t, pdf.Config{}, corpus.File(t, "tika/pdf/testExtraSpaces.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	// pdfinfo -isodates: CreationDate 2011-09-19T13:19:57-04
	want := time.Date(2011, 9, 19, 17, 19, 57, 0, time.UTC)
	if !s.meta.Created.Equal(want) {
		t.Errorf("Created = %v, want %v", s.meta.Created, want)
	}
}

func TestPasswordNeeded(t *testing.T) {
	needTools(t)
	path := corpus.File(t, "tika/pdf/testPDF_no_extract_no_accessibility_owner_user.pdf")
	for _, pw := range [][]string{nil, {"tika", "password"}} {
		s, err := run(t, pdf.Config{}, path, pw...)
		if !errors.Is(err, extract.ErrEncrypted) {
			t.Errorf("passwords %q: err = %v, want ErrEncrypted", pw, err)
		}
		if !s.meta.Encrypted {
			t.Errorf("passwords %q: Meta.Encrypted not set", pw)
		}
		if s.text.Len() != 0 {
			t.Errorf("passwords %q: text written: %q", pw, s.text.String())
		}
	}
}

// TestEveryCorpusFile runs every tika/pdf file: each extracts, or fails
// with a sentinel the ingest can record (never "internal").
func TestEveryCorpusFile(t *testing.T) {
	needTools(t)
	files, err := filepath.Glob(filepath.Join(corpus.Dir(t), "tika", "pdf", "*.pdf"))
	if err != nil || len(files) == 0 {
		t.Skipf("no tika/pdf files: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			s, err := run(t, pdf.Config{}, f)
			if err == nil {
				if s.meta.Pages == 0 {
					t.Errorf("Pages = 0")
				}
				return
			}
			if r := extract.Reason(err); r == "internal" {
				t.Errorf("err = %v: reason %q, want a sentinel", err, r)
			}
		})
	}
}

func TestCorrupt(t *testing.T) {
	needTools(t)
	doc := buildPDF([]string{"x"}, nil)
	for name, data := range map[string][]byte{
		"garbage.pdf":   []byte("this is not a PDF at all\n"),
		"truncated.pdf": doc[:40],
		"empty.pdf":     {},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := run(t, pdf.Config{}, writeFile(t, name, data, 0o644))
			var te *extract.ToolError
			if !errors.As(err, &te) || !errors.Is(err, extract.ErrCorrupt) {
				t.Fatalf("err = %v, want *extract.ToolError wrapping ErrCorrupt", err)
			}
			if te.Tool != "pdftotext" || te.Stderr == "" {
				t.Errorf("ToolError = %+v, want Tool pdftotext and some stderr", te)
			}
		})
	}
}

// script writes an executable shell script standing in for a tool.
func script(t *testing.T, name, body string) string {
	t.Helper()
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	return writeFile(t, name, []byte("#!/bin/sh\n"+body+"\n"), 0o755)
}

// fakeHTML is what `pdftotext -htmlmeta` prints, with entities and a
// multi-line title.
const fakeHTML = `cat <<'EOF'
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd"><html xmlns="http://www.w3.org/1999/xhtml">
<head>
<title>A title
 that goes on</title>
<meta name="Author" content="Someone &amp; Co"/>
<meta name="CreationDate" content="2011-09-19T13:19:57+05:30"/>
<meta name="ModDate" content="2009-04-28T09:09:18Z"/>
</head>
<body>
<pre>
EOF
printf 'one &lt;b&gt; &amp; more\fpage two\f</pre>\n</body>\n</html>\n'`

// placeholder writes a file for a fake tool to be given (tools run in a
// sandbox that shows them only the file they read, which must exist).
func placeholder(t *testing.T) string {
	return writeFile(t, "x.pdf", []byte("%PDF-1.4\n"), 0o644)
}

func TestFakeTools(t *testing.T) {
	text := script(t, "pdftotext", fakeHTML)
	t.Chdir(t.TempDir())
	if err := os.WriteFile("-looks-like-an-option.pdf", []byte("%PDF-1.4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := run(t, pdf.Config{Pdftotext: text}, "-looks-like-an-option.pdf")
	if err != nil {
		t.Fatal(err)
	}
	if got := s.text.String(); got != "one <b> & more\fpage two" {
		t.Errorf("text = %q", got)
	}
	m := s.meta
	if m.Title != "A title\n that goes on" || m.Author != "Someone & Co" || m.Pages != 2 || m.Subject != "" {
		t.Errorf("meta = %+v", m)
	}
	if want := time.Date(2011, 9, 19, 7, 49, 57, 0, time.UTC); !m.Created.Equal(want) {
		t.Errorf("Created = %v, want %v", m.Created, want)
	}
	if want := time.Date(2009, 4, 28, 9, 9, 18, 0, time.UTC); !m.Modified.Equal(want) {
		t.Errorf("Modified = %v, want %v", m.Modified, want)
	}
}

func TestTimeout(t *testing.T) {
	sleepy := script(t, "sleepy", "sleep 30")
	for name, cfg := range map[string]pdf.Config{
		"pdftotext": {Pdftotext: sleepy, Timeout: 200 * time.Millisecond},
	} {
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			_, err := run(t, cfg, placeholder(t))
			if !errors.Is(err, extract.ErrTimeout) {
				t.Errorf("err = %v, want ErrTimeout", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

func TestContextCanceled(t *testing.T) {
	sleepy := script(t, "sleepy", "sleep 30")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	err := pdf.New(pdf.Config{Pdftotext: sleepy}).Extract(ctx, extract.Input{Path: placeholder(t)}, &sink{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestSinkFull(t *testing.T) {
	endless := script(t, "pdftotext", "printf '<head></head><body>\\n<pre>\\n'; yes 'a line of text'")
	s := &sink{limit: 1 << 20}
	start := time.Now()
	err := pdf.New(pdf.Config{Pdftotext: endless}).Extract(context.Background(), extract.Input{Path: placeholder(t)}, s)
	if !errors.Is(err, errFull) {
		t.Errorf("err = %v, want the sink's error", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v", d)
	}
}

func TestToolMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-tool")
	for name, cfg := range map[string]pdf.Config{
		"path":    {Pdftotext: missing},
		"on PATH": {Pdftotext: "trove-no-such-pdftotext"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := run(t, cfg, "x.pdf")
			if !errors.Is(err, extract.ErrToolMissing) {
				t.Errorf("err = %v, want ErrToolMissing", err)
			}
			for _, st := range pdf.New(cfg).Check(context.Background()) {
				if !errors.Is(st.Err, extract.ErrToolMissing) || st.Path != "" {
					t.Errorf("Check: %+v, want ErrToolMissing", st)
				}
			}
		})
	}
}

func TestCheck(t *testing.T) {
	needTools(t)
	sts := pdf.New(pdf.Config{}).Check(context.Background())
	if len(sts) != 1 || sts[0].Name != "pdftotext" {
		t.Fatalf("Check = %+v, want pdftotext", sts)
	}
	for _, st := range sts {
		if st.Err != nil || st.Path == "" || st.Version == "" {
			t.Errorf("Check: %+v", st)
		}
	}
}
