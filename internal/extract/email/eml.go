package email

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"

	"golang.org/x/text/transform"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/html"
)

const (
	// maxDepth bounds the nesting of multiparts inside one message.
	maxDepth = 64
	// altBudget bounds the text held in memory while choosing among the
	// parts of multipart/alternative (all such parts of one message).
	altBudget = 32 << 20
	// maxPreamble is how much of a multipart body without any delimiter is
	// kept as text.
	maxPreamble = 1 << 20
)

// EML extracts single messages (message/rfc822).
type EML struct{}

var _ extract.Extractor = EML{}

// NewEML returns the message extractor.
func NewEML() EML { return EML{} }

func (EML) Name() string    { return "eml" }
func (EML) MIMEs() []string { return []string{extract.MIMEEmail} }

// Extract fills s.Meta().Email and Title, writes a header block and the
// text of the inline parts, and emits attachments and enclosed messages as
// children (see the package documentation of the names). The file is read
// twice: once to count the children for s.Expect, once to extract.
func (EML) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	f, err := os.Open(in.Path)
	if err != nil {
		return fmt.Errorf("eml open: %w", err)
	}
	defer f.Close()
	count := &walker{ctx: ctx, count: true}
	if err := count.message(f, &textWriter{w: io.Discard}); err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("eml seek: %w", err)
	}
	if count.n > 0 {
		s.Expect(count.n)
	}
	w := &walker{ctx: ctx, s: s, budget: altBudget, bodyCharset: count.bodyCharset}
	tw := &textWriter{w: s}
	if err := w.message(f, tw); err != nil {
		return err
	}
	return tw.err
}

// walker walks the MIME tree of one message.
type walker struct {
	ctx    context.Context
	s      extract.Sink
	count  bool  // only count children
	n      int   // children announced so far
	budget int64 // bytes left for buffering alternatives
	// bodyCharset is the first known charset of an inline text part: raw
	// 8-bit header text is read in it when the top-level header declares
	// none (found by the counting pass).
	bodyCharset string
}

// part is a parsed body-part header.
type part struct {
	ctype    string // lower case "type/subtype"
	params   map[string]string
	disp     string // lower case disposition type
	filename string
	cte      string
}

func parsePart(h *header, defType, hcs string) *part {
	p := &part{ctype: defType, params: map[string]string{}}
	if v := h.get("content-type"); v != nil {
		t, params := splitValue(headerString(v, hcs))
		if i := strings.IndexByte(t, '/'); i > 0 && i < len(t)-1 {
			p.ctype = t
		} else if v := bytes.TrimSpace(v); len(v) > 0 {
			p.ctype = "text/plain" // an invalid type counts as text/plain (RFC 2045 section 5.2)
		}
		p.params = params
	}
	var dparams map[string]string
	if v := h.get("content-disposition"); v != nil {
		p.disp, dparams = splitValue(headerString(v, hcs))
	}
	name := dparams["filename"]
	if name == "" {
		name = p.params["name"]
	}
	p.filename = cleanName(decodeWords(name))
	p.cte = strings.ToLower(strings.TrimSpace(string(h.get("content-transfer-encoding"))))
	return p
}

// cleanName reduces a declared file name to its last path element, without
// control characters.
func cleanName(s string) string {
	s = cleanText(s)
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = strings.TrimSpace(s[i+1:])
	}
	if s == "." || s == ".." {
		return ""
	}
	return s
}

func (p *part) isMultipart() bool {
	return strings.HasPrefix(p.ctype, "multipart/") && p.params["boundary"] != ""
}

func (p *part) isMessage() bool {
	return p.ctype == "message/rfc822" || p.ctype == "message/global"
}

// isAttachment: declared as one, named, or not text.
func (p *part) isAttachment() bool {
	return p.disp == "attachment" || p.filename != "" || !isTextual(p.ctype)
}

func isTextual(ct string) bool {
	if strings.HasPrefix(ct, "text/") {
		return true
	}
	switch ct {
	case "message/delivery-status", "message/disposition-notification", "message/feedback-report",
		"message/global-delivery-status", "message/global-disposition-notification",
		"message/global-headers", "message/external-body":
		return true
	}
	return false
}

