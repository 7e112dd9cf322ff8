package sqlite

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/password"
)

var _ archive.Accounts = (*DB)(nil)

// Lockout: after MaxFailedLogins consecutive failed passwords a user cannot
// sign in for LockoutDuration, whatever the password.
const (
	MaxFailedLogins = 5
	LockoutDuration = 15 * time.Minute
)

// TokenPrefix starts every API token secret, so that leaked tokens are easy
// to recognise (and to scan for).
const TokenPrefix = "trove_"

// touchInterval is how stale a session's last_seen or a token's last_used
// may get before a request writes it again: one write a minute, not one a
// request.
const touchInterval = 60 // seconds

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._@+-]{0,63}$`)

// errAuth is the one answer to any failed authentication.
func errAuth() error { return archive.Errorf(archive.EUnauthorized, "invalid name or password") }

func errSession() error {
	return archive.Errorf(archive.EUnauthorized, "not signed in, or the session has ended: sign in again")
}

func errToken() error {
	return archive.Errorf(archive.EUnauthorized, "invalid, expired or revoked token")
}

// now is the accounts clock, UTC.
func (d *DB) now() time.Time {
	if d.Now != nil {
		return d.Now().UTC()
	}
	return time.Now().UTC()
}

// normName folds a login name: names are case-insensitive.
func normName(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func checkName(name string) error {
	if !nameRE.MatchString(name) {
		return archive.Errorf(archive.EInvalid, "user name %q: use 1 to 64 letters, digits and . _ @ + - (starting with a letter or digit)", name)
	}
	return nil
}

func checkRole(r archive.Role) error {
	switch r {
	case archive.RoleJournalist, archive.RoleEditor, archive.RoleAdmin:
		return nil
	}
	return archive.Errorf(archive.EInvalid, "role %q: want journalist, editor or admin", r)
}

func checkPassword(pw string) error {
	if err := password.Validate(pw); err != nil {
		return archive.Errorf(archive.EInvalid, "%s", err.Error())
	}
	return nil
}

// secret returns n random bytes in unpadded base64url.
func secret(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never returns an error (crypto/rand, Go 1.24+)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sha(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

func unix(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

func fromUnix(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

func fmtExpiry(t time.Time) string {
	if t.IsZero() {
		return "no expiry"
	}
	return "until " + t.UTC().Format(time.RFC3339)
}

// actor is who the context says is acting, for the audit log.
func actor(ctx context.Context) (int64, string) {
	p := archive.PrincipalFrom(ctx)
	if p.Name == "" {
		return p.UserID, "anonymous"
	}
	return p.UserID, p.Name
}

func (d *DB) auditAs(ctx context.Context, tx *sql.Tx, action string, datasetID int64, format string, args ...any) error {
	uid, name := actor(ctx)
	return d.recordTx(ctx, tx, &archive.AuditEntry{UserID: uid, User: name, Action: action, DatasetID: datasetID,
		Detail: fmt.Sprintf(format, args...)})
}

// beginTx starts a write transaction (BEGIN IMMEDIATE: _txlock=immediate).
func (d *DB) beginTx(ctx context.Context, op string) (*sql.Tx, error) {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", op, err)
	}
	return tx, nil
}

type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// userName returns the name of user id, or ENotFound.
func userName(ctx context.Context, q querier, id int64) (string, error) {
	var name string
	err := q.QueryRowContext(ctx, `SELECT name FROM users WHERE id = ?`, id).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return "", archive.Errorf(archive.ENotFound, "user %d not found", id)
	} else if err != nil {
		return "", fmt.Errorf("find user %d: %w", id, err)
	}
	return name, nil
}

// datasetSlug returns the slug of dataset id, or ENotFound.
func datasetSlug(ctx context.Context, q querier, id int64) (string, error) {
	var slug string
	err := q.QueryRowContext(ctx, `SELECT slug FROM datasets WHERE id = ?`, id).Scan(&slug)
	if errors.Is(err, sql.ErrNoRows) {
		return "", archive.Errorf(archive.ENotFound, "dataset %d not found", id)
	} else if err != nil {
		return "", fmt.Errorf("find dataset %d: %w", id, err)
	}
	return slug, nil
}

// Users

const userCols = `id, name, role, created, disabled, locked_until`

func scanUser(sc interface{ Scan(...any) error }) (*archive.User, error) {
	var u archive.User
	var role string
	var created, locked int64
	if err := sc.Scan(&u.ID, &u.Name, &role, &created, &u.Disabled, &locked); err != nil {
		return nil, err
	}
	u.Role = archive.Role(role)
	u.Created, u.LockedUntil = fromUnix(created), fromUnix(locked)
	return &u, nil
}

// CreateUser implements archive.Accounts. Names are folded to lower case.
func (d *DB) CreateUser(ctx context.Context, name, pw string, role archive.Role) (*archive.User, error) {
	name = normName(name)
	if err := checkName(name); err != nil {
		return nil, err
	}
	if err := checkRole(role); err != nil {
		return nil, err
	}
	if err := checkPassword(pw); err != nil {
		return nil, err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return nil, fmt.Errorf("create user %s: %w", name, err)
	}
	u := &archive.User{Name: name, Role: role, Created: d.now().Truncate(time.Second)}
	tx, err := d.beginTx(ctx, "create user")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `INSERT INTO users (name, role, password, created) VALUES (?, ?, ?, ?)`,
		name, string(role), hash, u.Created.Unix())
	if isUnique(err) {
		return nil, archive.Errorf(archive.EConflict, "user %q already exists", name)
	} else if err != nil {
		return nil, fmt.Errorf("create user %s: %w", name, err)
	}
	if u.ID, err = res.LastInsertId(); err != nil {
		return nil, fmt.Errorf("create user %s: %w", name, err)
	}
	if err := d.auditAs(ctx, tx, archive.AuditUser, 0, "created user %s (%s)", name, role); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("create user %s: %w", name, err)
	}
	return u, nil
}

// Users implements archive.Accounts, by name.
func (d *DB) Users(ctx context.Context) ([]*archive.User, error) {
	return queryAll(ctx, d.db, "list users", func(sc rowScanner) (*archive.User, error) { return scanUser(sc) },
		`SELECT `+userCols+` FROM users ORDER BY name`)
}

// UserByName implements archive.Accounts.
func (d *DB) UserByName(ctx context.Context, name string) (*archive.User, error) {
	name = normName(name)
	u, err := scanUser(d.db.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE name = ?`, name))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, archive.Errorf(archive.ENotFound, "user %q not found", name)
	} else if err != nil {
		return nil, fmt.Errorf("find user %s: %w", name, err)
	}
	return u, nil
}

