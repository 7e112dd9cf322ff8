package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

type adminRequestsPage struct {
	page
	Status   string // the filter: pending, approved, refused or all
	Statuses []option
	Requests []*archive.AccessRequest
	Error    string
}

func (h *Handler) adminRequests(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.requireRole(w, r, staff...); !ok {
		return
	}
	if h.deps.Accounts == nil {
		h.notFound(w, r)
		return
	}
	h.renderRequests(w, r, http.StatusOK, "")
}

func (h *Handler) renderRequests(w http.ResponseWriter, r *http.Request, status int, msg string) {
	st := r.URL.Query().Get("status")
	switch st {
	case archive.RequestPending, archive.RequestApproved, archive.RequestRefused, "all":
	default:
		st = archive.RequestPending
	}
	d := adminRequestsPage{page: h.base(r, "Access requests"), Status: st, Error: msg}
	for _, s := range []string{archive.RequestPending, archive.RequestApproved, archive.RequestRefused, "all"} {
		d.Statuses = append(d.Statuses, option{Value: s, Label: s, Selected: s == st})
	}
	filter := st
	if filter == "all" {
		filter = ""
	}
	var err error
	if d.Requests, err = h.deps.Accounts.AccessRequests(r.Context(), filter); err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, status, "admin_requests", d)
}

// decideRequest approves (with an optional grant expiry date) or refuses
// an access request.
func (h *Handler) decideRequest(w http.ResponseWriter, r *http.Request) {
	p, ok := h.requireRole(w, r, staff...)
	if !ok || !h.checkForm(w, r) {
		return
	}
	if h.deps.Accounts == nil {
		h.notFound(w, r)
		return
	}
	ctx := r.Context()
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var approve bool
	switch r.PostFormValue("decision") {
	case "approve":
		approve = true
	case "refuse":
	default:
		h.renderRequests(w, r, http.StatusBadRequest, "Choose approve or refuse.")
		return
	}
	var expires time.Time
	if s := strings.TrimSpace(r.PostFormValue("expires")); s != "" && approve {
		day, err := time.Parse("2006-01-02", s)
		if err != nil {
			h.renderRequests(w, r, http.StatusBadRequest, "The expiry date must look like 2026-12-31.")
			return
		}
		expires = day.AddDate(0, 0, 1).UTC() // the grant lasts through that day
	}
	reqs, err := h.deps.Accounts.AccessRequests(ctx, "")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var req *archive.AccessRequest
	for _, q := range reqs {
		if q.ID == id {
			req = q
		}
	}
	if req == nil {
		h.notFound(w, r)
		return
	}
	if err := h.deps.Accounts.DecideRequest(ctx, id, approve, p, expires); err != nil {
		if c := archive.ErrorCode(err); c == archive.EInvalid || c == archive.EConflict {
			h.renderRequests(w, r, http.StatusBadRequest, archive.ErrorMessage(err))
			return
		}
		h.fail(w, r, err)
		return
	}
	// The account store records the decision (and the grant) in the
	// audit log.
	http.Redirect(w, r, "/admin/requests", http.StatusSeeOther)
}
