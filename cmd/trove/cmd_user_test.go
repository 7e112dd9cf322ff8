package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/sqlite"
)

func TestUserCommands(t *testing.T) {
	data := t.TempDir()
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte("a long password \r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, data, "dataset", "create", "leak", "--level", "limited")
	if out := mustRun(t, data, "user", "add", "Alice", "--role", "journalist", "--password-file", pwFile); out != "created user alice (journalist)\n" {
		t.Fatalf("user add: %q", out)
	}
	mustRun(t, data, "user", "add", "ed", "--role=editor", "--password-file", pwFile)

	// Mistakes have the documented exit codes.
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"user", "add", "alice", "--password-file", pwFile}, 4},
		{[]string{"user", "add", "bob", "--role", "root", "--password-file", pwFile}, 2},
		{[]string{"user", "add", "bob"}, 2}, // no password on stdin
		{[]string{"user", "grant", "alice", "nope"}, 3},
		{[]string{"user", "grant", "nobody", "leak"}, 3},
		{[]string{"user", "grant", "alice", "leak", "--for", "soon"}, 2},
		{[]string{"user", "grant", "alice", "leak", "--expires", "2000-01-01"}, 2},
		{[]string{"user", "revoke", "alice", "leak"}, 3},
		{[]string{"user", "frobnicate"}, 2},
		{[]string{"token", "revoke", "99"}, 3},
		{[]string{"token", "create", "alice"}, 2},
	} {
		if _, code := runCode(t, data, c.args...); code != c.code {
			t.Errorf("trove %s: exit %d, want %d", strings.Join(c.args, " "), code, c.code)
		}
	}

	// The password file's line ending is not part of the password.
	db := openDB(t, data)
	if _, err := db.Authenticate(context.Background(), "alice", "a long password "); err != nil {
		t.Fatalf("password from file: %v", err)
	}
	db.Close()

	out := mustRun(t, data, "user", "grant", "alice", "leak", "--for", "30d")
	if !strings.HasPrefix(out, "granted alice access to leak until ") {
		t.Fatalf("grant: %q", out)
	}
	var users []userOut
	if err := json.Unmarshal([]byte(mustRun(t, data, "user", "list", "--json")), &users); err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 || users[0].Name != "alice" || users[0].Role != "journalist" || len(users[0].Grants) != 1 ||
		users[0].Grants[0].Dataset != "leak" || users[0].Grants[0].Expires == "" || users[1].Name != "ed" || len(users[1].Grants) != 0 {
		t.Fatalf("user list: %+v", users)
	}
	exp, _ := time.Parse(time.RFC3339, users[0].Grants[0].Expires)
	if d := time.Until(exp); d < 29*24*time.Hour || d > 31*24*time.Hour {
		t.Fatalf("grant expires in %v", d)
	}
	mustRun(t, data, "user", "grant", "alice", "leak", "--expires", "2099-12-31")
	if out := mustRun(t, data, "user", "list"); !strings.Contains(out, "leak (until 2100-01-01)") {
		t.Fatalf("user list: %q", out)
	}
	mustRun(t, data, "user", "revoke", "alice", "leak")
	if out := mustRun(t, data, "user", "list"); strings.Contains(out, "leak") {
		t.Fatalf("revoked grant listed: %q", out)
	}
	mustRun(t, data, "user", "disable", "ed")
	if out := mustRun(t, data, "user", "list"); !strings.Contains(out, "disabled") {
		t.Fatalf("user list: %q", out)
	}
	mustRun(t, data, "user", "enable", "ed")
	mustRun(t, data, "user", "role", "ed", "admin")

	// Tokens: the secret is printed once and works; revoked, it does not.
	secret := strings.TrimSpace(mustRun(t, data, "token", "create", "alice", "--name", "laptop", "--for", "90d"))
	if !strings.HasPrefix(secret, sqlite.TokenPrefix) {
		t.Fatalf("token create printed %q", secret)
	}
	db = openDB(t, data)
	if p, err := db.TokenPrincipal(context.Background(), secret); err != nil || p.Name != "alice" {
		t.Fatalf("token: %+v, %v", p, err)
	}
	db.Close()
	var toks []tokenOut
	if err := json.Unmarshal([]byte(mustRun(t, data, "token", "list", "alice", "--json")), &toks); err != nil {
		t.Fatal(err)
	}
	if len(toks) != 1 || toks[0].Name != "laptop" || toks[0].Revoked || toks[0].Expires == "" {
		t.Fatalf("token list: %+v", toks)
	}
	if out := mustRun(t, data, "token", "list", "alice"); strings.Contains(out, secret) {
		t.Fatal("token list shows the secret")
	}
	mustRun(t, data, "token", "revoke", strconv.FormatInt(toks[0].ID, 10))
	db = openDB(t, data)
	if _, err := db.TokenPrincipal(context.Background(), secret); archive.ErrorCode(err) != archive.EUnauthorized {
		t.Fatalf("revoked token: %v", err)
	}
	db.Close()
	if out := mustRun(t, data, "token", "list", "alice"); !strings.Contains(out, "revoked") {
		t.Fatalf("token list: %q", out)
	}

	// Every change is in the audit log, by "cli", and the chain holds.
	var log []auditOut
	if err := json.Unmarshal([]byte(mustRun(t, data, "audit", "list", "--json", "--limit", "100")), &log); err != nil {
		t.Fatal(err)
	}
	actions := map[string]int{}
	for _, e := range log {
		if e.Action == "login" { // the Authenticate call above
			continue
		}
		if e.User != "cli" {
			t.Errorf("entry %d by %q", e.ID, e.User)
		}
		actions[e.Action]++
	}
	if actions["user"] != 5 || actions["grant"] != 2 || actions["revoke"] != 1 || actions["token"] != 2 {
		t.Fatalf("audit actions %v", actions)
	}
	if out := mustRun(t, data, "audit", "list", "--limit", "1"); !strings.Contains(out, "revoked token") {
		t.Fatalf("audit list: %q", out)
	}
	if out := mustRun(t, data, "audit", "verify"); !strings.HasPrefix(out, "audit log intact: 11 entries") {
		t.Fatalf("audit verify: %q", out)
	}
}