// SetPassword implements archive.Accounts. It also lifts a lockout and ends
// every session of the user.
func (d *DB) SetPassword(ctx context.Context, userID int64, pw string) error {
	if err := checkPassword(pw); err != nil {
		return err
	}
	hash, err := password.Hash(pw)
	if err != nil {
		return fmt.Errorf("set password: %w", err)
	}
	tx, err := d.beginTx(ctx, "set password")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	name, err := userName(ctx, tx, userID)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET password = ?, failed_logins = 0, locked_until = 0 WHERE id = ?`, hash, userID); err != nil {
		return fmt.Errorf("set password of %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("set password of %s: %w", name, err)
	}
	if err := d.auditAs(ctx, tx, archive.AuditUser, 0, "changed the password of %s", name); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set password of %s: %w", name, err)
	}
	return nil
}

// SetRole implements archive.Accounts. Sessions read the role at each
// request, so the change applies at once.
func (d *DB) SetRole(ctx context.Context, userID int64, role archive.Role) error {
	if err := checkRole(role); err != nil {
		return err
	}
	tx, err := d.beginTx(ctx, "set role")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	name, err := userName(ctx, tx, userID)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET role = ? WHERE id = ?`, string(role), userID); err != nil {
		return fmt.Errorf("set role of %s: %w", name, err)
	}
	if err := d.auditAs(ctx, tx, archive.AuditUser, 0, "set the role of %s to %s", name, role); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set role of %s: %w", name, err)
	}
	return nil
}

