package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
)

// Response shapes the tests decode (the API's own types are unexported).
type (
	datasetJSON struct {
		Slug   string `json:"slug"`
		Level  string `json:"level"`
		Source string `json:"source"`
		Items  int64  `json:"items"`
		Types  []facetJSON
	}
	facetJSON struct {
		Value string
		Count int64
	}
	summaryJSON struct {
		ID   int64  `json:"id"`
		Path string `json:"path"`
		Name string `json:"name"`
	}
	itemJSON struct {
		ID      int64         `json:"id"`
		Dataset string        `json:"dataset"`
		Path    string        `json:"path"`
		Status  string        `json:"status"`
		Parents []summaryJSON `json:"parents"`
		Failure *struct {
			Reason, Extractor, Message string
		} `json:"failure"`
		Meta struct {
			Email *struct {
				From    string   `json:"from"`
				To      []string `json:"to"`
				Subject string   `json:"subject"`
				Date    string   `json:"date"`
			} `json:"email"`
		} `json:"meta"`
		Children struct{ Expected, Emitted, Failed int64 } `json:"children"`
	}
	listJSON struct {
		Items      []summaryJSON `json:"items"`
		Folders    []string      `json:"folders"`
		NextCursor string        `json:"next_cursor"`
	}
	searchJSON struct {
		Total      int64                  `json:"total"`
		Hits       []hitJSON              `json:"hits"`
		Facets     map[string][]facetJSON `json:"facets"`
		NextCursor string                 `json:"next_cursor"`
	}
	hitJSON struct {
		ItemID  int64    `json:"item_id"`
		Dataset string   `json:"dataset"`
		Snippet string   `json:"snippet"`
		Matches []string `json:"matches"`
	}
	errorJSON struct {
		Error struct{ Code, Message string } `json:"error"`
	}
)

// TestAccessMatrix reads every route as every kind of reader from every
// release level: what the reader may see is there, and everything else is
// exactly like something that does not exist — the same 404 body, save for
// the ID or slug asked for — and absent from lists, totals and facets.
func TestAccessMatrix(t *testing.T) {
	f := newFixture(t)
	e := newEnv(t, f, nil)
	const missingID, missingSlug = 987654, "nonexistent"
	for _, r := range readers(f) {
		t.Run(r.name, func(t *testing.T) {
			e := *e
			e.t = t
			var visible []string
			for _, lvl := range levels {
				if r.sees[lvl] {
					visible = append(visible, string(lvl))
				}
			}
			sort.Strings(visible)

			// The list of datasets.
			var list struct{ Datasets []datasetJSON }
			e.getJSON(r.name, "/datasets", http.StatusOK, &list)
			var got []string
			for _, ds := range list.Datasets {
				got = append(got, ds.Slug)
				if (ds.Source != "") != (r.p.SeesAll()) {
					t.Errorf("dataset %s: source note %q shown to %s", ds.Slug, ds.Source, r.name)
				}
			}
			if !slices.Equal(got, visible) {
				t.Errorf("datasets %v, want %v", got, visible)
			}

			// Search over everything: totals and facets count visible datasets only.
			var res searchJSON
			e.getJSON(r.name, "/search?q=harbor&limit=100", http.StatusOK, &res)
			if want := int64(3 * len(visible)); res.Total != want || len(res.Hits) != int(want) {
				t.Errorf("search: total %d, %d hits, want %d", res.Total, len(res.Hits), want)
			}
			var facetDatasets []string
			for _, fc := range res.Facets["dataset"] {
				facetDatasets = append(facetDatasets, fc.Value)
				if fc.Count != 3 {
					t.Errorf("dataset facet %s: %d, want 3", fc.Value, fc.Count)
				}
			}
			sort.Strings(facetDatasets)
			if !slices.Equal(facetDatasets, visible) {
				t.Errorf("dataset facet %v, want %v", facetDatasets, visible)
			}
			// Every fixture dataset is about PA: the country facet counts
			// exactly the visible documents.
			if c := res.Facets["country"]; res.Total > 0 && (len(c) != 1 || c[0].Value != "PA" || c[0].Count != res.Total) {
				t.Errorf("country facet %v, want PA: %d", c, res.Total)
			} else if res.Total == 0 && len(c) != 0 {
				t.Errorf("country facet %v with nothing visible", c)
			}
			for _, name := range []string{"type", "year", "lang"} {
				var sum int64
				for _, fc := range res.Facets[name] {
					sum += fc.Count
				}
				if name == "type" && sum != res.Total {
					t.Errorf("type facet adds up to %d, total %d", sum, res.Total)
				}
			}
			if d := res.Facets["domain"]; len(visible) > 0 && (len(d) != 1 || d[0].Count != int64(len(visible))) {
				t.Errorf("domain facet %v, want police.example × %d", d, len(visible))
			}
			for _, h := range res.Hits {
				if !slices.Contains(visible, h.Dataset) {
					t.Errorf("hit %d from hidden dataset %s", h.ItemID, h.Dataset)
				}
			}

			for _, lvl := range levels {
				ds := f.datasets[lvl]
				att, mail := f.att[lvl], f.mail[lvl]
				if r.sees[lvl] {
					var d datasetJSON
					e.getJSON(r.name, "/datasets/"+ds.Slug, http.StatusOK, &d)
					if d.Slug != ds.Slug || d.Items == 0 || len(d.Types) == 0 {
						t.Errorf("%s: dataset %+v", lvl, d)
					}
					var folder listJSON
					e.getJSON(r.name, "/datasets/"+ds.Slug+"/browse?path=mail", http.StatusOK, &folder)
					if len(folder.Items) != 1 || folder.Items[0].ID != mail {
						t.Errorf("%s: browse mail: %+v", lvl, folder)
					}
					e.getJSON(r.name, "/datasets/"+ds.Slug+"/browse", http.StatusOK, &folder)
					if !slices.Contains(folder.Folders, "mail") || !slices.Contains(folder.Folders, "docs") {
						t.Errorf("%s: browse root: %+v", lvl, folder)
					}
					var s searchJSON
					e.getJSON(r.name, "/search?q=harbor&dataset="+ds.Slug, http.StatusOK, &s)
					if s.Total != 3 {
						t.Errorf("%s: search in dataset: total %d", lvl, s.Total)
					}
					var it itemJSON
					e.getJSON(r.name, fmt.Sprintf("/items/%d", att), http.StatusOK, &it)
					if it.ID != att || it.Dataset != ds.Slug || len(it.Parents) != 1 || it.Parents[0].ID != mail {
						t.Errorf("%s: item %+v", lvl, it)
					}
					var kids listJSON
					e.getJSON(r.name, fmt.Sprintf("/items/%d/children", mail), http.StatusOK, &kids)
					if len(kids.Items) != 1 || kids.Items[0].ID != att {
						t.Errorf("%s: children %+v", lvl, kids)
					}
					if txt := e.get(r.name, fmt.Sprintf("/items/%d/text", att)); txt.status != http.StatusOK || !bytes.Contains(txt.body, []byte("harbor")) {
						t.Errorf("%s: text %s", lvl, txt)
					}
					if orig := e.get(r.name, fmt.Sprintf("/items/%d/original", att)); orig.status != http.StatusOK || !bytes.Equal(orig.body, f.content[att]) {
						t.Errorf("%s: original %s", lvl, orig)
					}
					continue
				}
				// Hidden: exactly like missing.
				for _, p := range []string{"/datasets/%s", "/datasets/%s/browse", "/datasets/%s/browse?path=mail"} {
					e.sameAbsent(r.name, fmt.Sprintf(p, ds.Slug), fmt.Sprintf(p, missingSlug), ds.Slug, missingSlug)
				}
				for _, p := range []string{"/items/%d", "/items/%d/text", "/items/%d/original", "/items/%d/children", "/items/%d/text?page=2"} {
					e.sameAbsent(r.name, fmt.Sprintf(p, att), fmt.Sprintf(p, missingID), strconv.FormatInt(att, 10), strconv.Itoa(missingID))
				}
				e.sameAbsent(r.name, fmt.Sprintf("/items/%d/children", mail), fmt.Sprintf("/items/%d/children", missingID),
					strconv.FormatInt(mail, 10), strconv.Itoa(missingID))
				hidden := e.get(r.name, "/search?q=harbor&dataset="+ds.Slug)
				missing := e.get(r.name, "/search?q=harbor&dataset="+missingSlug)
				if hidden.status != http.StatusOK || normalSearch(t, hidden.body, ds.Slug) != normalSearch(t, missing.body, missingSlug) {
					t.Errorf("%s: search in hidden dataset %s\ndiffers from search in a missing one %s", lvl, hidden, missing)
				}
			}
		})
	}
}

