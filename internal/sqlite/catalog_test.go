package sqlite_test

import (
	"bytes"
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/sqlite"
)

// fixture is a catalog with one dataset per release level, each holding a
// folder-less email with one attachment, all mentioning "harbor".
type fixture struct {
	db       *sqlite.DB
	datasets map[archive.ReleaseLevel]*archive.Dataset
	mail     map[archive.ReleaseLevel]int64 // item ids
	att      map[archive.ReleaseLevel]int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f := &fixture{db: db, datasets: map[archive.ReleaseLevel]*archive.Dataset{}, mail: map[archive.ReleaseLevel]int64{}, att: map[archive.ReleaseLevel]int64{}}
	w, err := db.NewWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, lvl := range []archive.ReleaseLevel{archive.LevelPublic, archive.LevelLimited, archive.LevelPrivate} {
		ds := &archive.Dataset{Slug: string(lvl), Level: lvl, Countries: []string{"de"}}
		if err := db.CreateDataset(ctx, ds); err != nil {
			t.Fatal(err)
		}
		f.datasets[lvl] = ds
		mailBlob, attBlob := w.NewBlobID(), w.NewBlobID()
		w.InsertBlob(mailBlob, archive.Hash([]byte{byte(i), 1}), 100, "message/rfc822", archive.KindEmail)
		w.InsertBlob(attBlob, archive.Hash([]byte{byte(i), 2}), 10, "text/plain", archive.KindText)
		mail, att := w.NewItemID(), w.NewItemID()
		w.InsertItem(&sqlite.ItemRow{ID: mail, DatasetID: ds.ID, BlobID: mailBlob, Name: "m.eml", Path: "m.eml"})
		w.InsertItem(&sqlite.ItemRow{ID: att, DatasetID: ds.ID, ParentID: mail, BlobID: attBlob, Name: "a.txt", Path: "m.eml/a.txt"})
		w.AddChunk(mailBlob, 0, 0, "m.eml", fmt.Sprintf("the harbor report of %s", lvl))
		w.AddChunk(attBlob, 0, 0, "a.txt", fmt.Sprintf("attachment about the harbor, level %s", lvl))
		date := time.Date(2019, 3, 5, 0, 0, 0, 0, time.UTC)
		w.FinishBlob(&sqlite.BlobOutcome{BlobID: mailBlob, MIME: "message/rfc822", Kind: archive.KindEmail, Status: archive.StatusOK, Chunks: 1,
			ChildrenEmitted: 1, Meta: archive.Meta{Email: &archive.Email{From: "Alice <alice@police.example>", Subject: "Harbor", Date: date}}})
		w.FinishBlob(&sqlite.BlobOutcome{BlobID: attBlob, MIME: "text/plain", Kind: archive.KindText, Status: archive.StatusOK, Chunks: 1})
		f.mail[lvl], f.att[lvl] = mail, att
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.RefreshVocab(ctx); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestAccessMatrix checks, for every kind of reader and release level, that
// a dataset, its items, their text, parents, children, search hits, counts
// and facets are all visible, or all absent exactly like missing ones.
func TestAccessMatrix(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	limited := f.datasets[archive.LevelLimited].ID
	past := time.Now().Add(-time.Hour)
	readers := []struct {
		name string
		p    archive.Principal
		sees map[archive.ReleaseLevel]bool
	}{
		{"anonymous", archive.Anonymous(), map[archive.ReleaseLevel]bool{archive.LevelPublic: true}},
		{"journalist without grant", archive.Principal{UserID: 1, Role: archive.RoleJournalist}, map[archive.ReleaseLevel]bool{archive.LevelPublic: true}},
		{"journalist with grant", archive.Principal{UserID: 2, Role: archive.RoleJournalist, Grants: []archive.Grant{{DatasetID: limited}}},
			map[archive.ReleaseLevel]bool{archive.LevelPublic: true, archive.LevelLimited: true}},
		{"journalist with expired grant", archive.Principal{UserID: 3, Role: archive.RoleJournalist, Grants: []archive.Grant{{DatasetID: limited, Expires: past}}},
			map[archive.ReleaseLevel]bool{archive.LevelPublic: true}},
		{"anonymous holding a grant", archive.Principal{Grants: []archive.Grant{{DatasetID: limited}}}, map[archive.ReleaseLevel]bool{archive.LevelPublic: true}},
		{"editor", archive.Principal{UserID: 4, Role: archive.RoleEditor}, map[archive.ReleaseLevel]bool{archive.LevelPublic: true, archive.LevelLimited: true, archive.LevelPrivate: true}},
		{"admin", archive.Admin(), map[archive.ReleaseLevel]bool{archive.LevelPublic: true, archive.LevelLimited: true, archive.LevelPrivate: true}},
	}
	absent := func(t *testing.T, what string, err error) {
		t.Helper()
		if archive.ErrorCode(err) != archive.ENotFound {
			t.Errorf("%s: err = %v, want not_found", what, err)
		}
	}
	for _, r := range readers {
		t.Run(r.name, func(t *testing.T) {
			list, err := f.db.Datasets(ctx, r.p)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != len(r.sees) {
				t.Errorf("Datasets: %d, want %d", len(list), len(r.sees))
			}
			want := int64(0)
			for lvl, ds := range f.datasets {
				sees := r.sees[lvl]
				if sees {
					want++
				}
				_, err := f.db.Dataset(ctx, r.p, ds.Slug)
				it, ierr := f.db.Item(ctx, r.p, f.att[lvl])
				var text bytes.Buffer
				terr := f.db.Text(ctx, r.p, f.att[lvl], &text)
				parents, perr := f.db.Parents(ctx, r.p, f.att[lvl])
				kids, kerr := f.db.Children(ctx, r.p, f.mail[lvl], 10, 0)
				res, serr := f.db.Search(ctx, r.p, archive.SearchRequest{Query: "harbor dataset:" + ds.Slug, Facets: true})
				if serr != nil {
					t.Fatal(serr)
				}
				if sees {
					if err != nil || ierr != nil || terr != nil || perr != nil || kerr != nil {
						t.Errorf("%s: want visible, got %v %v %v %v %v", lvl, err, ierr, terr, perr, kerr)
						continue
					}
					if it.Path != "m.eml/a.txt" || len(parents) != 1 || len(kids) != 1 || !bytes.Contains(text.Bytes(), []byte("harbor")) {
						t.Errorf("%s: item %+v parents %d children %d text %q", lvl, it, len(parents), len(kids), text.String())
					}
					if res.Total != 2 || len(res.Hits) != 2 {
						t.Errorf("%s: search total %d hits %d, want 2", lvl, res.Total, len(res.Hits))
					}
				} else {
					absent(t, string(lvl)+" dataset", err)
					absent(t, string(lvl)+" item", ierr)
					absent(t, string(lvl)+" text", terr)
					absent(t, string(lvl)+" parents", perr)
					absent(t, string(lvl)+" children", kerr)
					if res.Total != 0 || len(res.Hits) != 0 || len(res.Facets["dataset"]) != 0 || len(res.Facets["type"]) != 0 {
						t.Errorf("%s: hidden dataset leaks into search: total %d facets %v", lvl, res.Total, res.Facets)
					}
				}
			}
			res, err := f.db.Search(ctx, r.p, archive.SearchRequest{Query: "harbor", Facets: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != 2*want {
				t.Errorf("search total = %d, want %d", res.Total, 2*want)
			}
			if got := int64(len(res.Facets["dataset"])); got != want {
				t.Errorf("dataset facet has %d values, want %d: %v", got, want, res.Facets["dataset"])
			}
			for _, h := range res.Hits {
				for lvl, ds := range f.datasets {
					if h.Item.DatasetID == ds.ID && !r.sees[lvl] {
						t.Errorf("hit from hidden dataset %s", lvl)
					}
				}
			}
		})
	}
}

func TestSearchFilters(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	cases := []struct {
		q    string
		want int64
	}{
		{"harbor", 6},
		{"harbor type:email", 3},
		{"harbor -type:email", 3},
		{"from:alice", 3},
		{"from:ALICE harbor", 3},
		{"from:bob", 0},
		{"subject:harbor", 3},
		{"has:attachment", 3},
		{"date:2019-03", 3},
		{"date:2020", 0},
		{"-date:2020 harbor", 6}, // items without a date match the negation
		{"after:2019-03-04 before:2019-03-06", 3},
		{"country:DE harbor", 6},
		{"country:FR harbor", 0},
		{"filename:a.txt", 3},
		{"ext:txt", 0}, // no extension recorded in this fixture
		{"harb*", 6},
		{"harbr~", 6},
		{`"report of public"`, 1},
		{"attachment OR report", 6},
		{"(attachment OR report) dataset:public", 2},
		{"attachment -public", 2},
		{"*arbo*", 0}, // "harbor" is shorter than the trigram threshold
	}
	for _, c := range cases {
		res, err := f.db.Search(ctx, archive.Admin(), archive.SearchRequest{Query: c.q})
		if err != nil {
			t.Errorf("%s: %v", c.q, err)
			continue
		}
		if res.Total != c.want {
			t.Errorf("%s: total %d, want %d", c.q, res.Total, c.want)
		}
	}
	if _, err := f.db.Search(ctx, archive.Admin(), archive.SearchRequest{Query: `"open`}); archive.ErrorCode(err) != archive.EInvalid {
		t.Errorf("malformed query: %v, want invalid", err)
	}
}

// TestLongDocumentAND: all words must occur in a document, even when they
// fall in different chunks of a long one.
func TestLongDocumentAND(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ds := &archive.Dataset{Slug: "long", Level: archive.LevelPublic}
	if err := db.CreateDataset(ctx, ds); err != nil {
		t.Fatal(err)
	}
	w, err := db.NewWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	blob := w.NewBlobID()
	w.InsertBlob(blob, archive.Hash([]byte("long")), 1, "text/plain", archive.KindText)
	w.InsertItem(&sqlite.ItemRow{ID: w.NewItemID(), DatasetID: ds.ID, BlobID: blob, Name: "long.txt", Path: "long.txt"})
	w.AddChunk(blob, 0, 0, "long.txt", "the first part names the zeppelin")
	w.AddChunk(blob, 1, 0, "", "the second part names the walrus")
	w.FinishBlob(&sqlite.BlobOutcome{BlobID: blob, Kind: archive.KindText, Status: archive.StatusOK, Chunks: 2})
	other := w.NewBlobID()
	w.InsertBlob(other, archive.Hash([]byte("short")), 1, "text/plain", archive.KindText)
	w.InsertItem(&sqlite.ItemRow{ID: w.NewItemID(), DatasetID: ds.ID, BlobID: other, Name: "short.txt", Path: "short.txt"})
	w.AddChunk(other, 0, 0, "short.txt", "zeppelin and walrus together")
	w.FinishBlob(&sqlite.BlobOutcome{BlobID: other, Kind: archive.KindText, Status: archive.StatusOK, Chunks: 1})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := db.Search(ctx, archive.Admin(), archive.SearchRequest{Query: "zeppelin walrus", Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 2 || len(res.Hits) != 2 {
		t.Fatalf("total %d hits %d, want 2", res.Total, len(res.Hits))
	}
	if res.Hits[0].Item.Path != "short.txt" || res.Hits[1].Snippet == "" {
		t.Errorf("hits = %s (%q), %s (%q): want the one-chunk match first and a snippet for the long one",
			res.Hits[0].Item.Path, res.Hits[0].Snippet, res.Hits[1].Item.Path, res.Hits[1].Snippet)
	}
	if res, _ := db.Search(ctx, archive.Admin(), archive.SearchRequest{Query: "zeppelin walrus -together"}); res.Total != 1 {
		t.Errorf("with NOT: total %d, want 1", res.Total)
	}
}

// TestSearchCacheFollowsWrites: cached totals and facets are dropped when
// the catalog changes.
func TestSearchCacheFollowsWrites(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	search := func() int64 {
		t.Helper()
		res, err := f.db.Search(ctx, archive.Admin(), archive.SearchRequest{Query: "harbor", Facets: true})
		if err != nil {
			t.Fatal(err)
		}
		return res.Total
	}
	before := search()
	if again := search(); again != before {
		t.Fatalf("second search: %d, first %d", again, before)
	}
	w, err := f.db.NewWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	blob := w.NewBlobID()
	w.InsertBlob(blob, archive.Hash([]byte("new harbor")), 1, "text/plain", archive.KindText)
	w.InsertItem(&sqlite.ItemRow{ID: w.NewItemID(), DatasetID: f.datasets[archive.LevelPublic].ID, BlobID: blob, Name: "n.txt", Path: "n.txt"})
	w.AddChunk(blob, 0, 0, "n.txt", "another harbor note")
	w.FinishBlob(&sqlite.BlobOutcome{BlobID: blob, Kind: archive.KindText, Status: archive.StatusOK, Chunks: 1})
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if after := search(); after != before+1 {
		t.Errorf("after a write: %d, want %d", after, before+1)
	}
}

// TestEmbargo: a limited dataset under embargo is hidden from the public
// until its time, then reads as public at once; PublishDue then records the
// change for good, with an audit entry.
func TestEmbargo(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	ds := f.datasets[archive.LevelLimited]
	when := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	ds.Embargo = when
	if err := f.db.UpdateDataset(ctx, ds); err != nil {
		t.Fatal(err)
	}
	before := archive.Principal{Now: when.Add(-time.Hour)}
	after := archive.Principal{Now: when.Add(time.Minute)}
	if _, err := f.db.Item(ctx, before, f.att[archive.LevelLimited]); archive.ErrorCode(err) != archive.ENotFound {
		t.Errorf("before the embargo: %v, want not_found", err)
	}
	if res, _ := f.db.Search(ctx, before, archive.SearchRequest{Query: "harbor"}); res.Total != 2 {
		t.Errorf("before the embargo: %d hits, want the public dataset's 2", res.Total)
	}
	if _, err := f.db.Item(ctx, after, f.att[archive.LevelLimited]); err != nil {
		t.Errorf("after the embargo: %v", err)
	}
	if res, _ := f.db.Search(ctx, after, archive.SearchRequest{Query: "harbor"}); res.Total != 4 {
		t.Errorf("after the embargo: %d hits, want 4", res.Total)
	}
	if !archive.CanRead(after, ds) || archive.CanRead(before, ds) {
		t.Error("CanRead disagrees with the catalog about the embargo")
	}
	if slugs, err := f.db.PublishDue(ctx, when.Add(-time.Hour)); err != nil || len(slugs) != 0 {
		t.Errorf("PublishDue early: %v %v", slugs, err)
	}
	slugs, err := f.db.PublishDue(ctx, when.Add(time.Second))
	if err != nil || len(slugs) != 1 || slugs[0] != ds.Slug {
		t.Fatalf("PublishDue: %v %v", slugs, err)
	}
	got, err := f.db.Dataset(ctx, archive.Anonymous(), ds.Slug)
	if err != nil || got.Level != archive.LevelPublic || !got.Embargo.IsZero() {
		t.Errorf("after PublishDue: %+v %v", got, err)
	}
	log, err := f.db.AuditLog(ctx, 10, 0)
	if err != nil || len(log) == 0 || log[0].Action != archive.AuditLevel || log[0].DatasetID != ds.ID {
		t.Errorf("audit: %+v %v", log, err)
	}
}

// TestSearchCacheFollowsLevels: totals and facets cached for anonymous
// readers stop counting a dataset the moment it is made private, and count
// it again when it is made public.
func TestSearchCacheFollowsLevels(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, snap := range []bool{false, true} {
		sqlite.SetFacetSnapshots(f.db, snap)
		search := func() (int64, int) {
			t.Helper()
			res, err := f.db.Search(ctx, archive.Principal{}, archive.SearchRequest{Query: "harbor", Facets: true})
			if err != nil {
				t.Fatal(err)
			}
			return res.Total, len(res.Facets["dataset"])
		}
		total, sets := search()
		if total != 2 || sets != 1 {
			t.Fatalf("public only: total %d, %d datasets in facets", total, sets)
		}
		ds := f.datasets[archive.LevelPublic]
		ds.Level = archive.LevelPrivate
		if err := f.db.UpdateDataset(ctx, ds); err != nil {
			t.Fatal(err)
		}
		if total, sets := search(); total != 0 || sets != 0 {
			t.Errorf("snapshot %v: after the public dataset became private: total %d, %d datasets in facets", snap, total, sets)
		}
		ds.Level = archive.LevelPublic
		if err := f.db.UpdateDataset(ctx, ds); err != nil {
			t.Fatal(err)
		}
		if total, sets := search(); total != 2 || sets != 1 {
			t.Errorf("snapshot %v: public again: total %d, %d datasets", snap, total, sets)
		}
	}
}

// TestSearchOnceForConcurrentSame: the same search asked at once on many
// connections gives every caller the same result (computed once; the
// others read the cache), and different readers never share one.
func TestSearchOnceForConcurrentSame(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	type out struct {
		total int64
		err   error
	}
	results := make(chan out, 40)
	for i := 0; i < 40; i++ {
		p := archive.Admin()
		if i%2 == 1 {
			p = archive.Principal{}
		}
		go func() {
			res, err := f.db.Search(ctx, p, archive.SearchRequest{Query: "harbor", Facets: true})
			if err != nil {
				results <- out{err: err}
				return
			}
			results <- out{total: res.Total}
		}()
	}
	counts := map[int64]int{}
	for i := 0; i < 40; i++ {
		r := <-results
		if r.err != nil {
			t.Fatal(r.err)
		}
		counts[r.total]++
	}
	if counts[6] != 20 || counts[2] != 20 {
		t.Errorf("totals %v: want 20 admins seeing 6 and 20 anonymous readers seeing 2", counts)
	}
}

// TestSelectiveFilterBeyondTopChunks: a filter that only the lowest-ranked
// matches pass still finds them all, ranked, with their snippets. The 300
// best chunks of "harbor" (more than the first ranking pass keeps) are text
// files; the 25 emails from gov.example mention it once in a longer text.
func TestSelectiveFilterBeyondTopChunks(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ds := &archive.Dataset{Slug: "leak", Level: archive.LevelPublic}
	if err := db.CreateDataset(ctx, ds); err != nil {
		t.Fatal(err)
	}
	w, err := db.NewWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	filler := strings.Repeat("minutes of the committee on budgets and roads ", 20)
	for i := 0; i < 325; i++ {
		id := w.NewBlobID()
		kind, text, oc := archive.KindText, fmt.Sprintf("harbor harbor harbor notes %d", i), archive.Meta{}
		if i >= 300 {
			kind, text = archive.KindEmail, fmt.Sprintf("%s the harbor, mail %d", filler, i)
			oc.Email = &archive.Email{From: fmt.Sprintf("clerk%d@gov.example", i)}
		}
		w.InsertBlob(id, archive.Hash([]byte(fmt.Sprint("b", i))), 10, "text/plain", kind)
		w.InsertItem(&sqlite.ItemRow{ID: w.NewItemID(), DatasetID: ds.ID, BlobID: id, Name: fmt.Sprintf("f%d", i), Path: fmt.Sprintf("f%d", i)})
		w.AddChunk(id, 0, 0, fmt.Sprintf("f%d", i), text)
		w.FinishBlob(&sqlite.BlobOutcome{BlobID: id, Kind: kind, Status: archive.StatusOK, Chunks: 1, Meta: oc})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"harbor from:gov.example", "harbor type:email"} {
		res, err := db.Search(ctx, archive.Admin(), archive.SearchRequest{Query: q, Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != 25 || len(res.Hits) != 10 {
			t.Fatalf("%s: total %d, %d hits; want 25 and a page of 10", q, res.Total, len(res.Hits))
		}
		for _, h := range res.Hits {
			if h.Item.Kind != archive.KindEmail || !strings.Contains(h.Snippet, "harbor") {
				t.Errorf("%s: hit %s (%s) snippet %q", q, h.Item.Path, h.Item.Kind, h.Snippet)
			}
		}
		// The last page holds the other five, none twice.
		last, err := db.Search(ctx, archive.Admin(), archive.SearchRequest{Query: q, Limit: 10, Offset: 20})
		if err != nil {
			t.Fatal(err)
		}
		if len(last.Hits) != 5 {
			t.Errorf("%s offset 20: %d hits, want 5", q, len(last.Hits))
		}
	}
}
