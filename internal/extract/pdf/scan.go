package pdf

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/ocr"
)

// MinPageText is the number of non-space characters below which a page
// counts as having no text layer (a scan, perhaps with a page number or a
// stamp as text) and is read by OCR when OCR is configured.
const MinPageText = 20

// maxHeld bounds the text kept of a page that looks textless (it is
// written when OCR fails on it); a page of white space is cut short.
const maxHeld = 4 << 10

// scanWriter sits between pdftotext's text (every page ended by '\f') and
// the sink. Pages with text pass straight through. A page with fewer than
// MinPageText non-space characters is held back and marked for OCR; from
// then on the text goes into a spool file, so that after pdftotext has
// finished the OCR text of each marked page can be put in its place.
type scanWriter struct {
	w     io.Writer // on to the sink
	page  int       // current page, from 1
	held  []byte    // the current page's text while it looks textless
	chars int       // non-space characters of the current page, up to MinPageText
	text  bool      // the current page has a text layer: streaming

	spool  *os.File // text after the first textless page; nil before
	spoolN int64
	marks  []mark
	err    error
}

// mark is a textless page and where its text goes in the spool.
type mark struct {
	page int
	off  int64
	held []byte
}

func (s *scanWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && s.err == nil {
		part, rest, found := bytes.Cut(p, []byte{'\f'})
		s.addText(part)
		if found {
			s.endPage()
			s.out([]byte{'\f'})
		}
		p = rest
	}
	if s.err != nil {
		return 0, s.err
	}
	return n, nil
}

func (s *scanWriter) addText(b []byte) {
	if s.text {
		s.out(b)
		return
	}
	for i := 0; i < len(b) && s.chars < MinPageText; {
		r, size := utf8.DecodeRune(b[i:])
		if !unicode.IsSpace(r) {
			s.chars++
		}
		i += size
	}
	if s.chars >= MinPageText {
		s.text = true
		s.out(s.held)
		s.out(b)
		s.held = nil
		return
	}
	if len(s.held)+len(b) <= maxHeld {
		s.held = append(s.held, b...)
		return
	}
	// a page of white space: keep its few other characters, white space
	// between them as one space
	for _, r := range string(b) {
		if !unicode.IsSpace(r) {
			s.held = utf8.AppendRune(s.held, r)
		} else if len(s.held) > 0 && s.held[len(s.held)-1] != ' ' {
			s.held = append(s.held, ' ')
		}
	}
}

// endPage ends the current page at its '\f'.
func (s *scanWriter) endPage() {
	if !s.text {
		if s.spool == nil && s.err == nil {
			s.spool, s.err = os.CreateTemp("", "trove-pdf-*.txt")
		}
		s.marks = append(s.marks, mark{page: s.page + 1, off: s.spoolN, held: s.held})
	}
	s.page++
	s.held, s.chars, s.text = nil, 0, false
}

func (s *scanWriter) out(b []byte) {
	if s.err != nil || len(b) == 0 {
		return
	}
	if s.spool != nil {
		n, err := s.spool.Write(b)
		s.spoolN += int64(n)
		s.err = err
		return
	}
	_, s.err = s.w.Write(b)
}

// flush passes on text after the last '\f' (pdftotext writes none).
func (s *scanWriter) flush() error {
	if !s.text {
		s.out(s.held)
	}
	s.held = nil
	return s.err
}

// close removes the spool.
func (s *scanWriter) close() {
	if s.spool != nil {
		s.spool.Close()
		os.Remove(s.spool.Name())
	}
}

// ocrPages writes the spooled text with the OCR text of each marked page
// in its place (the page's own scrap of text when OCR fails on it), and
// records the pages read in m.Extra["ocr_pages"] ("1-3,7") and the engine
// in m.Extra["ocr"]. A page OCR fails on does not stop the others, unless
// the tool is missing or ctx is done; the first failure is returned after
// all the text has been written.
func (e *Extractor) ocrPages(ctx context.Context, path string, pw ocr.Password, s *scanWriter, m *archive.Meta) error {
	if len(s.marks) == 0 {
		return nil
	}
	if _, err := s.spool.Seek(0, io.SeekStart); err != nil {
		return &writeError{err}
	}
	var (
		pos     int64
		done    []int
		ocrErr  error
		stopped bool
		page    bytes.Buffer
	)
	for _, mk := range s.marks {
		if _, err := io.CopyN(s.w, s.spool, mk.off-pos); err != nil {
			return &writeError{err}
		}
		pos = mk.off
		text := mk.held
		if !stopped {
			page.Reset()
			err := e.cfg.OCR.PDFPagesPassword(ctx, path, pw, []int{mk.page}, &page)
			switch {
			case err == nil:
				text = page.Bytes()
				done = append(done, mk.page)
			default:
				if ocrErr == nil {
					ocrErr = err
				}
				stopped = ctx.Err() != nil || errors.Is(err, extract.ErrToolMissing)
			}
		}
		if _, err := s.w.Write(text); err != nil {
			return &writeError{err}
		}
	}
	if _, err := io.Copy(s.w, s.spool); err != nil {
		return &writeError{err}
	}
	if len(done) > 0 {
		setExtra(m, "ocr_pages", pageRanges(done))
		setExtra(m, "ocr", e.cfg.OCR.Describe())
	}
	if ocrErr != nil {
		return fmt.Errorf("pdf ocr: %d of %d pages without text not read: %w", len(s.marks)-len(done), len(s.marks), ocrErr)
	}
	return nil
}

// writeError is a failure to pass text on to the sink (or to read the
// spool): it ends the extraction.
type writeError struct{ err error }

func (w *writeError) Error() string { return "pdf write text: " + w.err.Error() }
func (w *writeError) Unwrap() error { return w.err }

// pageRanges writes ascending page numbers as "1-3,7".
func pageRanges(pages []int) string {
	var b strings.Builder
	for i := 0; i < len(pages); {
		j := i
		for j+1 < len(pages) && pages[j+1] == pages[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(pages[i]))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(pages[j]))
		}
		i = j + 1
	}
	return b.String()
}

func setExtra(m *archive.Meta, k, v string) {
	if m.Extra == nil {
		m.Extra = map[string]string{}
	}
	m.Extra[k] = v
}
