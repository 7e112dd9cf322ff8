package main

import (
	"context"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/calendar"
	"github.com/trove-archive/trove/internal/extract/container"
	"github.com/trove-archive/trove/internal/extract/email"
	"github.com/trove-archive/trove/internal/extract/html"
	"github.com/trove-archive/trove/internal/extract/image"
	"github.com/trove-archive/trove/internal/extract/legacy"
	"github.com/trove-archive/trove/internal/extract/media"
	"github.com/trove-archive/trove/internal/extract/ocr"
	"github.com/trove-archive/trove/internal/extract/office"
	"github.com/trove-archive/trove/internal/extract/outlook"
	"github.com/trove-archive/trove/internal/extract/pdf"
	"github.com/trove-archive/trove/internal/extract/rtf"
	"github.com/trove-archive/trove/internal/extract/table"
	"github.com/trove-archive/trove/internal/extract/text"
	"github.com/trove-archive/trove/internal/extract/tool"
)

// extractOptions are the per-run choices that change extraction.
type extractOptions struct {
	// OCR reads text in images and in PDF pages without a text layer.
	OCR bool
	// Langs are the tesseract languages; empty: English.
	Langs []string
}

// ocrLanguages is what OCR reads a dataset in: the flag, else the
// dataset's setting, else English plus its countries' languages.
func ocrLanguages(ds *archive.Dataset, flag []string) []string {
	switch {
	case len(flag) > 0:
		return flag
	case ds != nil && len(ds.OCRLangs) > 0:
		return ds.OCRLangs
	case ds != nil:
		return ocr.LanguagesFor(ds.Countries)
	}
	return []string{"eng"}
}

// registry wires every extractor, by hand.
func registry(m *Main, opt extractOptions) (*extract.Registry, error) {
	var eng *ocr.Engine
	if opt.OCR {
		eng = ocr.New(ocr.Config{Languages: opt.Langs})
	}
	ex := []extract.Extractor{
		html.New(),
		office.New(office.Config{}),
		pdf.New(pdf.Config{OCR: eng}),
		email.NewEML(),
		email.NewMbox(),
		text.New(),
		text.NewCSV(),
		rtf.New(),
		image.New(image.Config{OCR: eng}),
		calendar.New(),
		media.New(media.Config{}),
	}
	ex = append(ex, legacy.New(legacy.Config{})...)
	ex = append(ex, outlook.New(outlook.Config{})...)
	ex = append(ex, table.New(table.Config{})...)
	ex = append(ex, container.All(container.DefaultLimits())...)
	return extract.NewRegistry(ex...), nil
}

// toolStatus lists every external tool the extractors use, for doctor.
func toolStatus(ctx context.Context) []tool.Status {
	var out []tool.Status
	out = append(out, pdf.New(pdf.Config{}).Check(ctx)...)
	out = append(out, ocr.New(ocr.Config{Languages: []string{"eng"}}).Check(ctx)...)
	out = append(out, legacy.Check(ctx)...)
	out = append(out, outlook.Check(ctx)...)
	out = append(out, media.Check(ctx)...)
	out = append(out, table.Check(ctx)...)
	return out
}
