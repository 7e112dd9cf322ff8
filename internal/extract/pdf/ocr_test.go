package pdf_test

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/ocr"
	"github.com/trove-archive/trove/internal/extract/ocr/ocrtest"
	"github.com/trove-archive/trove/internal/extract/pdf"
)

var (
	scan1 = []string{"Operation violet pinnacle 9993", "Quarterly archive report"}
	scan2 = []string{"Second page harbour lantern", "Meeting minutes October"}
	text1 = "Text layer on the first page"
	text3 = "Third page has its own text"
)

// scans writes a PDF of text and scanned pages: text, scan, text, scan.
func mixedPDF(t *testing.T) string {
	t.Helper()
	ocrtest.NeedTools(t, "tesseract", "pdftoppm", "pdftotext")
	doc := ocrtest.PDF(
		ocrtest.Page{Lines: []string{text1}},
		ocrtest.Page{Scan: ocrtest.Render(t, 150, scan1...)},
		ocrtest.Page{Lines: []string{text3}},
		ocrtest.Page{Scan: ocrtest.Render(t, 150, scan2...)},
	)
	return writeFile(t, "mixed.pdf", doc, 0o644)
}

func missingWords(t *testing.T, where, text string, words ...string) {
	t.Helper()
	if miss := ocrtest.Missing(text, words...); len(miss) > 0 {
		t.Errorf("%s: text %q lacks %q", where, text, miss)
	}
}

// TestOCRScanned: a PDF of image-only pages, where pdftotext finds
// nothing, is read by OCR page by page, in order.
func TestOCRScanned(t *testing.T) {
	ocrtest.NeedTools(t, "tesseract", "pdftoppm", "pdftotext")
	doc := writeFile(t, "scan.pdf", ocrtest.PDF(
		ocrtest.Page{Scan: ocrtest.Render(t, 150, scan1...)},
		ocrtest.Page{Scan: ocrtest.Render(t, 150, scan2...)},
	), 0o644)
	s, err := run(t, pdf.Config{}, doc)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(strings.ReplaceAll(s.text.String(), "\f", "")); got != "" || s.meta.Pages != 2 {
		t.Fatalf("without OCR: text %q, %d pages; want no text, 2 pages", s.text.String(), s.meta.Pages)
	}
	s, err = run(t, pdf.Config{OCR: ocr.New(ocr.Config{DPI: 150})}, doc)
	if err != nil {
		t.Fatal(err)
	}
	pages := strings.Split(s.text.String(), "\f")
	if len(pages) != 2 || s.meta.Pages != 2 {
		t.Fatalf("pages %q (meta %d), want 2", pages, s.meta.Pages)
	}
	missingWords(t, "page 1", pages[0], scan1...)
	missingWords(t, "page 2", pages[1], scan2...)
	if got := s.meta.Extra["ocr_pages"]; got != "1-2" {
		t.Errorf(`Extra["ocr_pages"] = %q, want "1-2"`, got)
	}
	if got := s.meta.Extra["ocr"]; !strings.HasPrefix(got, "tesseract ") {
		t.Errorf(`Extra["ocr"] = %q`, got)
	}
}

// TestOCRMixed: only the pages without text are read by OCR; the text
// layer of the others is kept as it is.
func TestOCRMixed(t *testing.T) {
	doc := mixedPDF(t)
	s, err := run(t, pdf.Config{OCR: ocr.New(ocr.Config{DPI: 150})}, doc)
	if err != nil {
		t.Fatal(err)
	}
	pages := strings.Split(s.text.String(), "\f")
	if len(pages) != 4 {
		t.Fatalf("pages %q, want 4", pages)
	}
	if strings.TrimSpace(pages[0]) != text1 || strings.TrimSpace(pages[2]) != text3 {
		t.Errorf("text pages changed: %q, %q", pages[0], pages[2])
	}
	missingWords(t, "page 2", pages[1], scan1...)
	missingWords(t, "page 4", pages[3], scan2...)
	if got := s.meta.Extra["ocr_pages"]; got != "2,4" {
		t.Errorf(`Extra["ocr_pages"] = %q, want "2,4"`, got)
	}
}

