package web

import (
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
)

type countryPage struct {
	page
	Code     string
	Datasets []*archive.Dataset
}

var countryCode = regexp.MustCompile(`^[A-Za-z]{2}$`)

// country lists the readable datasets about one country (ISO 3166-1
// alpha-2). Any well-formed code has a page, with or without datasets, so
// that the page reveals nothing about hidden ones.
func (h *Handler) country(w http.ResponseWriter, r *http.Request) {
	cc := r.PathValue("cc")
	if !countryCode.MatchString(cc) {
		h.notFound(w, r)
		return
	}
	cc = strings.ToUpper(cc)
	if cc != r.PathValue("cc") {
		http.Redirect(w, r, "/countries/"+cc, http.StatusMovedPermanently)
		return
	}
	list, err := h.deps.Catalog.Datasets(r.Context(), archive.PrincipalFrom(r.Context()))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := countryPage{page: h.base(r, "Datasets about "+cc), Code: cc}
	for _, ds := range list {
		if slices.Contains(ds.Countries, cc) {
			d.Datasets = append(d.Datasets, ds)
		}
	}
	h.render(w, http.StatusOK, "country", d)
}
