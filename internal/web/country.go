package web

import (
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/country"
)

type countryPage struct {
	page
	Code       string
	Name       string   // English name, or the code for a code not in ISO 3166-1
	Native     []string // names in the country's languages
	Region     string
	SubRegion  string
	Releases   []releaseLinks
	Datasets   []*archive.Dataset
	Mentioning []mention
}

// releaseLinks is a release with the addresses internal/publish serves it
// at (see its doc.go).
type releaseLinks struct {
	*archive.Release
	Page, Torrent, Zip string
	Magnet             template.URL // a magnet: URI, which html/template would otherwise refuse
}

// mention is a dataset whose documents mention the country.
type mention struct {
	Slug, Title string
	Documents   int64
}

var countryCode = regexp.MustCompile(`^[A-Za-z]{2}$`)

func (h *Handler) links(rel *archive.Release) releaseLinks {
	name := url.PathEscape(rel.Name)
	l := releaseLinks{Release: rel, Page: "/releases/" + name + "/", Torrent: "/releases/" + name + "/" + name + ".torrent",
		Zip: "/releases/" + name + "/" + name + ".zip"}
	if h.deps.Magnet != nil {
		if m := h.deps.Magnet(rel); strings.HasPrefix(m, "magnet:?") {
			l.Magnet = template.URL(m)
		}
	}
	return l
}

// country serves GET /countries/{cc}: the releases and datasets about one
// country (ISO 3166-1 alpha-2) the reader may see, and the datasets whose
// documents mention it. Any well-formed code has a page, with or without
// content, so that the page reveals nothing about hidden material.
// /countries/{cc}.json is the country's JSON (countryJSON).
func (h *Handler) country(w http.ResponseWriter, r *http.Request) {
	cc := r.PathValue("cc")
	if base, ok := strings.CutSuffix(cc, ".json"); ok {
		h.countryJSON(w, r, base)
		return
	}
	cc, ok := h.countryPath(w, r, cc, "")
	if !ok {
		return
	}
	ctx := r.Context()
	p := archive.PrincipalFrom(ctx)
	list, err := h.deps.Catalog.Datasets(ctx, p)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := countryPage{page: h.base(r, cc), Code: cc, Name: cc}
	if c, ok := country.Lookup(cc); ok {
		d.Name, d.Region, d.SubRegion = c.Name, c.Region, c.SubRegion
		for _, n := range c.Native {
			if n != c.Name && !slices.Contains(d.Native, n) {
				d.Native = append(d.Native, n)
			}
		}
	}
	d.Title = d.Name
	bySlug := map[string]*archive.Dataset{}
	for _, ds := range list {
		bySlug[ds.Slug] = ds
		if slices.Contains(ds.Countries, cc) {
			d.Datasets = append(d.Datasets, ds)
		}
	}
	if h.deps.Releases != nil {
		rels, err := h.deps.Releases.Releases(ctx, p)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, rel := range rels {
			if slices.Contains(rel.Countries, cc) {
				d.Releases = append(d.Releases, h.links(rel))
			}
		}
	}
	if h.deps.Places != nil {
		counts, err := h.deps.Places.DatasetsMentioning(ctx, p, cc)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, c := range counts {
			// Only datasets the reader can list (the query filters too).
			if ds := bySlug[c.Value]; ds != nil {
				d.Mentioning = append(d.Mentioning, mention{Slug: ds.Slug, Title: datasetTitle(ds), Documents: c.Count})
			}
		}
	}
	h.render(w, http.StatusOK, "country", d)
}

// countryPath checks the code of a country address: a malformed one is the
// 404 page, a lower-case one redirects to the upper-case address (with
// suffix, e.g. "/feed.rss"). ok is false when it has answered.
func (h *Handler) countryPath(w http.ResponseWriter, r *http.Request, cc, suffix string) (string, bool) {
	if !countryCode.MatchString(cc) {
		h.notFound(w, r)
		return "", false
	}
	up := strings.ToUpper(cc)
	if up != cc {
		http.Redirect(w, r, "/countries/"+up+suffix, http.StatusMovedPermanently)
		return "", false
	}
	return up, true
}
