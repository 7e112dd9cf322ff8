package web

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

//go:embed templates/*.html static/*
var files embed.FS

// pages are the page templates; each is parsed with layout.html into a set
// of its own, and a missing one stops New.
var pages = []string{
	"home", "dataset", "stub", "folder", "search", "item", "country", "countries", "dataset_map", "help",
	"login", "account", "admin", "admin_requests", "admin_datasets", "admin_users", "admin_audit", "error",
}

var funcs = template.FuncMap{
	"bytes":    archive.HumanBytes,
	"date":     formatDate,
	"datetime": formatDateTime,
	"snippet":  snippetHTML,
	"join":     strings.Join,
	"plural":   plural,
	"pathesc":  url.PathEscape,
}

func parseTemplates() (map[string]*template.Template, error) {
	out := make(map[string]*template.Template, len(pages))
	for _, name := range pages {
		t, err := template.New(name).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/"+name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: parse template %s: %w", name, err)
		}
		if t.Lookup("content") == nil {
			return nil, fmt.Errorf("web: template %s defines no content", name)
		}
		out[name] = t
	}
	return out, nil
}

// page is the part of every page's data that the layout uses.
type page struct {
	Site          string
	Title         string
	Query         string // for the search box in the header
	NoQuickSearch bool   // the page has its own search form
	SignedIn      bool
	User          string
	Role          archive.Role
	Staff         bool // editor or admin
	Admin         bool
	CanLogin      bool
	CSRFField     string
	CSRF          string // token for the forms of a signed-in reader
}

// base fills the layout's data for the request's reader.
func (h *Handler) base(r *http.Request, title string) page {
	p := archive.PrincipalFrom(r.Context())
	pg := page{Site: h.cfg.SiteName, Title: title, SignedIn: p.SignedIn(), User: p.Name, Role: p.Role,
		Staff: p.SeesAll(), Admin: p.Role == archive.RoleAdmin, CanLogin: h.deps.Auth != nil, CSRFField: h.cfg.CSRFField}
	if pg.SignedIn && h.deps.Auth != nil {
		pg.CSRF = h.deps.Auth.CSRFToken(r.Context())
	}
	return pg
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 rather than half a page.
func (h *Handler) render(w http.ResponseWriter, status int, name string, data any) {
	t, ok := h.tmpl[name]
	if !ok {
		h.log.Error("web: no template", "template", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		h.log.Error("web: render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorPage struct {
	page
	Status  int
	Heading string
	Message string
	Login   string // sign-in link for an anonymous reader, when it may help
}

// fail maps an error to its page, in one place: not_found → 404 (for
// hidden and missing alike, with the same text), invalid → 400 with the
// safe message, unauthorized → 403, conflict → 409; anything else is a 500
// saying "internal error", logged here and never shown.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	switch archive.ErrorCode(err) {
	case archive.ENotFound:
		h.notFound(w, r)
	case archive.EInvalid:
		h.errorPage(w, r, http.StatusBadRequest, "Bad request", archive.ErrorMessage(err))
	case archive.EUnauthorized:
		h.forbidden(w, r)
	case archive.EConflict:
		h.errorPage(w, r, http.StatusConflict, "Conflict", archive.ErrorMessage(err))
	default:
		h.log.Error("web: internal error", "method", r.Method, "route", r.Pattern, "err", err)
		h.errorPage(w, r, http.StatusInternalServerError, "Internal error", "Something went wrong on our side. Please try again later.")
	}
}

func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, heading, msg string) {
	h.render(w, status, "error", errorPage{page: h.base(r, heading), Status: status, Heading: heading, Message: msg})
}

// notFound is the one page for what does not exist and what the reader may
// not see: it must not depend on which of the two it is.
func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	d := errorPage{page: h.base(r, "Not found"), Status: http.StatusNotFound, Heading: "Not found",
		Message: "There is nothing at this address that you can see."}
	if !d.SignedIn && d.CanLogin {
		d.Login = "/login"
	}
	h.render(w, http.StatusNotFound, "error", d)
}