// SetDisabled implements archive.Accounts. Disabling ends every session;
// the user's tokens stop working while disabled (and work again once
// enabled, unless revoked).
func (d *DB) SetDisabled(ctx context.Context, userID int64, disabled bool) error {
	tx, err := d.beginTx(ctx, "disable user")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	name, err := userName(ctx, tx, userID)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET disabled = ? WHERE id = ?`, disabled, userID); err != nil {
		return fmt.Errorf("disable %s: %w", name, err)
	}
	verb := "enabled"
	if disabled {
		verb = "disabled"
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
			return fmt.Errorf("disable %s: %w", name, err)
		}
	}
	if err := d.auditAs(ctx, tx, archive.AuditUser, 0, "%s user %s", verb, name); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("disable %s: %w", name, err)
	}
	return nil
}

// Authentication

// Authenticate implements archive.Accounts. Every failure (unknown name,
// wrong password, disabled or locked account) returns the same
// EUnauthorized error after the same Argon2id work, so neither the answer
// nor its timing says whether a name exists. Outcomes for existing users
// are written to the audit log (action "login"); names that do not exist
// are not (they may be mistyped passwords).
func (d *DB) Authenticate(ctx context.Context, name, pw string) (*archive.User, error) {
	name = normName(name)
	if checkName(name) != nil {
		password.CheckDummy(pw)
		return nil, errAuth()
	}
	var u archive.User
	var role, hash string
	var created, locked int64
	err := d.db.QueryRowContext(ctx, `SELECT id, name, role, password, created, disabled, locked_until FROM users WHERE name = ?`, name).
		Scan(&u.ID, &u.Name, &role, &hash, &created, &u.Disabled, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		password.CheckDummy(pw)
		return nil, errAuth()
	} else if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	u.Role, u.Created, u.LockedUntil = archive.Role(role), fromUnix(created), fromUnix(locked)

	if u.Disabled || locked > d.now().Unix() {
		password.CheckDummy(pw)
		why := "refused sign-in: account disabled"
		if !u.Disabled {
			why = "refused sign-in: account locked"
		}
		if err := d.loginEvent(ctx, &u, why); err != nil {
			return nil, err
		}
		return nil, errAuth()
	}
	ok, err := password.Check(hash, pw)
	if err != nil {
		// An unreadable stored hash: nobody can sign in as this user until
		// an admin sets a new password.
		if err := d.loginEvent(ctx, &u, "refused sign-in: stored password hash unreadable"); err != nil {
			return nil, err
		}
		return nil, errAuth()
	}
	if !ok {
		if err := d.loginFailed(ctx, &u); err != nil {
			return nil, err
		}
		return nil, errAuth()
	}
	var rehash string
	if password.NeedsRehash(hash) {
		rehash, _ = password.Hash(pw) // best effort; an error keeps the old hash
	}
	return &u, d.loginSucceeded(ctx, &u, rehash)
}

func (d *DB) loginEvent(ctx context.Context, u *archive.User, detail string) error {
	return d.Record(ctx, &archive.AuditEntry{UserID: u.ID, User: u.Name, Action: archive.AuditLogin, Detail: detail})
}

// loginFailed counts a failure and locks the account at the limit.
func (d *DB) loginFailed(ctx context.Context, u *archive.User) error {
	tx, err := d.beginTx(ctx, "authenticate")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins`, u.ID).Scan(&n); err != nil {
		return fmt.Errorf("authenticate %s: %w", u.Name, err)
	}
	detail := fmt.Sprintf("failed sign-in (%d of %d)", n, MaxFailedLogins)
	if n >= MaxFailedLogins {
		until := d.now().Add(LockoutDuration)
		if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0, locked_until = ? WHERE id = ?`, until.Unix(), u.ID); err != nil {
			return fmt.Errorf("authenticate %s: %w", u.Name, err)
		}
		detail = fmt.Sprintf("failed sign-in (%d of %d): locked until %s", n, MaxFailedLogins, until.Format(time.RFC3339))
	}
	if err := d.recordTx(ctx, tx, &archive.AuditEntry{UserID: u.ID, User: u.Name, Action: archive.AuditLogin, Detail: detail}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("authenticate %s: %w", u.Name, err)
	}
	return nil
}

// loginSucceeded resets the failure count, unless the account was locked or
// disabled meanwhile (then the login fails after all).
func (d *DB) loginSucceeded(ctx context.Context, u *archive.User, rehash string) error {
	tx, err := d.beginTx(ctx, "authenticate")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var disabled bool
	var locked int64
	if err := tx.QueryRowContext(ctx, `SELECT disabled, locked_until FROM users WHERE id = ?`, u.ID).Scan(&disabled, &locked); err != nil {
		return fmt.Errorf("authenticate %s: %w", u.Name, err)
	}
	if disabled || locked > d.now().Unix() {
		return errAuth()
	}
	if _, err := tx.ExecContext(ctx, `UPDATE users SET failed_logins = 0 WHERE id = ? AND failed_logins <> 0`, u.ID); err != nil {
		return fmt.Errorf("authenticate %s: %w", u.Name, err)
	}
	if rehash != "" {
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password = ? WHERE id = ?`, rehash, u.ID); err != nil {
			return fmt.Errorf("authenticate %s: %w", u.Name, err)
		}
	}
	if err := d.recordTx(ctx, tx, &archive.AuditEntry{UserID: u.ID, User: u.Name, Action: archive.AuditLogin, Detail: "signed in"}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("authenticate %s: %w", u.Name, err)
	}
	return nil
}

