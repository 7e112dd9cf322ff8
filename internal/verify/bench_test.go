package verify_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/sqlite"
	"github.com/trove-archive/trove/internal/verify"
)

// benchItems is the size of the benchmark dataset: a mailbox-shaped leak
// of emails and office documents with metadata, some duplicates.
const benchItems = 20000

var (
	benchOnce sync.Once
	benchDB   *sqlite.DB
	benchDS   *archive.Dataset
	benchErr  error
)

func benchDataset(b *testing.B) (*sqlite.DB, *archive.Dataset) {
	benchOnce.Do(func() {
		ctx := context.Background()
		dir, err := tempDir()
		if err != nil {
			benchErr = err
			return
		}
		db, err := sqlite.Open(filepath.Join(dir, "catalog.db"))
		if err != nil {
			benchErr = err
			return
		}
		ds := &archive.Dataset{Slug: "bench", Level: archive.LevelPublic}
		if benchErr = db.CreateDataset(ctx, ds); benchErr != nil {
			return
		}
		w, err := db.NewWriter(ctx)
		if err != nil {
			benchErr = err
			return
		}
		base := time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)
		var last int64
		for i := range benchItems {
			bid := last
			if i%10 != 0 || i == 0 { // every tenth item repeats the previous content
				bid = w.NewBlobID()
				w.InsertBlob(bid, archive.Hash([]byte(fmt.Sprint(i))), int64(1000+i), "message/rfc822", archive.KindEmail)
				last = bid
			}
			d := base.Add(time.Duration(i) * 97 * time.Minute)
			w.InsertItem(&sqlite.ItemRow{ID: w.NewItemID(), DatasetID: ds.ID, BlobID: bid, Name: fmt.Sprintf("%d.eml", i),
				Path: fmt.Sprintf("box/%d.eml", i), Ext: "eml", ExtLies: i%500 == 0, FileTime: d, FileSize: int64(1000 + i)})
			if bid == last && (i%10 != 0 || i == 0) {
				meta := archive.Meta{Email: &archive.Email{From: "a@example.org", Date: d}}
				kind, mime := archive.KindEmail, "message/rfc822"
				if i%3 == 0 {
					meta = archive.Meta{Creator: "Microsoft Office Word", Producer: fmt.Sprintf("Microsoft® Word %d", []int{2007, 2010, 2013}[i%3]),
						Created: d, Modified: d.Add(time.Hour)}
					kind, mime = archive.KindWord, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
				}
				st, fail := archive.StatusOK, (*archive.Failure)(nil)
				if i%250 == 0 {
					st, fail = archive.StatusFailed, &archive.Failure{Reason: "corrupt", Message: "bad"}
				}
				w.FinishBlob(&sqlite.BlobOutcome{BlobID: bid, MIME: mime, Kind: kind, Status: st, Failure: fail, Meta: meta})
			}
		}
		benchErr = w.Close()
		benchDB, benchDS = db, ds
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchDB, benchDS
}

// BenchmarkScan is the baseline: reading the report's rows, nothing more.
func BenchmarkScan(b *testing.B) {
	db, ds := benchDataset(b)
	for b.Loop() {
		n := 0
		if err := db.ReportItems(b.Context(), archive.Admin(), ds.ID, func(*archive.Item) error { n++; return nil }); err != nil || n != benchItems {
			b.Fatal(n, err)
		}
	}
}

// BenchmarkBuild is the whole report over the same rows, with its chart.
func BenchmarkBuild(b *testing.B) {
	db, ds := benchDataset(b)
	for b.Loop() {
		r, err := verify.Build(b.Context(), db, archive.Admin(), ds, time.Now())
		if err != nil || r.Counts.Items != benchItems {
			b.Fatal(err)
		}
		_ = verify.Chart(r.Timeline)
	}
}
