package web

import (
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
)

// stubPage is a limited dataset seen by a reader who may not read it: its
// slug, title, level and description, and how to ask for access.
type stubPage struct {
	page
	Dataset    *archive.Dataset
	CanRequest bool                   // a signed-in journalist, and requests are possible
	Request    *archive.AccessRequest // the reader's latest request for it
	Login      string                 // sign-in link for anonymous readers
	Error      string
	Reason     string
	Outlet     string
}

const (
	maxReason = 2000
	maxOutlet = 200
)

func (h *Handler) stub(w http.ResponseWriter, r *http.Request, slug string) {
	ds, err := h.deps.Browse.Stub(r.Context(), slug)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if ds.Level != archive.LevelLimited {
		// A public dataset is always readable: missing a moment ago means
		// it is gone now.
		h.notFound(w, r)
		return
	}
	d, err := h.stubData(r, ds)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, http.StatusOK, "stub", d)
}

func (h *Handler) stubData(r *http.Request, ds *archive.Dataset) (stubPage, error) {
	p := archive.PrincipalFrom(r.Context())
	d := stubPage{page: h.base(r, datasetTitle(ds)), Dataset: ds}
	d.CanRequest = p.SignedIn() && p.Role == archive.RoleJournalist && h.deps.Accounts != nil
	if !p.SignedIn() && h.deps.Auth != nil {
		d.Login = "/login?next=" + url.QueryEscape("/datasets/"+ds.Slug)
	}
	if d.CanRequest {
		reqs, err := h.deps.Accounts.AccessRequests(r.Context(), "")
		if err != nil {
			return d, err
		}
		for _, q := range reqs {
			if q.UserID == p.UserID && q.DatasetID == ds.ID && (d.Request == nil || q.Created.After(d.Request.Created)) {
				d.Request = q
			}
		}
	}
	return d, nil
}

// requestAccess records a journalist's request to read a limited dataset.
func (h *Handler) requestAccess(w http.ResponseWriter, r *http.Request) {
	slug := r.PathValue("slug")
	if !archive.PrincipalFrom(r.Context()).SignedIn() && h.deps.Auth != nil {
		http.Redirect(w, r, "/login?next="+url.QueryEscape("/datasets/"+slug), http.StatusSeeOther)
		return
	}
	p, ok := h.requireRole(w, r)
	if !ok || !h.checkForm(w, r) {
		return
	}
	ctx := r.Context()
	if _, err := h.deps.Catalog.Dataset(ctx, p, slug); err == nil {
		// Already readable: nothing to ask for.
		http.Redirect(w, r, "/datasets/"+url.PathEscape(slug), http.StatusSeeOther)
		return
	}
	ds, err := h.deps.Browse.Stub(ctx, slug)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if ds.Level != archive.LevelLimited {
		h.notFound(w, r)
		return
	}
	if p.Role != archive.RoleJournalist || h.deps.Accounts == nil {
		h.forbidden(w, r)
		return
	}
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	outlet := strings.TrimSpace(r.PostFormValue("outlet"))
	var msg string
	switch {
	case reason == "":
		msg = "Please say why you need access."
	case utf8.RuneCountInString(reason) > maxReason:
		msg = "The reason is too long (at most 2000 characters)."
	case utf8.RuneCountInString(outlet) > maxOutlet:
		msg = "The outlet name is too long (at most 200 characters)."
	}
	if msg == "" {
		_, err = h.deps.Accounts.RequestAccess(ctx, p.UserID, ds.ID, reason, outlet)
		// The account store records the request in the audit log.
		switch archive.ErrorCode(err) {
		case "":
			http.Redirect(w, r, "/datasets/"+url.PathEscape(ds.Slug), http.StatusSeeOther)
			return
		case archive.EInvalid, archive.EConflict:
			msg = archive.ErrorMessage(err)
		default:
			h.fail(w, r, err)
			return
		}
	}
	d, err := h.stubData(r, ds)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Error, d.Reason, d.Outlet = msg, reason, outlet
	h.render(w, http.StatusBadRequest, "stub", d)
}
