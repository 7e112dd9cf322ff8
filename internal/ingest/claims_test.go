package ingest_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/container"
	"github.com/trove-archive/trove/internal/extract/email"
	"github.com/trove-archive/trove/internal/extract/text"
	"github.com/trove-archive/trove/internal/ingest"
	"github.com/trove-archive/trove/internal/sqlite"
	"github.com/trove-archive/trove/internal/store"
)

// leakWithCopies writes a folder where every file has copies met later in
// the walk: loose files, emails (whose headers become item facts) and a
// zip holding copies of both.
func leakWithCopies(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, body []byte) {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for i := 0; i < 12; i++ {
		note := []byte(fmt.Sprintf("memo number %d about the harbor ledger\n", i))
		mail := []byte(fmt.Sprintf("From: Clerk %d <clerk%d@port%d.example>\r\nTo: desk@paper.example\r\nSubject: Ledger %d\r\nDate: Mon, 2 Mar 2015 10:0%d:00 +0000\r\n\r\nThe ledger for week %d.\r\n", i, i, i%3, i, i%10, i))
		write(fmt.Sprintf("a/note%02d.txt", i), note)
		write(fmt.Sprintf("a/mail%02d.eml", i), mail)
		write(fmt.Sprintf("z/copy-of-note%02d.txt", i), note)
		write(fmt.Sprintf("z/copy-of-mail%02d.eml", i), mail)
		for _, f := range []struct {
			name string
			body []byte
		}{{fmt.Sprintf("in-zip/note%02d.txt", i), note}, {fmt.Sprintf("in-zip/mail%02d.eml", i), mail}} {
			w, err := zw.Create(f.name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write(f.body)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	write("m/bundle.zip", zbuf.Bytes())
	write("zz/bundle-again.zip", zbuf.Bytes())
	return dir
}

type itemRow struct {
	Blob                                  string
	DupOf, Parent                         string
	Kind, Lang, From, To, Subject, Domain string
	Date                                  int64
	HasAttach, Failed                     bool
}

// ingestRows ingests src with opts and returns every item by path.
func ingestRows(t *testing.T, src string, opts ingest.Options) (map[string]itemRow, *ingest.Stats) {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqlite.Open(filepath.Join(dir, "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := store.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	reg := extract.NewRegistry(append([]extract.Extractor{email.NewEML(), text.New()}, container.All(container.DefaultLimits())...)...)
	ds := &archive.Dataset{Slug: "leak", Level: archive.LevelPublic}
	if err := db.CreateDataset(ctx, ds); err != nil {
		t.Fatal(err)
	}
	stats, err := ingest.New(db, st, reg, opts).Run(ctx, ds, []string{src})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.SQL().Query(`SELECT i.path, hex(b.sha256), coalesce(d.path, ''), coalesce(p.path, ''), i.kind, i.lang, i.from_norm, i.to_norm,
		i.subject_norm, i.domain, coalesce(i.date, 0), i.has_attach, i.failed
		FROM items i JOIN blobs b ON b.id = i.blob_id LEFT JOIN items d ON d.id = i.duplicate_of AND i.duplicate_of != 0
		LEFT JOIN items p ON p.id = i.parent_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]itemRow{}
	for rows.Next() {
		var path string
		var r itemRow
		if err := rows.Scan(&path, &r.Blob, &r.DupOf, &r.Parent, &r.Kind, &r.Lang, &r.From, &r.To, &r.Subject, &r.Domain, &r.Date, &r.HasAttach, &r.Failed); err != nil {
			t.Fatal(err)
		}
		out[path] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out, stats
}

// TestDroppedClaimsRecordCopiesAlike: with the in-memory claims bounded
// to one, copies met after their blob's claim was dropped are recorded
// exactly as with every claim kept: the same items, blobs, facts, and
// "copy of" links.
func TestDroppedClaimsRecordCopiesAlike(t *testing.T) {
	src := leakWithCopies(t)
	want, wantStats := ingestRows(t, src, ingest.Options{Workers: 1})
	got, gotStats := ingestRows(t, src, ingest.Options{Workers: 1, MaxClaims: 1})
	if len(want) < 74 {
		t.Fatalf("%d items: the leak was not read", len(want))
	}
	dups := 0
	for _, r := range want {
		if r.DupOf != "" {
			dups++
		}
	}
	if dups < 48 {
		t.Fatalf("%d copies recorded with every claim kept, want at least 48", dups)
	}
	for path, w := range want {
		if g, ok := got[path]; !ok {
			t.Errorf("%s: missing with claims dropped", path)
		} else if !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\n claims dropped %+v\n all kept      %+v", path, g, w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d items with claims dropped, %d with all kept", len(got), len(want))
	}
	if gotStats.New != wantStats.New || gotStats.Duplicate != wantStats.Duplicate {
		t.Errorf("claims dropped: %d new, %d duplicate; all kept: %d new, %d duplicate", gotStats.New, gotStats.Duplicate, wantStats.New, wantStats.Duplicate)
	}
}
