package auth_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/auth"
	"github.com/trove-archive/trove/internal/sqlite"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// env is a site with the auth service in front of a few routes:
//
//	GET  /whoami  → "name role token=bool csrf=..."
//	POST /login   (CSRF-checked) → Login with the form's name and password
//	POST /logout  (CSRF-checked) → Logout
//	POST /change  (CSRF-checked) → "changed"
type env struct {
	db    *sqlite.DB
	clk   *clock
	svc   *auth.Service
	h     http.Handler
	alice *archive.User
}

func newEnv(t *testing.T, cfg auth.Config) *env {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	db.Now = clk.Now
	cfg.Now = clk.Now
	ctx := archive.WithPrincipal(context.Background(), archive.Admin())
	alice, err := db.CreateUser(ctx, "alice", "alice-password", archive.RoleJournalist)
	if err != nil {
		t.Fatal(err)
	}
	svc := auth.New(db, db, cfg)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		p := archive.PrincipalFrom(r.Context())
		fmt.Fprintf(w, "%s %s token=%v csrf=%s", p.Name, p.Role, auth.IsToken(r.Context()), auth.CSRFToken(r.Context()))
	})
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, svc.FormToken(w, r))
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		err := svc.Login(w, r, r.PostFormValue("name"), r.PostFormValue("password"))
		switch {
		case errors.Is(err, auth.ErrThrottled):
			http.Error(w, archive.ErrorMessage(err), http.StatusTooManyRequests)
		case err != nil:
			http.Error(w, archive.ErrorMessage(err), http.StatusUnauthorized)
		default:
			http.Redirect(w, r, "/", http.StatusSeeOther)
		}
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		if err := svc.Logout(w, r); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("POST /change", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "changed") })
	return &env{db: db, clk: clk, svc: svc, h: svc.Middleware(svc.RequireCSRF(mux)), alice: alice}
}

