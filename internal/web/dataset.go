package web

import (
	"net/http"

	"github.com/trove-archive/trove/internal/archive"
)

type datasetPage struct {
	page
	Dataset  *archive.Dataset
	Types    []archive.FacetCount
	Failures []archive.FacetCount // by reason
	Failed   []*archive.Item      // the first few items that could not be read
	Verdict  *archive.Verdict     // editors' verdict (report.go); nil without one
}

const failedShown = 50

// dataset shows a readable dataset. A limited dataset the reader cannot
// read is shown as its public stub; anything else is the 404 page.
func (h *Handler) dataset(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := archive.PrincipalFrom(ctx)
	slug := r.PathValue("slug")
	ds, err := h.deps.Catalog.Dataset(ctx, p, slug)
	if archive.ErrorCode(err) == archive.ENotFound {
		h.stub(w, r, slug)
		return
	} else if err != nil {
		h.fail(w, r, err)
		return
	}
	d := datasetPage{page: h.base(r, datasetTitle(ds)), Dataset: ds}
	if d.Verdict, err = h.datasetVerdict(ctx, p, ds); err != nil {
		h.fail(w, r, err)
		return
	}
	if d.Types, err = h.deps.Browse.TypeCounts(ctx, p, ds.ID); err != nil {
		h.fail(w, r, err)
		return
	}
	if ds.Failed > 0 {
		if d.Failures, err = h.deps.Browse.FailureCounts(ctx, p, ds.ID); err != nil {
			h.fail(w, r, err)
			return
		}
		if d.Failed, err = h.deps.Catalog.Failures(ctx, p, ds.ID, failedShown); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	h.render(w, http.StatusOK, "dataset", d)
}

func datasetTitle(ds *archive.Dataset) string {
	if ds.Title != "" {
		return ds.Title
	}
	return ds.Slug
}
