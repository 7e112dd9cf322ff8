package ocr

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/tool"
)

// Check reports, for `trove doctor`, tesseract (path, version), one entry
// per configured language (named after its Debian package,
// "tesseract-ocr-deu"; Err wraps extract.ErrToolMissing when its data is
// not installed) and pdftoppm.
func (e *Engine) Check(ctx context.Context) []tool.Status {
	tess := tool.Check(ctx, tool.Status{
		Name:     toolTesseract,
		Formats:  []string{"png", "jpeg", "gif", "tiff", "bmp", "webp", "scanned pdf"},
		Degraded: "images and PDF pages without a text layer are stored and their metadata is searchable, but not the text in them (each recorded as tool_missing)",
		Install:  "apt-get install tesseract-ocr",
	}, e.cfg.Tesseract, "--version")
	out := []tool.Status{tess}
	if tess.Err == nil {
		in, err := e.probe(ctx)
		if err != nil {
			out[0].Err = err
		} else {
			out[0].Version = in.version
			for _, l := range e.wanted() {
				deb := "tesseract-ocr-" + strings.ReplaceAll(strings.ToLower(l), "_", "-")
				st := tool.Status{Name: deb, Formats: []string{"ocr " + l}, Install: "apt-get install " + deb,
					Degraded: fmt.Sprintf("text in language %q is read with the models of %s only (more recognition errors)", l, strings.Join(in.langs, "+"))}
				if slices.Contains(in.installed, l) {
					if in.tessdata != "" {
						st.Path = filepath.Join(in.tessdata, l+".traineddata")
					}
				} else {
					st.Err = fmt.Errorf("tesseract language %q not installed: %w", l, extract.ErrToolMissing)
				}
				out = append(out, st)
			}
		}
	}
	out = append(out, tool.Check(ctx, tool.Status{
		Name:     toolPdftoppm,
		Formats:  []string{"scanned pdf"},
		Degraded: "PDF pages without a text layer are not read by OCR (each PDF recorded as tool_missing)",
		Install:  "apt-get install poppler-utils",
	}, e.cfg.Pdftoppm, "-v"))
	return out
}

// wanted lists the configured languages, once each.
func (e *Engine) wanted() []string {
	var out []string
	for _, w := range e.cfg.Languages {
		for _, l := range strings.Split(w, "+") {
			if l = strings.TrimSpace(l); l != "" && !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	return out
}
