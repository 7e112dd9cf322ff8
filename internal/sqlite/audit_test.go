package sqlite_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

func TestAuditChain(t *testing.T) {
	db, clk := mustAccountsDB(t)
	ctx := context.Background()
	for i := range 50 {
		clk.Advance(time.Second)
		e := &archive.AuditEntry{UserID: int64(i%3 + 1), User: fmt.Sprint("user", i%3), Action: archive.AuditSearch,
			DatasetID: int64(i % 5), ItemID: int64(i), Detail: fmt.Sprintf("query %d: harbor AND ship", i)}
		if err := db.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
		if e.ID != int64(i+1) || len(e.Hash) != 64 || (i == 0) != (e.Prev == "") || !e.Time.Equal(clk.Now()) {
			t.Fatalf("entry %d: %+v", i, e)
		}
	}
	if bad, err := db.VerifyAudit(ctx); bad != 0 || err != nil {
		t.Fatalf("VerifyAudit = %d, %v", bad, err)
	}
	log, err := db.AuditLog(ctx, 10, 0)
	if err != nil || len(log) != 10 || log[0].ID != 50 || log[9].ID != 41 {
		t.Fatalf("AuditLog = %d entries, %v", len(log), err)
	}
	for i := 0; i+1 < len(log); i++ {
		if log[i].Prev != log[i+1].Hash {
			t.Fatalf("entry %d does not link to %d", log[i].ID, log[i+1].ID)
		}
	}
	if log[0].Detail != "query 49: harbor AND ship" || log[0].ItemID != 49 || !log[0].Time.Equal(clk.Now()) {
		t.Fatalf("newest entry %+v", log[0])
	}
	if more, _ := db.AuditLog(ctx, 100, 45); len(more) != 5 || more[0].ID != 5 {
		t.Fatalf("offset 45: %d entries", len(more))
	}
	if err := db.Record(ctx, &archive.AuditEntry{User: "x"}); archive.ErrorCode(err) != archive.EInvalid {
		t.Fatalf("entry without action: %v", err)
	}
	long := &archive.AuditEntry{Action: archive.AuditSearch, Detail: strings.Repeat("é", 5000)}
	if err := db.Record(ctx, long); err != nil || len(long.Detail) > 4096 || !strings.HasSuffix(long.Detail, "é") {
		t.Fatalf("long detail: %d bytes, %v", len(long.Detail), err)
	}
}

// TestAuditAppendOnly: the triggers refuse changes; a raw edit of the file
// (simulated by dropping them) breaks the chain at the edited entry.
func TestAuditAppendOnly(t *testing.T) {
	for _, c := range []struct {
		name   string
		tamper string
		bad    int64
	}{
		{"edit detail", `UPDATE audit SET detail = 'innocent' WHERE id = 17`, 17},
		{"edit user", `UPDATE audit SET user = 'someone else' WHERE id = 1`, 1},
		{"edit time", `UPDATE audit SET time = time + 1 WHERE id = 50`, 50},
		{"delete one", `DELETE FROM audit WHERE id = 30`, 31},
		{"rehash one", `UPDATE audit SET detail = 'x', hash = 'ab' || substr(hash, 3) WHERE id = 8`, 8},
	} {
		t.Run(c.name, func(t *testing.T) {
			db, _ := mustAccountsDB(t)
			ctx := context.Background()
			for i := range 50 {
				if err := db.Record(ctx, &archive.AuditEntry{User: "ed", UserID: 2, Action: archive.AuditView, ItemID: int64(i)}); err != nil {
					t.Fatal(err)
				}
			}
			for _, q := range []string{`UPDATE audit SET detail = 'x' WHERE id = 3`, `DELETE FROM audit WHERE id = 3`, `DELETE FROM audit`} {
				if _, err := db.SQL().Exec(q); err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Fatalf("%s: %v", q, err)
				}
			}
			if _, err := db.SQL().Exec(`DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete`); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().Exec(c.tamper); err != nil {
				t.Fatal(err)
			}
			if bad, err := db.VerifyAudit(ctx); bad != c.bad || err != nil {
				t.Fatalf("VerifyAudit = %d, %v; want %d", bad, err, c.bad)
			}
		})
	}
}

// TestAuditConcurrent: writers in parallel never fork the chain.
func TestAuditConcurrent(t *testing.T) {
	db, _ := mustAccountsDB(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := range 20 {
				if err := db.Record(ctx, &archive.AuditEntry{User: fmt.Sprint("w", w), Action: archive.AuditSearch, Detail: fmt.Sprint(i)}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if bad, err := db.VerifyAudit(ctx); bad != 0 || err != nil {
		t.Fatalf("VerifyAudit = %d, %v", bad, err)
	}
	var n, distinctPrev int
	db.SQL().QueryRow(`SELECT count(*), count(DISTINCT prev) FROM audit`).Scan(&n, &distinctPrev)
	if n != 160 || distinctPrev != 160 {
		t.Fatalf("%d entries, %d distinct parents", n, distinctPrev)
	}
}

func TestAuditOfAccountChanges(t *testing.T) {
	db, _ := mustAccountsDB(t)
	alice := mustUser(t, db, "alice", archive.RoleJournalist)
	ctx := archive.WithPrincipal(context.Background(), archive.Principal{UserID: 7, Name: "boss", Role: archive.RoleAdmin})
	db.SetRole(ctx, alice.ID, archive.RoleEditor)
	db.SetDisabled(ctx, alice.ID, true)
	db.SetDisabled(ctx, alice.ID, false)
	db.SetPassword(ctx, alice.ID, "a new password!")
	_, tok, _ := db.CreateToken(ctx, alice.ID, "laptop", time.Time{})
	db.RevokeToken(ctx, tok.ID)
	db.CreateUser(context.Background(), "bob", "bob-password", archive.RoleJournalist) // no principal
	log, err := db.AuditLog(ctx, 100, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i := len(log) - 1; i >= 0; i-- {
		e := log[i]
		got = append(got, fmt.Sprintf("%s %d %s: %s", e.User, e.UserID, e.Action, e.Detail))
	}
	want := []string{
		"cli 0 user: created user alice (journalist)",
		"boss 7 user: set the role of alice to editor",
		"boss 7 user: disabled user alice",
		"boss 7 user: enabled user alice",
		"boss 7 user: changed the password of alice",
		fmt.Sprintf(`boss 7 token: created token %d "laptop" for alice, no expiry`, tok.ID),
		fmt.Sprintf(`boss 7 token: revoked token %d "laptop" of alice`, tok.ID),
		"anonymous 0 user: created user bob (journalist)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("audit log:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
