package web

import "net/http"

// routes lists every route of the user interface. Static files are served
// by Static, mounted by the server at /static/.
func (h *Handler) routes() {
	m := h.mux
	m.HandleFunc("GET /{$}", h.home)
	m.HandleFunc("GET /datasets/{slug}", h.dataset)
	m.HandleFunc("POST /datasets/{slug}/request", h.requestAccess)
	m.HandleFunc("GET /datasets/{slug}/browse/{path...}", h.folder)
	m.HandleFunc("GET /datasets/{slug}/report", h.report)
	m.HandleFunc("POST /datasets/{slug}/verdict", h.setVerdict)
	m.HandleFunc("GET /countries", h.countries)
	m.HandleFunc("GET /countries.json", h.countriesJSON)
	m.HandleFunc("GET /countries/{cc}", h.country) // also {cc}.json
	m.HandleFunc("GET /countries/{cc}/feed.rss", h.countryFeed)
	m.HandleFunc("GET /countries/{cc}/feed.atom", h.countryFeed)
	m.HandleFunc("GET /datasets/{slug}/map", h.datasetMap)
	m.HandleFunc("GET /search", h.search)
	m.HandleFunc("GET /items/{id}", h.item)
	m.HandleFunc("GET /items/{id}/original", h.original)
	m.HandleFunc("GET /help/search", h.help)

	m.HandleFunc("GET /login", h.loginForm)
	m.HandleFunc("POST /login", h.login)
	m.HandleFunc("POST /logout", h.logout)
	m.HandleFunc("GET /account", h.account)

	m.HandleFunc("GET /admin", h.admin)
	m.HandleFunc("GET /admin/requests", h.adminRequests)
	m.HandleFunc("POST /admin/requests/{id}", h.decideRequest)
	m.HandleFunc("GET /admin/datasets", h.adminDatasets)
	m.HandleFunc("POST /admin/datasets/{slug}/level", h.setLevel)
	m.HandleFunc("GET /admin/users", h.adminUsers)
	m.HandleFunc("GET /admin/audit", h.adminAudit)

	// Everything else: the same 404 page as hidden material.
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { h.notFound(w, r) })
}
