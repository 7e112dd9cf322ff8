package main

import (
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/container"
	"github.com/trove-archive/trove/internal/extract/email"
	"github.com/trove-archive/trove/internal/extract/html"
	"github.com/trove-archive/trove/internal/extract/image"
	"github.com/trove-archive/trove/internal/extract/office"
	"github.com/trove-archive/trove/internal/extract/pdf"
	"github.com/trove-archive/trove/internal/extract/rtf"
	"github.com/trove-archive/trove/internal/extract/text"
)

// registry wires every extractor, by hand.
func registry(m *Main) (*extract.Registry, error) {
	ex := []extract.Extractor{
		html.New(),
		office.New(office.Config{}),
		pdfExtractor(),
		email.NewEML(),
		email.NewMbox(),
		text.New(),
		text.NewCSV(),
		rtf.New(),
		image.New(),
	}
	ex = append(ex, container.All(container.DefaultLimits())...)
	return extract.NewRegistry(ex...), nil
}

func pdfExtractor() *pdf.Extractor { return pdf.New(pdf.Config{}) }
