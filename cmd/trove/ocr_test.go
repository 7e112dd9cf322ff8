package main

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/extract/ocr/ocrtest"
)

// TestOCREndToEnd: a photographed memo and a scanned PDF page become
// searchable by OCR during ingest; ingested with --no-ocr they are not,
// until `trove ocr` adds it; the item page says the text is from OCR.
func TestOCREndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	ocrtest.NeedTools(t, "tesseract", "pdftoppm", "pdftotext")
	root := t.TempDir()
	leak := filepath.Join(root, "leak")
	write(t, leak, "photo.png", ocrtest.PNG(ocrtest.Render(t, 150, "HARBOUR SURVEILLANCE", "BUDGET APPROVED")))
	write(t, leak, "scan.pdf", ocrtest.PDF(
		ocrtest.Page{Lines: []string{"Cover page with a text layer"}},
		ocrtest.Page{Scan: ocrtest.Render(t, 150, "CONFIDENTIAL INFORMANT", "OPERATION NIGHTJAR")},
	))

	with, without := filepath.Join(root, "with"), filepath.Join(root, "without")
	for _, d := range []string{with, without} {
		mustRun(t, d, "dataset", "create", "scans", "--country", "US")
	}
	mustRun(t, with, "ingest", "--quiet", "scans", leak)
	mustRun(t, without, "ingest", "--quiet", "--no-ocr", "scans", leak)

	for _, q := range []string{"surveillance", "nightjar", `"cover page"`} {
		if r := search(t, with, q); r.Total != 1 {
			t.Errorf("with OCR: %s: %d hits, want 1", q, r.Total)
		}
	}
	if r := search(t, without, "nightjar OR surveillance"); r.Total != 0 {
		t.Errorf("--no-ocr: OCR text found (%d hits)", r.Total)
	}
	if r := search(t, without, `"cover page"`); r.Total != 1 {
		t.Errorf("--no-ocr: the text layer is missing")
	}
	out := mustRun(t, without, "ocr", "--quiet", "scans")
	for _, q := range []string{"surveillance", "nightjar"} {
		if r := search(t, without, q); r.Total != 1 {
			t.Errorf("after trove ocr: %s: %d hits, want 1\n%s", q, r.Total, out)
		}
	}
	// Again: nothing left to read.
	again := mustRun(t, without, "ocr", "--json", "--quiet", "scans")
	if !strings.Contains(again, `"files": 0`) {
		t.Errorf("second trove ocr read files again:\n%s", again)
	}
	// The item page marks OCR text.
	r := search(t, with, "nightjar")
	if len(r.Hits) != 1 {
		t.Fatalf("nightjar: %d hits", len(r.Hits))
	}
	show := mustRun(t, with, "show", "--json", strconv.FormatInt(r.Hits[0].ItemID, 10))
	if !strings.Contains(show, `"ocr_pages": "2"`) {
		t.Errorf("scan.pdf does not record its OCR page:\n%s", show)
	}
}