// message reads a whole message from r: header, then body.
func (w *walker) message(r io.Reader, out *textWriter) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if err := skipEnvelope(br); err != nil {
		return fmt.Errorf("eml read: %w", err)
	}
	h, err := readHeader(br)
	if err != nil {
		return err
	}
	hcs := h.charset()
	if lookupCharset(hcs) == nil && w.bodyCharset != "" {
		hcs = w.bodyCharset
	}
	if !w.count {
		e := h.emailIn(hcs)
		m := w.s.Meta()
		m.Email = e
		m.Title = e.Subject
		if m.Author == "" {
			m.Author = e.From
		}
		writeHeaderBlock(out, e, h.text("date", hcs))
	}
	p := parsePart(&h, "text/plain", hcs)
	if err := w.entity(p, br, out, 0); err != nil {
		return err
	}
	out.separate()
	// whatever the body parser left (an epilogue) is not text
	if _, err := io.Copy(io.Discard, br); err != nil {
		return fmt.Errorf("eml read: %w", err)
	}
	return nil
}

func writeHeaderBlock(out *textWriter, e *archive.Email, date string) {
	line := func(k, v string) {
		if v != "" {
			out.writeString(k + ": " + v + "\n")
		}
	}
	line("From", e.From)
	line("To", strings.Join(e.To, ", "))
	line("Cc", strings.Join(e.Cc, ", "))
	line("Subject", e.Subject)
	line("Date", date)
	out.writeString("\n")
}

// entity handles one body part whose header is p and whose raw body is r.
func (w *walker) entity(p *part, r *bufio.Reader, out *textWriter, depth int) error {
	if err := w.ctx.Err(); err != nil {
		return err
	}
	switch {
	case p.isMultipart():
		if depth >= maxDepth {
			return fmt.Errorf("eml: multipart nested deeper than %d: %w", maxDepth, extract.ErrTooDeep)
		}
		return w.multipart(p, r, out, depth+1)
	case strings.HasPrefix(p.ctype, "multipart/"):
		return w.inline(p, r, out) // no boundary: the body is text
	case p.isMessage():
		return w.child(p, r, true)
	case p.isAttachment():
		return w.child(p, r, false)
	default:
		return w.inline(p, r, out)
	}
}

// inline writes the text of a text part.
func (w *walker) inline(p *part, r *bufio.Reader, out *textWriter) error {
	if w.count {
		if cs := p.params["charset"]; w.bodyCharset == "" && lookupCharset(cs) != nil {
			w.bodyCharset = cs
		}
		return nil
	}
	dec, _ := transferReader(p.cte, r)
	src := &errReader{r: dec}
	out.separate()
	if p.ctype == "text/html" {
		_, _ = html.Text(src, p.params["charset"], out)
	} else {
		_, _ = io.Copy(out, transform.NewReader(src, newDecoder(p.params["charset"])))
	}
	// Only read and write failures matter: a decoding problem just ends the
	// part's text early.
	if src.err != nil {
		return fmt.Errorf("eml read: %w", src.err)
	}
	return out.err
}

// child emits an attachment or an enclosed message.
func (w *walker) child(p *part, r *bufio.Reader, msg bool) error {
	w.n++
	if w.count {
		return nil
	}
	info := extract.ChildInfo{Name: p.filename, MIME: p.ctype}
	if info.Name == "" {
		if msg {
			info.Name = fmt.Sprintf("message-%d.eml", w.n)
		} else {
			info.Name = fmt.Sprintf("attachment-%d.%s", w.n, extFor(p.ctype))
		}
	}
	dec, b64 := transferReader(p.cte, r)
	src := &errReader{r: dec}
	body := getReader(src)
	defer putReader(body)
	if _, err := body.Peek(1); err != nil {
		if src.err != nil {
			return fmt.Errorf("eml read: %w", src.err)
		}
		if b64 != nil && b64.undecodable() {
			w.s.ChildFailed(info, fmt.Errorf("eml attachment %q: no valid base64: %w", info.Name, extract.ErrCorrupt))
			return nil
		}
	}
	if err := w.s.Child(w.ctx, info, body); err != nil {
		if src.err != nil {
			return fmt.Errorf("eml read: %w", src.err)
		}
		return fmt.Errorf("eml child %q: %w", info.Name, err)
	}
	return nil
}

