package web

import (
	"net/http"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

type accountPage struct {
	page
	Accounts bool // tokens and requests are available
	Grants   []grantView
	Tokens   []*archive.APIToken
	Requests []*archive.AccessRequest
}

type grantView struct {
	Dataset *archive.Dataset // nil when the dataset is no longer visible
	Expires time.Time
	Expired bool
}

// account shows the signed-in reader's grants, API tokens and access
// requests.
func (h *Handler) account(w http.ResponseWriter, r *http.Request) {
	p, ok := h.requireRole(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	d := accountPage{page: h.base(r, "Your account"), Accounts: h.deps.Accounts != nil}
	grants := p.Grants
	if h.deps.Accounts != nil {
		var err error
		if grants, err = h.deps.Accounts.Grants(ctx, p.UserID); err != nil {
			h.fail(w, r, err)
			return
		}
		if d.Tokens, err = h.deps.Accounts.Tokens(ctx, p.UserID); err != nil {
			h.fail(w, r, err)
			return
		}
		reqs, err := h.deps.Accounts.AccessRequests(ctx, "")
		if err != nil {
			h.fail(w, r, err)
			return
		}
		for _, q := range reqs {
			if q.UserID == p.UserID {
				d.Requests = append(d.Requests, q)
			}
		}
	}
	if len(grants) > 0 {
		names, err := h.datasetNames(r)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		now := p.Now
		if now.IsZero() {
			now = time.Now()
		}
		for _, g := range grants {
			d.Grants = append(d.Grants, grantView{Dataset: names[g.DatasetID], Expires: g.Expires,
				Expired: !g.Expires.IsZero() && !g.Expires.After(now)})
		}
	}
	h.render(w, http.StatusOK, "account", d)
}

// datasetNames maps the IDs of the datasets the reader may read, and of
// the limited datasets everyone sees as stubs, to the datasets.
func (h *Handler) datasetNames(r *http.Request) (map[int64]*archive.Dataset, error) {
	list, err := h.deps.Catalog.Datasets(r.Context(), archive.PrincipalFrom(r.Context()))
	if err != nil {
		return nil, err
	}
	stubs, err := h.deps.Browse.Stubs(r.Context())
	if err != nil {
		return nil, err
	}
	out := map[int64]*archive.Dataset{}
	for _, ds := range append(stubs, list...) {
		out[ds.ID] = ds
	}
	return out, nil
}
