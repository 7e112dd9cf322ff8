package sqlite_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

func TestVerdicts(t *testing.T) {
	db, clk := mustAccountsDB(t)
	ctx := context.Background()
	priv := mustDataset(t, db, "priv", archive.LevelPrivate)
	pub := mustDataset(t, db, "pub", archive.LevelPublic)
	editor := archive.Principal{UserID: 7, Name: "eddie", Role: archive.RoleEditor}
	jane := archive.Principal{UserID: 8, Name: "jane", Role: archive.RoleJournalist}

	// Nobody has judged: unverified, no time.
	v, err := db.Verdict(ctx, archive.Anonymous(), pub.ID)
	if err != nil || v.State != archive.VerdictUnverified || !v.Time.IsZero() || v.By != "" {
		t.Fatalf("default verdict %+v %v", v, err)
	}
	// Hidden looks absent.
	if _, err := db.Verdict(ctx, jane, priv.ID); archive.ErrorCode(err) != archive.ENotFound {
		t.Errorf("journalist reads a private verdict: %v", err)
	}
	if _, err := db.Verdict(ctx, archive.Admin(), 9999); archive.ErrorCode(err) != archive.ENotFound {
		t.Errorf("verdict of a missing dataset: %v", err)
	}
	// Only staff record; bad input is refused.
	tests := []struct {
		by   archive.Principal
		v    archive.Verdict
		code string
	}{
		{jane, archive.Verdict{DatasetID: pub.ID, State: archive.VerdictVerified}, archive.EUnauthorized},
		{archive.Anonymous(), archive.Verdict{DatasetID: pub.ID, State: archive.VerdictVerified}, archive.EUnauthorized},
		{editor, archive.Verdict{DatasetID: pub.ID, State: "genuine"}, archive.EInvalid},
		{editor, archive.Verdict{DatasetID: pub.ID, State: archive.VerdictPlausible, Note: strings.Repeat("x", archive.MaxVerdictNote+1)}, archive.EInvalid},
		{editor, archive.Verdict{DatasetID: pub.ID, State: archive.VerdictPlausible, Note: "bad \xff"}, archive.EInvalid},
		{editor, archive.Verdict{DatasetID: 9999, State: archive.VerdictPlausible}, archive.ENotFound},
	}
	for _, tt := range tests {
		if err := db.SetVerdict(ctx, tt.by, &tt.v); archive.ErrorCode(err) != tt.code {
			t.Errorf("SetVerdict(%s, %+v) = %v, want %s", tt.by.Name, tt.v, err, tt.code)
		}
	}
	log, _ := db.AuditLog(ctx, 10, 0)
	if len(log) != 0 {
		t.Fatalf("refused verdicts were audited: %+v", log[0])
	}

	// History: the latest wins, every one is audited in the same transaction.
	for i, s := range []archive.VerdictState{archive.VerdictPlausible, archive.VerdictDisputed} {
		clk.Advance(time.Hour)
		v := &archive.Verdict{DatasetID: priv.ID, State: s, Note: "  note " + string(s) + "  "}
		if err := db.SetVerdict(ctx, editor, v); err != nil {
			t.Fatal(err)
		}
		if v.By != "eddie" || v.Note != "note "+string(s) || !v.Time.Equal(clk.Now().Truncate(time.Second)) {
			t.Errorf("verdict %d: %+v", i, v)
		}
	}
	v, err = db.Verdict(ctx, editor, priv.ID)
	if err != nil || v.State != archive.VerdictDisputed || v.Note != "note disputed" || v.By != "eddie" || v.UserID != 7 {
		t.Errorf("latest verdict %+v %v", v, err)
	}
	hist, err := db.Verdicts(ctx, editor, priv.ID, 0)
	if err != nil || len(hist) != 2 || hist[0].State != archive.VerdictDisputed || hist[1].State != archive.VerdictPlausible {
		t.Errorf("history %+v %v", hist, err)
	}
	log, _ = db.AuditLog(ctx, 10, 0)
	if len(log) != 2 || log[0].Action != archive.AuditVerdict || log[0].DatasetID != priv.ID || log[0].User != "eddie" ||
		log[0].Detail != "priv: disputed: note disputed" {
		t.Errorf("audit %+v", log)
	}
	if bad, err := db.VerifyAudit(ctx); bad != 0 || err != nil {
		t.Errorf("audit chain: %d %v", bad, err)
	}
	// Append-only.
	if _, err := db.SQL().Exec(`UPDATE verdicts SET verdict = 'verified'`); err == nil {
		t.Error("verdicts can be updated")
	}
	if _, err := db.SQL().Exec(`DELETE FROM verdicts`); err == nil {
		t.Error("verdicts can be deleted")
	}
}

// TestReportItems: the report's input follows the access rules and carries
// what the report needs.
func TestReportItems(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, tt := range []struct {
		p    archive.Principal
		lvl  archive.ReleaseLevel
		want int
	}{
		{archive.Anonymous(), archive.LevelPublic, 2},
		{archive.Anonymous(), archive.LevelPrivate, 0},
		{archive.Principal{Role: archive.RoleJournalist, UserID: 3}, archive.LevelLimited, 0},
		{archive.Principal{Role: archive.RoleJournalist, UserID: 3, Grants: []archive.Grant{{DatasetID: f.datasets[archive.LevelLimited].ID}}}, archive.LevelLimited, 2},
		{archive.Admin(), archive.LevelPrivate, 2},
	} {
		var got []*archive.Item
		err := f.db.ReportItems(ctx, tt.p, f.datasets[tt.lvl].ID, func(it *archive.Item) error { got = append(got, it); return nil })
		if err != nil || len(got) != tt.want {
			t.Errorf("%s on %s: %d items, %v", tt.p.Role, tt.lvl, len(got), err)
			continue
		}
		if tt.want > 0 && (got[0].Meta.Email == nil || got[0].Meta.Email.Date.Year() != 2019 || got[1].ParentID != got[0].ID || got[0].Blob.IsZero()) {
			t.Errorf("items %+v", got[0])
		}
	}
}
