package archive

import (
	"context"
	"time"
)

// User is a signed-in reader or staff member.
type User struct {
	ID          int64
	Name        string // login name, unique
	Role        Role   // journalist, editor or admin
	Created     time.Time
	Disabled    bool
	LockedUntil time.Time // set after too many failed logins
}

// APIToken lets a program read as a user. The secret is shown once at
// creation and stored only as a hash.
type APIToken struct {
	ID       int64
	UserID   int64
	Name     string
	Created  time.Time
	Expires  time.Time // zero: no expiry
	LastUsed time.Time
	Revoked  bool
	ReadOnly bool // the only scope today: tokens never change anything
}

// Request statuses.
const (
	RequestPending  = "pending"
	RequestApproved = "approved"
	RequestRefused  = "refused"
)

// AccessRequest is a journalist asking to read a limited dataset.
type AccessRequest struct {
	ID           int64
	DatasetID    int64
	Dataset      string // slug
	UserID       int64
	User         string
	Reason       string
	Outlet       string
	Status       string
	Created      time.Time
	Decided      time.Time
	DecidedBy    string
	GrantExpires time.Time // for an approved request: when the grant ends (zero: never)
}

// Accounts stores users, sessions, API tokens, grants and access requests.
// Errors: EInvalid for bad input, EConflict for a taken name, ENotFound for
// a missing user or request, EUnauthorized for any failed authentication
// (the same message whatever the cause, so it reveals nothing).
type Accounts interface {
	CreateUser(ctx context.Context, name, password string, role Role) (*User, error)
	Users(ctx context.Context) ([]*User, error)
	UserByName(ctx context.Context, name string) (*User, error)
	SetPassword(ctx context.Context, userID int64, password string) error
	SetRole(ctx context.Context, userID int64, role Role) error
	SetDisabled(ctx context.Context, userID int64, disabled bool) error

	// Authenticate checks a password, with per-user lockout after repeated
	// failures; on success it returns the user.
	Authenticate(ctx context.Context, name, password string) (*User, error)
	// NewSession starts a server-side session and returns its secret ID
	// (for the cookie) and the CSRF token bound to it.
	NewSession(ctx context.Context, userID int64, ttl time.Duration) (id, csrf string, err error)
	// Session resolves a session ID to the principal (with current grants)
	// and the session's CSRF token; EUnauthorized when unknown or expired.
	Session(ctx context.Context, id string) (p Principal, csrf string, err error)
	EndSession(ctx context.Context, id string) error
	// EndSessions ends every session of a user (password change, disabling).
	EndSessions(ctx context.Context, userID int64) error

	CreateToken(ctx context.Context, userID int64, name string, expires time.Time) (secret string, t *APIToken, err error)
	Tokens(ctx context.Context, userID int64) ([]*APIToken, error)
	RevokeToken(ctx context.Context, tokenID int64) error
	// TokenPrincipal resolves a token secret; EUnauthorized when unknown,
	// revoked or expired.
	TokenPrincipal(ctx context.Context, secret string) (Principal, error)

	Grant(ctx context.Context, userID, datasetID int64, expires time.Time) error
	Revoke(ctx context.Context, userID, datasetID int64) error
	Grants(ctx context.Context, userID int64) ([]Grant, error)

	RequestAccess(ctx context.Context, userID, datasetID int64, reason, outlet string) (*AccessRequest, error)
	AccessRequests(ctx context.Context, status string) ([]*AccessRequest, error)
	DecideRequest(ctx context.Context, id int64, approve bool, by Principal, grantExpires time.Time) error
}

// Audit actions.
const (
	AuditSearch   = "search"
	AuditView     = "view"
	AuditDownload = "download"
	AuditGrant    = "grant"
	AuditRevoke   = "revoke"
	AuditLevel    = "level"
	AuditRequest  = "request"
	AuditDecision = "decision"
	AuditLogin    = "login"
	AuditUser     = "user"
	AuditToken    = "token"
)

// AuditEntry is one line of the append-only audit log. Each entry's Hash
// covers its fields and the previous entry's hash, so that any change to
// the log breaks the chain.
type AuditEntry struct {
	ID        int64
	Time      time.Time
	UserID    int64
	User      string
	Action    string
	DatasetID int64
	ItemID    int64
	Detail    string // e.g. the search query
	Prev      string // hex SHA-256 of the previous entry
	Hash      string
}

// Auditor records and reads the audit log. Readers are recorded by user,
// never by IP address.
type Auditor interface {
	Record(ctx context.Context, e *AuditEntry) error
	AuditLog(ctx context.Context, limit, offset int) ([]*AuditEntry, error)
	// VerifyAudit walks the chain and returns the ID of the first entry
	// whose hash does not match (0 when the chain is intact).
	VerifyAudit(ctx context.Context) (badID int64, err error)
}
