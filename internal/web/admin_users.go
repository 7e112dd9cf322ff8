package web

import (
	"net/http"

	"github.com/trove-archive/trove/internal/archive"
)

type adminUsersPage struct {
	page
	Users []*archive.User
}

func (h *Handler) adminUsers(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.requireRole(w, r, archive.RoleAdmin); !ok {
		return
	}
	if h.deps.Accounts == nil {
		h.notFound(w, r)
		return
	}
	users, err := h.deps.Accounts.Users(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, http.StatusOK, "admin_users", adminUsersPage{page: h.base(r, "Users"), Users: users})
}