func TestAuditVerifyBroken(t *testing.T) {
	data := t.TempDir()
	if out := mustRun(t, data, "audit", "verify"); out != "audit log intact (empty)\n" {
		t.Fatalf("empty log: %q", out)
	}
	pwFile := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pwFile, []byte("0123456789\n"), 0o600)
	for _, name := range []string{"a", "b", "c", "d"} {
		mustRun(t, data, "user", "add", name, "--password-file", pwFile)
	}
	// An edit of the file (here: SQL with the guard triggers dropped).
	db := openDB(t, data)
	if _, err := db.SQL().Exec(`UPDATE audit SET detail = 'x' WHERE id = 3`); err == nil {
		t.Fatal("audit entry updated despite the trigger")
	}
	if _, err := db.SQL().Exec(`DROP TRIGGER audit_no_update; UPDATE audit SET user = 'someone' WHERE id = 3`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	out, code := runCode(t, data, "audit", "verify")
	if code != 1 || !strings.Contains(out, "audit log broken at entry 3") {
		t.Fatalf("exit %d: %q", code, out)
	}
}

// runCode runs trove like run and returns stderr and the exit code.
func runCode(t *testing.T, data string, args ...string) (string, int) {
	t.Helper()
	var out, errb strings.Builder
	m := NewMain()
	m.Stdout, m.Stderr, m.Stdin = &out, &errb, strings.NewReader("")
	m.Config.DataDir = data
	err := m.Run(context.Background(), args)
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	code := m.exit(err)
	return errb.String(), code
}

func openDB(t *testing.T, data string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(filepath.Join(data, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	return db
}
