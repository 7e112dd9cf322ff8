package web

import (
	"net/http"

	"github.com/trove-archive/trove/internal/archive"
)

type adminPage struct {
	page
	Accounts bool
	Audit    bool
}

// Staff pages: editors and admins review access requests and release
// levels; admins also see users and the audit log.
var staff = []archive.Role{archive.RoleEditor, archive.RoleAdmin}

func (h *Handler) admin(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.requireRole(w, r, staff...); !ok {
		return
	}
	h.render(w, http.StatusOK, "admin", adminPage{page: h.base(r, "Administration"),
		Accounts: h.deps.Accounts != nil, Audit: h.deps.Audit != nil})
}

// record appends a staff action to the audit log whatever the dataset's
// level (signed-in readers only).
func (h *Handler) record(r *http.Request, action string, datasetID, itemID int64, detail string) error {
	return h.audit(r, action, "", datasetID, itemID, detail)
}
