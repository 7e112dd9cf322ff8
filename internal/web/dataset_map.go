package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/geo"
)

// mapPointsShown bounds the points drawn on a dataset's map (and listed
// below it): enough to show where a leak comes from, small enough to keep
// the page light.
const mapPointsShown = 1000

type datasetMapPage struct {
	page
	Dataset *archive.Dataset
	Map     template.HTML
	Points  []archive.GeoPoint
	Capped  bool
}

// datasetMap serves GET /datasets/{slug}/map: the dataset's geotagged items
// (photos, videos) on the world map, each point linking to its item, and
// the same list as a table. A dataset the reader cannot read is the 404
// page, like a missing one.
func (h *Handler) datasetMap(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := archive.PrincipalFrom(ctx)
	ds, err := h.deps.Catalog.Dataset(ctx, p, r.PathValue("slug"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := datasetMapPage{page: h.base(r, "Map of "+datasetTitle(ds)), Dataset: ds}
	if h.deps.Places != nil {
		if d.Points, err = h.deps.Places.GeoPoints(ctx, p, ds.ID, mapPointsShown+1); err != nil {
			h.fail(w, r, err)
			return
		}
		if len(d.Points) > mapPointsShown {
			d.Points, d.Capped = d.Points[:mapPointsShown], true
		}
	}
	pts := make([]geo.Point, 0, len(d.Points))
	for _, gp := range d.Points {
		title := gp.Name
		if title == "" {
			title = "item " + strconv.FormatInt(gp.ItemID, 10)
		}
		pts = append(pts, geo.Point{Lat: gp.Lat, Lon: gp.Lon, Title: fmt.Sprintf("%s (%.4f, %.4f)", title, gp.Lat, gp.Lon),
			Href: "/items/" + strconv.FormatInt(gp.ItemID, 10)})
	}
	svg, err := worldMap(nil, pts, fmt.Sprintf("World map of %d geotagged items of %s", len(pts), datasetTitle(ds)))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d.Map = template.HTML(svg)
	h.render(w, http.StatusOK, "dataset_map", d)
}
