package pdf

import (
	"bytes"
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
)

// metaWriter reads the output of `pdftotext -htmlmeta`: an XHTML head with
// the document information (title and <meta> tags: Author, Subject,
// Keywords, Creator, Producer, CreationDate, ModDate) and the text in one
// <pre> element, HTML-escaped. It parses the head, unescapes the text as it
// streams and forwards it to w. One pdftotext run thus gives both text and
// metadata (a pdfinfo run per file cost as much CPU as the extraction).
type metaWriter struct {
	w      io.Writer
	head   bytes.Buffer // until "<pre>"
	inBody bool
	done   bool
	hold   []byte // tail kept back: a split entity or a split "</pre>"
	pages  int    // form feeds seen: pdftotext ends every page with one
}

const (
	preOpen  = "<pre>\n"
	preClose = "</pre>"
	maxHead  = 1 << 20
)

func (mw *metaWriter) Write(p []byte) (int, error) {
	n := len(p)
	if mw.done {
		return n, nil
	}
	if !mw.inBody {
		if mw.head.Len()+len(p) > maxHead {
			return 0, fmt.Errorf("pdftotext output: no text after %d bytes of head: %w", maxHead, extract.ErrCorrupt)
		}
		mw.head.Write(p)
		i := bytes.Index(mw.head.Bytes(), []byte(preOpen))
		if i < 0 {
			return n, nil
		}
		mw.inBody = true
		rest := append([]byte(nil), mw.head.Bytes()[i+len(preOpen):]...)
		mw.head.Truncate(i)
		p = rest
	}
	return n, mw.body(p)
}

// body unescapes and forwards text, keeping back an incomplete entity or
// closing tag at the end of the buffer for the next write.
func (mw *metaWriter) body(p []byte) error {
	buf := append(mw.hold, p...)
	mw.hold = nil
	if i := bytes.Index(buf, []byte(preClose)); i >= 0 {
		buf = buf[:i]
		mw.done = true
	} else {
		keep := 0
		if j := bytes.LastIndexByte(buf, '&'); j >= 0 && j > len(buf)-12 && bytes.IndexByte(buf[j:], ';') < 0 {
			keep = len(buf) - j
		}
		if j := bytes.LastIndexByte(buf, '<'); j >= 0 && j > len(buf)-len(preClose) {
			keep = max(keep, len(buf)-j)
		}
		if keep > 0 {
			mw.hold = append([]byte(nil), buf[len(buf)-keep:]...)
			buf = buf[:len(buf)-keep]
		}
	}
	if len(buf) == 0 {
		return nil
	}
	mw.pages += bytes.Count(buf, []byte{'\f'})
	text := buf
	if bytes.IndexByte(buf, '&') >= 0 {
		text = []byte(html.UnescapeString(string(buf)))
	}
	_, err := mw.w.Write(text)
	return err
}

// finish flushes held-back text and fills m from the head.
func (mw *metaWriter) finish(m *archive.Meta) error {
	if len(mw.hold) > 0 && !mw.done {
		h := mw.hold
		mw.hold = nil
		mw.pages += bytes.Count(h, []byte{'\f'})
		if _, err := mw.w.Write([]byte(html.UnescapeString(string(h)))); err != nil {
			return err
		}
	}
	parseHead(mw.head.Bytes(), m)
	if m.Pages == 0 {
		m.Pages = mw.pages
	}
	return nil
}

var (
	titleRE = regexp.MustCompile(`(?s)<title>(.*?)</title>`)
	metaRE  = regexp.MustCompile(`<meta name="([A-Za-z]+)" content="([^"]*)"/>`)
)

// parseHead reads the document information from the XHTML head.
func parseHead(head []byte, m *archive.Meta) {
	fields := map[string]string{}
	if g := titleRE.FindSubmatch(head); g != nil {
		fields["Title"] = string(g[1])
	}
	for _, g := range metaRE.FindAllSubmatch(head, -1) {
		fields[string(g[1])] = string(g[2])
	}
	set := func(dst *string, k string) {
		if *dst == "" {
			*dst = repairMojibake(strings.TrimSpace(html.UnescapeString(fields[k])))
		}
	}
	set(&m.Title, "Title")
	set(&m.Author, "Author")
	set(&m.Creator, "Creator")
	set(&m.Producer, "Producer")
	set(&m.Subject, "Subject")
	set(&m.Keywords, "Keywords")
	if t, ok := parseDate(html.UnescapeString(fields["CreationDate"])); ok && m.Created.IsZero() {
		m.Created = t
	}
	if t, ok := parseDate(html.UnescapeString(fields["ModDate"])); ok && m.Modified.IsZero() {
		m.Modified = t
	}
}

// hasEncryptDict reports whether the PDF's trailer (or cross-reference
// stream) names an /Encrypt dictionary: the file is encrypted even when the
// empty user password opens it.
func hasEncryptDict(r io.ReaderAt, size int64) bool {
	look := func(off, n int64) bool {
		if off < 0 {
			n += off
			off = 0
		}
		if n <= 0 {
			return false
		}
		b := make([]byte, n)
		k, _ := r.ReadAt(b, off)
		return bytes.Contains(b[:k], []byte("/Encrypt"))
	}
	const tail, head = 256 << 10, 64 << 10
	return look(size-tail, tail) || look(0, min(head, size))
}