// Sessions

// NewSession implements archive.Accounts. The ID is 32 random bytes in
// base64url (43 characters) and is stored only as its SHA-256; the CSRF
// token is 32 more random bytes. Expired sessions are swept here.
func (d *DB) NewSession(ctx context.Context, userID int64, ttl time.Duration) (string, string, error) {
	if ttl < time.Second {
		return "", "", archive.Errorf(archive.EInvalid, "session lifetime %s is too short", ttl)
	}
	var disabled bool
	err := d.db.QueryRowContext(ctx, `SELECT disabled FROM users WHERE id = ?`, userID).Scan(&disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", archive.Errorf(archive.ENotFound, "user %d not found", userID)
	} else if err != nil {
		return "", "", fmt.Errorf("new session: %w", err)
	}
	if disabled {
		return "", "", errAuth()
	}
	id, csrf := secret(32), secret(32)
	now := d.now()
	if _, err := d.db.ExecContext(ctx, `DELETE FROM sessions WHERE expires <= ?`, now.Unix()); err != nil {
		return "", "", fmt.Errorf("new session: %w", err)
	}
	_, err = d.db.ExecContext(ctx, `INSERT INTO sessions (id, user_id, csrf, created, expires, last_seen) VALUES (?, ?, ?, ?, ?, ?)`,
		sha(id), userID, csrf, now.Unix(), now.Add(ttl).Unix(), now.Unix())
	if err != nil {
		return "", "", fmt.Errorf("new session: %w", err)
	}
	return id, csrf, nil
}

// Session implements archive.Accounts. The principal's role and grants are
// read now, so a revoked grant or a changed role applies to the next
// request; a disabled user's session fails.
func (d *DB) Session(ctx context.Context, id string) (archive.Principal, string, error) {
	if id == "" || len(id) > 128 {
		return archive.Principal{}, "", errSession()
	}
	key := sha(id)
	var p archive.Principal
	var role, csrf string
	var expires, lastSeen int64
	var disabled bool
	err := d.db.QueryRowContext(ctx, `SELECT s.user_id, s.csrf, s.expires, s.last_seen, u.name, u.role, u.disabled
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ?`, key).
		Scan(&p.UserID, &csrf, &expires, &lastSeen, &p.Name, &role, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return archive.Principal{}, "", errSession()
	} else if err != nil {
		return archive.Principal{}, "", fmt.Errorf("session: %w", err)
	}
	now := d.now()
	if expires <= now.Unix() {
		if _, err := d.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, key); err != nil {
			return archive.Principal{}, "", fmt.Errorf("session: %w", err)
		}
		return archive.Principal{}, "", errSession()
	}
	if disabled {
		return archive.Principal{}, "", errSession()
	}
	p.Role, p.Now = archive.Role(role), now
	if p.Grants, err = activeGrants(ctx, d.db, p.UserID, now); err != nil {
		return archive.Principal{}, "", err
	}
	if now.Unix()-lastSeen >= touchInterval {
		if _, err := d.db.ExecContext(ctx, `UPDATE sessions SET last_seen = ? WHERE id = ?`, now.Unix(), key); err != nil {
			return archive.Principal{}, "", fmt.Errorf("session: %w", err)
		}
	}
	return p, csrf, nil
}

// EndSession implements archive.Accounts; ending an unknown session is not
// an error.
func (d *DB) EndSession(ctx context.Context, id string) error {
	if _, err := d.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, sha(id)); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// EndSessions implements archive.Accounts.
