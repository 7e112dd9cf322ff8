package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

type adminDatasetsPage struct {
	page
	Datasets []*archive.Dataset
	Levels   []archive.ReleaseLevel
	Error    string
}

var levels = []archive.ReleaseLevel{archive.LevelPrivate, archive.LevelLimited, archive.LevelPublic}

func (h *Handler) adminDatasets(w http.ResponseWriter, r *http.Request) {
	if _, ok := h.requireRole(w, r, staff...); !ok {
		return
	}
	h.renderDatasets(w, r, http.StatusOK, "")
}

func (h *Handler) renderDatasets(w http.ResponseWriter, r *http.Request, status int, msg string) {
	list, err := h.deps.Catalog.Datasets(r.Context(), archive.PrincipalFrom(r.Context()))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, status, "admin_datasets", adminDatasetsPage{page: h.base(r, "Release levels"), Datasets: list, Levels: levels, Error: msg})
}

// setLevel changes a dataset's release level.
func (h *Handler) setLevel(w http.ResponseWriter, r *http.Request) {
	p, ok := h.requireRole(w, r, staff...)
	if !ok || !h.checkForm(w, r) {
		return
	}
	ctx := r.Context()
	ds, err := h.deps.Catalog.Dataset(ctx, p, r.PathValue("slug"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	lvl := archive.ReleaseLevel(r.PostFormValue("level"))
	if !lvl.Valid() {
		h.renderDatasets(w, r, http.StatusBadRequest, "Choose private, limited or public.")
		return
	}
	var embargo time.Time
	if v := r.PostFormValue("embargo"); v != "" {
		t, err := time.Parse("2006-01-02", v)
		if err != nil {
			h.renderDatasets(w, r, http.StatusBadRequest, "Give the embargo as a date, YYYY-MM-DD.")
			return
		}
		embargo = t
	}
	if lvl != ds.Level || !embargo.Equal(ds.Embargo) {
		old, oldEmbargo := ds.Level, ds.Embargo
		ds.Level, ds.Embargo = lvl, embargo
		if err := h.deps.Catalog.UpdateDataset(ctx, ds); err != nil {
			h.fail(w, r, err)
			return
		}
		detail := fmt.Sprintf("%s: %s → %s", ds.Slug, old, lvl)
		if !embargo.Equal(oldEmbargo) {
			detail += "; embargo " + embargoText(oldEmbargo) + " → " + embargoText(embargo)
		}
		if err := h.record(r, archive.AuditLevel, ds.ID, 0, detail); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/admin/datasets", http.StatusSeeOther)
}

func embargoText(t time.Time) string {
	if t.IsZero() {
		return "none"
	}
	return t.Format("2006-01-02")
}
