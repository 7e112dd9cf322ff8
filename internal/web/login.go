package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
)

type loginPage struct {
	page
	Token string // CSRF token (double-submit cookie) for this anonymous form
	Next  string
	Name  string
	Error string
}

// safeNext keeps a post-login destination only when it is a path on this
// site; anything else (another host, a scheme, "//host") goes to /account.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, `/\`) {
		return "/account"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/account"
	}
	return next
}

func (h *Handler) loginForm(w http.ResponseWriter, r *http.Request) {
	if h.deps.Auth == nil {
		h.notFound(w, r)
		return
	}
	next := safeNext(r.URL.Query().Get("next"))
	if archive.PrincipalFrom(r.Context()).SignedIn() {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	d := loginPage{page: h.base(r, "Sign in"), Next: next}
	d.Token = h.deps.Auth.AnonCSRF(w, r)
	h.render(w, http.StatusOK, "login", d)
}

func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	if h.deps.Auth == nil {
		h.notFound(w, r)
		return
	}
	if !h.checkForm(w, r) {
		return
	}
	next := safeNext(r.PostFormValue("next"))
	name := strings.TrimSpace(r.PostFormValue("name"))
	err := h.deps.Auth.Login(w, r, name, r.PostFormValue("password"))
	if err == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	d := loginPage{page: h.base(r, "Sign in"), Next: next, Name: name}
	status := http.StatusUnauthorized
	switch archive.ErrorCode(err) {
	case archive.EUnauthorized:
		// The account store says the same whatever went wrong (unknown
		// name, wrong password, locked or disabled account); the only
		// other refusal is throttling, which says so.
		d.Error = "Sign-in failed: " + archive.ErrorMessage(err)
	case archive.EInvalid:
		status = http.StatusBadRequest
		d.Error = "Sign-in failed: " + archive.ErrorMessage(err)
	default:
		h.fail(w, r, err)
		return
	}
	d.Token = h.deps.Auth.AnonCSRF(w, r)
	h.render(w, status, "login", d)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	if h.deps.Auth == nil {
		h.notFound(w, r)
		return
	}
	if !h.checkForm(w, r) {
		return
	}
	if err := h.deps.Auth.Logout(w, r); err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