func (d *DB) EndSessions(ctx context.Context, userID int64) error {
	if _, err := d.db.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, userID); err != nil {
		return fmt.Errorf("end sessions of user %d: %w", userID, err)
	}
	return nil
}

// API tokens

// CreateToken implements archive.Accounts. The secret is TokenPrefix and 32
// random bytes in base64url; only its SHA-256 is stored. Tokens are always
// read-only.
func (d *DB) CreateToken(ctx context.Context, userID int64, name string, expires time.Time) (string, *archive.APIToken, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 64 || strings.IndexFunc(name, unicode.IsControl) >= 0 {
		return "", nil, archive.Errorf(archive.EInvalid, "token name: give 1 to 64 printable characters")
	}
	now := d.now()
	if !expires.IsZero() && !expires.After(now) {
		return "", nil, archive.Errorf(archive.EInvalid, "token expiry %s is in the past", expires.UTC().Format(time.RFC3339))
	}
	tx, err := d.beginTx(ctx, "create token")
	if err != nil {
		return "", nil, err
	}
	defer tx.Rollback()
	var user string
	var disabled bool
	err = tx.QueryRowContext(ctx, `SELECT name, disabled FROM users WHERE id = ?`, userID).Scan(&user, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, archive.Errorf(archive.ENotFound, "user %d not found", userID)
	} else if err != nil {
		return "", nil, fmt.Errorf("create token: %w", err)
	}
	if disabled {
		return "", nil, archive.Errorf(archive.EInvalid, "user %s is disabled", user)
	}
	sec := TokenPrefix + secret(32)
	t := &archive.APIToken{UserID: userID, Name: name, Created: now.Truncate(time.Second), Expires: fromUnix(unix(expires)), ReadOnly: true}
	res, err := tx.ExecContext(ctx, `INSERT INTO tokens (hash, user_id, name, created, expires) VALUES (?, ?, ?, ?, ?)`,
		sha(sec), userID, name, t.Created.Unix(), unix(expires))
	if err != nil {
		return "", nil, fmt.Errorf("create token: %w", err)
	}
	if t.ID, err = res.LastInsertId(); err != nil {
		return "", nil, fmt.Errorf("create token: %w", err)
	}
	if err := d.auditAs(ctx, tx, archive.AuditToken, 0, "created token %d %q for %s, %s", t.ID, name, user, fmtExpiry(t.Expires)); err != nil {
		return "", nil, err
	}
	if err := tx.Commit(); err != nil {
		return "", nil, fmt.Errorf("create token: %w", err)
	}
	return sec, t, nil
}

// Tokens implements archive.Accounts: every token of a user, revoked and
// expired ones included, oldest first.
func (d *DB) Tokens(ctx context.Context, userID int64) ([]*archive.APIToken, error) {
	return queryAll(ctx, d.db, "list tokens", func(sc rowScanner) (*archive.APIToken, error) {
		t := &archive.APIToken{ReadOnly: true}
		var created, expires, used int64
		if err := sc.Scan(&t.ID, &t.UserID, &t.Name, &created, &expires, &used, &t.Revoked); err != nil {
			return nil, err
		}
		t.Created, t.Expires, t.LastUsed = fromUnix(created), fromUnix(expires), fromUnix(used)
		return t, nil
	}, `SELECT id, user_id, name, created, expires, last_used, revoked FROM tokens WHERE user_id = ? ORDER BY id`, userID)
}

// RevokeToken implements archive.Accounts. Revoking a revoked token is a
// no-op.
func (d *DB) RevokeToken(ctx context.Context, tokenID int64) error {
	tx, err := d.beginTx(ctx, "revoke token")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var name, user string
	var revoked bool
	err = tx.QueryRowContext(ctx, `SELECT t.name, t.revoked, u.name FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?`, tokenID).
		Scan(&name, &revoked, &user)
	if errors.Is(err, sql.ErrNoRows) {
		return archive.Errorf(archive.ENotFound, "token %d not found", tokenID)
	} else if err != nil {
		return fmt.Errorf("revoke token %d: %w", tokenID, err)
	}
	if revoked {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `UPDATE tokens SET revoked = 1 WHERE id = ?`, tokenID); err != nil {
		return fmt.Errorf("revoke token %d: %w", tokenID, err)
	}
	if err := d.auditAs(ctx, tx, archive.AuditToken, 0, "revoked token %d %q of %s", tokenID, name, user); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("revoke token %d: %w", tokenID, err)
	}
	return nil
}

