package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/api"
	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/country/detect"
	"github.com/trove-archive/trove/internal/sqlite"
)

// TestItemCountries: the item response carries the countries detected in
// its document, with their evidence, as openapi.json describes them; a
// hidden item stays exactly like a missing one.
func TestItemCountries(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := t.Context()
	// Germany by phone number and IBAN (assigned), Jordan as an ambiguous
	// name (only mentioned).
	text := "Call Jordan at the Berlin office, +49 30 901820, and pay to DE89 3704 0044 0532 0130 00."
	bc := &sqlite.BlobCountries{Countries: detect.Assign(detect.Detect([]byte(text), nil))}
	for _, lvl := range levels {
		found := false
		err := f.db.EachBlobText(ctx, f.datasets[lvl].ID, 1<<20, func(b *sqlite.BlobText) error {
			if len(b.Text) > 0 && strings.HasPrefix(b.Text[0], "harbor readme of") {
				found = true
				return f.db.SetBlobCountries(ctx, b.ID, bc)
			}
			return nil
		})
		if err != nil || !found {
			t.Fatalf("readme of %s: found %v, %v", lvl, found, err)
		}
	}
	type countryJSON struct {
		Country  string `json:"country"`
		Name     string `json:"name"`
		Assigned bool   `json:"assigned"`
		Evidence []struct {
			Kind  string `json:"kind"`
			Text  string `json:"text"`
			Count int    `json:"count"`
		} `json:"evidence"`
	}
	var item struct {
		Countries []countryJSON `json:"countries"`
	}
	pub := fmt.Sprintf("/items/%d", f.readme[archive.LevelPublic])

	// Without the dependency there is no countries field.
	plain := newEnv(t, f, nil)
	if r := plain.get("", pub); r.status != http.StatusOK || bytes.Contains(r.body, []byte(`"countries"`)) {
		t.Fatalf("without Countries: %s", r)
	}

	e := newEnv(t, f, func(d *api.Deps) { d.Countries = f.db })
	doc := loadOpenAPI(t, e)
	const missingID = 987654
	for _, rd := range readers(f) {
		for _, lvl := range levels {
			id := f.readme[lvl]
			path := fmt.Sprintf("/items/%d", id)
			if !rd.sees[lvl] {
				e.sameAbsent(rd.name, path, fmt.Sprintf("/items/%d", missingID), strconv.FormatInt(id, 10), strconv.Itoa(missingID))
				continue
			}
			item.Countries = nil
			r := e.getJSON(rd.name, path, http.StatusOK, &item)
			got := fmt.Sprintf("%+v", item.Countries)
			want := "[{Country:DE Name:Germany Assigned:true Evidence:[{Kind:iban Text:DE89 3704 0044 0532 0130 00 Count:1} {Kind:phone Text:+49 30 901820 Count:1}]}" +
				" {Country:JO Name:Jordan Assigned:false Evidence:[{Kind:ambiguous Text:Jordan Count:1}]}]"
			if got != want {
				t.Errorf("%s %s: countries %s\nwant %s", rd.name, lvl, got, want)
			}
			// The response matches the schema, countries included.
			_, op := doc.operation("get", path)
			content, _ := doc.response(op, http.StatusOK)["content"].(map[string]any)
			_, schema := matchMedia(content, r.header.Get("Content-Type"))
			var v any
			d := json.NewDecoder(bytes.NewReader(r.body))
			d.UseNumber()
			if err := d.Decode(&v); err != nil {
				t.Fatal(err)
			}
			for _, msg := range doc.validate(schema, v, "body") {
				t.Errorf("%s: %s", path, msg)
			}
		}
	}
	// An item without detected countries has no countries field.
	if r := e.get("", fmt.Sprintf("/items/%d", f.mail[archive.LevelPublic])); r.status != http.StatusOK || bytes.Contains(r.body, []byte(`"countries"`)) {
		t.Errorf("mail without countries: %s", r)
	}
}
