package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"net/http"
	"strings"
)

// tokenLen is the length of a token: 32 random bytes in unpadded base64url.
const tokenLen = 43

func newToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never returns an error (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func wellFormed(tok string) bool {
	if len(tok) != tokenLen {
		return false
	}
	_, err := base64.RawURLEncoding.Strict().DecodeString(tok)
	return err == nil
}

// AnonCSRF returns the token for a form shown to a reader without a
// session (the sign-in form): the value of the double-submit cookie,
// which it sets on w when the request has none (or a malformed one).
// Calling it twice while answering one request returns the same token.
func (s *Service) AnonCSRF(w http.ResponseWriter, r *http.Request) string {
	if c, err := r.Cookie(s.cfg.CSRFCookieName); err == nil && wellFormed(c.Value) {
		return c.Value
	}
	// Already set while answering this request?
	prefix := s.cfg.CSRFCookieName + "="
	for _, sc := range w.Header().Values("Set-Cookie") {
		if v, ok := strings.CutPrefix(sc, prefix); ok {
			v, _, _ = strings.Cut(v, ";")
			if wellFormed(v) {
				return v
			}
		}
	}
	tok := newToken()
	http.SetCookie(w, &http.Cookie{Name: s.cfg.CSRFCookieName, Value: tok, Path: "/", HttpOnly: true,
		Secure: s.cfg.Secure, SameSite: http.SameSiteLaxMode})
	return tok
}

// FormToken returns the CSRF token to put in the Config.CSRFField field of
// a form shown on this request: the session's token for a signed-in reader,
// else the double-submit token (AnonCSRF, setting its cookie if needed).
func (s *Service) FormToken(w http.ResponseWriter, r *http.Request) string {
	if t := CSRFToken(r.Context()); t != "" {
		return t
	}
	return s.AnonCSRF(w, r)
}

// CSRFField is the name of the form field CheckCSRF reads.
func (s *Service) CSRFField() string { return s.cfg.CSRFField }

// CheckCSRF reports whether a state-changing request may proceed: it must
// not come from another site (net/http.CrossOriginProtection: Sec-Fetch-Site,
// Origin), and the header X-CSRF-Token or the form field Config.CSRFField
// must equal the session's token or, without a session, the double-submit
// cookie's. Requests made with an API token never pass (tokens are
// read-only). Run Middleware first: it puts the session's token in the
// context. Reading the field parses the request body (r.ParseForm).
func (s *Service) CheckCSRF(r *http.Request) bool {
	if IsToken(r.Context()) {
		return false
	}
	if err := s.cop.Check(r); err != nil {
		return false
	}
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue(s.cfg.CSRFField)
	}
	want := CSRFToken(r.Context())
	if want == "" {
		c, err := r.Cookie(s.cfg.CSRFCookieName)
		if err != nil || !wellFormed(c.Value) {
			return false
		}
		want = c.Value
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// RequireCSRF lets safe methods (GET, HEAD, OPTIONS, TRACE) through and
// answers 403 to any other request made with an API token (tokens are
// read-only) or failing CheckCSRF. Mount it inside Middleware.
func (s *Service) RequireCSRF(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
			next.ServeHTTP(w, r)
			return
		}
		if IsToken(r.Context()) {
			s.fail(w, r, http.StatusForbidden, "API tokens are read-only")
			return
		}
		if !s.CheckCSRF(r) {
			s.fail(w, r, http.StatusForbidden, "invalid or missing CSRF token: reload the page and try again")
			return
		}
		next.ServeHTTP(w, r)
	})
}
