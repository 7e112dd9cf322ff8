package publish

import "net/http"

// routes lists every address the handler answers; see doc.go for what
// each one serves.
func (h *handler) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /releases/{$}", h.releasesPage)
	m.HandleFunc("GET /releases/index.json", h.index)
	m.HandleFunc("GET /releases/feed.rss", h.rss)
	m.HandleFunc("GET /releases/feed.csv", h.csv)
	m.HandleFunc("GET /releases/archive.pub", h.publicKey)
	m.HandleFunc("GET /releases/{name}", h.releaseSlash)
	m.HandleFunc("GET /releases/{name}/{$}", h.releasePage)
	m.HandleFunc("GET /releases/{name}/{file}", h.releaseFile)
	m.HandleFunc("GET /files/{$}", h.filesRoot)
	m.HandleFunc("GET /files/{name}", h.filesSlash)
	m.HandleFunc("GET /files/{name}/{path...}", h.files)
	m.HandleFunc("GET /mirrors.json", h.mirrors)
	m.HandleFunc("GET /mirror/status.json", h.status)
	m.HandleFunc("/", h.notFound) // the same 404 for every other address
	h.mux = m
}
