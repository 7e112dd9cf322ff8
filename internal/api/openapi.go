package api

import (
	_ "embed"
	"net/http"
	"strconv"
)

// openAPIDoc describes every route of the table in routes.go (OpenAPI 3.0);
// a test keeps the two in step and checks responses against its schemas.
//
//go:embed openapi.json
var openAPIDoc []byte

// openAPI answers GET /openapi.json.
func (s *server) openAPI(w http.ResponseWriter, rq *request) error {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(openAPIDoc)))
	h.Set("Cache-Control", "public, max-age=300")
	w.WriteHeader(http.StatusOK)
	w.Write(openAPIDoc)
	return nil
}
