package auth

import (
	"net/http"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// ErrThrottled is returned by Login when too many sign-in attempts were made
// for the name, or overall, in the last minute. Its code is EUnauthorized;
// answer it with 429 Too Many Requests (errors.Is(err, auth.ErrThrottled)).
var ErrThrottled = &archive.Error{Code: archive.EUnauthorized,
	Message: "too many sign-in attempts: wait a minute and try again"}

// Login signs a reader in: it throttles, checks the name and password
// (archive.Accounts.Authenticate), ends the session the request already
// had, if any, and sets the cookie of a new one on w (so an identifier
// planted before sign-in is worthless). Errors: ErrThrottled; EUnauthorized
// "invalid name or password" for any other refusal; internal errors.
// The new principal applies from the next request: redirect after success.
func (s *Service) Login(w http.ResponseWriter, r *http.Request, name, password string) error {
	if !s.allow(name) {
		return ErrThrottled
	}
	ctx := r.Context()
	u, err := s.acc.Authenticate(ctx, name, password)
	if err != nil {
		return err
	}
	if c, err := r.Cookie(s.cfg.CookieName); err == nil && c.Value != "" {
		if err := s.acc.EndSession(ctx, c.Value); err != nil {
			return err
		}
	}
	id, _, err := s.acc.NewSession(ctx, u.ID, s.cfg.SessionTTL)
	if err != nil {
		return err
	}
	setCookie(w, s.sessionCookie(id))
	return nil
}

// Logout ends the request's session, if any, clears its cookie and records
// the sign-out. Calling it without a session is not an error.
func (s *Service) Logout(w http.ResponseWriter, r *http.Request) error {
	setCookie(w, s.clearCookie(s.cfg.CookieName))
	c, err := r.Cookie(s.cfg.CookieName)
	if err != nil || c.Value == "" {
		return nil
	}
	ctx := r.Context()
	if err := s.acc.EndSession(ctx, c.Value); err != nil {
		return err
	}
	if p := archive.PrincipalFrom(ctx); s.aud != nil && p.SignedIn() && CSRFToken(ctx) != "" {
		return s.aud.Record(ctx, &archive.AuditEntry{UserID: p.UserID, User: p.Name, Action: archive.AuditLogin, Detail: "signed out"})
	}
	return nil
}

// Throttle: token buckets of capacity n refilled at n per minute.

type bucket struct {
	tokens float64
	last   time.Time
}

func (b *bucket) refill(now time.Time, capacity int) {
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(float64(capacity), b.tokens+d.Minutes()*float64(capacity))
		b.last = now
	}
}

// minPrune is the size of the name map below which full buckets are not
// swept.
const minPrune = 1024

// maxKey bounds the bytes of a name kept in memory (valid names are at
// most 64 bytes).
const maxKey = 64

// allow takes one attempt from the name's bucket and the global one, or
// reports false (taking nothing) when either is empty. Names are kept only
// in memory, and only until their bucket is full again.
func (s *Service) allow(name string) bool {
	key := strings.ToLower(strings.TrimSpace(name))
	if len(key) > maxKey {
		key = key[:maxKey]
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.Now()
	s.global.refill(now, s.cfg.LoginGlobal)
	b := s.names[key]
	if b == nil {
		b = &bucket{tokens: float64(s.cfg.LoginPerName), last: now}
	} else {
		b.refill(now, s.cfg.LoginPerName)
	}
	if b.tokens < 1 || s.global.tokens < 1 {
		return false
	}
	b.tokens--
	s.global.tokens--
	s.names[key] = b
	if len(s.names) >= s.pruneAt {
		for k, v := range s.names {
			if v.refill(now, s.cfg.LoginPerName); v.tokens >= float64(s.cfg.LoginPerName) {
				delete(s.names, k)
			}
		}
		s.pruneAt = max(minPrune, 2*len(s.names))
	}
	return true
}
