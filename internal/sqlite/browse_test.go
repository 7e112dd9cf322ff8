package sqlite_test

import (
	"context"
	"path"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/sqlite"
)

// browseFixture holds two datasets with the same tree of top-level files,
// one public and one limited, plus a private one.
func browseFixture(t *testing.T) (*sqlite.DB, map[archive.ReleaseLevel]*archive.Dataset) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	paths := []string{"a.txt", "site.txt", "site/index.html", "site/Mail/x.eml", "site/Mail/y.eml", "site/Mail/sub/z.txt",
		"site/b c/d.txt", "site0/e.txt", "site-x/f.txt", "Été/g.txt"}
	levels := []archive.ReleaseLevel{archive.LevelPublic, archive.LevelLimited, archive.LevelPrivate}
	out := map[archive.ReleaseLevel]*archive.Dataset{}
	// Datasets first: the writer holds the write lock between its batches.
	for _, lvl := range levels {
		ds := &archive.Dataset{Slug: "ds-" + string(lvl), Title: "T " + string(lvl), Description: "about " + string(lvl), Level: lvl,
			Countries: []string{"PA"}, Source: "secret source note"}
		if err := db.CreateDataset(ctx, ds); err != nil {
			t.Fatal(err)
		}
		out[lvl] = ds
	}
	w, err := db.NewWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for n, lvl := range levels {
		ds := out[lvl]
		for i, p := range paths {
			b := w.NewBlobID()
			w.InsertBlob(b, archive.Hash([]byte{byte(n), byte(i)}), int64(i+1), "text/plain", archive.KindText)
			id := w.NewItemID()
			w.InsertItem(&sqlite.ItemRow{ID: id, DatasetID: ds.ID, BlobID: b, Name: path.Base(p), Path: p})
			w.FinishBlob(&sqlite.BlobOutcome{BlobID: b, MIME: "text/plain", Kind: archive.KindText, Status: archive.StatusOK})
			if p == "site/Mail/x.eml" {
				cb := w.NewBlobID()
				w.InsertBlob(cb, archive.Hash([]byte{byte(n), 99}), 5, "application/pdf", archive.KindPDF)
				w.InsertItem(&sqlite.ItemRow{ID: w.NewItemID(), DatasetID: ds.ID, ParentID: id, BlobID: cb, Name: "att.pdf", Path: p + "/att.pdf"})
				w.FinishBlob(&sqlite.BlobOutcome{BlobID: cb, MIME: "application/pdf", Kind: archive.KindPDF, Status: archive.StatusOK})
			}
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return db, out
}

func names(items []*archive.Item) []string {
	var s []string
	for _, it := range items {
		s = append(s, it.Name)
	}
	return s
}

func TestFolder(t *testing.T) {
	db, ds := browseFixture(t)
	ctx := context.Background()
	pub := ds[archive.LevelPublic].ID
	// Folders come in byte order of their paths ("site-x/" < "site/").
	tests := []struct {
		prefix  string
		files   []string
		folders []string
	}{
		{"", []string{"a.txt", "site.txt"}, []string{"site-x", "site", "site0", "Été"}},
		{"/", []string{"a.txt", "site.txt"}, []string{"site-x", "site", "site0", "Été"}},
		{"site", []string{"index.html"}, []string{"Mail", "b c"}},
		{"site/", []string{"index.html"}, []string{"Mail", "b c"}},
		{"site/Mail", []string{"x.eml", "y.eml"}, []string{"sub"}},
		{"site/Mail/sub/", []string{"z.txt"}, nil},
		{"Été", []string{"g.txt"}, nil},
		{"nothing/here", nil, nil},
		{"sit", nil, nil},
	}
	for _, tt := range tests {
		files, folders, err := db.Folder(ctx, archive.Anonymous(), pub, tt.prefix, 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		if got := names(files); !slices.Equal(got, tt.files) {
			t.Errorf("Folder(%q) files = %q, want %q", tt.prefix, got, tt.files)
		}
		if !slices.Equal(folders, tt.folders) {
			t.Errorf("Folder(%q) folders = %q, want %q", tt.prefix, folders, tt.folders)
		}
	}
	// Paging applies to files.
	files, folders, err := db.Folder(ctx, archive.Anonymous(), pub, "site/Mail", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(files); !slices.Equal(got, []string{"y.eml"}) || !slices.Equal(folders, []string{"sub"}) {
		t.Errorf("page 2: files %q folders %q", got, folders)
	}
}

func TestFolderAccess(t *testing.T) {
	db, ds := browseFixture(t)
	ctx := context.Background()
	limited := ds[archive.LevelLimited].ID
	readers := []struct {
		name string
		p    archive.Principal
		sees map[archive.ReleaseLevel]bool
	}{
		{"anonymous", archive.Anonymous(), map[archive.ReleaseLevel]bool{archive.LevelPublic: true}},
		{"journalist without grant", archive.Principal{UserID: 1, Role: archive.RoleJournalist}, map[archive.ReleaseLevel]bool{archive.LevelPublic: true}},
		{"journalist with grant", archive.Principal{UserID: 2, Role: archive.RoleJournalist, Grants: []archive.Grant{{DatasetID: limited}}},
			map[archive.ReleaseLevel]bool{archive.LevelPublic: true, archive.LevelLimited: true}},
		{"journalist with expired grant", archive.Principal{UserID: 3, Role: archive.RoleJournalist,
			Grants: []archive.Grant{{DatasetID: limited, Expires: time.Now().Add(-time.Minute)}}}, map[archive.ReleaseLevel]bool{archive.LevelPublic: true}},
		{"editor", archive.Principal{UserID: 4, Role: archive.RoleEditor}, map[archive.ReleaseLevel]bool{archive.LevelPublic: true, archive.LevelLimited: true, archive.LevelPrivate: true}},
		{"admin", archive.Admin(), map[archive.ReleaseLevel]bool{archive.LevelPublic: true, archive.LevelLimited: true, archive.LevelPrivate: true}},
	}
	for _, r := range readers {
		t.Run(r.name, func(t *testing.T) {
			for lvl, d := range ds {
				for _, prefix := range []string{"", "site", "site/Mail"} {
					files, folders, err := db.Folder(ctx, r.p, d.ID, prefix, 100, 0)
					if err != nil {
						t.Fatal(err)
					}
					visible := len(files) > 0 || len(folders) > 0
					if visible != r.sees[lvl] {
						t.Errorf("%s %q: visible = %v, want %v", lvl, prefix, visible, r.sees[lvl])
					}
				}
				got, err := db.DatasetByID(ctx, r.p, d.ID)
				switch {
				case r.sees[lvl] && (err != nil || got.Slug != d.Slug):
					t.Errorf("DatasetByID %s: %v, %v", lvl, got, err)
				case !r.sees[lvl] && archive.ErrorCode(err) != archive.ENotFound:
					t.Errorf("DatasetByID %s: err = %v, want not_found", lvl, err)
				}
			}
		})
	}
	if _, err := db.DatasetByID(ctx, archive.Admin(), 999); archive.ErrorCode(err) != archive.ENotFound {
		t.Errorf("DatasetByID missing: %v", err)
	}
}

func TestStub(t *testing.T) {
	db, ds := browseFixture(t)
	ctx := context.Background()
	for lvl, d := range ds {
		s, err := db.Stub(ctx, d.Slug)
		if lvl == archive.LevelPrivate {
			if archive.ErrorCode(err) != archive.ENotFound {
				t.Errorf("private stub: err = %v, want not_found", err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if s.Slug != d.Slug || s.Title != d.Title || s.Description != d.Description || s.Level != lvl || s.ID != d.ID {
			t.Errorf("stub %s = %+v", lvl, s)
		}
		if s.Source != "" || s.Countries != nil || s.Items != 0 {
			t.Errorf("stub %s shows more than the stub: %+v", lvl, s)
		}
	}
	if _, err := db.Stub(ctx, "missing"); archive.ErrorCode(err) != archive.ENotFound {
		t.Errorf("missing stub: %v", err)
	}
	list, err := db.Stubs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Slug != ds[archive.LevelLimited].Slug {
		t.Errorf("Stubs = %v, want the limited dataset only", list)
	}
}
