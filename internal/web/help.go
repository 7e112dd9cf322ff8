package web

import "net/http"

type helpPage struct {
	page
}

// help explains the query language (docs/query.md).
func (h *Handler) help(w http.ResponseWriter, r *http.Request) {
	h.render(w, http.StatusOK, "help", helpPage{page: h.base(r, "How to search")})
}
