package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

type searchPage struct {
	page
	Asked    bool // a search was made (the q parameter is present)
	Q        string
	Dataset  string
	Sort     string
	Datasets []*archive.Dataset // readable, for the dataset filter
	Sorts    []option
	Error    string // why the query was refused, with a caret line
	Total    int64
	Took     string
	First    int // 1-based rank of the first hit shown
	Last     int
	Hits     []hitView
	Facets   []facetGroup
	Pager    pager
	// The hits and facets as HTML (search_html.go).
	HitsHTML, FacetsHTML template.HTML
}

type option struct {
	Value    string
	Label    string
	Selected bool
}

type hitView struct {
	archive.Hit
	URL   string
	Title string
}

type facetGroup struct {
	Label  string
	Values []facetValue
}

type facetValue struct {
	Label  string
	Count  int64
	URL    string
	Active bool // the filter is applied; URL removes it
}

const (
	hitsPerPage = 20
	maxOffset   = 100000
)

// facetFilters maps a facet to the filter of the query language it adds.
var facetFilters = []struct{ name, label, filter string }{
	{"dataset", "Dataset", ""},
	{"type", "Type", "type:"},
	{"year", "Year", "date:"},
	{"domain", "Sender domain", "from:"},
	{"lang", "Language", "lang:"},
	{"country", "Country", "country:"},
}

func (h *Handler) search(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := archive.PrincipalFrom(ctx)
	qs := r.URL.Query()
	d := searchPage{page: h.base(r, "Search"), Q: qs.Get("q"), Dataset: qs.Get("dataset"), Sort: qs.Get("sort")}
	d.NoQuickSearch = true
	d.Query = d.Q
	_, d.Asked = qs["q"]
	if d.Sort == "" {
		d.Sort = string(archive.SortRelevance)
	}
	for _, s := range []struct{ v, l string }{{"relevance", "Relevance"}, {"newest", "Newest first"}, {"oldest", "Oldest first"}} {
		d.Sorts = append(d.Sorts, option{s.v, s.l, s.v == d.Sort})
	}
	var err error
	if d.Datasets, err = h.deps.Catalog.Datasets(ctx, p); err != nil {
		h.fail(w, r, err)
		return
	}
	if !d.Asked {
		h.render(w, http.StatusOK, "search", d)
		return
	}
	if d.Q != "" {
		d.Title = d.Q + " · Search"
	}
	n := pageParam(r, "page")
	offset := (n - 1) * hitsPerPage
	if offset > maxOffset {
		d.Error = "This page is too far into the results: narrow the search instead."
		h.render(w, http.StatusBadRequest, "search", d)
		return
	}
	if err := h.auditSearch(r, d.Q, d.Dataset, d.Datasets); err != nil {
		h.fail(w, r, err)
		return
	}
	res, err := h.deps.Index.Search(ctx, p, archive.SearchRequest{Query: d.Q, Dataset: d.Dataset, Sort: archive.Sort(d.Sort),
		Limit: hitsPerPage, Offset: offset, Facets: true})
	if archive.ErrorCode(err) == archive.EInvalid {
		d.Error = archive.ErrorMessage(err)
		h.render(w, http.StatusBadRequest, "search", d)
		return
	} else if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Total = res.Total
	d.Took = res.Took.Round(time.Millisecond).String()
	for _, hit := range res.Hits {
		d.Hits = append(d.Hits, hitView{Hit: hit, URL: itemURL(hit.Item.ID), Title: itemTitle(hit.Item)})
	}
	if len(d.Hits) > 0 {
		d.First, d.Last = offset+1, offset+len(d.Hits)
	}
	pages := int((res.Total + hitsPerPage - 1) / hitsPerPage)
	d.Pager = numberedPager(r, "page", n, min(pages, maxOffset/hitsPerPage+1))
	d.Facets = facets(r, d.Q, d.Dataset, res.Facets)
	d.HitsHTML, d.FacetsHTML = hitsHTML(d.Hits, d.First), facetsHTML(d.Facets)
	h.render(w, http.StatusOK, "search", d)
}

// auditSearch records, before it runs, a signed-in reader's search that
// covers material outside public datasets: one restricted to a non-public
// dataset, or one over all datasets by a reader who may read one.
func (h *Handler) auditSearch(r *http.Request, q, dataset string, readable []*archive.Dataset) error {
	level := archive.LevelPublic
	var id int64
	for _, ds := range readable {
		switch {
		case ds.Slug == dataset:
			level, id = ds.Level, ds.ID
		case dataset == "" && ds.Level != archive.LevelPublic:
			level = ds.Level
		}
	}
	detail := q
	if dataset != "" {
		detail += " [dataset:" + dataset + "]"
	}
	return h.audit(r, archive.AuditSearch, level, id, 0, detail)
}

// facets turns the counts into links that narrow the search.
// facetShown is how many values of each facet the page lists (plus any
// active one): the most frequent, which is what narrowing down needs, and
// a page that stays short on a phone and cheap to render.
const facetShown = 12

func facets(r *http.Request, q, dataset string, counts map[string][]archive.FacetCount) []facetGroup {
	base := r.URL.Query()
	base.Del("page")
	words := strings.Fields(q)
	var out []facetGroup
	for _, f := range facetFilters {
		fc := counts[f.name]
		if len(fc) == 0 {
			continue
		}
		g := facetGroup{Label: f.label}
		for i, c := range fc {
			v := facetValue{Label: c.Value, Count: c.Count}
			term := f.filter + c.Value
			if f.filter == "" {
				v.Active = dataset == c.Value
			} else {
				v.Active = slices.Contains(words, term)
			}
			if i >= facetShown && !v.Active {
				continue // the API lists up to 50; the page the most frequent
			}
			u := cloneValues(base)
			switch {
			case f.filter == "" && v.Active:
				u.Del("dataset")
			case f.filter == "":
				u.Set("dataset", c.Value)
			case v.Active:
				u.Set("q", strings.Join(slices.DeleteFunc(slices.Clone(words), func(s string) bool { return s == term }), " "))
			default:
				u.Set("q", strings.TrimSpace(q+" "+term))
			}
			v.URL = "/search?" + u.Encode()
			g.Values = append(g.Values, v)
		}
		out = append(out, g)
	}
	return out
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = slices.Clone(vs)
	}
	return out
}
