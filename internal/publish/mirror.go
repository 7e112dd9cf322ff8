package publish

import (
	"net/http"
	"time"
)

type mirrorJSON struct {
	URL   string `json:"url"`
	Added string `json:"added"` // RFC 3339
}

type mirrorsResponse struct {
	Mirrors []mirrorJSON `json:"mirrors"`
}

// mirrors serves GET /mirrors.json: the published mirror list.
func (h *handler) mirrors(w http.ResponseWriter, r *http.Request) {
	out := mirrorsResponse{Mirrors: []mirrorJSON{}}
	if h.cfg.Mirrors != nil {
		list, err := h.cfg.Mirrors(r.Context())
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, m := range list {
			out.Mirrors = append(out.Mirrors, mirrorJSON{URL: m.URL, Added: m.Added.UTC().Format(time.RFC3339)})
		}
	}
	h.writeJSON(w, r, out)
}

// status serves GET /mirror/status.json: this server's mirror status.
func (h *handler) status(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Status == nil {
		h.notFound(w, r)
		return
	}
	v, err := h.cfg.Status(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.writeJSON(w, r, v)
}
