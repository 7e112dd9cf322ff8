package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// Config tunes the service. The zero value works (behind plain HTTP).
type Config struct {
	// CookieName names the session cookie; default "trove_session". A
	// "__Host-" prefix (with Secure) stops sibling subdomains from setting it.
	CookieName string
	// CSRFCookieName names the double-submit cookie of anonymous forms;
	// default "__Host-trove_csrf" when Secure, else "trove_csrf".
	CSRFCookieName string
	// CSRFField is the form field that carries the CSRF token; default
	// "csrf_token", the default of web.Config.CSRFField (keep them equal).
	CSRFField string
	// SessionTTL is how long a session lasts after sign-in; default 12 h.
	SessionTTL time.Duration
	// Secure marks cookies Secure: set it when users reach trove over HTTPS
	// (served with TLS or behind a proxy that terminates it).
	Secure bool
	// LoginPerName and LoginGlobal are the sign-in attempts allowed per
	// minute for one login name and for everybody together; defaults 10
	// and 100.
	LoginPerName int
	LoginGlobal  int
	// TrustedOrigins are other origins ("https://example.org") allowed to
	// send state-changing requests (net/http.CrossOriginProtection).
	TrustedOrigins []string
	// Error, if set, answers the requests the service refuses itself: 401
	// for a bad API token, 403 for a failed CSRF check or a write with a
	// token, 500 when the account store fails. The default writes JSON
	// ({"error":{"code":...,"message":...}}) to bearer-token requests and
	// plain text to others.
	Error func(w http.ResponseWriter, r *http.Request, status int, msg string)
	// Now is the clock of the throttle; default time.Now.
	Now func() time.Time
}