// do serves one request with the given cookies and form values.
func (e *env) do(method, path string, cookies []*http.Cookie, form url.Values, hdr map[string]string) *httptest.ResponseRecorder {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, path, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, c := range cookies {
		r.AddCookie(c)
	}
	for k, v := range hdr {
		r.Header.Set(k, v)
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

func cookie(w *httptest.ResponseRecorder, name string) *http.Cookie {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// anonToken fetches a form as an anonymous reader: the double-submit cookie
// and the token to post with it.
func (e *env) anonToken(t *testing.T, name string) (*http.Cookie, string) {
	t.Helper()
	w := e.do("GET", "/form", nil, nil, nil)
	c := cookie(w, name)
	if c == nil || c.Value != w.Body.String() {
		t.Fatalf("form: cookie %v, token %q", c, w.Body.String())
	}
	return c, w.Body.String()
}

// login signs alice in and returns the session cookie.
func (e *env) login(t *testing.T, extra ...*http.Cookie) *http.Cookie {
	t.Helper()
	// The form's token: the session's when the browser has one, else the
	// double-submit one with its cookie.
	f := e.do("GET", "/form", extra, nil, nil)
	cookies := extra
	if c := cookie(f, "trove_csrf"); c != nil {
		cookies = append(cookies, c)
	}
	w := e.do("POST", "/login", cookies, url.Values{"csrf_token": {f.Body.String()}, "name": {"alice"}, "password": {"alice-password"}}, nil)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("login: %d %s", w.Code, w.Body)
	}
	s := cookie(w, "trove_session")
	if s == nil || s.Value == "" {
		t.Fatal("login set no session cookie")
	}
	return s
}

func (e *env) whoami(t *testing.T, cookies ...*http.Cookie) string {
	t.Helper()
	w := e.do("GET", "/whoami", cookies, nil, nil)
	if w.Code != 200 {
		t.Fatalf("whoami: %d %s", w.Code, w.Body)
	}
	return w.Body.String()
}

func TestLoginCookie(t *testing.T) {
	e := newEnv(t, auth.Config{})
	if got := e.whoami(t); got != "  token=false csrf=" {
		t.Fatalf("anonymous: %q", got)
	}
	s := e.login(t)
	if !s.HttpOnly || s.Secure || s.SameSite != http.SameSiteLaxMode || s.Path != "/" || s.MaxAge != 0 || len(s.Value) != 43 {
		t.Fatalf("session cookie %+v", s)
	}
	got := e.whoami(t, s)
	if !strings.HasPrefix(got, "alice journalist token=false csrf=") || len(got) != len("alice journalist token=false csrf=")+43 {
		t.Fatalf("signed in: %q", got)
	}
	w := e.do("GET", "/whoami", []*http.Cookie{s}, nil, nil)
	if v := w.Header().Values("Vary"); strings.Join(v, ",") != "Cookie,Authorization" {
		t.Fatalf("Vary %q", v)
	}
	// A wrong password sets no cookie.
	c, tok := e.anonToken(t, "trove_csrf")
	w = e.do("POST", "/login", []*http.Cookie{c}, url.Values{"csrf_token": {tok}, "name": {"alice"}, "password": {"nope nope nope"}}, nil)
	if w.Code != http.StatusUnauthorized || cookie(w, "trove_session") != nil || !strings.Contains(w.Body.String(), "invalid name or password") {
		t.Fatalf("bad login: %d %q", w.Code, w.Body)
	}
}

func TestSecureCookies(t *testing.T) {
	e := newEnv(t, auth.Config{Secure: true, CookieName: "__Host-trove_session", SessionTTL: time.Hour})
	c, tok := e.anonToken(t, "__Host-trove_csrf")
	if !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" {
		t.Fatalf("csrf cookie %+v", c)
	}
	w := e.do("POST", "/login", []*http.Cookie{c}, url.Values{"csrf_token": {tok}, "name": {"alice"}, "password": {"alice-password"}}, nil)
	s := cookie(w, "__Host-trove_session")
	if s == nil || !s.Secure || !s.HttpOnly || s.SameSite != http.SameSiteLaxMode {
		t.Fatalf("session cookie %+v (%d %s)", s, w.Code, w.Body)
	}
	// SessionTTL applies.
	e.clk.Advance(time.Hour)
	if got := e.whoami(t, s); !strings.HasPrefix(got, "  ") {
		t.Fatalf("after TTL: %q", got)
	}
}

func TestInvalidCookieIsAnonymous(t *testing.T) {
	e := newEnv(t, auth.Config{})
	for _, v := range []string{"bogus", strings.Repeat("A", 43), strings.Repeat("x", 4000)} {
		w := e.do("GET", "/whoami", []*http.Cookie{{Name: "trove_session", Value: v}}, nil, nil)
		if w.Code != 200 || !strings.HasPrefix(w.Body.String(), "  token=false") {
			t.Fatalf("bogus cookie: %d %q", w.Code, w.Body)
		}
		if c := cookie(w, "trove_session"); c == nil || c.MaxAge >= 0 {
			t.Fatalf("bogus cookie not cleared: %+v", c)
		}
	}
	// An expired session too.
	s := e.login(t)
	e.clk.Advance(12 * time.Hour)
	w := e.do("GET", "/whoami", []*http.Cookie{s}, nil, nil)
	if !strings.HasPrefix(w.Body.String(), "  ") || cookie(w, "trove_session") == nil {
		t.Fatalf("expired session: %q", w.Body)
	}
}

func TestSessionFixation(t *testing.T) {
	e := newEnv(t, auth.Config{})
	// A session the browser already has (planted, or an earlier sign-in)
	// is ended and replaced.
	old := e.login(t)
	fresh := e.login(t, old)
	if fresh.Value == old.Value {
		t.Fatal("login kept the session id")
	}
	if _, _, err := e.db.Session(context.Background(), old.Value); archive.ErrorCode(err) != archive.EUnauthorized {
		t.Fatalf("old session still valid: %v", err)
	}
	if !strings.HasPrefix(e.whoami(t, fresh), "alice ") {
		t.Fatal("new session does not work")
	}
	// A planted unknown id is never adopted.
	planted := &http.Cookie{Name: "trove_session", Value: strings.Repeat("P", 43)}
	if got := e.login(t, planted); got.Value == planted.Value {
		t.Fatal("login adopted a planted id")
	}
}

func TestLogout(t *testing.T) {
	e := newEnv(t, auth.Config{})
	s := e.login(t)
	csrf := strings.TrimPrefix(e.whoami(t, s), "alice journalist token=false csrf=")
	w := e.do("POST", "/logout", []*http.Cookie{s}, url.Values{"csrf_token": {csrf}}, nil)
	if w.Code != 200 {
		t.Fatalf("logout: %d %s", w.Code, w.Body)
	}
	if c := cookie(w, "trove_session"); c == nil || c.MaxAge >= 0 {
		t.Fatalf("logout did not clear the cookie: %+v", c)
	}
	if got := e.whoami(t, s); !strings.HasPrefix(got, "  ") {
		t.Fatalf("after logout: %q", got)
	}
	log, _ := e.db.AuditLog(context.Background(), 10, 0)
	if len(log) == 0 || log[0].Detail != "signed out" || log[0].User != "alice" || log[0].Action != archive.AuditLogin {
		t.Fatalf("last audit entry %+v", log[0])
	}
}

func TestCSRF(t *testing.T) {
	e := newEnv(t, auth.Config{})
	s := e.login(t)
	sessTok := strings.TrimPrefix(e.whoami(t, s), "alice journalist token=false csrf=")
	anonC, anonTok := e.anonToken(t, "trove_csrf")
	sec, _, err := e.db.CreateToken(archive.WithPrincipal(context.Background(), archive.Admin()), e.alice.ID, "script", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	bearer := map[string]string{"Authorization": "Bearer " + sec}
	type C = []*http.Cookie
	for _, c := range []struct {
		name    string
		method  string
		cookies C
		form    url.Values
		hdr     map[string]string
		want    int
	}{
		{"session token in form", "POST", C{s}, url.Values{"csrf_token": {sessTok}}, nil, 200},
		{"session token in header", "POST", C{s}, nil, map[string]string{"X-CSRF-Token": sessTok}, 200},
		{"session, same-origin browser", "POST", C{s}, url.Values{"csrf_token": {sessTok}}, map[string]string{"Sec-Fetch-Site": "same-origin"}, 200},
		{"session, wrong token", "POST", C{s}, url.Values{"csrf_token": {anonTok}}, nil, 403},
		{"session, missing token", "POST", C{s}, url.Values{"other": {"x"}}, nil, 403},
		{"session, no body", "POST", C{s}, nil, nil, 403},
		{"session, anonymous token and cookie", "POST", C{s, anonC}, url.Values{"csrf_token": {anonTok}}, nil, 403},
		{"session, cross-site", "POST", C{s}, url.Values{"csrf_token": {sessTok}}, map[string]string{"Sec-Fetch-Site": "cross-site"}, 403},
		{"session, foreign origin", "POST", C{s}, url.Values{"csrf_token": {sessTok}}, map[string]string{"Origin": "https://evil.example"}, 403},
		{"session, DELETE with header", "DELETE", C{s}, nil, map[string]string{"X-CSRF-Token": sessTok}, 405},
		{"anonymous double submit", "POST", C{anonC}, url.Values{"csrf_token": {anonTok}}, nil, 200},
		{"anonymous, mismatch", "POST", C{anonC}, url.Values{"csrf_token": {sessTok}}, nil, 403},
		{"anonymous, field without cookie", "POST", nil, url.Values{"csrf_token": {anonTok}}, nil, 403},
		{"anonymous, cookie without field", "POST", C{anonC}, url.Values{}, nil, 403},
		{"anonymous, empty cookie and field", "POST", C{{Name: "trove_csrf", Value: ""}}, url.Values{"csrf_token": {""}}, nil, 403},
		{"anonymous, malformed equal values", "POST", C{{Name: "trove_csrf", Value: "x"}}, url.Values{"csrf_token": {"x"}}, nil, 403},
		{"bearer token POST", "POST", nil, url.Values{"csrf_token": {anonTok}}, bearer, 403},
		{"bearer token with session token", "POST", C{s}, url.Values{"csrf_token": {sessTok}}, bearer, 403},
		{"bearer token GET", "GET", nil, nil, bearer, 200},
		{"GET needs no token", "GET", C{s}, nil, nil, 200},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := "/change"
			if c.method == "GET" {
				path = "/whoami"
			}
			w := e.do(c.method, path, c.cookies, c.form, c.hdr)
			if w.Code != c.want {
				t.Fatalf("%s: %d %s, want %d", c.name, w.Code, w.Body, c.want)
			}
		})
	}
	// Refusals of bearer requests are JSON.
	w := e.do("POST", "/change", nil, nil, bearer)
	if w.Header().Get("Content-Type") != "application/json" || !strings.Contains(w.Body.String(), `"read-only`) && !strings.Contains(w.Body.String(), "read-only") {
		t.Fatalf("bearer POST: %s %q", w.Header().Get("Content-Type"), w.Body)
	}
}

