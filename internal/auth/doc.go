// Package auth is trove's HTTP sign-in glue: the middleware that turns a
// session cookie or an API token into the archive.Principal of a request,
// sign-in and sign-out, throttling, and protection against cross-site request
// forgery. It uses only net/http and speaks to storage through
// archive.Accounts and archive.Auditor (internal/sqlite provides both);
// passwords are hashed by package password, inside Accounts.
//
// # Wiring
//
//	a := auth.New(db, db, auth.Config{Secure: true})
//	handler := a.Middleware(mux)             // every request: principal in context
//	handler = a.Middleware(a.RequireCSRF(mux)) // optionally: refuse unsafe methods without a token
//
// Handlers read the reader with archive.PrincipalFrom(r.Context()).
//
// # Sessions
//
// Login checks the password (Accounts.Authenticate: Argon2id, lockout for 15
// minutes after 5 consecutive failures), ends any session the browser
// already had and starts a new one, so an identifier planted before sign-in
// (session fixation) is worthless. The session ID is 32 random bytes in
// base64url; the database keeps only its SHA-256. The cookie is HttpOnly,
// Path=/, Secure when Config.Secure (set it whenever users reach the site
// over HTTPS, directly or through a proxy), SameSite=Lax, and has no
// Max-Age: it lasts until the browser closes, and the server ends the
// session after Config.SessionTTL (12 h) in any case. Lax rather than Strict
// because a journalist following a link to a document from e-mail or chat
// would otherwise arrive signed out; Lax still keeps the cookie off
// cross-site POSTs, images and frames, and the CSRF tokens below cover the
// rest. Role and grants are read from the database at every request, so a
// revoked grant, a disabled account or a changed role applies at once. An
// unknown or expired cookie makes the reader anonymous and is cleared.
//
// # API tokens
//
// "Authorization: Bearer trove_…" (RFC 6750) resolves an API token; the
// database keeps only its SHA-256. Tokens are read-only: IsToken reports
// them, and RequireCSRF answers 403 to any unsafe method made with one. An
// invalid, expired or revoked token is answered 401 with WWW-Authenticate
// (it does not silently fall back to anonymous, which would look like
// missing data). Other schemes (Basic, from a proxy) are ignored. Tokens in
// the query string are not accepted: URLs end up in logs.
//
// # Cross-site request forgery
//
// A state-changing request must pass two checks (CheckCSRF):
//
//   - net/http's CrossOriginProtection: a browser request whose
//     Sec-Fetch-Site or Origin shows another site is refused;
//   - a token: the form field Config.CSRFField (default "csrf_token") or the
//     header X-CSRF-Token must equal, compared in constant time, the token
//     bound to the session (CSRFToken) or, for a reader without a session
//     (the sign-in form), the value of the double-submit cookie that
//     AnonCSRF sets ("trove_csrf"; "__Host-trove_csrf" when Secure, so that
//     a sibling subdomain cannot plant it).
//
// FormToken returns whichever token a form shown on this request needs.
//
// # Throttling
//
// Sign-in attempts are throttled in memory by token buckets, one per login
// name (10 a minute) and one for everybody (100 a minute), never by client
// address: trove records no IP addresses, in memory or on disk. A refused
// attempt returns ErrThrottled without checking the password, even a
// correct one.
package auth
