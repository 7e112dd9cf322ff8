package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
)

// getItem answers GET /items/{id}: an item's metadata, with the chain of
// containers it came out of.
func (s *server) getItem(w http.ResponseWriter, rq *request) error {
	id, err := rq.itemID()
	if err != nil {
		return err
	}
	it, err := s.deps.Catalog.Item(rq.Context(), rq.p, id)
	if err != nil {
		return err
	}
	parents, err := s.deps.Catalog.Parents(rq.Context(), rq.p, id)
	if err != nil {
		return err
	}
	slug, err := rq.slug(it.DatasetID)
	if err != nil {
		return err
	}
	if err := rq.auditRead(archive.AuditView, it.DatasetID, it.ID, "item"); err != nil {
		return err
	}
	out := newItem(it, slug, parents)
	if dr, ok := s.deps.Catalog.(interface {
		DKIMResults(context.Context, archive.Principal, int64) ([]archive.DKIMResult, error)
	}); ok {
		rs, err := dr.DKIMResults(rq.Context(), rq.p, id)
		if err != nil {
			return err
		}
		out.DKIM = newDKIM(rs)
	}
	if s.deps.Countries != nil {
		dcs, err := s.deps.Countries.ItemCountries(rq.Context(), rq.p, id)
		if err != nil {
			return err
		}
		out.Countries = newCountries(dcs)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// Child lists page through at most maxChildren items at a time.
const (
	defChildren = 100
	maxChildren = 1000
)

// children answers GET /items/{id}/children: the members of a container
// (files of an archive, attachments of an email), by path, paged by cursor.
func (s *server) children(w http.ResponseWriter, rq *request) error {
	id, err := rq.itemID()
	if err != nil {
		return err
	}
	limit, err := rq.limit(defChildren, maxChildren)
	if err != nil {
		return err
	}
	sc := scope("children", strconv.FormatInt(id, 10))
	offset, err := rq.offset(sc)
	if err != nil {
		return err
	}
	kids, err := s.deps.Catalog.Children(rq.Context(), rq.p, id, limit+1, offset)
	if err != nil {
		return err
	}
	out := childrenOut{Item: id}
	if len(kids) > limit {
		kids = kids[:limit]
		out.NextCursor = encodeCursor(sc, offset+limit)
	}
	out.Items = newSummaries(kids)
	writeJSON(w, http.StatusOK, out)
	return nil
}

// textPage is the nominal size of a page of extracted text. A page ends at
// a multiple of textPage, moved back to the start of a UTF-8 sequence, so
// that every page is valid UTF-8 on its own.
const textPage = 256 << 10

// text answers GET /items/{id}/text?page=N: page N (from 1) of the
// extracted text as text/plain. X-Trove-Page names the page; when another
// follows, X-Trove-Next-Page and a Link rel="next" (RFC 8288) name it.
func (s *server) text(w http.ResponseWriter, rq *request) error {
	id, err := rq.itemID()
	if err != nil {
		return err
	}
	page := 1
	if v := rq.query.Get("page"); v != "" {
		page, err = strconv.Atoi(v)
		if err != nil || page < 1 || page > 1<<20 {
			return archive.Errorf(archive.EInvalid, "page %q: want a number from 1", v)
		}
	}
	it, err := s.deps.Catalog.Item(rq.Context(), rq.p, id)
	if err != nil {
		return err
	}
	if err := rq.auditRead(archive.AuditView, it.DatasetID, it.ID, "text page "+strconv.Itoa(page)); err != nil {
		return err
	}
	k := int64(page - 1)
	win := &window{lo: max(0, k*textPage-utf8.UTFMax+1), hi: (k+1)*textPage + 1}
	if err := s.deps.Catalog.Text(rq.Context(), rq.p, id, win); err != nil && !errors.Is(err, errEnough) {
		return err
	}
	body, more, ok := win.page(k)
	if !ok {
		return archive.Errorf(archive.EInvalid, "page %d: the text has fewer pages", page)
	}
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("X-Trove-Page", strconv.Itoa(page))
	if more {
		next := strconv.Itoa(page + 1)
		h.Set("X-Trove-Next-Page", next)
		h.Set("Link", `<?page=`+next+`>; rel="next"`)
	}
	w.WriteHeader(http.StatusOK)
	w.Write(body)
	return nil
}

var errEnough = errors.New("text window filled")

// window keeps the bytes [lo, hi) of the text written to it and stops the
// writer (with errEnough) once it has seen byte hi-1: then the text is
// known to be longer than hi-1 bytes.
type window struct {
	lo, hi  int64
	n       int64 // bytes written so far
	buf     []byte
	stopped bool
}

func (w *window) Write(p []byte) (int, error) {
	start, end := w.n, w.n+int64(len(p))
	if a, b := max(start, w.lo), min(end, w.hi); a < b {
		w.buf = append(w.buf, p[a-start:b-start]...)
	}
	w.n = end
	if w.n >= w.hi {
		w.stopped = true
		return len(p), errEnough
	}
	return len(p), nil
}

// page returns page k (from 0) of the text, whether another page follows,
// and false if page k does not exist.
func (w *window) page(k int64) (body []byte, more, ok bool) {
	nominalStart, nominalEnd := k*textPage, (k+1)*textPage
	total := w.n // exact unless stopped; then larger than nominalEnd
	at := func(i int64) byte { return w.buf[i-w.lo] }
	// back moves a boundary inside the text back to a UTF-8 sequence start.
	back := func(i int64) int64 {
		for steps := 0; steps < utf8.UTFMax-1 && i > w.lo && !utf8.RuneStart(at(i)); steps++ {
			i--
		}
		return i
	}
	start := int64(0)
	if k > 0 {
		if !w.stopped && total <= nominalStart {
			return nil, false, false
		}
		start = back(nominalStart)
	}
	end := total
	if w.stopped {
		end, more = back(nominalEnd), true
	}
	return w.buf[start-w.lo : end-w.lo], more, true
}

// original answers GET /items/{id}/original: the item's bytes, as they
// were found, always as a download (RFC 6266) in a sandbox, never rendered.
// http.ServeContent answers Range, If-Range, If-None-Match and HEAD; the
// ETag is the SHA-256 of the content.
func (s *server) original(w http.ResponseWriter, rq *request) error {
	id, err := rq.itemID()
	if err != nil {
		return err
	}
	it, err := s.deps.Catalog.Item(rq.Context(), rq.p, id)
	if err != nil {
		return err
	}
	detail := "original"
	if rg := rq.Header.Get("Range"); rg != "" {
		detail += " " + rg
	}
	if err := rq.auditRead(archive.AuditDownload, it.DatasetID, it.ID, detail); err != nil {
		return err
	}
	var rc io.ReadSeekCloser
	checked := false
	if vs, ok := s.deps.Store.(verifiedOpener); ok {
		// Checked against its hash before anything is sent (or by a
		// complete read within the last hour), then sent with sendfile.
		f, err := vs.OpenVerified(rq.Context(), it.Blob)
		if err != nil {
			return internalError{fmt.Errorf("original of item %d: %w", id, err)}
		}
		rc, checked = f, true
	} else {
		rc, err = s.deps.Store.Open(rq.Context(), it.Blob)
		if err != nil {
			// The catalog lists the item, so a missing blob is the server's fault.
			return internalError{fmt.Errorf("original of item %d: %w", id, err)}
		}
	}
	defer rc.Close()
	size, err := rc.Seek(0, io.SeekEnd)
	if err == nil {
		_, err = rc.Seek(0, io.SeekStart)
	}
	if err != nil {
		return internalError{fmt.Errorf("original of item %d: %w", id, err)}
	}

	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", attachment(it.Name, id))
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", `"`+it.Blob.String()+`"`)
	h.Set("Cache-Control", "private, no-cache")
	vc := &verifiedContent{rs: rc, size: size}
	cw := &contentWriter{ResponseWriter: w}
	if checked {
		http.ServeContent(cw, rq.Request, "", time.Time{}, rc)
	} else {
		http.ServeContent(cw, rq.Request, "", time.Time{}, vc)
	}
	if cw.status != 0 {
		h.Set("Cache-Control", "no-store")
		h.Del("Content-Disposition")
	}
	switch {
	case cw.status >= 500 || cw.status != 0 && vc.err != nil:
		return internalError{fmt.Errorf("original of item %d: serve content: status %d: %v", id, cw.status, vc.err)}
	case cw.status != 0:
		code := codeRange
		if cw.status == http.StatusPreconditionFailed {
			code = codePrecondition
		}
		return archive.Errorf(code, "%s", strings.ToLower(http.StatusText(cw.status)))
	case vc.err != nil:
		// The headers are out: break the response off, so that the client
		// sees a failed download rather than a complete wrong one.
		s.log.Error("api original", "item", id, "err", vc.err)
		panic(http.ErrAbortHandler)
	}
	return nil
}

// verifiedOpener is a store that can hand out a checked file for
// zero-copy serving (store.Store does).
type verifiedOpener interface {
	OpenVerified(ctx context.Context, id archive.BlobID) (*os.File, error)
}

// contentWriter passes http.ServeContent's successful responses through
// and holds back its error responses (plain text that may quote an error),
// which the handler answers as JSON instead.
type contentWriter struct {
	http.ResponseWriter
	status int // error status held back; 0 if none
}

func (c *contentWriter) WriteHeader(code int) {
	if code >= 400 {
		c.status = code
		return
	}
	c.ResponseWriter.WriteHeader(code)
}

func (c *contentWriter) Write(p []byte) (int, error) {
	if c.status != 0 {
		return len(p), nil
	}
	return c.ResponseWriter.Write(p)
}

// verifiedContent reads a blob of known size for http.ServeContent. The
// store's reader checks the hash when a read from offset 0 reaches the end
// of the blob, but ServeContent stops reading at the size and would never
// see that check: so when a read reaches the end, verifiedContent reads on
// to the store's EOF, and on a mismatch returns the error instead of the
// last bytes. A range that ends before the end of the blob is not verified.
type verifiedContent struct {
	rs   io.ReadSeeker
	pos  int64
	size int64
	err  error // the first read or seek error, for the log
}

func (v *verifiedContent) Read(p []byte) (int, error) {
	if v.err != nil {
		return 0, v.err
	}
	if v.pos >= v.size {
		return 0, io.EOF
	}
	if rem := v.size - v.pos; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := v.rs.Read(p)
	v.pos += int64(n)
	switch {
	case err == io.EOF && v.pos < v.size:
		return v.fail(io.ErrUnexpectedEOF)
	case err != nil && err != io.EOF:
		return v.fail(err)
	case v.pos == v.size && err == nil:
		var probe [1]byte
		m, perr := v.rs.Read(probe[:])
		if m > 0 {
			return v.fail(errors.New("blob longer than its size"))
		}
		if perr != nil && perr != io.EOF {
			return v.fail(perr)
		}
	}
	return n, nil
}

func (v *verifiedContent) fail(err error) (int, error) {
	v.err = err
	return 0, err
}

func (v *verifiedContent) Seek(offset int64, whence int) (int64, error) {
	pos, err := v.rs.Seek(offset, whence)
	if err != nil {
		v.err = err
		return pos, err
	}
	v.pos = pos
	return pos, nil
}

// attachment returns a Content-Disposition for a download named name
// (RFC 6266): an ASCII filename for old clients and the UTF-8 name in
// filename* (RFC 8187, formerly RFC 5987).
func attachment(name string, id int64) string {
	name = strings.Map(func(r rune) rune {
		switch {
		case r < 0x20 || r == 0x7f || r == '/' || r == '\\':
			return '_'
		case r == utf8.RuneError:
			return '_'
		}
		return r
	}, strings.TrimSpace(name))
	if name == "" || name == "." || name == ".." {
		name = "item-" + strconv.FormatInt(id, 10)
	}
	var ascii, ext strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c < utf8.RuneSelf && c != '"' && c != '%' {
			ascii.WriteByte(c)
		} else if c < utf8.RuneSelf || utf8.RuneStart(c) {
			ascii.WriteByte('_')
		}
		if isAttrChar(c) {
			ext.WriteByte(c)
		} else {
			fmt.Fprintf(&ext, "%%%02X", c)
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}

// isAttrChar reports whether c may appear unencoded in an RFC 8187 value.
func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
