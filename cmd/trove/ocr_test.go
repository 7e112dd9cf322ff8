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

// TestLanguageDetection: items whose files do not say their language get
// one from their text, for the lang: filter and the facet.
func TestLanguageDetection(t *testing.T) {
	root := t.TempDir()
	leak := filepath.Join(root, "leak")
	write(t, leak, "en.txt", []byte(strings.Repeat("The committee met on Tuesday to discuss the police budget and the surveillance programme. ", 5)))
	write(t, leak, "de.txt", []byte(strings.Repeat("Die Polizei hat am Dienstag die Wohnung durchsucht, weil die Ermittler neue Hinweise hatten. ", 5)))
	data := filepath.Join(root, "data")
	mustRun(t, data, "dataset", "create", "langs")
	mustRun(t, data, "ingest", "--quiet", "langs", leak)
	r := search(t, data, "lang:de")
	if r.Total != 1 || len(r.Hits) != 1 || !strings.HasSuffix(r.Hits[0].Path, "de.txt") {
		t.Errorf("lang:de = %+v", r)
	}
	r = search(t, data, "--facets", "lang:en OR lang:de")
	got := map[string]int64{}
	for _, f := range r.Facets["lang"] {
		got[f.Value] = f.Count
	}
	if got["en"] != 1 || got["de"] != 1 {
		t.Errorf("lang facet = %v", r.Facets["lang"])
	}
}
