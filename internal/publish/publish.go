package publish

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/release"
	"github.com/trove-archive/trove/internal/store"
)

// Config is what the handler serves from. Releases and Store are required;
// a nil function turns its route into a 404 (Mirrors: an empty list).
type Config struct {
	Releases archive.Releases
	Store    *store.Store
	// PublicKey returns the archive.pub text (minisign public key file);
	// nil or empty: /releases/archive.pub is a 404.
	PublicKey func() []byte
	// Torrent returns the .torrent file of a release (announce list and
	// web seeds added to its info dictionary).
	Torrent func(ctx context.Context, r *archive.Release) ([]byte, error)
	// Magnet returns a release's magnet URI.
	Magnet func(r *archive.Release) string
	// Mirrors returns the published mirror list.
	Mirrors func(ctx context.Context) ([]archive.Mirror, error)
	// Status returns this server's mirror status, encoded as JSON.
	Status func(ctx context.Context) (any, error)
	Logger *slog.Logger
}

type handler struct {
	cfg   Config
	log   *slog.Logger
	tmpl  map[string]*template.Template
	mux   *http.ServeMux
	trees treeCache
}

// New returns the handler for /releases/, /files/, /mirrors.json and
// /mirror/. It panics if an embedded template does not parse, which every
// test run would show.
func New(cfg Config) http.Handler {
	h := &handler{cfg: cfg, log: cfg.Logger}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	t, err := parseTemplates()
	if err != nil {
		panic(err)
	}
	h.tmpl = t
	h.routes()
	return h
}

// ServeHTTP answers GET and HEAD only, for every path alike, before any
// lookup: a 405 never depends on whether a release exists.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		h.errorPage(w, http.StatusMethodNotAllowed, "Method not allowed", "Only GET and HEAD are answered here.")
		return
	}
	// Lists depend on the reader: no shared or on-disk copies unless a
	// handler says otherwise (files of public releases do).
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	h.mux.ServeHTTP(w, r)
}

//go:embed templates/*.html
var templateFS embed.FS

var pageNames = []string{"releases", "release", "dir", "error"}

var funcs = template.FuncMap{
	"bytes": archive.HumanBytes,
	"date":  func(t time.Time) string { return t.UTC().Format("2006-01-02") },
	"rfc3339": func(t time.Time) string {
		return t.UTC().Format(time.RFC3339)
	},
}

func parseTemplates() (map[string]*template.Template, error) {
	out := make(map[string]*template.Template, len(pageNames))
	for _, name := range pageNames {
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("publish: parse template %s: %w", name, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("publish: template %s defines no content", name)
		}
		out[name] = t
	}
	return out, nil
}

// render executes a page into a buffer first, so that a template error is
// a clean 500 rather than half a page.
func (h *handler) render(w http.ResponseWriter, status int, name string, data any) {
	var buf bytes.Buffer
	if err := h.tmpl[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		h.log.Error("publish: render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorData struct {
	Title   string
	Status  int
	Message string
}

func (h *handler) errorPage(w http.ResponseWriter, status int, heading, msg string) {
	hd := w.Header()
	for _, k := range []string{"Content-Disposition", "ETag", "Last-Modified", "Content-Length"} {
		hd.Del(k)
	}
	h.render(w, status, "error", errorData{Title: heading, Status: status, Message: msg})
}

// notFound is the one answer for what does not exist and what the reader
// may not see; it must not depend on which of the two it is, nor on the
// address asked for.
func (h *handler) notFound(w http.ResponseWriter, _ *http.Request) {
	h.errorPage(w, http.StatusNotFound, "Not found", "There is nothing at this address that you can see.")
}

// fail maps an error to its answer, in one place: not_found is the common
// 404, invalid a 400 with the safe message, anything else a logged 500
// that says nothing more.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch archive.ErrorCode(err) {
	case archive.ENotFound:
		h.notFound(w, r)
	case archive.EInvalid:
		h.errorPage(w, http.StatusBadRequest, "Bad request", archive.ErrorMessage(err))
	default:
		h.log.Error("publish: internal error", "method", r.Method, "route", r.Pattern, "err", err)
		h.internal(w)
	}
}

