package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/extract"
)

// DefaultTimeout bounds the work on one file when Config.Timeout is zero.
const DefaultTimeout = 5 * time.Minute

const (
	toolPdftotext = "pdftotext"
)

// Config says where the poppler tools are and how long one file may take.
// Zero values select the defaults.
type Config struct {
	Pdftotext string        // path of pdftotext; "" looks it up on PATH
	Timeout   time.Duration // for all tool runs on one file together; 0 means DefaultTimeout
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
// Errors wrap extract.ErrEncrypted (no password opened the file),
// extract.ErrTimeout, extract.ErrToolMissing, or are an *extract.ToolError
// wrapping extract.ErrCorrupt when a tool rejects the file.
func (e *Extractor) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	ctx, cancel := context.WithTimeoutCause(ctx, e.cfg.Timeout,
		fmt.Errorf("%w (limit %v)", extract.ErrTimeout, e.cfg.Timeout))
	defer cancel()

	path := in.Path
	if strings.HasPrefix(path, "-") {
		path = "./" + path // never let a file name pass for an option
	}
	m := s.Meta()
	if f, err := os.Open(in.Path); err == nil {
		if st, err := f.Stat(); err == nil {
			m.Encrypted = hasEncryptDict(f, st.Size())
		}
		f.Close()
	}

	// One pdftotext run gives text and metadata (-htmlmeta); poppler tries
	// the empty password itself, then each given one as user and owner
	// password.
	try := func(pw []string) error {
		mw := &metaWriter{w: &pageWriter{w: s}}
		args := append([]string{"-htmlmeta", "-enc", "UTF-8"}, pw...)
		args = append(args, path, "-")
		if err := e.run(ctx, toolPdftotext, e.cfg.Pdftotext, args, mw); err != nil {
			return err
		}
		if err := mw.finish(m); err != nil {
			return fmt.Errorf("pdf write text: %w", err)
		}
		return writeTrailer(s, m.Subject, m.Keywords)
	}
	err := try(nil)
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

// headBuffer keeps the first max bytes written to it and drops the rest
// without failing the writer.
type headBuffer struct {
	buf bytes.Buffer
	max int
}

func (h *headBuffer) Write(p []byte) (int, error) {
	if room := h.max - h.buf.Len(); room > 0 {
		h.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}

func (h *headBuffer) Bytes() []byte { return h.buf.Bytes() }
func (h *headBuffer) Reset()        { h.buf.Reset() }
