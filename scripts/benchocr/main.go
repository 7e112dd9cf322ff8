// Command benchocr reads a list of images and scanned PDFs with trove's OCR,
// sequentially, one file after the other, and writes each file's text to
// OUT/<line number>.txt. Used by scripts/bench-ocr.sh, which times it
// against tesseract run by hand over the same files.
//
// The list has one file per line: "img<TAB>PATH" or "pdf<TAB>PATH<TAB>PAGES".
// Modes: engine (ocr.Engine: Image, PDFPages over every page) or extract
// (the image and pdf extractors with OCR: metadata, pdftotext, then OCR of
// the pages without text).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/image"
	"github.com/trove-archive/trove/internal/extract/ocr"
	"github.com/trove-archive/trove/internal/extract/pdf"
)

func main() {
	list := flag.String("list", "", "file list")
	out := flag.String("out", "", "folder for the texts")
	mode := flag.String("mode", "engine", "engine or extract")
	dpi := flag.Int("dpi", ocr.DefaultDPI, "resolution of rendered PDF pages")
	lang := flag.String("lang", "eng", "tesseract languages, comma-separated")
	flag.Parse()
	if err := run(*list, *out, *mode, *dpi, strings.Split(*lang, ",")); err != nil {
		fmt.Fprintln(os.Stderr, "benchocr:", err)
		os.Exit(1)
	}
}

func run(list, out, mode string, dpi int, langs []string) error {
	b, err := os.ReadFile(list)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	ctx := context.Background()
	eng := ocr.New(ocr.Config{Languages: langs, DPI: dpi})
	imgX := image.New(image.Config{OCR: eng})
	pdfX := pdf.New(pdf.Config{OCR: eng})
	failed := 0
	for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 2 {
			continue
		}
		var text bytes.Buffer
		switch {
		case mode == "engine" && f[0] == "img":
			_, err = eng.Image(ctx, f[1], &text)
		case mode == "engine" && f[0] == "pdf" && len(f) == 3:
			n, _ := strconv.Atoi(f[2])
			pages := make([]int, n)
			for p := range pages {
				pages[p] = p + 1
			}
			err = eng.PDFPages(ctx, f[1], pages, &text)
		case mode == "extract" && f[0] == "img":
			err = imgX.Extract(ctx, extract.Input{Path: f[1], Type: extract.Type{MIME: extract.MIMEPNG}}, &sink{w: &text})
		case mode == "extract" && f[0] == "pdf":
			err = pdfX.Extract(ctx, extract.Input{Path: f[1], Type: extract.Type{MIME: extract.MIMEPDF}}, &sink{w: &text})
		default:
			return fmt.Errorf("line %d: %q (mode %s)", i+1, line, mode)
		}
		if err != nil {
			failed++
			fmt.Fprintf(os.Stderr, "benchocr: %s: %v\n", f[1], err)
		}
		if err := os.WriteFile(filepath.Join(out, strconv.Itoa(i+1)+".txt"), text.Bytes(), 0o644); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d files failed", failed)
	}
	return nil
}

// sink collects an extractor's text.
type sink struct {
	w    io.Writer
	meta archive.Meta
}

func (s *sink) Write(p []byte) (int, error) { return s.w.Write(p) }
func (s *sink) Meta() *archive.Meta         { return &s.meta }
func (s *sink) Expect(int)                  {}
func (s *sink) Child(context.Context, extract.ChildInfo, io.Reader) error {
	return nil
}
func (s *sink) ChildFailed(extract.ChildInfo, error) {}
func (s *sink) Passwords() []string                  { return nil }
