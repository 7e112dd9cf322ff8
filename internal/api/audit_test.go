package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
)

func TestAudit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := newEnv(t, f, nil)
	lim, pub, priv := f.datasets[archive.LevelLimited], f.datasets[archive.LevelPublic], f.datasets[archive.LevelPrivate]
	att := f.att[archive.LevelLimited]

	// A journalist reads a limited item: each read is recorded.
	for _, p := range []string{"/items/%d", "/items/%d/text", "/items/%d/original"} {
		if r := e.get("granted", fmt.Sprintf(p, att)); r.status != http.StatusOK {
			t.Fatalf("%s: %s", p, r)
		}
	}
	e.get("granted", fmt.Sprintf("/items/%d/original", att), "Range", "bytes=0-3")
	got := e.audit.take()
	want := []archive.AuditEntry{
		{Action: archive.AuditView, Detail: "item"},
		{Action: archive.AuditView, Detail: "text page 1"},
		{Action: archive.AuditDownload, Detail: "original"},
		{Action: archive.AuditDownload, Detail: "original bytes=0-3"},
	}
	if len(got) != len(want) {
		t.Fatalf("entries %+v, want %d", got, len(want))
	}
	for i, g := range got {
		w := want[i]
		if g.Action != w.Action || g.Detail != w.Detail || g.UserID != 12 || g.User != "jane" || g.DatasetID != lim.ID ||
			g.ItemID != att || g.Time.IsZero() {
			t.Errorf("entry %d: %+v, want %+v", i, g, w)
		}
	}

	// Signed-in searches are all recorded, with the query; restricted to a
	// dataset, with its ID.
	e.get("granted", "/search?q=harbor")
	e.get("granted", "/search?q=harbor&dataset=limited")
	e.get("journalist", "/search?q=harbor&dataset=public")
	e.get("granted", "/search?q=harbor&dataset=private") // hidden: like a missing dataset
	got = e.audit.take()
	wantSearch := []struct {
		user    int64
		dataset int64
	}{{12, 0}, {12, lim.ID}, {11, pub.ID}, {12, 0}}
	if len(got) != len(wantSearch) {
		t.Fatalf("search entries %+v", got)
	}
	for i, g := range got {
		if g.Action != archive.AuditSearch || g.Detail != "harbor" || g.UserID != wantSearch[i].user || g.DatasetID != wantSearch[i].dataset {
			t.Errorf("search entry %d: %+v", i, g)
		}
	}

	// Staff reading a private item are recorded too.
	e.get("editor", fmt.Sprintf("/items/%d/original", f.att[archive.LevelPrivate]))
	if got := e.audit.take(); len(got) != 1 || got[0].UserID != 14 || got[0].DatasetID != priv.ID || got[0].Action != archive.AuditDownload {
		t.Errorf("editor: %+v", got)
	}

	// Public reads are not recorded, whoever reads; anonymous readers never
	// are, not even their searches; nor are refused reads.
	for _, who := range []string{"anonymous", "granted", "admin"} {
		for _, p := range []string{"/items/%d", "/items/%d/text", "/items/%d/original"} {
			e.get(who, fmt.Sprintf(p, f.att[archive.LevelPublic]))
		}
	}
	e.get("anonymous", "/search?q=harbor")
	e.get("anonymous", "/search?q=harbor&dataset=public")
	e.get("journalist", fmt.Sprintf("/items/%d", att))
	e.get("expired", fmt.Sprintf("/items/%d/original", att))
	if got := e.audit.take(); len(got) != 0 {
		t.Errorf("unexpected entries %+v", got)
	}
}
