package api

import (
	"net/http"

	"github.com/trove-archive/trove/internal/archive"
)

// Search pages hold at most maxSearch hits; the index pages no further than
// maxOffset.
const (
	defSearch = 20
	maxSearch = 100
	maxOffset = 100000
)

// search answers GET /search?q=&dataset=&sort=&limit=&cursor=, in the query
// language of docs/query.md, with facets and a cursor for the next page.
func (s *server) search(w http.ResponseWriter, rq *request) error {
	q, slug := rq.query.Get("q"), rq.query.Get("dataset")
	sort := archive.Sort(rq.query.Get("sort"))
	switch sort {
	case "":
		sort = archive.SortRelevance
	case archive.SortRelevance, archive.SortNewest, archive.SortOldest:
	default:
		return archive.Errorf(archive.EInvalid, "sort %q: want relevance, newest or oldest", sort)
	}
	if slug != "" && !archive.ValidSlug(slug) {
		return archive.Errorf(archive.EInvalid, "dataset %q: not a dataset name", slug)
	}
	limit, err := rq.limit(defSearch, maxSearch)
	if err != nil {
		return err
	}
	sc := scope("search", q, slug, string(sort))
	offset, err := rq.offset(sc)
	if err != nil {
		return err
	}
	if offset > maxOffset {
		return errCursor
	}

	// Every search by a signed-in reader is recorded, before it runs.
	var datasetID int64
	if slug != "" {
		list, err := rq.readable()
		if err != nil {
			return err
		}
		for _, ds := range list {
			if ds.Slug == slug {
				datasetID = ds.ID
			}
		}
	}
	if err := rq.record(archive.AuditSearch, datasetID, 0, q); err != nil {
		return err
	}

	res, err := s.deps.Index.Search(rq.Context(), rq.p, archive.SearchRequest{Query: q, Dataset: slug, Sort: sort,
		Limit: limit, Offset: offset, Facets: true})
	if err != nil {
		return err
	}
	out := searchOut{Query: q, Dataset: slug, Sort: string(sort), Total: res.Total,
		TookMS: float64(res.Took.Microseconds()) / 1000, Hits: make([]hitOut, 0, len(res.Hits))}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, newHit(h))
	}
	f := res.Facets
	out.Facets = facetsOut{Dataset: newFacets(f["dataset"]), Type: newFacets(f["type"]), Year: newFacets(f["year"]),
		Domain: newFacets(f["domain"]), Lang: newFacets(f["lang"]), Country: newFacets(f["country"])}
	if next := offset + len(res.Hits); len(res.Hits) > 0 && int64(next) < res.Total && next <= maxOffset {
		out.NextCursor = encodeCursor(sc, next)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
