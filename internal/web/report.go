package web

import (
	"context"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/verify"
)

// VerdictStore records editors' verdicts on datasets; internal/sqlite's DB
// implements it. The report page and the verdict form are offered when the
// catalog implements verify.Source and VerdictStore (as the API's optional
// TypeCounter is), and answer not found otherwise.
type VerdictStore interface {
	// SetVerdict records v as by: EUnauthorized unless by is staff,
	// EInvalid for a bad state or note.
	SetVerdict(ctx context.Context, by archive.Principal, v *archive.Verdict) error
	// Verdicts is the history of a readable dataset, newest first.
	Verdicts(ctx context.Context, p archive.Principal, datasetID int64, limit int) ([]*archive.Verdict, error)
}

type reportPage struct {
	page
	Dataset *archive.Dataset
	Report  *verify.Report
	Chart   template.HTML // rendered by verify.Chart, every text escaped
	States  []archive.VerdictState
	History []*archive.Verdict // staff only
	Error   string
	Note    string // the note of a refused form, shown again
}

// The report page is registered here rather than in render.go's lists, so
// that this feature stays in its own files: the page's template and the
// functions it uses are added before New parses the templates.
func init() {
	pages = append(pages, "report")
	funcs["reasontext"] = verify.ReasonText
	funcs["percent"] = func(share float64) string { return strconv.FormatFloat(share*100, 'f', 0, 64) + "%" }
}

// historyShown bounds the verdict history on the report page.
const historyShown = 20

func (h *Handler) reportSource() (verify.Source, VerdictStore, bool) {
	src, ok := h.deps.Catalog.(verify.Source)
	vs, ok2 := h.deps.Catalog.(VerdictStore)
	return src, vs, ok && ok2
}

// report shows a dataset's plausibility report. A dataset the reader may
// not read is the 404 page, exactly like a missing one (no stub here).
func (h *Handler) report(w http.ResponseWriter, r *http.Request) {
	h.renderReport(w, r, http.StatusOK, "", "")
}

func (h *Handler) renderReport(w http.ResponseWriter, r *http.Request, status int, msg, note string) {
	ctx := r.Context()
	p := archive.PrincipalFrom(ctx)
	src, vs, ok := h.reportSource()
	if !ok {
		h.notFound(w, r)
		return
	}
	ds, err := h.deps.Catalog.Dataset(ctx, p, r.PathValue("slug"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	rep, err := verify.Build(ctx, src, p, ds, time.Now())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	d := reportPage{page: h.base(r, "Plausibility report: "+datasetTitle(ds)), Dataset: ds, Report: rep,
		Chart: template.HTML(verify.Chart(rep.Timeline)), States: archive.VerdictStates, Error: msg, Note: note}
	if p.SeesAll() {
		if d.History, err = vs.Verdicts(ctx, p, ds.ID, historyShown); err != nil {
			h.fail(w, r, err)
			return
		}
		if d.Note == "" && msg == "" {
			d.Note = rep.Verdict.Note
		}
	}
	h.render(w, status, "report", d)
}

// setVerdict records an editor's verdict from the report page's form.
func (h *Handler) setVerdict(w http.ResponseWriter, r *http.Request) {
	p, ok := h.requireRole(w, r, staff...)
	if !ok || !h.checkForm(w, r) {
		return
	}
	_, vs, ok := h.reportSource()
	if !ok {
		h.notFound(w, r)
		return
	}
	ctx := r.Context()
	ds, err := h.deps.Catalog.Dataset(ctx, p, r.PathValue("slug"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v := &archive.Verdict{DatasetID: ds.ID, State: archive.VerdictState(r.PostFormValue("verdict")), Note: r.PostFormValue("note")}
	if err := vs.SetVerdict(ctx, p, v); archive.ErrorCode(err) == archive.EInvalid {
		h.renderReport(w, r, http.StatusBadRequest, archive.ErrorMessage(err), r.PostFormValue("note"))
		return
	} else if err != nil {
		h.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/datasets/"+ds.Slug+"/report#verdict", http.StatusSeeOther)
}

// datasetVerdict is the verdict shown on the dataset page; nil when the
// catalog keeps none. Only staff see who recorded it.
func (h *Handler) datasetVerdict(ctx context.Context, p archive.Principal, ds *archive.Dataset) (*archive.Verdict, error) {
	src, _, ok := h.reportSource()
	if !ok {
		return nil, nil
	}
	v, err := src.Verdict(ctx, p, ds.ID)
	if err != nil {
		return nil, err
	}
	if !p.SeesAll() {
		v.By = ""
	}
	return v, nil
}
