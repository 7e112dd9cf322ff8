package web

import (
	"context"
	"errors"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/trove-archive/trove/internal/archive"
)

// Auth signs readers in and out and protects forms against cross-site
// request forgery. internal/auth's Service provides it.
type Auth interface {
	// Login checks the name and password and starts a session (setting its
	// cookie on w). A failure is an *archive.Error, EUnauthorized whatever
	// the cause.
	Login(w http.ResponseWriter, r *http.Request, name, password string) error
	// Logout ends the request's session and clears its cookie.
	Logout(w http.ResponseWriter, r *http.Request) error
	// CSRFToken returns the token of the session in ctx, for the forms of
	// signed-in readers.
	CSRFToken(ctx context.Context) string
	// AnonCSRF returns a token for a form shown to an anonymous reader (the
	// sign-in form), setting the double-submit cookie on w if needed.
	AnonCSRF(w http.ResponseWriter, r *http.Request) string
	// CheckCSRF reports whether a POST carries a valid token in the form
	// field Config.CSRFField.
	CheckCSRF(r *http.Request) bool
}

// Browser is what the pages need besides archive.Catalog: folder listings,
// counts by type and by failure, and the public stubs of limited datasets.
// internal/sqlite's DB provides it; every method taking a Principal filters
// inside its query.
type Browser interface {
	// Folder lists the top-level files directly in a folder of a dataset
	// and the names of its subfolders.
	Folder(ctx context.Context, p archive.Principal, datasetID int64, prefix string, limit, offset int) ([]*archive.Item, []string, error)
	// DatasetByID returns a readable dataset without its counts, or ENotFound.
	DatasetByID(ctx context.Context, p archive.Principal, id int64) (*archive.Dataset, error)
	// TypeCounts counts a dataset's items by kind.
	TypeCounts(ctx context.Context, p archive.Principal, datasetID int64) ([]archive.FacetCount, error)
	// FailureCounts counts a dataset's failed items by reason.
	FailureCounts(ctx context.Context, p archive.Principal, datasetID int64) ([]archive.FacetCount, error)
	// Stub returns the stub (ID, slug, title, description, level) of a
	// limited or public dataset, whoever asks; ENotFound for private ones.
	Stub(ctx context.Context, slug string) (*archive.Dataset, error)
	// Stubs lists the stubs of every limited dataset.
	Stubs(ctx context.Context) ([]*archive.Dataset, error)
}

// Config tunes the user interface.
type Config struct {
	// SiteName is shown in the header and titles; default "trove".
	SiteName string
	// CSRFField is the name of the hidden form field carrying the CSRF
	// token, which Auth.CheckCSRF reads; default: what Auth's CSRFField
	// method says when it has one (internal/auth does), else "csrf".
	CSRFField string
	// Logger receives internal errors (never client addresses); default
	// slog.Default().
	Logger *slog.Logger
}

// Deps are the services the pages use. Catalog, Index, Store and Browse are
// required. Without Auth nobody can sign in (every reader is anonymous);
// without Accounts there are no access requests, tokens or user lists;
// without Audit nothing is recorded.
type Deps struct {
	Catalog  archive.Catalog
	Index    archive.Index
	Store    archive.BlobStore
	Browse   Browser
	Accounts archive.Accounts
	Audit    archive.Auditor
	Auth     Auth
	// Releases, Magnet and Torrent feed the map, the country pages and
	// their feeds (internal/sqlite's DB and the publisher provide them);
	// without Releases no release is shown. Places adds the datasets
	// mentioning a country and the maps of geotagged items.
	Releases ReleaseLister
	Magnet   func(*archive.Release) string
	Torrent  func(context.Context, *archive.Release) ([]byte, error)
	Places   Places
	// Countries gives the countries detected in an item's document, with
	// their evidence, for the item page (internal/sqlite's DB); nil shows
	// none.
	Countries CountryReader
}

// Handler serves the HTML pages and original downloads.
type Handler struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	tmpl map[string]*template.Template
	mux  *http.ServeMux
}

// New parses the templates, failing when one is missing or broken, and
// returns the handler with every route of routes.go.
func New(cfg Config, deps Deps) (*Handler, error) {
	if deps.Catalog == nil || deps.Index == nil || deps.Store == nil || deps.Browse == nil {
		return nil, errors.New("web: Catalog, Index, Store and Browse are required")
	}
	if cfg.SiteName == "" {
		cfg.SiteName = "trove"
	}
	if cfg.CSRFField == "" {
		if f, ok := deps.Auth.(interface{ CSRFField() string }); ok {
			cfg.CSRFField = f.CSRFField()
		} else {
			cfg.CSRFField = "csrf"
		}
	}
	h := &Handler{cfg: cfg, deps: deps, log: cfg.Logger, mux: http.NewServeMux()}
	if h.log == nil {
		h.log = slog.Default()
	}
	var err error
	if h.tmpl, err = parseTemplates(); err != nil {
		return nil, err
	}
	h.routes()
	return h, nil
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) { h.mux.ServeHTTP(w, r) }
