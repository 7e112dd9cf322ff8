package web

import (
	"net/http"

	"github.com/trove-archive/trove/internal/archive"
)

type adminAuditPage struct {
	page
	Entries  []*archive.AuditEntry
	Pager    pager
	Verified bool  // the chain was checked
	BadID    int64 // first entry whose hash does not match (0: intact)
}

const auditPerPage = 100

func (h *Handler) adminAudit(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.requireRole(w, r, archive.RoleAdmin); !ok {
		return
	}
	if h.deps.Audit == nil {
		h.notFound(w, r)
		return
	}
	ctx := r.Context()
	n := pageParam(r, "page")
	entries, err := h.deps.Audit.AuditLog(ctx, auditPerPage+1, (n-1)*auditPerPage)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := adminAuditPage{page: h.base(r, "Audit log")}
	if len(entries) > auditPerPage {
		entries = entries[:auditPerPage]
		d.Pager = simplePager(r, n, true)
	} else {
		d.Pager = simplePager(r, n, false)
	}
	d.Entries = entries
	if r.URL.Query().Get("verify") != "" {
		if d.BadID, err = h.deps.Audit.VerifyAudit(ctx); err != nil {
			h.fail(w, r, err)
			return
		}
		d.Verified = true
	}
	h.render(w, http.StatusOK, "admin_audit", d)
}
