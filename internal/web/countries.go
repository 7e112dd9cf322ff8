package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/country"
	"github.com/trove-archive/trove/internal/geo"
)

// ReleaseLister lists the releases a reader may see, newest first
// (archive.Releases' Releases; internal/sqlite's DB provides it).
type ReleaseLister interface {
	Releases(ctx context.Context, p archive.Principal) ([]*archive.Release, error)
}

// Places answers where documents are about and where photos were taken.
// internal/sqlite's DB provides it; both methods filter inside their query.
type Places interface {
	// DatasetsMentioning counts, per readable dataset (Value = slug), the
	// documents that mention the country cc.
	DatasetsMentioning(ctx context.Context, p archive.Principal, cc string) ([]archive.FacetCount, error)
	// GeoPoints lists up to limit readable items of a dataset with a GPS
	// position.
	GeoPoints(ctx context.Context, p archive.Principal, datasetID int64, limit int) ([]archive.GeoPoint, error)
}

// shades are the map's classes by number of public releases: the lower
// bound of each bucket and its legend.
var shades = []struct {
	min   int
	class string
	label string
}{
	{1, "shade-1", "1 release"},
	{2, "shade-2", "2–4 releases"},
	{5, "shade-3", "5–9 releases"},
	{10, "shade-4", "10 or more releases"},
}

// shade returns the class of a country with n public releases ("" for 0).
func shade(n int) string {
	class := ""
	for _, s := range shades {
		if n >= s.min {
			class = s.class
		}
	}
	return class
}

// tally is what the releases of one country add up to.
type tally struct {
	Releases int
	Size     int64
	Files    int64
}

// publicTally counts public releases per country, as an anonymous reader
// sees them, whoever asks: the map and the JSON say nothing about what
// only some readers may see.
func (h *Handler) publicTally(ctx context.Context) (map[string]*tally, []*archive.Release, error) {
	out := map[string]*tally{}
	if h.deps.Releases == nil {
		return out, nil, nil
	}
	list, err := h.deps.Releases.Releases(ctx, archive.Anonymous())
	if err != nil {
		return nil, nil, err
	}
	for _, rel := range list {
		if rel.Level != archive.LevelPublic {
			continue
		}
		for _, cc := range rel.Countries {
			t := out[cc]
			if t == nil {
				t = &tally{}
				out[cc] = t
			}
			t.Releases++
			t.Size += rel.Size
			t.Files += int64(rel.Files)
		}
	}
	return out, list, nil
}

type countryEntry struct {
	Code, Name string
	Releases   int
}

type subRegion struct {
	Name      string
	Countries []countryEntry
}

type region struct {
	Name string
	Subs []subRegion
}

type countriesPage struct {
	page
	Map       template.HTML
	Regions   []region
	WithData  []countryEntry // countries with public releases, most first
	Total     int64          // public releases
	Countries int64          // countries with public releases
}

// countries serves GET /countries: the world map shaded by public releases
// and every country by region.
func (h *Handler) countries(w http.ResponseWriter, r *http.Request) {
	counts, list, err := h.publicTally(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	svg, err := worldMap(counts, nil, "World map of public releases by country")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := countriesPage{page: h.base(r, "Countries"), Map: template.HTML(svg), Total: int64(len(list)), Countries: int64(len(counts))}
	byRegion := map[string]map[string][]countryEntry{}
	for _, c := range country.All() {
		e := countryEntry{Code: c.Code, Name: c.Name}
		if t := counts[c.Code]; t != nil {
			e.Releases = t.Releases
			d.WithData = append(d.WithData, e)
		}
		reg, sub := c.Region, c.SubRegion
		if reg == "" {
			reg = "Other"
		}
		if sub == "" {
			sub = reg
		}
		if byRegion[reg] == nil {
			byRegion[reg] = map[string][]countryEntry{}
		}
		byRegion[reg][sub] = append(byRegion[reg][sub], e)
	}
	slices.SortStableFunc(d.WithData, func(a, b countryEntry) int {
		if a.Releases != b.Releases {
			return b.Releases - a.Releases
		}
		return strings.Compare(a.Name, b.Name)
	})
	for _, reg := range sortedKeys(byRegion) {
		rg := region{Name: reg}
		for _, sub := range sortedKeys(byRegion[reg]) {
			cs := byRegion[reg][sub]
			slices.SortFunc(cs, func(a, b countryEntry) int { return strings.Compare(a.Name, b.Name) })
			rg.Subs = append(rg.Subs, subRegion{Name: sub, Countries: cs})
		}
		d.Regions = append(d.Regions, rg)
	}
	h.render(w, http.StatusOK, "countries", d)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// countryName is the English name from the ISO table, else the code.
func countryName(cc string) string {
	if c, ok := country.Lookup(cc); ok {
		return c.Name
	}
	return cc
}

// worldMap draws the map: every country links to its page, shaded by its
// public releases, plus points.
func worldMap(counts map[string]*tally, points []geo.Point, label string) ([]byte, error) {
	areas := map[string]geo.Area{}
	names, err := geo.Names()
	if err != nil {
		return nil, err
	}
	codes := make([]string, 0, len(names)+len(counts))
	for cc := range names {
		codes = append(codes, cc)
	}
	for cc := range counts {
		codes = append(codes, cc)
	}
	for _, cc := range codes {
		n := 0
		if t := counts[cc]; t != nil {
			n = t.Releases
		}
		name := countryName(cc)
		if name == cc && names[cc] != "" {
			name = names[cc]
		}
		title := name
		if counts != nil {
			title = fmt.Sprintf("%s: %s", name, plural(int64(n), "public release", "public releases"))
		}
		areas[cc] = geo.Area{Title: title, Href: "/countries/" + cc, Class: shade(n)}
	}
	m := geo.Map{Label: label, Areas: areas, Points: points}
	if counts != nil {
		for _, s := range shades {
			m.Legend = append(m.Legend, geo.LegendEntry{Class: s.class, Label: s.label})
		}
	}
	return m.SVG()
}
