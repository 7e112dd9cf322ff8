package sqlite_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/sqlite"
)

// clock is a settable time source for DB.Now.
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

var admin = archive.WithPrincipal(context.Background(), archive.Admin())

// mustAccountsDB opens an empty catalog in a temp dir with a fake clock.
func mustAccountsDB(tb testing.TB) (*sqlite.DB, *clock) {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "catalog.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	c := &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	return db, c
}

func mustUser(tb testing.TB, db *sqlite.DB, name string, role archive.Role) *archive.User {
	tb.Helper()
	u, err := db.CreateUser(admin, name, name+"-password", role)
	if err != nil {
		tb.Fatal(err)
	}
	return u
}

func mustDataset(tb testing.TB, db *sqlite.DB, slug string, level archive.ReleaseLevel) *archive.Dataset {
	tb.Helper()
	ds := &archive.Dataset{Slug: slug, Level: level}
	if err := db.CreateDataset(context.Background(), ds); err != nil {
		tb.Fatal(err)
	}
	return ds
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := archive.ErrorCode(err); got != code {
		t.Fatalf("error %v: code %q, want %q", err, got, code)
	}
}

func TestCreateUser(t *testing.T) {
	db, _ := mustAccountsDB(t)
	ctx := admin
	u, err := db.CreateUser(ctx, "  Alice ", "long enough password", archive.RoleJournalist)
	if err != nil {
		t.Fatal(err)
	}
	if u.ID == 0 || u.Name != "alice" || u.Role != archive.RoleJournalist || u.Created.IsZero() {
		t.Fatalf("user = %+v", u)
	}
	got, err := db.UserByName(ctx, "ALICE")
	if err != nil || got.ID != u.ID {
		t.Fatalf("UserByName = %+v, %v", got, err)
	}
	for _, c := range []struct {
		name, pw string
		role     archive.Role
		code     string
	}{
		{"alice", "long enough password", archive.RoleEditor, archive.EConflict},
		{"", "long enough password", archive.RoleEditor, archive.EInvalid},
		{"bob smith", "long enough password", archive.RoleEditor, archive.EInvalid},
		{"-bob", "long enough password", archive.RoleEditor, archive.EInvalid},
		{strings.Repeat("b", 65), "long enough password", archive.RoleEditor, archive.EInvalid},
		{"bob", "short", archive.RoleEditor, archive.EInvalid},
		{"bob", "123456789", archive.RoleEditor, archive.EInvalid},
		{"bob", "long enough password", "root", archive.EInvalid},
		{"bob", "long enough password", archive.RoleAnonymous, archive.EInvalid},
	} {
		_, err := db.CreateUser(ctx, c.name, c.pw, c.role)
		if archive.ErrorCode(err) != c.code {
			t.Errorf("CreateUser(%q, %q, %q) = %v, want %s", c.name, c.pw, c.role, err, c.code)
		}
	}
	if _, err := db.CreateUser(ctx, "bob.smith@example.org", "1234567890", archive.RoleAdmin); err != nil {
		t.Fatal(err)
	}
	users, err := db.Users(ctx)
	if err != nil || len(users) != 2 || users[0].Name != "alice" || users[1].Name != "bob.smith@example.org" {
		t.Fatalf("Users = %v, %v", users, err)
	}
	_, err = db.UserByName(ctx, "carol")
	wantCode(t, err, archive.ENotFound)

	// The password is stored as an Argon2id PHC string, never in clear.
	var stored string
	if err := db.SQL().QueryRow(`SELECT password FROM users WHERE name = 'alice'`).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored, "$argon2id$v=19$") || strings.Contains(stored, "long enough") {
		t.Fatalf("stored password %q", stored)
	}
}