// forbidden is for signed-in readers lacking a role (anonymous readers are
// sent to the sign-in page instead), and for forms without a valid token.
func (h *Handler) forbidden(w http.ResponseWriter, r *http.Request) {
	h.errorPage(w, r, http.StatusForbidden, "Not allowed", "Your account does not have the role this page needs.")
}

// badForm answers a POST whose CSRF token is missing or wrong.
func (h *Handler) badForm(w http.ResponseWriter, r *http.Request) {
	h.errorPage(w, r, http.StatusForbidden, "Form expired",
		"This form could not be accepted: it has expired or did not come from this site. Go back, reload the page and try again.")
}

// checkForm parses a POSTed form and checks its CSRF token, answering the
// request itself when it fails.
func (h *Handler) checkForm(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		h.errorPage(w, r, http.StatusBadRequest, "Bad request", "The form could not be read.")
		return false
	}
	if h.deps.Auth == nil || !h.deps.Auth.CheckCSRF(r) {
		h.badForm(w, r)
		return false
	}
	return true
}

// requireRole returns the reader when signed in with one of roles (any
// signed-in reader when roles is empty). Otherwise it answers: anonymous
// readers go to the sign-in page, others get 403.
func (h *Handler) requireRole(w http.ResponseWriter, r *http.Request, roles ...archive.Role) (archive.Principal, bool) {
	p := archive.PrincipalFrom(r.Context())
	if !p.SignedIn() {
		if h.deps.Auth == nil {
			h.notFound(w, r)
		} else {
			// Come back here after signing in; a form cannot be resent, so
			// after a POST go to the account page.
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				next = "/account"
			}
			http.Redirect(w, r, "/login?next="+url.QueryEscape(next), http.StatusSeeOther)
		}
		return p, false
	}
	if len(roles) == 0 {
		return p, true
	}
	for _, role := range roles {
		if p.Role == role {
			return p, true
		}
	}
	h.forbidden(w, r)
	return p, false
}

// audit records a read of non-public material by a signed-in reader. Reads
// of public data and every read by anonymous readers are not recorded; an
// empty level records whatever the dataset (staff actions, see record).
// A failure to record refuses the read.
func (h *Handler) audit(r *http.Request, action string, level archive.ReleaseLevel, datasetID, itemID int64, detail string) error {
	p := archive.PrincipalFrom(r.Context())
	if h.deps.Audit == nil || !p.SignedIn() || level == archive.LevelPublic {
		return nil
	}
	e := &archive.AuditEntry{Time: time.Now().UTC(), UserID: p.UserID, User: p.Name, Action: action,
		DatasetID: datasetID, ItemID: itemID, Detail: detail}
	if err := h.deps.Audit.Record(r.Context(), e); err != nil {
		return fmt.Errorf("audit %s: %w", action, err)
	}
	return nil
}

// snippetHTML escapes a search snippet, then turns its match markers
// (\x02 … \x03) into <mark> elements, keeping them balanced.
func snippetHTML(s string) template.HTML {
	esc := template.HTMLEscapeString(s)
	var b strings.Builder
	b.Grow(len(esc) + 32)
	open := false
	for i := 0; i < len(esc); i++ {
		switch c := esc[i]; {
		case c == 2 && !open:
			b.WriteString("<mark>")
			open = true
		case c == 3 && open:
			b.WriteString("</mark>")
			open = false
		case c == 2 || c == 3:
		default:
			b.WriteByte(c)
		}
	}
	if open {
		b.WriteString("</mark>")
	}
	return template.HTML(b.String())
}

func formatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

func formatDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

func plural(n int64, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Static serves the embedded style sheets and icon; the server mounts it
// at /static/. Folders are not listed.
func Static() http.Handler {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err) // the embed pattern guarantees the folder
	}
	fsrv := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		if strings.HasSuffix(r.URL.Path, "/") {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Cache-Control", "public, max-age=86400")
		fsrv.ServeHTTP(w, r)
	})
}
