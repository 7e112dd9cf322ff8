package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// request is one API request with its reader and what is cached for it.
type request struct {
	*http.Request
	query    url.Values
	p        archive.Principal
	s        *server
	datasets []*archive.Dataset // the datasets p may read; loaded once
	loaded   bool
}

// readable returns the datasets the reader may read, loading them once per
// request.
func (rq *request) readable() ([]*archive.Dataset, error) {
	if !rq.loaded {
		list, err := rq.s.deps.Catalog.Datasets(rq.Context(), rq.p)
		if err != nil {
			return nil, err
		}
		rq.datasets, rq.loaded = list, true
	}
	return rq.datasets, nil
}

// dataset returns the readable dataset with this ID, or nil.
func (rq *request) dataset(id int64) (*archive.Dataset, error) {
	list, err := rq.readable()
	if err != nil {
		return nil, err
	}
	for _, ds := range list {
		if ds.ID == id {
			return ds, nil
		}
	}
	return nil, nil
}

// slug returns the slug of a readable dataset ("" if it is not one).
func (rq *request) slug(id int64) (string, error) {
	ds, err := rq.dataset(id)
	if ds == nil || err != nil {
		return "", err
	}
	return ds.Slug, nil
}

// auditRead records that a signed-in reader read item itemID of dataset
// datasetID, unless the dataset is public. A dataset missing from the
// reader's list is taken as not public.
func (rq *request) auditRead(action string, datasetID, itemID int64, detail string) error {
	if rq.s.deps.Audit == nil || !rq.p.SignedIn() {
		return nil
	}
	ds, err := rq.dataset(datasetID)
	if err != nil {
		return err
	}
	if ds != nil && ds.Level == archive.LevelPublic {
		return nil
	}
	return rq.record(action, datasetID, itemID, detail)
}

// record appends an entry for a signed-in reader to the audit log. A
// failure is internal: the read it would have recorded is refused.
func (rq *request) record(action string, datasetID, itemID int64, detail string) error {
	if rq.s.deps.Audit == nil || !rq.p.SignedIn() {
		return nil
	}
	e := &archive.AuditEntry{Time: time.Now().UTC(), UserID: rq.p.UserID, User: rq.p.Name, Action: action,
		DatasetID: datasetID, ItemID: itemID, Detail: strings.ToValidUTF8(detail, "\uFFFD")}
	if err := rq.s.deps.Audit.Record(rq.Context(), e); err != nil {
		return internalError{err}
	}
	return nil
}

// itemID parses the {id} path value.
func (rq *request) itemID() (int64, error) {
	v := rq.PathValue("id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, archive.Errorf(archive.EInvalid, "item id %q: want a positive integer", v)
	}
	return id, nil
}

// limit parses the limit parameter: def when absent, 1 to max otherwise.
func (rq *request) limit(def, max int) (int, error) {
	v := rq.query.Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, archive.Errorf(archive.EInvalid, "limit %q: want a number from 1 to %d", v, max)
	}
	return n, nil
}

// offset decodes the cursor parameter for the scope sc: 0 when absent.
func (rq *request) offset(sc []byte) (int, error) {
	v := rq.query.Get("cursor")
	if v == "" {
		return 0, nil
	}
	return decodeCursor(sc, v)
}

// formatTime is how the API writes times: RFC 3339 in UTC, "" when unknown.
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
