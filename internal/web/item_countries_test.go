package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/country/detect"
	"github.com/trove-archive/trove/internal/sqlite"
	"github.com/trove-archive/trove/internal/web"
)

// countryText is what the readmes are given to detect countries in: a
// phone number and an IBAN of Germany (assigned) and an ambiguous name,
// Jordan (only mentioned).
const countryText = "Call Jordan at the Berlin office, +49 30 901820, and pay to DE89 3704 0044 0532 0130 00."

// withItemCountries runs detection over countryText for the readme of
// every level, stores the result in the catalog, and serves the env with
// the Countries dependency.
func withItemCountries(t *testing.T, e *env) {
	t.Helper()
	ctx := context.Background()
	bc := &sqlite.BlobCountries{Countries: detect.Assign(detect.Detect([]byte(countryText), nil))}
	if got := detect.Assigned(bc.Countries); len(got) != 1 || got[0] != "DE" {
		t.Fatalf("detection of the fixture text: %+v", bc.Countries)
	}
	for _, lvl := range levels {
		found := false
		err := e.db.EachBlobText(ctx, e.ds[lvl].ID, 1<<20, func(b *sqlite.BlobText) error {
			if len(b.Text) > 0 && strings.HasPrefix(b.Text[0], "Readme of") {
				found = true
				return e.db.SetBlobCountries(ctx, b.ID, bc)
			}
			return nil
		})
		if err != nil || !found {
			t.Fatalf("readme of %s: found %v, %v", lvl, found, err)
		}
	}
	ui, err := web.New(web.Config{}, web.Deps{Catalog: e.db, Index: e.db, Store: e.st, Browse: e.db, Accounts: e.db, Audit: e.audit,
		Auth: fakeAuth{}, Countries: e.db})
	if err != nil {
		t.Fatal(err)
	}
	e.h = e.as(ui)
}

func TestItemCountries(t *testing.T) {
	e := newEnv(t)
	pubReadme := fmt.Sprintf("/items/%d", e.readme[archive.LevelPublic])
	// Without the dependency the page has no countries.
	if r := e.get(anon, pubReadme); r.status != 200 || strings.Contains(r.body, `id="countries"`) {
		t.Fatalf("without Countries: %d, section shown: %v", r.status, strings.Contains(r.body, `id="countries"`))
	}
	withItemCountries(t, e)

	want := []string{
		`<section aria-labelledby="countries">`, `<h2 id="countries">Countries</h2>`,
		`<a href="/countries/DE">Germany</a> <small>(IBAN DE89 3704 0044 0532 0130 00, phone &#43;49 30 901820)</small>`,
		`Also mentioned, with too little evidence to count:`,
		`<a href="/countries/JO">Jordan</a> <small>(ambiguous name Jordan)</small>`,
	}
	for _, who := range readers {
		for _, lvl := range levels {
			path := fmt.Sprintf("/items/%d", e.readme[lvl])
			r := e.get(who, path)
			if !sees[who][lvl] {
				// Hidden: the same 404 as an item that does not exist.
				absent := e.get(who, "/items/987654321")
				if r.status != 404 || r.body != absent.body {
					t.Errorf("%s %s: %d, differs from an absent item: %v", who, lvl, r.status, r.body != absent.body)
				}
				continue
			}
			if r.status != 200 {
				t.Fatalf("%s %s: %d", who, lvl, r.status)
			}
			for _, w := range want {
				if !strings.Contains(r.body, w) {
					t.Errorf("%s %s: page lacks %q", who, lvl, w)
				}
			}
			// Assigned countries come before the merely mentioned ones.
			if strings.Index(r.body, "/countries/DE") > strings.Index(r.body, "Also mentioned") {
				t.Errorf("%s %s: Germany listed after the mentioned countries", who, lvl)
			}
		}
	}
	// An item without detected countries has no section.
	if r := e.get(anon, fmt.Sprintf("/items/%d", e.mail[archive.LevelPublic])); r.status != 200 || strings.Contains(r.body, `id="countries"`) {
		t.Errorf("mail without countries: %d, section shown", r.status)
	}
}