func TestAuthenticate(t *testing.T) {
	db, _ := mustAccountsDB(t)
	ctx := context.Background()
	alice := mustUser(t, db, "alice", archive.RoleJournalist)
	mustUser(t, db, "dora", archive.RoleJournalist)
	if err := db.SetDisabled(admin, mustUser(t, db, "dan", archive.RoleEditor).ID, true); err != nil {
		t.Fatal(err)
	}
	u, err := db.Authenticate(ctx, "Alice", "alice-password")
	if err != nil || u.ID != alice.ID || u.Role != archive.RoleJournalist {
		t.Fatalf("Authenticate = %+v, %v", u, err)
	}
	// Every failure looks the same.
	for _, c := range []struct{ name, pw string }{
		{"alice", "wrong-password"},
		{"alice", ""},
		{"nobody", "alice-password"},
		{"", "alice-password"},
		{"not a valid name", "alice-password"},
		{"dan", "dan-password"}, // disabled
		{"alice", "dora-password"},
	} {
		_, err := db.Authenticate(ctx, c.name, c.pw)
		if archive.ErrorCode(err) != archive.EUnauthorized || archive.ErrorMessage(err) != "invalid name or password" {
			t.Errorf("Authenticate(%q, %q) = %v", c.name, c.pw, err)
		}
	}
}