// multipart walks the parts of a multipart body.
func (w *walker) multipart(p *part, r *bufio.Reader, out *textWriter, depth int) error {
	boundary := p.params["boundary"]
	pre := newSection(r, boundary)
	var preamble bytes.Buffer
	if _, err := io.Copy(&preamble, io.LimitReader(pre, maxPreamble)); err != nil {
		return fmt.Errorf("eml read: %w", err)
	}
	if err := pre.drain(); err != nil {
		return fmt.Errorf("eml read: %w", err)
	}
	if !pre.found {
		// no delimiter at all: the body is text
		if !w.count {
			out.separate()
			out.writeString(toUTF8(preamble.Bytes()))
		}
		return out.err
	}
	if pre.final {
		return nil
	}
	defType := "text/plain"
	if p.ctype == "multipart/digest" {
		defType = "message/rfc822"
	}
	alt := p.ctype == "multipart/alternative" && !w.count
	var cands []*candidate
	defer func() {
		for _, c := range cands {
			w.budget += int64(c.buf.Len())
		}
	}()
	for {
		sec := newSection(r, boundary)
		br := getReader(sec)
		err := w.subpart(sec, br, defType, alt, &cands, out, depth)
		putReader(br)
		if err != nil {
			return err
		}
		if !sec.found || sec.final {
			break
		}
	}
	if alt {
		if c := choose(cands); c != nil {
			out.separate()
			_, _ = out.Write(c.buf.Bytes())
		}
	}
	return out.err
}

// subpart handles one part of a multipart: its header and body are read
// from br, which reads sec.
func (w *walker) subpart(sec *section, br *bufio.Reader, defType string, alt bool, cands *[]*candidate, out *textWriter, depth int) error {
	h, err := readHeader(br)
	if err != nil {
		return err
	}
	sp := parsePart(&h, defType, "")
	target := out
	if alt {
		c := &candidate{plain: sp.ctype == "text/plain" && !sp.isAttachment(), w: w}
		c.tw = &textWriter{w: c}
		*cands = append(*cands, c)
		target = c.tw
	}
	if err := w.entity(sp, br, target, depth); err != nil {
		return err
	}
	if err := sec.drain(); err != nil {
		return fmt.Errorf("eml read: %w", err)
	}
	return nil
}

// readers recycles the buffered readers of body parts (a message may have
// very many small parts).
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 16<<10) }}

func getReader(r io.Reader) *bufio.Reader {
	br := readers.Get().(*bufio.Reader)
	br.Reset(r)
	return br
}

func putReader(br *bufio.Reader) {
	br.Reset(nil)
	readers.Put(br)
}

// candidate holds the text of one part of a multipart/alternative.
type candidate struct {
	plain bool
	buf   bytes.Buffer
	tw    *textWriter
	w     *walker
}

// Write keeps what fits in the walker's budget and drops the rest.
func (c *candidate) Write(p []byte) (int, error) {
	n := int64(len(p))
	if n > c.w.budget {
		n = c.w.budget
	}
	c.buf.Write(p[:n])
	c.w.budget -= n
	return len(p), nil
}

// choose picks the text/plain alternative if it has text, else the first
// alternative that has any.
func choose(cands []*candidate) *candidate {
	for _, c := range cands {
		if c.plain && len(bytes.TrimSpace(c.buf.Bytes())) > 0 {
			return c
		}
	}
	for _, c := range cands {
		if len(bytes.TrimSpace(c.buf.Bytes())) > 0 {
			return c
		}
	}
	return nil
}

// textWriter normalizes line breaks to "\n", remembers the first write
// error, and separates the text of consecutive parts.
type textWriter struct {
	w       io.Writer
	err     error
	cr      bool // a '\r' is held back
	last    byte // last byte written
	written bool
	buf     []byte
}