func TestCheckCSRFDirect(t *testing.T) {
	e := newEnv(t, auth.Config{CSRFField: "csrf"})
	if e.svc.CSRFField() != "csrf" {
		t.Fatal(e.svc.CSRFField())
	}
	anonC, anonTok := e.anonToken(t, "trove_csrf")
	check := func(field string) bool {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(url.Values{field: {anonTok}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(anonC)
		return e.svc.CheckCSRF(r)
	}
	if !check("csrf") || check("csrf_token") {
		t.Fatal("CheckCSRF does not read Config.CSRFField")
	}
}

func TestAnonCSRFStable(t *testing.T) {
	e := newEnv(t, auth.Config{})
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/", nil)
	a, b := e.svc.AnonCSRF(w, r), e.svc.AnonCSRF(w, r)
	if a != b || len(w.Header().Values("Set-Cookie")) != 1 {
		t.Fatalf("two calls: %q %q, %d cookies", a, b, len(w.Header().Values("Set-Cookie")))
	}
	r.AddCookie(&http.Cookie{Name: "trove_csrf", Value: a})
	w = httptest.NewRecorder()
	if got := e.svc.AnonCSRF(w, r); got != a || len(w.Header().Values("Set-Cookie")) != 0 {
		t.Fatalf("with cookie: %q, %d cookies set", got, len(w.Header().Values("Set-Cookie")))
	}
}

func TestBearer(t *testing.T) {
	e := newEnv(t, auth.Config{})
	ctx := archive.WithPrincipal(context.Background(), archive.Admin())
	sec, tok, err := e.db.CreateToken(ctx, e.alice.ID, "script", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	w := e.do("GET", "/whoami", nil, nil, map[string]string{"Authorization": "bearer " + sec})
	if w.Code != 200 || w.Body.String() != "alice journalist token=true csrf=" {
		t.Fatalf("bearer: %d %q", w.Code, w.Body)
	}
	// A proxy's Basic credentials are none of our business.
	w = e.do("GET", "/whoami", nil, nil, map[string]string{"Authorization": "Basic dXNlcjpwYXNz"})
	if w.Code != 200 || !strings.HasPrefix(w.Body.String(), "  ") {
		t.Fatalf("basic: %d %q", w.Code, w.Body)
	}
	if err := e.db.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"Bearer " + sec, "Bearer ", "Bearer trove_nope", "Bearer"} {
		w = e.do("GET", "/whoami", nil, nil, map[string]string{"Authorization": h})
		if w.Code != 401 || !strings.Contains(w.Header().Get("WWW-Authenticate"), `error="invalid_token"`) ||
			w.Body.String() != `{"error":{"code":"unauthorized","message":"invalid, expired or revoked token"}}`+"\n" {
			t.Fatalf("%q: %d %q %q", h, w.Code, w.Header().Get("WWW-Authenticate"), w.Body)
		}
	}
}

func TestErrorHook(t *testing.T) {
	var got []string
	e := newEnv(t, auth.Config{Error: func(w http.ResponseWriter, r *http.Request, status int, msg string) {
		got = append(got, fmt.Sprint(status, " ", msg))
		w.WriteHeader(status)
	}})
	e.do("POST", "/change", nil, nil, nil)
	e.do("GET", "/whoami", nil, nil, map[string]string{"Authorization": "Bearer trove_x"})
	if len(got) != 2 || !strings.HasPrefix(got[0], "403 ") || !strings.HasPrefix(got[1], "401 ") {
		t.Fatalf("hook calls %q", got)
	}
}

func TestLoginThrottle(t *testing.T) {
	e := newEnv(t, auth.Config{})
	ctx := context.Background()
	// The 11th attempt within a minute for one name is refused, even with
	// the right password (right passwords here, so that the lockout
	// after 5 failures does not interfere).
	for i := range 10 {
		w := httptest.NewRecorder()
		if err := e.svc.Login(w, httptest.NewRequest("POST", "/login", nil).WithContext(ctx), "alice", "alice-password"); err != nil {
			t.Fatalf("attempt %d: %v", i+1, err)
		}
	}
	w := httptest.NewRecorder()
	err := e.svc.Login(w, httptest.NewRequest("POST", "/login", nil), "Alice ", "alice-password")
	if !errors.Is(err, auth.ErrThrottled) || archive.ErrorCode(err) != archive.EUnauthorized ||
		!strings.Contains(archive.ErrorMessage(err), "too many sign-in attempts") || cookie(w, "trove_session") != nil {
		t.Fatalf("11th attempt: %v", err)
	}
	// Other names are not affected.
	if err := e.svc.Login(httptest.NewRecorder(), httptest.NewRequest("POST", "/login", nil), "bob", "whatever-password"); errors.Is(err, auth.ErrThrottled) {
		t.Fatal("throttled another name")
	}
	// The bucket refills: one attempt every 6 seconds.
	e.clk.Advance(6 * time.Second)
	if err := e.svc.Login(httptest.NewRecorder(), httptest.NewRequest("POST", "/login", nil), "alice", "alice-password"); err != nil {
		t.Fatalf("after refill: %v", err)
	}
	if err := e.svc.Login(httptest.NewRecorder(), httptest.NewRequest("POST", "/login", nil), "alice", "alice-password"); !errors.Is(err, auth.ErrThrottled) {
		t.Fatalf("second after refill: %v", err)
	}
	// Through HTTP the handler maps it to 429.
	c, tok := e.anonToken(t, "trove_csrf")
	rw := e.do("POST", "/login", []*http.Cookie{c}, url.Values{"csrf_token": {tok}, "name": {"alice"}, "password": {"alice-password"}}, nil)
	if rw.Code != http.StatusTooManyRequests {
		t.Fatalf("HTTP: %d %s", rw.Code, rw.Body)
	}
}

func TestLoginThrottleGlobal(t *testing.T) {
	e := newEnv(t, auth.Config{LoginGlobal: 3, LoginPerName: 2})
	for i := range 3 {
		err := e.svc.Login(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil), fmt.Sprint("nobody", i), "some-password")
		if archive.ErrorCode(err) != archive.EUnauthorized || errors.Is(err, auth.ErrThrottled) {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	err := e.svc.Login(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil), "alice", "alice-password")
	if !errors.Is(err, auth.ErrThrottled) {
		t.Fatalf("4th attempt overall: %v", err)
	}
	e.clk.Advance(time.Minute)
	if err := e.svc.Login(httptest.NewRecorder(), httptest.NewRequest("POST", "/", nil), "alice", "alice-password"); err != nil {
		t.Fatal(err)
	}
}

// TestThrottleMemory: names are forgotten once their bucket is full again,
// so a spray of names cannot grow the throttle without bound.
func TestThrottleMemory(t *testing.T) {
	e := newEnv(t, auth.Config{LoginGlobal: 1 << 30})
	for i := range 1500 {
		if !auth.Allow(e.svc, fmt.Sprint("name", i)) {
			t.Fatalf("attempt %d refused", i)
		}
	}
	if n := auth.ThrottledNames(e.svc); n < 1000 {
		t.Fatalf("%d names tracked before they refill", n)
	}
	e.clk.Advance(time.Minute)
	for i := range 600 {
		auth.Allow(e.svc, fmt.Sprint("other", i))
	}
	if n := auth.ThrottledNames(e.svc); n > 1100 {
		t.Fatalf("%d names tracked: full buckets not swept", n)
	}
}