// TokenPrincipal implements archive.Accounts. The principal carries the
// user's current role and grants; last_used is updated at most once a
// minute.
func (d *DB) TokenPrincipal(ctx context.Context, sec string) (archive.Principal, error) {
	if !strings.HasPrefix(sec, TokenPrefix) || len(sec) > 128 {
		return archive.Principal{}, errToken()
	}
	var p archive.Principal
	var id, expires, used int64
	var revoked, disabled bool
	var role string
	err := d.db.QueryRowContext(ctx, `SELECT t.id, t.expires, t.last_used, t.revoked, u.id, u.name, u.role, u.disabled
		FROM tokens t JOIN users u ON u.id = t.user_id WHERE t.hash = ?`, sha(sec)).
		Scan(&id, &expires, &used, &revoked, &p.UserID, &p.Name, &role, &disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return archive.Principal{}, errToken()
	} else if err != nil {
		return archive.Principal{}, fmt.Errorf("token: %w", err)
	}
	now := d.now()
	if revoked || disabled || (expires != 0 && expires <= now.Unix()) {
		return archive.Principal{}, errToken()
	}
	p.Role, p.Now = archive.Role(role), now
	if p.Grants, err = activeGrants(ctx, d.db, p.UserID, now); err != nil {
		return archive.Principal{}, err
	}
	if now.Unix()-used >= touchInterval {
		if _, err := d.db.ExecContext(ctx, `UPDATE tokens SET last_used = ? WHERE id = ?`, now.Unix(), id); err != nil {
			return archive.Principal{}, fmt.Errorf("token: %w", err)
		}
	}
	return p, nil
}

// Grants

func activeGrants(ctx context.Context, q querier, userID int64, now time.Time) ([]archive.Grant, error) {
	return grants(ctx, q, `SELECT dataset_id, expires FROM grants WHERE user_id = ? AND (expires = 0 OR expires > ?) ORDER BY dataset_id`, userID, now.Unix())
}

func grants(ctx context.Context, q querier, query string, args ...any) ([]archive.Grant, error) {
	return queryAll(ctx, q, "grants", func(sc rowScanner) (archive.Grant, error) {
		var g archive.Grant
		var exp int64
		err := sc.Scan(&g.DatasetID, &exp)
		g.Expires = fromUnix(exp)
		return g, err
	}, query, args...)
}

// upsertGrant grants or re-grants inside tx.
func upsertGrant(ctx context.Context, tx *sql.Tx, userID, datasetID int64, expires time.Time, by string, now time.Time) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO grants (user_id, dataset_id, expires, granted_by, created) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (user_id, dataset_id) DO UPDATE SET expires = excluded.expires, granted_by = excluded.granted_by, created = excluded.created`,
		userID, datasetID, unix(expires), by, now.Unix())
	if err != nil {
		return fmt.Errorf("grant: %w", err)
	}
	return nil
}

// Grant implements archive.Accounts: user may read the dataset until
// expires (zero: no expiry); granting again replaces the expiry. The
// granting principal is taken from ctx.
func (d *DB) Grant(ctx context.Context, userID, datasetID int64, expires time.Time) error {
	now := d.now()
	if !expires.IsZero() && !expires.After(now) {
		return archive.Errorf(archive.EInvalid, "grant expiry %s is in the past", expires.UTC().Format(time.RFC3339))
	}
	tx, err := d.beginTx(ctx, "grant")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	user, err := userName(ctx, tx, userID)
	if err != nil {
		return err
	}
	slug, err := datasetSlug(ctx, tx, datasetID)
	if err != nil {
		return err
	}
	_, by := actor(ctx)
	if err := upsertGrant(ctx, tx, userID, datasetID, expires, by, now); err != nil {
		return err
	}
	if err := d.auditAs(ctx, tx, archive.AuditGrant, datasetID, "granted %s access to %s, %s", user, slug, fmtExpiry(fromUnix(unix(expires)))); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("grant: %w", err)
	}
	return nil
}

// Revoke implements archive.Accounts; ENotFound when the user holds no
// grant for the dataset.
func (d *DB) Revoke(ctx context.Context, userID, datasetID int64) error {
	tx, err := d.beginTx(ctx, "revoke")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	user, err := userName(ctx, tx, userID)
	if err != nil {
		return err
	}
	slug, err := datasetSlug(ctx, tx, datasetID)
	if err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM grants WHERE user_id = ? AND dataset_id = ?`, userID, datasetID)
	if err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return archive.Errorf(archive.ENotFound, "%s holds no grant for %s", user, slug)
	}
	if err := d.auditAs(ctx, tx, archive.AuditRevoke, datasetID, "revoked the access of %s to %s", user, slug); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("revoke: %w", err)
	}
	return nil
}