func TestLockout(t *testing.T) {
	db, clk := mustAccountsDB(t)
	ctx := context.Background()
	mustUser(t, db, "alice", archive.RoleJournalist)
	fail := func() {
		t.Helper()
		if _, err := db.Authenticate(ctx, "alice", "wrong password"); archive.ErrorCode(err) != archive.EUnauthorized {
			t.Fatalf("wrong password: %v", err)
		}
	}
	ok := func(want bool) {
		t.Helper()
		_, err := db.Authenticate(ctx, "alice", "alice-password")
		if (err == nil) != want {
			t.Fatalf("right password: err = %v, want success %v", err, want)
		}
		if err != nil && archive.ErrorMessage(err) != "invalid name or password" {
			t.Fatalf("locked account answers %q", archive.ErrorMessage(err))
		}
	}
	// Failures only count when consecutive: a success resets the count.
	for range sqlite.MaxFailedLogins - 1 {
		fail()
	}
	ok(true)
	for range sqlite.MaxFailedLogins - 1 {
		fail()
	}
	ok(true)
	// Five in a row lock the account, even against the right password.
	for range sqlite.MaxFailedLogins {
		fail()
	}
	u, _ := db.UserByName(ctx, "alice")
	if !u.LockedUntil.Equal(clk.Now().Add(sqlite.LockoutDuration)) {
		t.Fatalf("locked until %v", u.LockedUntil)
	}
	ok(false)
	clk.Advance(sqlite.LockoutDuration - time.Second)
	ok(false)
	clk.Advance(time.Second)
	ok(true)
	// An admin setting a new password lifts a lock.
	for range sqlite.MaxFailedLogins {
		fail()
	}
	if err := db.SetPassword(admin, u.ID, "a brand new password"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Authenticate(ctx, "alice", "a brand new password"); err != nil {
		t.Fatal(err)
	}
	// The audit log has the story, by the user, never with an address.
	log, err := db.AuditLog(ctx, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	var details []string
	for _, e := range log {
		if e.Action == archive.AuditLogin {
			if e.User != "alice" || e.UserID != u.ID {
				t.Errorf("login entry by %q (%d)", e.User, e.UserID)
			}
			details = append(details, e.Detail)
		}
	}
	joined := strings.Join(details, "\n")
	for _, want := range []string{"signed in", "failed sign-in (1 of 5)", "failed sign-in (5 of 5): locked until", "refused sign-in: account locked"} {
		if !strings.Contains(joined, want) {
			t.Errorf("audit log lacks %q:\n%s", want, joined)
		}
	}
}

func TestSessions(t *testing.T) {
	db, clk := mustAccountsDB(t)
	ctx := context.Background()
	alice := mustUser(t, db, "alice", archive.RoleJournalist)
	id, csrf, err := db.NewSession(ctx, alice.ID, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if len(id) != 43 || len(csrf) != 43 || id == csrf {
		t.Fatalf("session id %q, csrf %q", id, csrf)
	}
	p, gotCSRF, err := db.Session(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if p.UserID != alice.ID || p.Name != "alice" || p.Role != archive.RoleJournalist || gotCSRF != csrf {
		t.Fatalf("Session = %+v, %q", p, gotCSRF)
	}
	// Stored hashed: the table does not hold the secret.
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM sessions WHERE id = ? OR hex(id) LIKE ?`, id, "%"+id+"%").Scan(&n); err != nil || n != 0 {
		t.Fatalf("session secret stored in clear (%d, %v)", n, err)
	}
	for _, bad := range []string{"", "x", id + "x", strings.Repeat("a", 500)} {
		_, _, err := db.Session(ctx, bad)
		wantCode(t, err, archive.EUnauthorized)
	}
	// A role change applies to the next request.
	if err := db.SetRole(admin, alice.ID, archive.RoleEditor); err != nil {
		t.Fatal(err)
	}
	if p, _, _ := db.Session(ctx, id); p.Role != archive.RoleEditor {
		t.Fatalf("role after SetRole: %q", p.Role)
	}
	// Expiry.
	clk.Advance(time.Hour - time.Second)
	if _, _, err := db.Session(ctx, id); err != nil {
		t.Fatalf("session expired early: %v", err)
	}
	clk.Advance(time.Second)
	_, _, err = db.Session(ctx, id)
	wantCode(t, err, archive.EUnauthorized)

	// EndSession ends one, EndSessions all.
	s1, _, _ := db.NewSession(ctx, alice.ID, time.Hour)
	s2, _, _ := db.NewSession(ctx, alice.ID, time.Hour)
	if err := db.EndSession(ctx, s1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Session(ctx, s1); archive.ErrorCode(err) != archive.EUnauthorized {
		t.Fatalf("ended session: %v", err)
	}
	if _, _, err := db.Session(ctx, s2); err != nil {
		t.Fatalf("other session ended too: %v", err)
	}
	if err := db.EndSession(ctx, "unknown"); err != nil {
		t.Fatal(err)
	}
	s3, _, _ := db.NewSession(ctx, alice.ID, time.Hour)
	if err := db.EndSessions(ctx, alice.ID); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{s2, s3} {
		if _, _, err := db.Session(ctx, s); archive.ErrorCode(err) != archive.EUnauthorized {
			t.Fatalf("session after EndSessions: %v", err)
		}
	}

	// Disabling ends sessions and refuses new ones; so does a new password.
	s4, _, _ := db.NewSession(ctx, alice.ID, time.Hour)
	if err := db.SetPassword(admin, alice.ID, "another password"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Session(ctx, s4); archive.ErrorCode(err) != archive.EUnauthorized {
		t.Fatalf("session after password change: %v", err)
	}
	s5, _, _ := db.NewSession(ctx, alice.ID, time.Hour)
	if err := db.SetDisabled(admin, alice.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Session(ctx, s5); archive.ErrorCode(err) != archive.EUnauthorized {
		t.Fatalf("session of disabled user: %v", err)
	}
	if _, _, err := db.NewSession(ctx, alice.ID, time.Hour); archive.ErrorCode(err) != archive.EUnauthorized {
		t.Fatalf("new session of disabled user: %v", err)
	}
	// A disabled user whose session row survived (an edit, a race) is refused too.
	if err := db.SetDisabled(admin, alice.ID, false); err != nil {
		t.Fatal(err)
	}
	s6, _, _ := db.NewSession(ctx, alice.ID, time.Hour)
	if _, err := db.SQL().Exec(`UPDATE users SET disabled = 1 WHERE id = ?`, alice.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Session(ctx, s6); archive.ErrorCode(err) != archive.EUnauthorized {
		t.Fatalf("session of disabled user: %v", err)
	}
	_, _, err = db.NewSession(ctx, 999, time.Hour)
	wantCode(t, err, archive.ENotFound)
	_, _, err = db.NewSession(ctx, alice.ID, 0)
	wantCode(t, err, archive.EInvalid)
}

func TestTokens(t *testing.T) {
	db, clk := mustAccountsDB(t)
	ctx := admin
	alice := mustUser(t, db, "alice", archive.RoleJournalist)
	sec, tok, err := db.CreateToken(ctx, alice.ID, "laptop", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(sec, sqlite.TokenPrefix) || len(sec) != len(sqlite.TokenPrefix)+43 || !tok.ReadOnly || tok.ID == 0 {
		t.Fatalf("token %q %+v", sec, tok)
	}
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM tokens WHERE hash = ? OR instr(hex(hash), hex(?)) > 0`, sec, sec).Scan(&n); err != nil || n != 0 {
		t.Fatalf("token secret stored in clear (%d, %v)", n, err)
	}
	p, err := db.TokenPrincipal(ctx, sec)
	if err != nil || p.UserID != alice.ID || p.Name != "alice" || p.Role != archive.RoleJournalist {
		t.Fatalf("TokenPrincipal = %+v, %v", p, err)
	}
	lastUsed := func() time.Time {
		ts, err := db.Tokens(ctx, alice.ID)
		if err != nil || len(ts) == 0 {
			t.Fatalf("Tokens = %v, %v", ts, err)
		}
		return ts[0].LastUsed
	}
	if !lastUsed().Equal(clk.Now()) {
		t.Fatalf("last used %v, want %v", lastUsed(), clk.Now())
	}
	clk.Advance(2 * time.Minute)
	if _, err := db.TokenPrincipal(ctx, sec); err != nil {
		t.Fatal(err)
	}
	if !lastUsed().Equal(clk.Now()) {
		t.Fatalf("last used %v, want %v", lastUsed(), clk.Now())
	}
	for _, bad := range []string{"", sec[:len(sec)-1], "x" + sec, strings.ToUpper(sec), sqlite.TokenPrefix} {
		_, err := db.TokenPrincipal(ctx, bad)
		wantCode(t, err, archive.EUnauthorized)
	}
	// Revoked.
	if err := db.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	_, err = db.TokenPrincipal(ctx, sec)
	wantCode(t, err, archive.EUnauthorized)
	wantCode(t, db.RevokeToken(ctx, 999), archive.ENotFound)
	// Expiring.
	sec2, _, err := db.CreateToken(ctx, alice.ID, "script", clk.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.TokenPrincipal(ctx, sec2); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	_, err = db.TokenPrincipal(ctx, sec2)
	wantCode(t, err, archive.EUnauthorized)
	// Disabled users' tokens stop working, and work again once enabled.
	sec3, _, err := db.CreateToken(ctx, alice.ID, "third", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	db.SetDisabled(ctx, alice.ID, true)
	_, err = db.TokenPrincipal(ctx, sec3)
	wantCode(t, err, archive.EUnauthorized)
	db.SetDisabled(ctx, alice.ID, false)
	if _, err := db.TokenPrincipal(ctx, sec3); err != nil {
		t.Fatal(err)
	}
	// Bad input.
	_, _, err = db.CreateToken(ctx, alice.ID, "", time.Time{})
	wantCode(t, err, archive.EInvalid)
	_, _, err = db.CreateToken(ctx, alice.ID, "old", clk.Now().Add(-time.Second))
	wantCode(t, err, archive.EInvalid)
	_, _, err = db.CreateToken(ctx, 999, "x", time.Time{})
	wantCode(t, err, archive.ENotFound)
	ts, _ := db.Tokens(ctx, alice.ID)
	if len(ts) != 3 || !ts[0].Revoked || ts[1].Expires.IsZero() || ts[2].Revoked {
		t.Fatalf("Tokens = %+v", ts)
	}
}

func TestGrantsInSession(t *testing.T) {
	db, clk := mustAccountsDB(t)
	ctx := admin
	alice := mustUser(t, db, "alice", archive.RoleJournalist)
	limited := mustDataset(t, db, "limited", archive.LevelLimited)
	other := mustDataset(t, db, "other", archive.LevelLimited)
	sid, _, err := db.NewSession(ctx, alice.ID, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	canRead := func(ds *archive.Dataset) bool {
		t.Helper()
		p, _, err := db.Session(ctx, sid)
		if err != nil {
			t.Fatal(err)
		}
		return archive.CanRead(p, ds)
	}
	if canRead(limited) {
		t.Fatal("reads a limited dataset without a grant")
	}
	if err := db.Grant(ctx, alice.ID, limited.ID, clk.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !canRead(limited) || canRead(other) {
		t.Fatal("grant not reflected in the session")
	}
	// Expiry is judged at each request.
	clk.Advance(time.Hour)
	if canRead(limited) {
		t.Fatal("expired grant still reads")
	}
	gs, err := db.Grants(ctx, alice.ID)
	if err != nil || len(gs) != 1 || gs[0].DatasetID != limited.ID {
		t.Fatalf("Grants (expired kept as history) = %v, %v", gs, err)
	}
	// Granting again renews; revoking applies at once.
	if err := db.Grant(ctx, alice.ID, limited.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if !canRead(limited) {
		t.Fatal("renewed grant not reflected")
	}
	if err := db.Revoke(ctx, alice.ID, limited.ID); err != nil {
		t.Fatal(err)
	}
	if canRead(limited) {
		t.Fatal("revoked grant still reads")
	}
	wantCode(t, db.Revoke(ctx, alice.ID, limited.ID), archive.ENotFound)
	wantCode(t, db.Grant(ctx, alice.ID, 999, time.Time{}), archive.ENotFound)
	wantCode(t, db.Grant(ctx, 999, limited.ID, time.Time{}), archive.ENotFound)
	wantCode(t, db.Grant(ctx, alice.ID, limited.ID, clk.Now().Add(-time.Minute)), archive.EInvalid)

	// The catalog filters with the session's principal.
	p, _, _ := db.Session(ctx, sid)
	if _, err := db.Dataset(ctx, p, "limited"); archive.ErrorCode(err) != archive.ENotFound {
		t.Fatalf("catalog shows a revoked dataset: %v", err)
	}
	db.Grant(ctx, alice.ID, limited.ID, time.Time{})
	p, _, _ = db.Session(ctx, sid)
	if _, err := db.Dataset(ctx, p, "limited"); err != nil {
		t.Fatalf("catalog hides a granted dataset: %v", err)
	}

	// Grants and revocations are audited by the acting principal.
	log, _ := db.AuditLog(ctx, 100, 0)
	var grants, revokes int
	for _, e := range log {
		switch e.Action {
		case archive.AuditGrant:
			grants++
		case archive.AuditRevoke:
			revokes++
		default:
			continue
		}
		if e.User != "cli" || e.DatasetID != limited.ID || !strings.Contains(e.Detail, "alice") {
			t.Errorf("entry %+v", e)
		}
	}
	if grants != 3 || revokes != 1 {
		t.Fatalf("%d grant and %d revoke entries", grants, revokes)
	}
}

func TestAccessRequests(t *testing.T) {
	db, clk := mustAccountsDB(t)
	ctx := context.Background()
	alice := mustUser(t, db, "alice", archive.RoleJournalist)
	ed := mustUser(t, db, "ed", archive.RoleEditor)
	limited := mustDataset(t, db, "limited", archive.LevelLimited)
	other := mustDataset(t, db, "other", archive.LevelLimited)
	public := mustDataset(t, db, "public", archive.LevelPublic)
	private := mustDataset(t, db, "private", archive.LevelPrivate)
	editor := archive.Principal{UserID: ed.ID, Name: "ed", Role: archive.RoleEditor}
	journalist := archive.Principal{UserID: alice.ID, Name: "alice", Role: archive.RoleJournalist}

	r, err := db.RequestAccess(ctx, alice.ID, limited.ID, "  investigating the harbor  ", "Daily Planet")
	if err != nil {
		t.Fatal(err)
	}
	if r.ID == 0 || r.Status != archive.RequestPending || r.Reason != "investigating the harbor" || r.Dataset != "limited" || r.User != "alice" {
		t.Fatalf("request = %+v", r)
	}
	_, err = db.RequestAccess(ctx, alice.ID, limited.ID, "again", "")
	wantCode(t, err, archive.EConflict)
	_, err = db.RequestAccess(ctx, alice.ID, private.ID, "why not", "")
	wantCode(t, err, archive.ENotFound) // hidden looks like absent
	_, err = db.RequestAccess(ctx, alice.ID, 999, "why not", "")
	wantCode(t, err, archive.ENotFound)
	_, err = db.RequestAccess(ctx, alice.ID, public.ID, "why not", "")
	wantCode(t, err, archive.EInvalid)
	_, err = db.RequestAccess(ctx, ed.ID, limited.ID, "why not", "")
	wantCode(t, err, archive.EInvalid)
	_, err = db.RequestAccess(ctx, alice.ID, other.ID, "   ", "")
	wantCode(t, err, archive.EInvalid)
	r2, err := db.RequestAccess(ctx, alice.ID, other.ID, "another story", "")
	if err != nil {
		t.Fatal(err)
	}

	// Only staff decide.
	wantCode(t, db.DecideRequest(ctx, r.ID, true, journalist, time.Time{}), archive.EUnauthorized)
	wantCode(t, db.DecideRequest(ctx, r.ID, true, archive.Anonymous(), time.Time{}), archive.EUnauthorized)
	wantCode(t, db.DecideRequest(ctx, 999, true, editor, time.Time{}), archive.ENotFound)

	exp := clk.Now().Add(30 * 24 * time.Hour)
	if err := db.DecideRequest(ctx, r.ID, true, editor, exp); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.DecideRequest(ctx, r.ID, false, editor, time.Time{}), archive.EConflict)
	if err := db.DecideRequest(ctx, r2.ID, false, editor, time.Time{}); err != nil {
		t.Fatal(err)
	}
	gs, err := db.Grants(ctx, alice.ID)
	if err != nil || len(gs) != 1 || gs[0].DatasetID != limited.ID || !gs[0].Expires.Equal(exp) {
		t.Fatalf("grants after approve+refuse = %+v, %v", gs, err)
	}
	_, err = db.RequestAccess(ctx, alice.ID, limited.ID, "once more", "")
	wantCode(t, err, archive.EConflict) // already has access

	approved, err := db.AccessRequests(ctx, archive.RequestApproved)
	if err != nil || len(approved) != 1 || approved[0].ID != r.ID || approved[0].DecidedBy != "ed" ||
		!approved[0].GrantExpires.Equal(exp) || approved[0].Decided.IsZero() || approved[0].Outlet != "Daily Planet" {
		t.Fatalf("approved = %+v, %v", approved, err)
	}
	refused, _ := db.AccessRequests(ctx, archive.RequestRefused)
	if len(refused) != 1 || refused[0].ID != r2.ID || !refused[0].GrantExpires.IsZero() {
		t.Fatalf("refused = %+v", refused)
	}
	all, _ := db.AccessRequests(ctx, "")
	pending, _ := db.AccessRequests(ctx, archive.RequestPending)
	if len(all) != 2 || len(pending) != 0 {
		t.Fatalf("all %d, pending %d", len(all), len(pending))
	}
	_, err = db.AccessRequests(ctx, "bogus")
	wantCode(t, err, archive.EInvalid)

	// A refused journalist may ask again.
	if _, err := db.RequestAccess(ctx, alice.ID, other.ID, "new evidence", ""); err != nil {
		t.Fatal(err)
	}
	log, _ := db.AuditLog(ctx, 100, 0)
	var decisions []string
	for _, e := range log {
		if e.Action == archive.AuditDecision {
			if e.User != "ed" || e.UserID != ed.ID {
				t.Errorf("decision by %q", e.User)
			}
			decisions = append(decisions, e.Detail)
		}
	}
	if len(decisions) != 2 || !strings.Contains(decisions[1], "approved request") || !strings.Contains(decisions[0], "refused request") {
		t.Fatalf("decisions %q", decisions)
	}
}

func TestSecretsAreRandom(t *testing.T) {
	db, _ := mustAccountsDB(t)
	ctx := admin
	alice := mustUser(t, db, "alice", archive.RoleJournalist)
	seen := map[string]bool{}
	for range 20 {
		id, csrf, err := db.NewSession(ctx, alice.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		sec, _, err := db.CreateToken(ctx, alice.ID, "t", time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{id, csrf, sec} {
			if seen[s] || bytes.ContainsAny([]byte(s), "+/=") {
				t.Fatalf("secret %q repeated or not base64url", s)
			}
			seen[s] = true
		}
	}
}
