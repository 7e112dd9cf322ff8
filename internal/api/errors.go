package api

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/trove-archive/trove/internal/archive"
)

// Codes of HTTP itself, besides those of archive.Error.
const (
	codeMethodNotAllowed = "method_not_allowed"
	codePrecondition     = "precondition_failed"
	codeURITooLong       = "uri_too_long"
	codeRange            = "range_not_satisfiable"
)

// statuses maps every error code the API answers with to its HTTP status.
// It is the only place that does: any other code is internal.
var statuses = map[string]int{
	archive.EInvalid:      http.StatusBadRequest,
	archive.EUnauthorized: http.StatusUnauthorized,
	archive.ENotFound:     http.StatusNotFound,
	archive.EConflict:     http.StatusConflict,
	archive.EInternal:     http.StatusInternalServerError,
	codeMethodNotAllowed:  http.StatusMethodNotAllowed,
	codePrecondition:      http.StatusPreconditionFailed,
	codeURITooLong:        http.StatusRequestURITooLong,
	codeRange:             http.StatusRequestedRangeNotSatisfiable,
}

// internalError hides an error from archive.ErrorCode: whatever codes its
// chain holds (a store's not_found for a blob the catalog lists), the
// client sees an internal error. It is logged in full.
type internalError struct{ err error }

func (e internalError) Error() string { return e.err.Error() }

// error answers err as JSON. Internal errors are logged and reported as
// "internal error" only; the messages of coded errors are safe to show.
func (s *server) error(w http.ResponseWriter, r *http.Request, err error) {
	code := archive.ErrorCode(err) // internal for an internalError: it does not unwrap
	status, ok := statuses[code]
	if !ok {
		code, status = archive.EInternal, http.StatusInternalServerError
	}
	msg := archive.ErrorMessage(err)
	if code == archive.EInternal {
		msg = "internal error"
		s.log.Error("api request", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	writeJSON(w, status, errorOut{Error: errorDetail{Code: code, Message: msg}})
}

// writeJSON answers v with status. It encodes before writing, so that an
// encoding failure is still a clean internal error.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorOut{Error: errorDetail{Code: archive.EInternal, Message: "internal error"}})
	}
	b = append(b, '\n')
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}