// Grants implements archive.Accounts: every grant of the user, expired ones
// included (Principal.GrantedDatasets and Session judge expiry), by dataset.
func (d *DB) Grants(ctx context.Context, userID int64) ([]archive.Grant, error) {
	return grants(ctx, d.db, `SELECT dataset_id, expires FROM grants WHERE user_id = ? ORDER BY dataset_id`, userID)
}

// Access requests

// RequestAccess implements archive.Accounts. Only journalists ask, and only
// for limited datasets: a private dataset is ENotFound like a missing one;
// a public one needs no request (EInvalid). EConflict when the user already
// holds an unexpired grant or has a request pending.
func (d *DB) RequestAccess(ctx context.Context, userID, datasetID int64, reason, outlet string) (*archive.AccessRequest, error) {
	reason, outlet = strings.TrimSpace(reason), strings.TrimSpace(outlet)
	switch {
	case reason == "":
		return nil, archive.Errorf(archive.EInvalid, "say why you need access")
	case utf8.RuneCountInString(reason) > 2000 || !utf8.ValidString(reason):
		return nil, archive.Errorf(archive.EInvalid, "reason: at most 2000 characters")
	case utf8.RuneCountInString(outlet) > 200 || !utf8.ValidString(outlet):
		return nil, archive.Errorf(archive.EInvalid, "outlet: at most 200 characters")
	}
	now := d.now()
	tx, err := d.beginTx(ctx, "request access")
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	r := &archive.AccessRequest{DatasetID: datasetID, UserID: userID, Reason: reason, Outlet: outlet,
		Status: archive.RequestPending, Created: now.Truncate(time.Second)}
	var role string
	var disabled bool
	err = tx.QueryRowContext(ctx, `SELECT name, role, disabled FROM users WHERE id = ?`, userID).Scan(&r.User, &role, &disabled)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && disabled) {
		return nil, archive.Errorf(archive.ENotFound, "user %d not found", userID)
	} else if err != nil {
		return nil, fmt.Errorf("request access: %w", err)
	}
	if archive.Role(role) != archive.RoleJournalist {
		return nil, archive.Errorf(archive.EInvalid, "only journalists request access: editors and admins read every dataset")
	}
	var level string
	err = tx.QueryRowContext(ctx, `SELECT slug, level FROM datasets WHERE id = ? AND level <> 'private'`, datasetID).Scan(&r.Dataset, &level)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, archive.Errorf(archive.ENotFound, "dataset not found")
	} else if err != nil {
		return nil, fmt.Errorf("request access: %w", err)
	}
	if archive.ReleaseLevel(level) == archive.LevelPublic {
		return nil, archive.Errorf(archive.EInvalid, "dataset %s is public: anyone may read it", r.Dataset)
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM grants WHERE user_id = ? AND dataset_id = ? AND (expires = 0 OR expires > ?)`,
		userID, datasetID, now.Unix()).Scan(&n); err != nil {
		return nil, fmt.Errorf("request access: %w", err)
	}
	if n > 0 {
		return nil, archive.Errorf(archive.EConflict, "you already have access to %s", r.Dataset)
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM access_requests WHERE user_id = ? AND dataset_id = ? AND status = 'pending'`,
		userID, datasetID).Scan(&n); err != nil {
		return nil, fmt.Errorf("request access: %w", err)
	}
	if n > 0 {
		return nil, archive.Errorf(archive.EConflict, "your request for %s is already pending", r.Dataset)
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO access_requests (user_id, dataset_id, reason, outlet, created) VALUES (?, ?, ?, ?, ?)`,
		userID, datasetID, reason, outlet, r.Created.Unix())
	if err != nil {
		return nil, fmt.Errorf("request access: %w", err)
	}
	if r.ID, err = res.LastInsertId(); err != nil {
		return nil, fmt.Errorf("request access: %w", err)
	}
	if err := d.recordTx(ctx, tx, &archive.AuditEntry{UserID: userID, User: r.User, Action: archive.AuditRequest, DatasetID: datasetID,
		Detail: fmt.Sprintf("request %d for %s", r.ID, r.Dataset)}); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("request access: %w", err)
	}
	return r, nil
}

const requestCols = `r.id, r.dataset_id, d.slug, r.user_id, u.name, r.reason, r.outlet, r.status, r.created, r.decided, r.decided_by, r.grant_expires`

func scanRequest(sc interface{ Scan(...any) error }) (*archive.AccessRequest, error) {
	var r archive.AccessRequest
	var created, decided, exp int64
	if err := sc.Scan(&r.ID, &r.DatasetID, &r.Dataset, &r.UserID, &r.User, &r.Reason, &r.Outlet, &r.Status,
		&created, &decided, &r.DecidedBy, &exp); err != nil {
		return nil, err
	}
	r.Created, r.Decided, r.GrantExpires = fromUnix(created), fromUnix(decided), fromUnix(exp)
	return &r, nil
}

// AccessRequests implements archive.Accounts: requests with the given
// status ("" for all), oldest first.
func (d *DB) AccessRequests(ctx context.Context, status string) ([]*archive.AccessRequest, error) {
	switch status {
	case "", archive.RequestPending, archive.RequestApproved, archive.RequestRefused:
	default:
		return nil, archive.Errorf(archive.EInvalid, "request status %q: want pending, approved or refused", status)
	}
	return queryAll(ctx, d.db, "list access requests", func(sc rowScanner) (*archive.AccessRequest, error) { return scanRequest(sc) },
		`SELECT `+requestCols+` FROM access_requests r
		JOIN users u ON u.id = r.user_id JOIN datasets d ON d.id = r.dataset_id
		WHERE ? = '' OR r.status = ? ORDER BY r.id`, status, status)
}

// DecideRequest implements archive.Accounts. Only editors and admins decide
// (EUnauthorized otherwise); a request is decided once (EConflict). Approval
// grants access until grantExpires (zero: no expiry) in the same
// transaction.
func (d *DB) DecideRequest(ctx context.Context, id int64, approve bool, by archive.Principal, grantExpires time.Time) error {
	if !by.SeesAll() {
		return archive.Errorf(archive.EUnauthorized, "only editors and admins decide access requests")
	}
	now := d.now()
	if !approve {
		grantExpires = time.Time{}
	} else if !grantExpires.IsZero() && !grantExpires.After(now) {
		return archive.Errorf(archive.EInvalid, "grant expiry %s is in the past", grantExpires.UTC().Format(time.RFC3339))
	}
	tx, err := d.beginTx(ctx, "decide request")
	if err != nil {
		return err
	}
	defer tx.Rollback()
	r, err := scanRequest(tx.QueryRowContext(ctx, `SELECT `+requestCols+` FROM access_requests r
		JOIN users u ON u.id = r.user_id JOIN datasets d ON d.id = r.dataset_id WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return archive.Errorf(archive.ENotFound, "request %d not found", id)
	} else if err != nil {
		return fmt.Errorf("decide request %d: %w", id, err)
	}
	if r.Status != archive.RequestPending {
		return archive.Errorf(archive.EConflict, "request %d was already %s", id, r.Status)
	}
	status, detail := archive.RequestRefused, fmt.Sprintf("refused request %d of %s for %s", id, r.User, r.Dataset)
	if approve {
		status = archive.RequestApproved
		detail = fmt.Sprintf("approved request %d of %s for %s, %s", id, r.User, r.Dataset, fmtExpiry(fromUnix(unix(grantExpires))))
		if err := upsertGrant(ctx, tx, r.UserID, r.DatasetID, grantExpires, by.Name, now); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE access_requests SET status = ?, decided = ?, decided_by = ?, grant_expires = ? WHERE id = ?`,
		status, now.Unix(), by.Name, unix(grantExpires), id); err != nil {
		return fmt.Errorf("decide request %d: %w", id, err)
	}
	if err := d.recordTx(ctx, tx, &archive.AuditEntry{UserID: by.UserID, User: by.Name, Action: archive.AuditDecision,
		DatasetID: r.DatasetID, Detail: detail}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("decide request %d: %w", id, err)
	}
	return nil
}
