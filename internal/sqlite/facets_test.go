package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/sqlite"
)

// TestFacetSnapshotMatchesSQL: totals and facets counted from the in-memory
// snapshot equal those counted in SQL, for every kind of reader, on a
// catalog with duplicates inside and across datasets of every level.
func TestFacetSnapshotMatchesSQL(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "catalog.db")
	db, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w, err := db.NewWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var dss []*archive.Dataset
	for _, lvl := range []archive.ReleaseLevel{archive.LevelPublic, archive.LevelLimited, archive.LevelPrivate, archive.LevelPublic} {
		ds := &archive.Dataset{Slug: fmt.Sprintf("%s-%d", lvl, len(dss)), Level: lvl, Countries: [][]string{{"DE"}, {"FR", "DE"}, nil, {"PA"}}[len(dss)]}
		if err := db.CreateDataset(ctx, ds); err != nil {
			t.Fatal(err)
		}
		dss = append(dss, ds)
	}
	words := []string{"harbor", "report", "police", "budget", "ferry"}
	kinds := []archive.Kind{archive.KindEmail, archive.KindPDF, archive.KindText, archive.KindWord}
	langs := []string{"en", "de", "", "en-GB", "EN", "eng"}
	var blobs []int64
	var outcomes []*sqlite.BlobOutcome
	for b := 0; b < 60; b++ {
		id := w.NewBlobID()
		blobs = append(blobs, id)
		kind := kinds[b%len(kinds)]
		w.InsertBlob(id, archive.Hash([]byte(fmt.Sprint("blob", b))), 10, "x/y", kind)
		text := words[b%len(words)] + " " + words[(b/2)%len(words)] + " common"
		w.AddChunk(id, 0, 0, fmt.Sprint(b), text)
		chunks := 1
		if b%7 == 0 { // a long document: its words in separate chunks
			w.AddChunk(id, 1, 0, "", "zebra "+words[(b+3)%len(words)])
			chunks = 2
		}
		meta := archive.Meta{Language: langs[b%len(langs)]}
		if b%3 == 0 {
			meta.Created = time.Date(2010+b%5, 1, 2, 0, 0, 0, 0, time.UTC)
		}
		if kind == archive.KindEmail {
			meta.Email = &archive.Email{From: fmt.Sprintf("x <x@d%d.example>", b%4)}
		}
		oc := &sqlite.BlobOutcome{BlobID: id, Kind: kind, Status: archive.StatusOK, Chunks: chunks, Meta: meta}
		if kind == archive.KindEmail && b%3 != 1 {
			oc.ChildrenEmitted = 1 // has:attachment
		}
		if b%4 == 1 { // detected countries, one of them below the threshold
			oc.Countries = &sqlite.BlobCountries{Countries: []archive.DocumentCountry{
				{Country: []string{"DE", "PA", "US"}[b%3], Assigned: true}, {Country: "BR", Assigned: b%8 == 1}}}
		}
		w.FinishBlob(oc)
		outcomes = append(outcomes, oc)
	}
	// Items: each blob in one to three datasets, some twice in the same
	// one, with the blob's facts (as ingest records copies of a finished
	// blob).
	for b, id := range blobs {
		oc := outcomes[b]
		facts := func() *sqlite.Facts { return sqlite.FactsOf(oc.Kind, &oc.Meta, oc.Status, oc.ChildrenEmitted) }
		for k := 0; k <= b%3; k++ {
			ds := dss[(b+k)%len(dss)]
			w.InsertItem(&sqlite.ItemRow{ID: w.NewItemID(), DatasetID: ds.ID, BlobID: id, Name: "f", Path: fmt.Sprintf("f%d-%d", b, k), Ext: []string{"pdf", "docx", "eml", ""}[(b+k)%4], Facts: facts()})
			if b%5 == 0 {
				w.InsertItem(&sqlite.ItemRow{ID: w.NewItemID(), DatasetID: ds.ID, BlobID: id, Name: "g", Path: fmt.Sprintf("g%d-%d", b, k), Facts: facts()})
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.RefreshVocab(ctx); err != nil {
		t.Fatal(err)
	}
	journalist := archive.Principal{UserID: 7, Role: archive.RoleJournalist}
	journalist.Grants = []archive.Grant{{DatasetID: dss[1].ID}}
	readers := map[string]archive.Principal{"anonymous": {}, "journalist": journalist, "admin": archive.Admin()}
	queries := []string{"harbor", "common", "police OR ferry", "common -budget", "rep*", "harbor zebra", "budget AND police", `"harbor report"`, "nothingmatches",
		// item filters the snapshot tests (copies of one blob differ in ext)
		"type:pdf", "common type:email", "harbor type:video", "common ext:docx", "ext:.PDF police", "lang:en common", "lang:de",
		"has:attachment", "common has:attachment", "date:2011..2012 common", "after:2012-06-01", "before:2011 harbor",
		"common -date:2011..2013", "NOT type:pdf common", "(type:pdf OR type:word) common", "common (type:email OR lang:de)",
		"-ext:pdf harbor zebra", "harbor OR type:pdf", "common type:pdf from:d1",
	}
	// With the rank table, one-part queries count the blobs their ranking
	// pass collected; without it, they read the doclists again.
	for _, rankTable := range []bool{false, true} {
		db.SetRankTable(rankTable)
		checkSnapshotCounts(t, db, readers, queries, dss)
	}
}

func checkSnapshotCounts(t *testing.T, db *sqlite.DB, readers map[string]archive.Principal, queries []string, dss []*archive.Dataset) {
	t.Helper()
	ctx := context.Background()
	for name, p := range readers {
		for _, q := range queries {
			for _, ds := range []string{"", dss[0].Slug, dss[2].Slug} {
				for _, sort := range []archive.Sort{archive.SortRelevance, archive.SortNewest} { // newest: not ranked, nothing collected
					req := archive.SearchRequest{Query: q, Dataset: ds, Facets: true, Sort: sort}
					sqlite.SetFacetSnapshots(db, false)
					want, err := db.Search(ctx, p, req)
					if err != nil {
						t.Fatal(err)
					}
					sqlite.SetFacetSnapshots(db, true)
					got, err := db.Search(ctx, p, req)
					if err != nil {
						t.Fatal(err)
					}
					if q == "common" && name == "admin" && ds == "" {
						for f, n := range map[string]int{"country": 4, "type": 4, "year": 5, "lang": 2, "domain": 1} {
							if len(want.Facets[f]) < n {
								t.Errorf("%s %q: facet %s has %d values, want %d: %v", name, q, f, len(want.Facets[f]), n, want.Facets[f])
							}
						}
					}
					if got.Total != want.Total || !reflect.DeepEqual(got.Facets, want.Facets) {
						t.Errorf("%s %q in %q: snapshot total %d facets %v; SQL total %d facets %v", name, q, ds, got.Total, got.Facets, want.Total, want.Facets)
					}
				}
			}
		}
	}
}
