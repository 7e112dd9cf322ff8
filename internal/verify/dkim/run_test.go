package dkim_test

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/container"
	"github.com/trove-archive/trove/internal/extract/email"
	"github.com/trove-archive/trove/internal/ingest"
	"github.com/trove-archive/trove/internal/sqlite"
	"github.com/trove-archive/trove/internal/store"
	"github.com/trove-archive/trove/internal/verify/dkim"
)

var _ dkim.Catalog = (*sqlite.DB)(nil)

// TestRunDataset ingests loose messages, a mailbox and a zip holding a
// message, signed by opendkim, then checks the stored results.
func TestRunDataset(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	k := genRSA(t, dir, "example.org", "run1", 1024)
	keys := keyArchive(t, "run.zone", "run1._domainkey.example.org. IN TXT \""+k.record+"\"\n")

	other := replaceOnce(t, []byte(baseMessage), "<q1@example.org>", "<q2@example.org>")
	third := replaceOnce(t, []byte(baseMessage), "<q1@example.org>", "<q3@example.org>")
	signed := sign(t, k, "relaxed/relaxed", "rsa-sha256", []byte(baseMessage), other, third)
	tampered := replaceOnce(t, signed[1], "numbers", "NUMBERS")
	unsigned := replaceOnce(t, []byte(baseMessage), "From: Alice Example <alice@example.org>", "From: carol@unsigned.example")

	src := filepath.Join(dir, "src")
	var zipped bytes.Buffer
	zw := zip.NewWriter(&zipped)
	w, _ := zw.Create("inner/forwarded.eml")
	w.Write(signed[2])
	zw.Close()
	mbox := "From alice@example.org Mon Jan  1 10:00:00 2024\n" + string(signed[0]) + "\n" +
		"From x Mon Jan  1 10:00:00 2024\n" + string(tampered) + "\n" +
		"From y Mon Jan  1 10:00:00 2024\n" + string(unsigned)
	files := map[string][]byte{
		"mail/signed.eml":   signed[0], // same content as the first mailbox message
		"mail/tampered.eml": tampered,
		"mail/unsigned.eml": unsigned,
		"mail/inbox.mbox":   []byte(mbox),
		"attachments.zip":   zipped.Bytes(),
	}
	for name, b := range files {
		p := filepath.Join(src, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db, err := sqlite.Open(filepath.Join(dir, "trove.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := store.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	reg := extract.NewRegistry(append([]extract.Extractor{email.NewEML(), email.NewMbox()}, container.All(container.DefaultLimits())...)...)
	ds := &archive.Dataset{Slug: "mail", Title: "Mail", Level: archive.LevelPrivate}
	if err := db.CreateDataset(ctx, ds); err != nil {
		t.Fatal(err)
	}
	if _, err := ingest.New(db, st, reg, ingest.Options{Workers: 2}).Run(ctx, ds, []string{src}); err != nil {
		t.Fatal(err)
	}

	var calls int64
	for round := range 2 { // a second run replaces the first one's rows
		stats, err := dkim.Run(ctx, db, st, ds.ID, dkim.Options{KeyFiles: []string{keys}, Workers: 3}, func(done, total int64) { calls++ })
		if err != nil {
			t.Fatal(err)
		}
		// Distinct messages: signed and tampered (each loose and in the
		// mailbox, same bytes), the zipped one, and the unsigned one twice
		// (the mailbox drops the blank line before EOF: other bytes).
		want := dkim.Stats{Messages: 5, Pass: 2, Fail: 1, None: 2}
		if *stats != want {
			t.Fatalf("round %d: stats %+v, want %+v", round, *stats, want)
		}
	}
	if calls != 10 {
		t.Errorf("progress called %d times, want 10", calls)
	}

	admin := archive.Admin()
	check := func(path string, verdict archive.DKIMVerdict, reason string) {
		t.Helper()
		it, err := db.ItemByPath(ctx, admin, ds.ID, path)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		rs, err := db.DKIMResults(ctx, admin, it.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || rs[0].Verdict != verdict || rs[0].Reason != reason {
			t.Fatalf("%s: results %+v, want one %s (%q)", path, rs, verdict, reason)
		}
		if verdict == archive.DKIMPass && (rs[0].KeySource != "archive:run.zone" || rs[0].KeyRecord != k.record ||
			rs[0].Selector != "run1" || len(rs[0].Headers) == 0) {
			t.Errorf("%s: %+v", path, rs[0])
		}
		// Hidden looks like absent.
		if _, err := db.DKIMResults(ctx, archive.Anonymous(), it.ID); archive.ErrorCode(err) != archive.ENotFound {
			t.Errorf("%s: anonymous read: %v, want not_found", path, err)
		}
	}
	check("mail/signed.eml", archive.DKIMPass, "")
	check("mail/tampered.eml", archive.DKIMFail, "body hash mismatch")
	check("mail/unsigned.eml", archive.DKIMNone, "no DKIM-Signature")
	check("attachments.zip/inner/forwarded.eml", archive.DKIMPass, "")

	sum, err := db.DKIMSummary(ctx, admin, ds.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, c := range sum {
		got[c.Domain+" "+string(c.Verdict)] = c.Messages
	}
	wantSum := map[string]int64{"example.org pass": 2, "example.org fail": 1, "unsigned.example none": 2}
	if len(got) != len(wantSum) {
		t.Fatalf("summary %v, want %v", got, wantSum)
	}
	for k, n := range wantSum {
		if got[k] != n {
			t.Errorf("summary %v, want %v", got, wantSum)
		}
	}
	if sum, err := db.DKIMSummary(ctx, archive.Anonymous(), ds.ID); err != nil || len(sum) != 0 {
		t.Errorf("anonymous summary of a private dataset: %v %v, want none", sum, err)
	}
}
