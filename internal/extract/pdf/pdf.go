package pdf

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/ocr"
)

// DefaultTimeout bounds the text extraction of one file when Config.Timeout
// is zero.
const DefaultTimeout = 5 * time.Minute

const (
	toolPdftotext = "pdftotext"
)

// Config says where the poppler tools are, how long one file may take and
// whether pages without text are read by OCR. Zero values select the
// defaults.
type Config struct {
	Pdftotext string // path of pdftotext; "" looks it up on PATH
	// Timeout bounds the pdftotext runs on one file together; 0 means
	// DefaultTimeout. OCR is bounded by its engine's time limit per page
	// and by the caller's context.
	Timeout time.Duration
	// OCR, when set, reads the pages that have (almost) no text layer
	// (fewer than MinPageText non-space characters): scans.
	OCR *ocr.Engine
}

// Extractor extracts PDFs with pdftotext.
type Extractor struct {
	cfg Config
}

var _ extract.Extractor = (*Extractor)(nil)

// New returns a PDF extractor. It does not check that the tools exist:
// Extract then fails with extract.ErrToolMissing, and Check reports it.
func New(cfg Config) *Extractor {
	if cfg.Pdftotext == "" {
		cfg.Pdftotext = toolPdftotext
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	return &Extractor{cfg: cfg}
}

func (e *Extractor) Name() string    { return toolPdftotext }
func (e *Extractor) MIMEs() []string { return []string{extract.MIMEPDF} }

// Extract fills s.Meta() from pdftotext's XHTML head and streams its text into s,
// pages separated by '\f' (none after the last page). The Info dictionary's
// Subject and Keywords are appended to the text, so that they are found by
// a search.
//
// With OCR configured, the text of pages without a text layer is read by
// OCR and put in their place; m.Extra["ocr_pages"] lists them ("1-3,7")
// and m.Extra["ocr"] names the engine. An OCR failure is returned after
// all the text and metadata have been written, wrapping the sentinel that
// says why (extract.ErrToolMissing, extract.ErrTimeout, ...).
//
// Errors wrap extract.ErrEncrypted (no password opened the file),
// extract.ErrTimeout, extract.ErrToolMissing, or are an *extract.ToolError
// wrapping extract.ErrCorrupt when a tool rejects the file.
func (e *Extractor) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	textCtx, cancel := context.WithTimeoutCause(ctx, e.cfg.Timeout,
		fmt.Errorf("%w (limit %v)", extract.ErrTimeout, e.cfg.Timeout))
	defer cancel()

	// An absolute path never passes for an option, and is the same inside
	// the sandbox.
	path, err := filepath.Abs(in.Path)
	if err != nil {
		return fmt.Errorf("pdf: %w", err)
	}
	m := s.Meta()
	if f, err := os.Open(path); err == nil {
		if st, err := f.Stat(); err == nil {
			m.Encrypted = hasEncryptDict(f, st.Size())
		}
		f.Close()
	}

	// One pdftotext run gives text and metadata (-htmlmeta); poppler tries
	// the empty password itself, then each given one as user and owner
	// password.
	try := func(pw []string) error {
		pages := &pageWriter{w: s}
		var out io.Writer = pages
		var scan *scanWriter
		if e.cfg.OCR != nil {
			scan = &scanWriter{w: pages}
			defer scan.close()
			out = scan
		}
		mw := &metaWriter{w: out}
		args := append([]string{"-htmlmeta", "-enc", "UTF-8"}, pw...)
		args = append(args, path, "-")
		if err := e.run(textCtx, args, mw, path); err != nil {
			return err
		}
		if err := mw.finish(m); err != nil {
			return fmt.Errorf("pdf write text: %w", err)
		}
		var ocrErr error
		if scan != nil {
			if err := scan.flush(); err != nil {
				return fmt.Errorf("pdf write text: %w", err)
			}
			var opw ocr.Password
			if len(pw) == 2 && pw[0] == "-upw" {
				opw.User = pw[1]
			} else if len(pw) == 2 {
				opw.Owner = pw[1]
			}
			ocrErr = e.ocrPages(ctx, path, opw, scan, m)
			var werr *writeError
			if errors.As(ocrErr, &werr) {
				return ocrErr
			}
		}
		if err := writeTrailer(s, m.Subject, m.Keywords); err != nil {
			return err
		}
		return ocrErr
	}
	err = try(nil)
	if !errors.Is(err, errPassword) {
		return err
	}
	m.Encrypted = true
	passwords := s.Passwords()
	for _, p := range passwords {
		if strings.ContainsRune(p, 0) {
			continue // cannot be passed as an argument
		}
		for _, flag := range []string{"-upw", "-opw"} {
			err := try([]string{flag, p})
			if !errors.Is(err, errPassword) {
				return err
			}
		}
	}
	return fmt.Errorf("%s: %w (tried %d passwords)", toolPdftotext, extract.ErrEncrypted, len(passwords))
}

// errPassword means poppler could not open the file with the password given.
var errPassword = errors.New("incorrect password")

// writeTrailer appends the Subject and Keywords to the text.
func writeTrailer(w io.Writer, subject, keywords string) error {
	var b strings.Builder
	if subject != "" {
		b.WriteString("\nSubject: " + subject)
	}
	if keywords != "" {
		b.WriteString("\nKeywords: " + keywords)
	}
	if b.Len() == 0 {
		return nil
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("pdf write metadata text: %w", err)
	}
	return nil
}

// pageWriter passes text through but holds back a trailing form feed until
// more text follows: pdftotext ends every page, the last one too, with '\f',
// and the sink wants separators between pages only.
type pageWriter struct {
	w       io.Writer
	pending bool
}

func (p *pageWriter) Write(b []byte) (int, error) {
	if len(b) == 0 {
		return 0, nil
	}
	if p.pending {
		if _, err := p.w.Write([]byte{'\f'}); err != nil {
			return 0, err
		}
		p.pending = false
	}
	out := b
	if out[len(out)-1] == '\f' {
		out = out[:len(out)-1]
		p.pending = true
	}
	if len(out) > 0 {
		if n, err := p.w.Write(out); err != nil {
			return n, err
		}
	}
	return len(b), nil
}
