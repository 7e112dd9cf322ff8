package office

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
)

// Limits applied when Config leaves them zero.
const (
	DefaultMaxBytes   = 2 << 30 // decompressed bytes read from one package
	DefaultMaxEntries = 50000   // zip entries in one package
)

// Config bounds the work on one package. Zero values select the defaults.
type Config struct {
	MaxBytes   int64 // decompressed bytes read from all parts together
	MaxEntries int   // entries in the zip's central directory
}

// Extractor handles DOCX, XLSX, PPTX, ODT, ODS and ODP.
type Extractor struct {
	cfg Config
}

var _ extract.Extractor = (*Extractor)(nil)

// New returns the office extractor.
func New(cfg Config) *Extractor {
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxEntries <= 0 {
		cfg.MaxEntries = DefaultMaxEntries
	}
	return &Extractor{cfg: cfg}
}

func (e *Extractor) Name() string { return "office" }

func (e *Extractor) MIMEs() []string {
	return []string{extract.MIMEDOCX, extract.MIMEXLSX, extract.MIMEPPTX,
		extract.MIMEODT, extract.MIMEODS, extract.MIMEODP}
}

// Extract writes the text of the package at in.Path to s and fills
// s.Meta(), then emits the files embedded in an OOXML package as children. The format is chosen by in.Type.MIME, or by the package's own
// content type when the MIME type is none of the six.
//
// Errors wrap extract.ErrCorrupt (not a zip, a part missing or not
// well-formed XML), extract.ErrBomb (a limit exceeded), extract.ErrEncrypted
// (an encrypted OpenDocument), extract.ErrUnsupported (a zip that is none of
// the six formats), or the sink's or the context's error.
func (e *Extractor) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	f, err := os.Open(in.Path)
	if err != nil {
		return fmt.Errorf("office open: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("office stat: %w", err)
	}
	zr, err := zip.NewReader(f, st.Size())
	if err != nil {
		return fmt.Errorf("office open zip: %w: %w", extract.ErrCorrupt, err)
	}
	if len(zr.File) > e.cfg.MaxEntries {
		return fmt.Errorf("office: %w: %d zip entries (limit %d)", extract.ErrBomb, len(zr.File), e.cfg.MaxEntries)
	}
	p := newPackage(ctx, zr, e.cfg.MaxBytes)
	tw := newTextWriter(s)
	m := s.Meta()

	mime := p.format(in.Type.MIME)
	switch mime {
	case extract.MIMEDOCX:
		err = p.docx(tw, m)
	case extract.MIMEXLSX:
		err = p.xlsx(tw, m)
	case extract.MIMEPPTX:
		err = p.pptx(tw, m)
	case extract.MIMEODT, extract.MIMEODS, extract.MIMEODP:
		err = p.odf(tw, m, mime)
	default:
		err = fmt.Errorf("office: %w: a zip that is no OOXML or OpenDocument package", extract.ErrUnsupported)
	}
	if err == nil || errors.Is(err, extract.ErrCorrupt) {
		writeTrailer(tw, m) // the properties were read before the body failed
	}
	if ferr := tw.flush(); err == nil && ferr != nil {
		err = fmt.Errorf("office write text: %w", ferr)
	}
	if err != nil {
		return err
	}
	if mime == extract.MIMEDOCX || mime == extract.MIMEXLSX || mime == extract.MIMEPPTX {
		return p.embedded(s, p.chunks)
	}
	return nil
}

// writeTrailer ends the text with the properties that are prose but not part
// of the body, so that a search finds them.
func writeTrailer(tw *textWriter, m *archive.Meta) {
	for _, f := range []struct{ label, value string }{
		{"Subject", m.Subject},
		{"Keywords", m.Keywords},
		{"Description", m.Extra["description"]},
	} {
		if v := strings.TrimSpace(f.value); v != "" {
			tw.sep('\n')
			tw.text(f.label + ": " + v)
		}
	}
}

// setExtra records a property in m.Extra, keeping a value already there.
func setExtra(m *archive.Meta, key, value string) {
	value = strings.TrimSpace(value)
	if value == "" {
		return
	}
	if m.Extra == nil {
		m.Extra = map[string]string{}
	}
	if _, ok := m.Extra[key]; !ok {
		m.Extra[key] = value
	}
}

// setString sets *dst to value unless *dst is already set.
func setString(dst *string, value string) {
	if value = strings.TrimSpace(value); value != "" && *dst == "" {
		*dst = value
	}
}
