package text

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"

	"github.com/trove-archive/trove/internal/extract"
)

// Extractor handles plain text, JSON and XML.
type Extractor struct{}

var _ extract.Extractor = Extractor{}

// New returns the extractor of plain text, JSON and XML.
func New() Extractor { return Extractor{} }

func (Extractor) Name() string { return "text" }
func (Extractor) MIMEs() []string {
	return []string{extract.MIMEText, extract.MIMEJSON, extract.MIMEXML}
}

// Extract writes the text of in to s and records the charset it was read
// in as Meta.Extra["charset"].
func (Extractor) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	f, err := os.Open(in.Path)
	if err != nil {
		return fmt.Errorf("text open: %w", err)
	}
	defer f.Close()
	r := ctxReader{ctx, f}
	switch in.Type.MIME {
	case extract.MIMEJSON:
		dec, cs := decode(r)
		setCharset(s, cs)
		return writeJSON(s, dec)
	case extract.MIMEXML:
		dec, cs := decodeXML(r)
		setCharset(s, cs)
		return writeXML(s, dec)
	}
	dec, cs := decode(r)
	setCharset(s, cs)
	bw := bufio.NewWriterSize(s, 64<<10)
	if _, err := io.Copy(bw, dec); err != nil {
		if ctxErr(err) {
			return err
		}
		return fmt.Errorf("text copy: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("text write: %w", err)
	}
	return nil
}

// CSVExtractor handles comma- and tab-separated tables.
type CSVExtractor struct{}

var _ extract.Extractor = CSVExtractor{}

// NewCSV returns the extractor of CSV and TSV tables.
func NewCSV() CSVExtractor { return CSVExtractor{} }

func (CSVExtractor) Name() string    { return "csv" }
func (CSVExtractor) MIMEs() []string { return []string{extract.MIMECSV, extract.MIMETSV} }

// Extract writes the rows of the table in to s (see WriteCSV). The
// delimiter of text/csv is judged from the first rows (',', ';' or '|');
// text/tab-separated-values uses tabs.
func (CSVExtractor) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	f, err := os.Open(in.Path)
	if err != nil {
		return fmt.Errorf("csv open: %w", err)
	}
	defer f.Close()
	dec, cs := decode(ctxReader{ctx, f})
	setCharset(s, cs)
	br := bufio.NewReaderSize(dec, extract.SniffLen)
	head, _ := br.Peek(extract.SniffLen)
	comma := extract.CSVDelimiter(head)
	switch {
	case in.Type.MIME == extract.MIMETSV:
		comma = '\t'
	case comma == 0:
		comma = ','
	}
	return writeCSV(s, br, comma)
}

func setCharset(s extract.Sink, cs string) {
	m := s.Meta()
	if m.Extra == nil {
		m.Extra = map[string]string{}
	}
	m.Extra["charset"] = cs
}