func (h *handler) internal(w http.ResponseWriter) {
	h.errorPage(w, http.StatusInternalServerError, "Internal error", "Something went wrong on our side. Please try again later.")
}

// release returns the release named in the path, if the reader may see it;
// otherwise it has answered (the common 404 for hidden and missing alike).
func (h *handler) release(w http.ResponseWriter, r *http.Request) (*archive.Release, bool) {
	name := r.PathValue("name")
	if !release.ValidName(name) {
		h.notFound(w, r)
		return nil, false
	}
	rel, err := h.cfg.Releases.Release(r.Context(), archive.PrincipalFrom(r.Context()), name)
	if err != nil {
		h.fail(w, r, err)
		return nil, false
	}
	return rel, true
}

// releases lists the releases the reader may see, newest first.
func (h *handler) releases(r *http.Request) ([]*archive.Release, error) {
	return h.cfg.Releases.Releases(r.Context(), archive.PrincipalFrom(r.Context()))
}

func (h *handler) magnet(rel *archive.Release) string {
	if h.cfg.Magnet == nil {
		return ""
	}
	return h.cfg.Magnet(rel)
}

// writeJSON encodes v first, so that an encoding error is a clean 500.
func (h *handler) writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		h.fail(w, r, fmt.Errorf("encode json: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(b, '\n'))
}

// serveBytes sends a small generated file with an ETag (its SHA-256), so
// that conditional and range requests work.
func serveBytes(w http.ResponseWriter, r *http.Request, contentType string, modTime time.Time, b []byte) {
	sum := sha256.Sum256(b)
	hd := w.Header()
	hd.Set("Content-Type", contentType)
	hd.Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
	http.ServeContent(w, r, "", modTime, bytes.NewReader(b))
}

// escape percent-encodes one path element for an href. Colons are encoded
// too, so that a relative link to a file named "javascript:x" cannot read
// as a URL scheme (RFC 3986, section 4.2).
func escape(el string) string {
	return strings.ReplaceAll(url.PathEscape(el), ":", "%3A")
}

// escapePath percent-encodes each element of a slash-separated path.
func escapePath(p string) string {
	els := strings.Split(p, "/")
	for i, el := range els {
		els[i] = escape(el)
	}
	return strings.Join(els, "/")
}

// redirect answers with a permanent redirect to an already escaped
// absolute path (http.Redirect would mix it with the decoded request path).
func redirect(w http.ResponseWriter, location string) {
	w.Header().Set("Location", location)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusMovedPermanently)
	fmt.Fprintf(w, "<a href=\"%s\">Moved Permanently</a>.\n", template.HTMLEscapeString(location))
}

// attachment is a Content-Disposition of type attachment with the file
// name (RFC 6266): an ASCII fallback in filename, and the UTF-8 name in
// filename* (RFC 8187) when it differs.
func attachment(name string) string {
	name = strings.Map(func(c rune) rune {
		if c < 0x20 || c == 0x7f || c == '/' || c == '\\' {
			return '_'
		}
		return c
	}, name)
	if name == "" || name == "." || name == ".." {
		name = "download"
	}
	ascii := strings.Map(func(c rune) rune {
		if c > 0x7e || c == '"' || c == '%' || c == ';' {
			return '_'
		}
		return c
	}, name)
	v := `attachment; filename="` + ascii + `"`
	if ascii != name {
		var b strings.Builder
		for i := 0; i < len(name); i++ {
			c := name[i]
			if c < 0x80 && (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0) {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "%%%02X", c)
			}
		}
		v += "; filename*=UTF-8''" + b.String()
	}
	return v
}
