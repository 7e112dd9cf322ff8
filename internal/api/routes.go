package api

import (
	"context"
	"log/slog"
	"net/http"
	"path"

	"github.com/trove-archive/trove/internal/archive"
)

// Deps are what the API reads from. Catalog, Index and Store are required.
type Deps struct {
	Catalog archive.Catalog
	Index   archive.Index
	Store   archive.BlobStore
	// Audit records signed-in readers' searches and reads of datasets that
	// are not public; nil records nothing.
	Audit archive.Auditor
	// Browse lists folders; nil makes the browse route answer not_found.
	Browse Browser
	// Log receives internal errors, which clients only see as "internal
	// error"; nil is slog.Default().
	Log *slog.Logger
	// Countries gives the countries detected in an item's document for the
	// item response (internal/sqlite's DB); nil sends none.
	Countries CountryReader
}

// CountryReader reads the countries detected in an item's document. Like
// the catalog, it filters by what p may read, inside its query.
type CountryReader interface {
	ItemCountries(ctx context.Context, p archive.Principal, itemID int64) ([]archive.DocumentCountry, error)
}

// Browser lists the folders of a dataset. Like the catalog, it filters by
// release level for p inside its query.
type Browser interface {
	// Folder lists the folder prefix of a dataset ("" is the root; no
	// leading or trailing slash): up to limit of the top-level items
	// directly in it, from offset, ordered by path, and the names of its
	// direct subfolders (all of them, sorted, on every call). A folder with
	// nothing visible in it has no items and no subfolders; the API answers
	// not_found for it (except for the root).
	Folder(ctx context.Context, p archive.Principal, datasetID int64, prefix string, limit, offset int) ([]*archive.Item, []string, error)
}

// TypeCounter is implemented by catalogs that can break a dataset down by
// kind of file; the dataset route includes the breakdown when the catalog
// offers it.
type TypeCounter interface {
	TypeCounts(ctx context.Context, p archive.Principal, datasetID int64) ([]archive.FacetCount, error)
}

// route is one endpoint. path is both the ServeMux pattern (after the
// method) and the path template in openapi.json, which a test compares
// with this table.
type route struct {
	method string
	path   string
	handle func(*server, http.ResponseWriter, *request) error
}

// routes is every route of the API, relative to its mount point.
var routes = []route{
	{http.MethodGet, "/datasets", (*server).listDatasets},
	{http.MethodGet, "/datasets/{slug}", (*server).getDataset},
	{http.MethodGet, "/datasets/{slug}/browse", (*server).browse},
	{http.MethodGet, "/datasets/{slug}/report", (*server).report},
	{http.MethodGet, "/search", (*server).search},
	{http.MethodGet, "/items/{id}", (*server).getItem},
	{http.MethodGet, "/items/{id}/children", (*server).children},
	{http.MethodGet, "/items/{id}/text", (*server).text},
	{http.MethodGet, "/items/{id}/original", (*server).original},
	{http.MethodGet, "/openapi.json", (*server).openAPI},
}

// maxQuery bounds the raw query string of a request.
const maxQuery = 8 << 10

type server struct {
	deps Deps
	log  *slog.Logger
	mux  *http.ServeMux
}

// New returns the API handler, to be mounted with its prefix stripped (see
// the package documentation). It panics if Catalog, Index or Store is
// missing: that is a wiring mistake, better found at start-up.
func New(deps Deps) http.Handler {
	if deps.Catalog == nil || deps.Index == nil || deps.Store == nil {
		panic("api.New: Catalog, Index and Store are required")
	}
	s := &server{deps: deps, log: deps.Log, mux: http.NewServeMux()}
	if s.log == nil {
		s.log = slog.Default()
	}
	for _, rt := range routes {
		s.mux.Handle(rt.method+" "+rt.path, s.wrap(rt.handle))
	}
	return s
}

// ServeHTTP sets the security headers every response carries, refuses what
// no route may answer, and dispatches. Requests the mux cannot match get
// JSON errors instead of its plain-text ones, and unclean paths are not
// found rather than redirected (a redirect would lose the mount prefix).
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; sandbox")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Cache-Control", "no-store")
	if len(r.URL.RawQuery) > maxQuery {
		s.error(w, r, archive.Errorf(codeURITooLong, "query string longer than %d bytes", maxQuery))
		return
	}
	if r.URL.Path == "" || path.Clean(r.URL.Path) != r.URL.Path {
		s.error(w, r, errNoRoute)
		return
	}
	if hd, pattern := s.mux.Handler(r); pattern == "" {
		// No route: the mux's own handler tells a path that exists for
		// other methods (405, with Allow) from one that does not.
		rec := &statusRecorder{header: http.Header{}}
		hd.ServeHTTP(rec, r)
		if rec.status == http.StatusMethodNotAllowed {
			h.Set("Allow", rec.header.Get("Allow"))
			s.error(w, r, archive.Errorf(codeMethodNotAllowed, "method %s not allowed", r.Method))
			return
		}
		s.error(w, r, errNoRoute)
		return
	}
	s.mux.ServeHTTP(w, r)
}

var errNoRoute = archive.Errorf(archive.ENotFound, "no such endpoint")

// wrap adapts a handler: it gives it the request's reader and answers its
// error.
func (s *server) wrap(fn func(*server, http.ResponseWriter, *request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rq := &request{Request: r, query: r.URL.Query(), p: archive.PrincipalFrom(r.Context()), s: s}
		if err := fn(s, w, rq); err != nil {
			s.error(w, r, err)
		}
	})
}

// statusRecorder captures what the mux's own error handlers write.
type statusRecorder struct {
	header http.Header
	status int
}

func (r *statusRecorder) Header() http.Header         { return r.header }
func (r *statusRecorder) Write(p []byte) (int, error) { return len(p), nil }
func (r *statusRecorder) WriteHeader(code int)        { r.status = code }