func (c Config) withDefaults() Config {
	if c.CookieName == "" {
		c.CookieName = "trove_session"
	}
	if c.CSRFCookieName == "" {
		c.CSRFCookieName = "trove_csrf"
		if c.Secure {
			c.CSRFCookieName = "__Host-trove_csrf"
		}
	}
	if c.CSRFField == "" {
		c.CSRFField = "csrf_token"
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = 12 * time.Hour
	}
	if c.LoginPerName <= 0 {
		c.LoginPerName = 10
	}
	if c.LoginGlobal <= 0 {
		c.LoginGlobal = 100
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Service signs readers in and out and resolves who each request is.
type Service struct {
	acc archive.Accounts
	aud archive.Auditor // may be nil
	cfg Config
	cop *http.CrossOriginProtection

	mu      sync.Mutex
	global  bucket
	names   map[string]*bucket
	pruneAt int
}

// New returns a service over the account store acc. aud records sign-outs
// (sign-ins are recorded by acc itself); it may be nil. It panics when a
// Config.TrustedOrigins entry is not an origin, a programming error.
func New(acc archive.Accounts, aud archive.Auditor, cfg Config) *Service {
	cfg = cfg.withDefaults()
	s := &Service{acc: acc, aud: aud, cfg: cfg, cop: http.NewCrossOriginProtection(),
		names: map[string]*bucket{}, pruneAt: minPrune}
	for _, o := range cfg.TrustedOrigins {
		if err := s.cop.AddTrustedOrigin(o); err != nil {
			panic("auth: " + err.Error())
		}
	}
	s.global = bucket{tokens: float64(cfg.LoginGlobal), last: cfg.Now()}
	return s
}

type (
	csrfKey  struct{}
	tokenKey struct{}
)

// CSRFToken returns the CSRF token of the request's session, for the forms
// of a signed-in reader; "" without a session.
func CSRFToken(ctx context.Context) string {
	s, _ := ctx.Value(csrfKey{}).(string)
	return s
}

// IsToken reports whether the request was made with an API token (which is
// read-only: handlers must refuse to change anything for it).
func IsToken(ctx context.Context) bool {
	b, _ := ctx.Value(tokenKey{}).(bool)
	return b
}

// CSRFToken is the package function CSRFToken, as a method for interfaces.
func (s *Service) CSRFToken(ctx context.Context) string { return CSRFToken(ctx) }

// IsToken is the package function IsToken, as a method for interfaces.
func (s *Service) IsToken(ctx context.Context) bool { return IsToken(ctx) }

// Middleware resolves who the request is and puts the archive.Principal in
// its context (archive.WithPrincipal), replacing any already there:
//
//   - "Authorization: Bearer <token>": the token's user (IsToken true); an
//     invalid, expired or revoked token is answered 401;
//   - else the session cookie: the session's user, and its CSRF token
//     (CSRFToken); an unknown or expired cookie is cleared and the reader
//     is anonymous;
//   - else anonymous.
//
// It adds "Vary: Cookie, Authorization": answers depend on who asks.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Vary", "Cookie")
		w.Header().Add("Vary", "Authorization")
		ctx := archive.WithPrincipal(r.Context(), archive.Anonymous())
		if sec, ok := bearer(r); ok {
			p, err := s.acc.TokenPrincipal(ctx, sec)
			switch archive.ErrorCode(err) {
			case "":
			case archive.EUnauthorized:
				w.Header().Set("WWW-Authenticate", `Bearer realm="trove", error="invalid_token"`)
				s.fail(w, r, http.StatusUnauthorized, archive.ErrorMessage(err))
				return
			default:
				s.fail(w, r, http.StatusInternalServerError, "internal error")
				return
			}
			ctx = archive.WithPrincipal(ctx, p)
			ctx = context.WithValue(ctx, tokenKey{}, true)
			next.ServeHTTP(w, r.WithContext(ctx))
			return
		}
		if c, err := r.Cookie(s.cfg.CookieName); err == nil && c.Value != "" {
			p, csrf, err := s.acc.Session(ctx, c.Value)
			switch archive.ErrorCode(err) {
			case "":
				ctx = archive.WithPrincipal(ctx, p)
				ctx = context.WithValue(ctx, csrfKey{}, csrf)
			case archive.EUnauthorized:
				setCookie(w, s.clearCookie(s.cfg.CookieName))
			default:
				s.fail(w, r, http.StatusInternalServerError, "internal error")
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// bearer returns the credentials of an "Authorization: Bearer" header
// (scheme case-insensitive, RFC 9110 §11.1); ok is false for no header or
// another scheme, true with "" for an empty bearer.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, cred, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	return strings.TrimSpace(cred), true
}

// setCookie sets c on w, replacing a cookie of the same name set earlier
// while answering this request (the middleware clearing a stale session
// cookie, then Login setting the new one), so that one answer never
// carries two values for one cookie.
func setCookie(w http.ResponseWriter, c *http.Cookie) {
	h := w.Header()
	if old := h.Values("Set-Cookie"); len(old) > 0 {
		keep := old[:0:0]
		for _, v := range old {
			if !strings.HasPrefix(v, c.Name+"=") {
				keep = append(keep, v)
			}
		}
		h["Set-Cookie"] = keep
	}
	http.SetCookie(w, c)
}

func (s *Service) sessionCookie(id string) *http.Cookie {
	return &http.Cookie{Name: s.cfg.CookieName, Value: id, Path: "/", HttpOnly: true, Secure: s.cfg.Secure,
		SameSite: http.SameSiteLaxMode}
}

func (s *Service) clearCookie(name string) *http.Cookie {
	return &http.Cookie{Name: name, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.cfg.Secure,
		SameSite: http.SameSiteLaxMode}
}

// fail answers a refused request.
func (s *Service) fail(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if s.cfg.Error != nil {
		s.cfg.Error(w, r, status, msg)
		return
	}
	if _, ok := bearer(r); !ok {
		http.Error(w, msg, status)
		return
	}
	code := archive.EUnauthorized
	switch status {
	case http.StatusForbidden:
		code = "forbidden"
	case http.StatusInternalServerError:
		code = archive.EInternal
	}
	type detail struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	b, _ := json.Marshal(struct {
		Error detail `json:"error"`
	}{detail{code, msg}})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
