package text_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/text"
)

// extractFile sniffs the file at path and runs the extractor that claims
// its type.
func extractFile(tb testing.TB, ctx context.Context, path string) (*sink, extract.Type, error) {
	tb.Helper()
	typ, err := extract.SniffFile(path, filepath.Base(path))
	if err != nil {
		tb.Fatal(err)
	}
	reg := extract.NewRegistry(text.New(), text.NewCSV())
	e := reg.For(typ.MIME)
	if e == nil {
		tb.Fatalf("%s: no extractor for %s", path, typ.MIME)
	}
	var s sink
	err = e.Extract(ctx, extract.Input{Name: filepath.Base(path), Path: path, Type: typ}, &s)
	return &s, typ, err
}

func TestExtractors(t *testing.T) {
	if got := text.New().Name(); got != "text" {
		t.Errorf("Name = %q", got)
	}
	if got := text.NewCSV().Name(); got != "csv" {
		t.Errorf("Name = %q", got)
	}
	for _, m := range []string{extract.MIMEText, extract.MIMEJSON, extract.MIMEXML} {
		if !slices.Contains(text.New().MIMEs(), m) {
			t.Errorf("text does not claim %s", m)
		}
	}
	for _, m := range []string{extract.MIMECSV, extract.MIMETSV} {
		if !slices.Contains(text.NewCSV().MIMEs(), m) {
			t.Errorf("csv does not claim %s", m)
		}
	}
	dir := t.TempDir()
	tests := []struct {
		file, content, mime, want, charset string
	}{
		{"notes.txt", "caf\xe9 \x93quoted\x94\n", extract.MIMEText, "café “quoted”\n", text.Windows1252},
		{"data.csv", "\xEF\xBB\xBFName;City\r\nJosé;Köln\r\n", extract.MIMECSV, "Name: José\tCity: Köln\n", text.UTF8},
		{"pipes.csv", "a|b\n1|2\n", extract.MIMECSV, "a: 1\tb: 2\n", text.UTF8},
		{"one.csv", "name\nalice\n", extract.MIMECSV, "name\nalice\n", text.UTF8},
		{"data.tsv", "a\tb\n1\t2\n", extract.MIMETSV, "a: 1\tb: 2\n", text.UTF8},
		{"data.json", `{"title": "Leak", "pages": 3}`, extract.MIMEJSON, "title: Leak\npages: 3\n", text.UTF8},
		{"data.xml", `<?xml version="1.0" encoding="windows-1252"?><a t="x">caf` + "\xe9</a>", extract.MIMEXML, "x café\n", "windows-1252"},
	}
	for _, tt := range tests {
		p := filepath.Join(dir, tt.file)
		if err := os.WriteFile(p, []byte(tt.content), 0o600); err != nil {
			t.Fatal(err)
		}
		s, typ, err := extractFile(t, context.Background(), p)
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		if typ.MIME != tt.mime {
			t.Errorf("%s: sniffed %s, want %s", tt.file, typ.MIME, tt.mime)
		}
		if s.String() != tt.want {
			t.Errorf("%s: text %q, want %q", tt.file, s.String(), tt.want)
		}
		if got := s.meta.Extra["charset"]; got != tt.charset {
			t.Errorf("%s: charset %q, want %q", tt.file, got, tt.charset)
		}
		if s.meta.Title != "" {
			t.Errorf("%s: title %q, want none", tt.file, s.meta.Title)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := extractFile(t, ctx, filepath.Join(dir, "notes.txt")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err %v, want context.Canceled", err)
	}
	in := extract.Input{Path: filepath.Join(dir, "missing"), Type: extract.Type{MIME: extract.MIMEText}}
	if err := text.New().Extract(context.Background(), in, &sink{}); err == nil {
		t.Error("missing file: want an error")
	}
}

// TestCorpus extracts Tika's text-family test files. The expected strings
// are in the files; several are those Tika's own tests assert
// (testTXTNonASCIIUTF8, testIgnoreCharset, testMARKDOWN).
func TestCorpus(t *testing.T) {
	tests := []struct {
		file     string
		mime     string
		contains []string
	}{
		{"tika/text/testTXTNonASCIIUTF8.txt", extract.MIMEText, []string{"The quick brown fox jumps over the lazy dog", "Der schnelle braune Fuchs springt über den faulen Hund"}},
		{"tika/text/testIgnoreCharset.txt", extract.MIMEText, []string{"ACTIVE AGE"}},
		{"tika/text/testMARKDOWN.md", extract.MIMEText, []string{"Café naïve résumé"}},
		{"tika/text/testStandardsExtractor.txt", extract.MIMEText, []string{"Publication 222-G Standards", "(FIPS) Publication 140-2"}},
		{"tika/text/testWebVTT.vtt", extract.MIMEText, []string{"Everyone wants the most from life"}},
		{"tika/text/testCSV.csv", extract.MIMECSV, []string{"Sample CSV File - Numbers and their Squares\n", "Number\tSquare\n", "15\t225\n"}},
		{"tika/text/test-columnar.csv", extract.MIMECSV, []string{"Record Number: 2\tSquare of the Record Number: 4\t", "Percent Done: 20%"}},
		{"tika/text/testDITA.dita", extract.MIMEXML, []string{"Apache Tika - a content analysis toolkit.", "Tika is a project of the Apache Software Foundation"}},
		{"tika/text/testONIXMessage.xml", extract.MIMEXML, []string{"Global Bookinfo", "someone@gmail.com"}},
		{"tika/text/testKML.kml", extract.MIMEXML, []string{"KML Samples", "Unleash your creativity with the help of these examples!"}},
		{"tika/text/testRDF.rdf", extract.MIMEXML, []string{"Apache Tika"}},
	}
	for _, tt := range tests {
		s, typ, err := extractFile(t, context.Background(), corpus.File(t, tt.file))
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if typ.MIME != tt.mime {
			t.Errorf("%s: sniffed %s, want %s", tt.file, typ.MIME, tt.mime)
		}
		for _, want := range tt.contains {
			if !strings.Contains(s.String(), want) {
				t.Errorf("%s: text lacks %q", tt.file, want)
			}
		}
	}
}
