package sqlite_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// TestReleaseAccess: a release is visible when the reader may read its
// dataset now, and a limited release only to editors and granted
// journalists; an invisible release is exactly a missing one.
func TestReleaseAccess(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	pub, lim, priv := f.datasets[archive.LevelPublic], f.datasets[archive.LevelLimited], f.datasets[archive.LevelPrivate]
	mk := func(name string, ds *archive.Dataset, level archive.ReleaseLevel) {
		t.Helper()
		files := []archive.ReleaseFile{{Path: "b/two.txt", Size: 3, Blob: archive.Hash([]byte("two")), ItemID: 2}, {Path: "a.txt", Size: 3, Blob: archive.Hash([]byte("one")), ItemID: 1}}
		r := &archive.Release{Name: name, DatasetID: ds.ID, Level: level, Created: time.Unix(1700000000, 0), Size: 6,
			Manifest: []byte("{}"), Signature: []byte("sig"), InfoHash: "00", Info: []byte("d4:name1:xe"), Complete: true}
		if err := f.db.CreateRelease(ctx, r, files); err != nil {
			t.Fatal(err)
		}
	}
	mk("pub-r1", pub, archive.LevelPublic)
	mk("pub-r2", pub, archive.LevelLimited) // a limited release of a public dataset
	mk("lim-r1", lim, archive.LevelLimited)
	mk("priv-r1", priv, archive.LevelPublic) // dataset pulled back after release
	r := &archive.Release{Name: "pub-r1", DatasetID: pub.ID, Level: archive.LevelPublic, Manifest: []byte("x"), Signature: []byte("x"), Info: []byte("x")}
	if err := f.db.CreateRelease(ctx, r, nil); archive.ErrorCode(err) != archive.EConflict {
		t.Errorf("duplicate name: err = %v, want conflict", err)
	}
	r.Name, r.Level = "pub-r9", archive.LevelPrivate
	if err := f.db.CreateRelease(ctx, r, nil); archive.ErrorCode(err) != archive.EInvalid {
		t.Errorf("private release: err = %v, want invalid", err)
	}

	grant := []archive.Grant{{DatasetID: lim.ID}, {DatasetID: pub.ID}}
	readers := []struct {
		name string
		p    archive.Principal
		sees []string
	}{
		{"anonymous", archive.Anonymous(), []string{"pub-r1"}},
		{"journalist without grant", archive.Principal{UserID: 1, Role: archive.RoleJournalist}, []string{"pub-r1"}},
		{"journalist with grants", archive.Principal{UserID: 2, Role: archive.RoleJournalist, Grants: grant}, []string{"lim-r1", "pub-r1", "pub-r2"}},
		{"editor", archive.Principal{UserID: 3, Role: archive.RoleEditor}, []string{"lim-r1", "priv-r1", "pub-r1", "pub-r2"}},
	}
	for _, rd := range readers {
		t.Run(rd.name, func(t *testing.T) {
			list, err := f.db.Releases(ctx, rd.p)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range list {
				got = append(got, r.Name)
			}
			slices.Sort(got)
			if !slices.Equal(got, rd.sees) {
				t.Errorf("Releases = %v, want %v", got, rd.sees)
			}
			for _, name := range []string{"pub-r1", "pub-r2", "lim-r1", "priv-r1", "nonexistent-r1"} {
				r, err := f.db.Release(ctx, rd.p, name)
				files, ferr := f.db.ReleaseFiles(ctx, rd.p, name)
				if slices.Contains(rd.sees, name) {
					if err != nil || ferr != nil {
						t.Fatalf("%s: %v / %v", name, err, ferr)
					}
					if r.Name != name || r.Files != 2 || r.Dataset == "" || !r.Created.Equal(time.Unix(1700000000, 0)) {
						t.Errorf("%s: read back %+v", name, r)
					}
					// Manifest order, not path order.
					if len(files) != 2 || files[0].Path != "b/two.txt" || files[0].Blob != archive.Hash([]byte("two")) || files[1].ItemID != 1 {
						t.Errorf("%s: files %+v", name, files)
					}
					continue
				}
				if archive.ErrorCode(err) != archive.ENotFound || archive.ErrorCode(ferr) != archive.ENotFound {
					t.Errorf("%s: err = %v / %v, want not_found", name, err, ferr)
				}
			}
		})
	}
	// The next name skips the ones taken.
	if n, err := f.db.NextReleaseName(ctx, pub); err != nil || n != "public-r1" {
		t.Errorf("NextReleaseName = %q, %v", n, err)
	}
}

func TestReleaseSourceAndMirrors(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	src, err := f.db.ReleaseSource(ctx, f.datasets[archive.LevelPublic].ID)
	if err != nil {
		t.Fatal(err)
	}
	// Only the top-level email, not its attachment.
	if len(src) != 1 || src[0].Path != "m.eml" || src[0].Size != 100 || src[0].ItemID != f.mail[archive.LevelPublic] {
		t.Errorf("ReleaseSource = %+v", src)
	}

	if err := f.db.AddMirror(ctx, "https://a.example"); err != nil {
		t.Fatal(err)
	}
	if err := f.db.AddMirror(ctx, "https://a.example"); err != nil {
		t.Errorf("AddMirror twice: %v", err)
	}
	ms, err := f.db.Mirrors(ctx)
	if err != nil || len(ms) != 1 || ms[0].URL != "https://a.example" {
		t.Errorf("Mirrors = %v, %v", ms, err)
	}
	if err := f.db.RemoveMirror(ctx, "https://b.example"); archive.ErrorCode(err) != archive.ENotFound {
		t.Errorf("RemoveMirror unknown: %v", err)
	}

	u := &archive.Upstream{URL: "https://origin.example", PubKey: "RWQ"}
	if err := f.db.AddUpstream(ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := f.db.AddUpstream(ctx, &archive.Upstream{URL: "https://origin.example"}); archive.ErrorCode(err) != archive.EConflict {
		t.Errorf("AddUpstream twice: %v", err)
	}
	at := time.Unix(1800000000, 0)
	if err := f.db.UpstreamSynced(ctx, u.ID, at, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.db.UpstreamSynced(ctx, u.ID, at.Add(time.Hour), context.DeadlineExceeded); err != nil {
		t.Fatal(err)
	}
	ups, err := f.db.Upstreams(ctx)
	if err != nil || len(ups) != 1 || !ups[0].LastSync.Equal(at) || ups[0].LastErr != context.DeadlineExceeded.Error() {
		t.Errorf("Upstreams = %+v, %v", ups[0], err)
	}
}