// sameAbsent checks that hiddenPath answers exactly like missingPath: a 404
// with the same headers and the same body, once the names asked for are
// replaced.
func (e *env) sameAbsent(readerName, hiddenPath, missingPath, hiddenName, missingName string) {
	e.t.Helper()
	h, m := e.get(readerName, hiddenPath), e.get(readerName, missingPath)
	if h.status != http.StatusNotFound || m.status != http.StatusNotFound {
		e.t.Errorf("%s: %s; %s: %s; want 404", hiddenPath, h, missingPath, m)
		return
	}
	hb := strings.ReplaceAll(string(h.body), hiddenName, "NAME")
	mb := strings.ReplaceAll(string(m.body), missingName, "NAME")
	if hb != mb {
		e.t.Errorf("%s answers %s\nbut %s answers %s", hiddenPath, h.body, missingPath, m.body)
	}
	for _, hd := range []http.Header{h.header, m.header} {
		hd.Del("Date")
		hd.Del("Content-Length")
	}
	if fmt.Sprint(h.header) != fmt.Sprint(m.header) {
		e.t.Errorf("%s headers %v\ndiffer from %s headers %v", hiddenPath, h.header, missingPath, m.header)
	}
	var er errorJSON
	if err := json.Unmarshal(h.body, &er); err != nil || er.Error.Code != archive.ENotFound {
		e.t.Errorf("%s: body %s", hiddenPath, h.body)
	}
}

// normalSearch re-encodes a search response without its timing and with
// the dataset asked for blanked.
func normalSearch(t *testing.T, body []byte, slug string) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	delete(m, "took_ms")
	if m["dataset"] != slug {
		t.Errorf("dataset %v, want %s", m["dataset"], slug)
	}
	delete(m, "dataset")
	b, _ := json.Marshal(m)
	return string(b)
}