func (t *textWriter) Write(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	b := t.buf[:0]
	if t.cr {
		t.cr = false
		if p[0] != '\n' {
			b = append(b, '\n')
		}
	}
	for i, c := range p {
		if c != '\r' {
			b = append(b, c)
			continue
		}
		if i == len(p)-1 {
			t.cr = true
		} else if p[i+1] != '\n' {
			b = append(b, '\n') // a lone CR is a line break
		}
	}
	t.buf = b
	if len(b) > 0 {
		if _, err := t.w.Write(b); err != nil {
			t.err = fmt.Errorf("eml write text: %w", err)
			return 0, t.err
		}
		t.last, t.written = b[len(b)-1], true
	}
	return len(p), nil
}

// writeString writes s; a failure is kept in t.err.
func (t *textWriter) writeString(s string) { _, _ = t.Write([]byte(s)) }

// separate ends the current line before the text of the next part.
func (t *textWriter) separate() {
	if t.cr {
		t.cr = false
		_, _ = t.Write([]byte{'\n'})
	}
	if t.written && t.last != '\n' {
		_, _ = t.Write([]byte{'\n'})
	}
}

// errReader remembers the error of the underlying reader, so that read
// failures (fatal) can be told from decoding or sink failures.
type errReader struct {
	r   io.Reader
	err error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		e.err = err
	}
	return n, err
}

var extByType = map[string]string{
	"text/plain": "txt", "text/html": "html", "text/csv": "csv", "text/calendar": "ics",
	"text/x-vcard": "vcf", "text/vcard": "vcf", "text/enriched": "txt", "text/richtext": "rtx",
	"text/xml": "xml", "text/rtf": "rtf", "text/x-patch": "patch", "text/x-diff": "diff",
	"application/pdf": "pdf", "application/zip": "zip", "application/x-zip-compressed": "zip",
	"application/gzip": "gz", "application/x-gzip": "gz", "application/x-tar": "tar",
	"application/x-7z-compressed": "7z", "application/vnd.rar": "rar", "application/x-rar-compressed": "rar",
	"application/msword": "doc", "application/vnd.ms-excel": "xls", "application/vnd.ms-powerpoint": "ppt",
	extract.MIMEDOCX: "docx", extract.MIMEXLSX: "xlsx", extract.MIMEPPTX: "pptx",
	extract.MIMEODT: "odt", extract.MIMEODS: "ods", extract.MIMEODP: "odp",
	"application/rtf": "rtf", "application/xml": "xml", "application/json": "json",
	"application/ms-tnef": "dat", "application/vnd.ms-tnef": "dat", "application/vnd.ms-outlook": "msg",
	"application/pgp-signature": "asc", "application/pgp-encrypted": "asc", "application/pgp-keys": "asc",
	"application/pkcs7-signature": "p7s", "application/x-pkcs7-signature": "p7s",
	"application/pkcs7-mime": "p7m", "application/x-pkcs7-mime": "p7m",
	"application/x-patch": "patch", "application/javascript": "js", "application/octet-stream": "bin",
	"image/jpeg": "jpg", "image/pjpeg": "jpg", "image/png": "png", "image/gif": "gif", "image/bmp": "bmp",
	"image/tiff": "tif", "image/webp": "webp", "image/svg+xml": "svg", "image/x-icon": "ico",
	"audio/mpeg": "mp3", "audio/wav": "wav", "audio/x-wav": "wav", "audio/ogg": "ogg", "audio/flac": "flac",
	"video/mp4": "mp4", "video/mpeg": "mpg", "video/quicktime": "mov", "video/webm": "webm", "video/x-msvideo": "avi",
	"message/rfc822": "eml", "message/global": "eml", "message/delivery-status": "txt",
}

// extFor returns a file extension for a MIME type ("bin" when unknown).
func extFor(ct string) string {
	if e, ok := extByType[ct]; ok {
		return e
	}
	if strings.HasPrefix(ct, "text/") {
		return "txt"
	}
	return "bin"
}
