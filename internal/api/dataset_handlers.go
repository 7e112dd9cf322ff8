package api

import (
	"net/http"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
)

// listDatasets answers GET /datasets: the datasets the reader may read.
func (s *server) listDatasets(w http.ResponseWriter, rq *request) error {
	list, err := rq.readable()
	if err != nil {
		return err
	}
	out := datasetListOut{Datasets: make([]datasetOut, 0, len(list))}
	for _, ds := range list {
		out.Datasets = append(out.Datasets, newDataset(ds, rq.p))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getDataset answers GET /datasets/{slug}, with the breakdown by type when
// the catalog offers it.
func (s *server) getDataset(w http.ResponseWriter, rq *request) error {
	ds, err := s.deps.Catalog.Dataset(rq.Context(), rq.p, rq.PathValue("slug"))
	if err != nil {
		return err
	}
	out := datasetDetailOut{datasetOut: newDataset(ds, rq.p)}
	if tc, ok := s.deps.Catalog.(TypeCounter); ok {
		counts, err := tc.TypeCounts(rq.Context(), rq.p, ds.ID)
		if err != nil {
			return err
		}
		out.Types = newFacets(counts)
	}
	if out.Verdict, err = s.datasetVerdict(rq, ds); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// Folder listings page through at most maxBrowse items at a time.
const (
	defBrowse = 100
	maxBrowse = 1000
)

var errNoBrowse = archive.Errorf(archive.ENotFound, "folder listing is not available")

// browse answers GET /datasets/{slug}/browse?path=: a folder's subfolders
// and top-level items, paged by cursor.
func (s *server) browse(w http.ResponseWriter, rq *request) error {
	if s.deps.Browse == nil {
		return errNoBrowse
	}
	ds, err := s.deps.Catalog.Dataset(rq.Context(), rq.p, rq.PathValue("slug"))
	if err != nil {
		return err
	}
	dir := strings.Trim(rq.query.Get("path"), "/")
	limit, err := rq.limit(defBrowse, maxBrowse)
	if err != nil {
		return err
	}
	sc := scope("browse", ds.Slug, dir)
	offset, err := rq.offset(sc)
	if err != nil {
		return err
	}
	items, folders, err := s.deps.Browse.Folder(rq.Context(), rq.p, ds.ID, dir, limit+1, offset)
	if err != nil {
		return err
	}
	if dir != "" && offset == 0 && len(items) == 0 && len(folders) == 0 {
		return archive.Errorf(archive.ENotFound, "folder %q not found", dir)
	}
	out := folderOut{Dataset: ds.Slug, Path: dir, Folders: append([]string{}, folders...)}
	if len(items) > limit {
		items = items[:limit]
		out.NextCursor = encodeCursor(sc, offset+limit)
	}
	out.Items = newSummaries(items)
	writeJSON(w, http.StatusOK, out)
	return nil
}
