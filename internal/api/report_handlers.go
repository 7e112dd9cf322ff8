package api

import (
	"context"
	"net/http"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/verify"
)

// VerdictReader is implemented by catalogs that keep editors' verdicts;
// the dataset route includes the verdict when the catalog offers it, and
// the report route needs it (with verify.Source).
type VerdictReader interface {
	Verdict(ctx context.Context, p archive.Principal, datasetID int64) (*archive.Verdict, error)
}

var errNoReport = archive.Errorf(archive.ENotFound, "plausibility report is not available")

// report answers GET /datasets/{slug}/report: the dataset's plausibility
// report. The body is verify.Report, the report's documented wire form
// (docs/verify.md, schema Report), not a domain struct: every field in it
// was chosen for readers of the dataset, and the author of the verdict is
// left out for readers who are not staff.
func (s *server) report(w http.ResponseWriter, rq *request) error {
	src, ok := s.deps.Catalog.(verify.Source)
	if !ok {
		return errNoReport
	}
	ds, err := s.deps.Catalog.Dataset(rq.Context(), rq.p, rq.PathValue("slug"))
	if err != nil {
		return err
	}
	r, err := verify.Build(rq.Context(), src, rq.p, ds, time.Now())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, r)
	return nil
}

// verdictOut is Verdict.
type verdictOut struct {
	Verdict string `json:"verdict"`
	Note    string `json:"note,omitempty"`
	By      string `json:"by,omitempty"` // staff only
	Time    string `json:"time,omitempty"`
}

// datasetVerdict is the verdict for the dataset response, nil when the
// catalog keeps none.
func (s *server) datasetVerdict(rq *request, ds *archive.Dataset) (*verdictOut, error) {
	vr, ok := s.deps.Catalog.(VerdictReader)
	if !ok {
		return nil, nil
	}
	v, err := vr.Verdict(rq.Context(), rq.p, ds.ID)
	if err != nil {
		return nil, err
	}
	out := &verdictOut{Verdict: string(v.State), Note: v.Note, Time: formatTime(v.Time)}
	if rq.p.SeesAll() {
		out.By = v.By
	}
	return out, nil
}
