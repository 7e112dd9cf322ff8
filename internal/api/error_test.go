package api_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/api"
	"github.com/trove-archive/trove/internal/archive"
)

// secretErr is what a failing backend says: a file path and the cause.
var secretErr = fmt.Errorf("sqlite query /srv/trove/secret/catalog.db: %w", errors.New("disk I/O error"))

// brokenCatalog fails every read, also with a coded error wrapped inside an
// internal one.
type brokenCatalog struct{ archive.Catalog }

func (brokenCatalog) Datasets(context.Context, archive.Principal) ([]*archive.Dataset, error) {
	return nil, secretErr
}
func (brokenCatalog) Dataset(context.Context, archive.Principal, string) (*archive.Dataset, error) {
	return nil, secretErr
}
func (brokenCatalog) Item(context.Context, archive.Principal, int64) (*archive.Item, error) {
	return nil, secretErr
}
func (brokenCatalog) Parents(context.Context, archive.Principal, int64) ([]*archive.Item, error) {
	return nil, secretErr
}
func (brokenCatalog) Children(context.Context, archive.Principal, int64, int, int) ([]*archive.Item, error) {
	return nil, secretErr
}
func (brokenCatalog) Text(context.Context, archive.Principal, int64, io.Writer) error {
	return secretErr
}

type brokenIndex struct{}

func (brokenIndex) Search(context.Context, archive.Principal, archive.SearchRequest) (*archive.SearchResult, error) {
	return nil, secretErr
}

// brokenStore cannot open blobs: the store's own not_found for a blob the
// catalog lists is the server's fault, not the reader's.
type brokenStore struct{ archive.BlobStore }

func (brokenStore) Open(context.Context, archive.BlobID) (io.ReadSeekCloser, error) {
	return nil, fmt.Errorf("store open /srv/trove/blobs/ab/cd/abcd: %w", archive.Errorf(archive.ENotFound, "blob abcd not found"))
}

const internalBody = `{"error":{"code":"internal","message":"internal error"}}` + "\n"

func TestInternalErrorsHidden(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := newEnv(t, f, func(d *api.Deps) {
		d.Catalog, d.Index = brokenCatalog{}, brokenIndex{}
	})
	paths := []string{"/datasets", "/datasets/public", "/datasets/public/browse", "/search?q=harbor", "/items/1",
		"/items/1/children", "/items/1/text", "/items/1/original"}
	for _, p := range paths {
		for _, who := range []string{"anonymous", "admin"} {
			r := e.get(who, p)
			if r.status != http.StatusInternalServerError || string(r.body) != internalBody {
				t.Errorf("%s as %s: %s", p, who, r)
			}
		}
	}
	if !strings.Contains(e.logs.String(), "disk I/O error") {
		t.Errorf("internal errors not logged: %s", e.logs.String())
	}

	// A failing store, and a failing audit log: no content without its record.
	e = newEnv(t, f, func(d *api.Deps) { d.Store = brokenStore{f.st} })
	if r := e.get("", fmt.Sprintf("/items/%d/original", f.att[archive.LevelPublic])); r.status != http.StatusInternalServerError || string(r.body) != internalBody {
		t.Errorf("broken store: %s", r)
	}
	e = newEnv(t, f, nil)
	e.audit.fail = secretErr
	for _, p := range []string{"/search?q=harbor", fmt.Sprintf("/items/%d", f.att[archive.LevelLimited]),
		fmt.Sprintf("/items/%d/text", f.att[archive.LevelLimited]), fmt.Sprintf("/items/%d/original", f.att[archive.LevelLimited])} {
		if r := e.get("granted", p); r.status != http.StatusInternalServerError || string(r.body) != internalBody {
			t.Errorf("audit failing, %s: %s", p, r)
		}
	}
}

func TestRequestErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := newEnv(t, f, func(d *api.Deps) { d.Browse = nil })
	long := "/search?q=" + strings.Repeat("a", 8<<10)
	cases := []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/nowhere", 404, "not_found"},
		{"GET", "/", 404, "not_found"},
		{"GET", "/datasets/", 404, "not_found"},
		{"GET", "/datasets/public/browse", 404, "not_found"}, // no Browser
		{"POST", "/search", 405, "method_not_allowed"},
		{"DELETE", "/items/1", 405, "method_not_allowed"},
		{"GET", long, 414, "uri_too_long"},
		{"GET", "/search?q=x&limit=101", 400, "invalid"},
		{"GET", "/search?q=x&limit=0", 400, "invalid"},
		{"GET", "/search?q=x&limit=ten", 400, "invalid"},
		{"GET", "/search?q=x&sort=size", 400, "invalid"},
		{"GET", "/search?q=x&dataset=Not+A+Slug", 400, "invalid"},
		{"GET", "/search?q=" + url.QueryEscape(`"unclosed`), 400, "invalid"},
		{"GET", "/search?q=" + url.QueryEscape("form:alice"), 400, "invalid"},
		{"GET", "/items/1/children?limit=1001", 400, "invalid"},
	}
	for _, c := range cases {
		r := e.do(c.method, "", c.path)
		if r.status != c.status || !strings.Contains(string(r.body), `"code":"`+c.code+`"`) ||
			r.header.Get("Content-Type") != "application/json" {
			t.Errorf("%s %.40s: %s %v, want %d %s", c.method, c.path, r, r.header.Get("Content-Type"), c.status, c.code)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s %.40s: no nosniff", c.method, c.path)
		}
	}
	if r := e.do("POST", "", "/search"); r.header.Get("Allow") != "GET, HEAD" {
		t.Errorf("Allow %q", r.header.Get("Allow"))
	}
	// Unclean paths are not found rather than redirected (the outer mux
	// cleans them, but a redirect from here would lose the mount prefix).
	h := api.New(api.Deps{Catalog: f.db, Index: f.db, Store: f.st})
	for _, p := range []string{"/items//1", "/items/1/../1", "/items/./1", "/datasets/"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", p, nil))
		if rec.Code != http.StatusNotFound || !strings.Contains(rec.Body.String(), `"code":"not_found"`) {
			t.Errorf("%s: %d %s", p, rec.Code, rec.Body)
		}
	}

	// The query's error says where it is.
	var er errorJSON
	e.getJSON("", "/search?q="+url.QueryEscape(`"unclosed`), http.StatusBadRequest, &er)
	if !strings.Contains(er.Error.Message, "unclosed quote") {
		t.Errorf("message %q", er.Error.Message)
	}
}