// TestOCRFailure: when OCR cannot run, the text layer's pages are all
// there, in place, and the error says why.
func TestOCRFailure(t *testing.T) {
	doc := mixedPDF(t)
	for _, tc := range []struct {
		name string
		cfg  ocr.Config
		want error
	}{
		{"tesseract missing", ocr.Config{Tesseract: filepath.Join(t.TempDir(), "no-tesseract")}, extract.ErrToolMissing},
		{"pdftoppm missing", ocr.Config{Pdftoppm: "trove-no-such-pdftoppm"}, extract.ErrToolMissing},
		{"timeout", ocr.Config{Timeout: 5 * time.Millisecond}, extract.ErrTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			s, err := run(t, pdf.Config{OCR: ocr.New(tc.cfg)}, doc)
			if !errors.Is(err, tc.want) || extract.Reason(err) == "internal" {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			pages := strings.Split(s.text.String(), "\f")
			if len(pages) != 4 || strings.TrimSpace(pages[0]) != text1 || strings.TrimSpace(pages[2]) != text3 ||
				strings.TrimSpace(pages[1]+pages[3]) != "" {
				t.Errorf("text = %q", s.text.String())
			}
			if s.meta.Pages != 4 || s.meta.Extra["ocr_pages"] != "" {
				t.Errorf("meta = %+v", s.meta)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}

// fakeOCR is an engine whose pdftoppm "renders" a page as the text "ocr
// of page N" and whose tesseract prints the file it is given.
func fakeOCR(t *testing.T) *ocr.Engine {
	tess := script(t, "tesseract", `case "$1" in
--version) echo "tesseract 5.9.9";;
--list-langs) echo 'List of available languages in "/x/" (1):'; echo eng;;
*) cat "$1";;
esac`)
	ppm := script(t, "pdftoppm", `while [ $# -gt 2 ]; do
  if [ "$1" = -f ]; then page=$2; fi
  shift
done
printf 'ocr of page %s' "$page" > "$2.png"`)
	return ocr.New(ocr.Config{Tesseract: tess, Pdftoppm: ppm})
}

// TestOCRInPlace: pages with fewer than pdf.MinPageText non-space
// characters (a stamp, nothing, white space) get the OCR text in their
// place; the others keep theirs.
func TestOCRInPlace(t *testing.T) {
	long := strings.Repeat("word ", 2000) // more than a pipe buffer
	text := script(t, "pdftotext", `printf '<head></head><body>\n<pre>\n'
printf 'This page has a real text layer with words\f  3  \f\f'
printf '%s\f' '`+long+`'
printf 'x\fnineteen characters.\ftwenty characters....\f'
printf '</pre></body>\n'`)
	s, err := run(t, pdf.Config{Pdftotext: text, OCR: fakeOCR(t)}, placeholder(t))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{"This page has a real text layer with words", "ocr of page 2", "ocr of page 3",
		long, "ocr of page 5", "ocr of page 6", "twenty characters...."}, "\f")
	if got := s.text.String(); got != want {
		t.Errorf("text = %.300q\nwant %.300q", got, want)
	}
	if got := s.meta.Extra["ocr_pages"]; got != "2-3,5-6" || s.meta.Pages != 7 {
		t.Errorf(`ocr_pages = %q, pages %d; want "2-3,5-6", 7`, got, s.meta.Pages)
	}
}

func TestCorpusOCR(t *testing.T) {
	ocrtest.NeedTools(t, "tesseract", "pdftoppm", "pdftotext")
	s, err := run(t, pdf.Config{OCR: ocr.New(ocr.Config{})}, corpus.File(t, "tika/pdf/testOCR.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	missingWords(t, "testOCR.pdf", s.text.String(), "Happy New Year 2003")
	if s.meta.Extra["ocr_pages"] != "1" || s.meta.Title != "Presentation1" {
		t.Errorf("meta = %+v", s.meta)
	}
	// A PDF with a text layer is not read by OCR.
	s, err = run(t, pdf.Config{OCR: ocr.New(ocr.Config{Tesseract: "trove-no-such-tesseract"})}, corpus.File(t, "tika/pdf/testPDFVarious.pdf"))
	if err != nil || s.meta.Extra["ocr_pages"] != "" {
		t.Errorf("err = %v, meta %+v", err, s.meta)
	}
}

func TestCheckStatus(t *testing.T) {
	needTools(t)
	st := pdf.New(pdf.Config{}).Check(context.Background())[0]
	if st.Install == "" || st.Degraded == "" || len(st.Formats) == 0 {
		t.Errorf("Check = %+v, want install hint, what is lost, formats", st)
	}
}
