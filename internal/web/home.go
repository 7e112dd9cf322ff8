package web

import (
	"cmp"
	"net/http"
	"slices"

	"github.com/trove-archive/trove/internal/archive"
)

// countryCount is a country with its number of datasets.
type countryCount struct {
	Code  string
	Count int
}

type homePage struct {
	page
	Recent    []*archive.Dataset // readable, newest first
	Limited   []*archive.Dataset // stubs of limited datasets the reader cannot read
	Countries []countryCount
	Total     int
}

const recentDatasets = 12

func (h *Handler) home(w http.ResponseWriter, r *http.Request) {
	p := archive.PrincipalFrom(r.Context())
	list, err := h.deps.Catalog.Datasets(r.Context(), p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := homePage{page: h.base(r, ""), Total: len(list)}
	d.NoQuickSearch = true
	readable := map[int64]bool{}
	byCountry := map[string]int{}
	for _, ds := range list {
		readable[ds.ID] = true
		for _, c := range ds.Countries {
			byCountry[c]++
		}
	}
	d.Recent = slices.Clone(list)
	slices.SortStableFunc(d.Recent, func(a, b *archive.Dataset) int { return b.Created.Compare(a.Created) })
	if len(d.Recent) > recentDatasets {
		d.Recent = d.Recent[:recentDatasets]
	}
	stubs, err := h.deps.Browse.Stubs(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	for _, s := range stubs {
		if !readable[s.ID] {
			d.Limited = append(d.Limited, s)
		}
	}
	for c, n := range byCountry {
		d.Countries = append(d.Countries, countryCount{c, n})
	}
	slices.SortFunc(d.Countries, func(a, b countryCount) int { return cmp.Compare(a.Code, b.Code) })
	h.render(w, http.StatusOK, "home", d)
}
