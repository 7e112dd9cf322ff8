package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
)

// link is a labelled address, for breadcrumbs, folders and pagers.
type link struct {
	Label string
	URL   string
}

type folderPage struct {
	page
	Dataset *archive.Dataset
	Crumbs  []link // dataset, then each folder above this one
	Name    string // this folder ("" at the top)
	Folders []link
	Files   []*archive.Item
	Pager   pager
}

const filesPerPage = 200

// browseURL is the address of a folder of a dataset.
func browseURL(slug, folder string) string {
	var segs []string
	for _, s := range strings.Split(strings.Trim(folder, "/"), "/") {
		if s != "" {
			segs = append(segs, url.PathEscape(s))
		}
	}
	return "/datasets/" + url.PathEscape(slug) + "/browse/" + strings.Join(segs, "/")
}

// folderCrumbs links the dataset and every folder of path, the last
// element of path excluded when it is a file.
func folderCrumbs(ds *archive.Dataset, folders []string) []link {
	out := []link{{datasetTitle(ds), "/datasets/" + url.PathEscape(ds.Slug)}, {"Files", browseURL(ds.Slug, "")}}
	for i, f := range folders {
		out = append(out, link{f, browseURL(ds.Slug, strings.Join(folders[:i+1], "/"))})
	}
	return out
}

func (h *Handler) folder(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := archive.PrincipalFrom(ctx)
	ds, err := h.deps.Catalog.Dataset(ctx, p, r.PathValue("slug"))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	prefix := strings.Trim(r.PathValue("path"), "/")
	pageNo := pageParam(r, "page")
	files, folders, err := h.deps.Browse.Folder(ctx, p, ds.ID, prefix, filesPerPage+1, (pageNo-1)*filesPerPage)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if prefix != "" && len(files) == 0 && len(folders) == 0 {
		h.notFound(w, r)
		return
	}
	var segs []string
	if prefix != "" {
		segs = strings.Split(prefix, "/")
	}
	title := datasetTitle(ds)
	if prefix != "" {
		title = prefix + " · " + title
	}
	d := folderPage{page: h.base(r, title), Dataset: ds}
	if len(segs) > 0 {
		d.Name = segs[len(segs)-1]
		d.Crumbs = folderCrumbs(ds, segs[:len(segs)-1])
	} else {
		d.Crumbs = folderCrumbs(ds, nil)[:1]
	}
	if pageNo == 1 {
		for _, f := range folders {
			d.Folders = append(d.Folders, link{f, browseURL(ds.Slug, prefix+"/"+f)})
		}
	}
	more := len(files) > filesPerPage
	if more {
		files = files[:filesPerPage]
	}
	d.Files = files
	d.Pager = simplePager(r, pageNo, more)
	h.render(w, http.StatusOK, "folder", d)
}

// pageParam reads a 1-based page number; anything unusable is page 1.
func pageParam(r *http.Request, name string) int {
	n, err := strconv.Atoi(r.URL.Query().Get(name))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, 1_000_000)
}

// pager is a list of page links around the current one.
type pager struct {
	Prev  string
	Next  string
	Pages []pageLink
	Of    int // total number of pages when known
}

type pageLink struct {
	N       int
	URL     string
	Current bool
}

// pageURL is the request's address with the page parameter set to n.
func pageURL(r *http.Request, param string, n int) string {
	q := r.URL.Query()
	if n <= 1 {
		q.Del(param)
	} else {
		q.Set(param, strconv.Itoa(n))
	}
	if len(q) == 0 {
		return r.URL.Path
	}
	return r.URL.Path + "?" + q.Encode()
}

// simplePager links the previous and next pages when the total is unknown.
func simplePager(r *http.Request, n int, more bool) pager {
	var pg pager
	if n > 1 {
		pg.Prev = pageURL(r, "page", n-1)
	}
	if more {
		pg.Next = pageURL(r, "page", n+1)
	}
	return pg
}

// numberedPager links the previous and next pages and those around n, out
// of total pages.
func numberedPager(r *http.Request, param string, n, total int) pager {
	pg := pager{Of: total}
	if total <= 1 {
		return pg
	}
	if n > 1 {
		pg.Prev = pageURL(r, param, n-1)
	}
	if n < total {
		pg.Next = pageURL(r, param, n+1)
	}
	lo, hi := max(1, n-4), min(total, n+4)
	for i := lo; i <= hi; i++ {
		pg.Pages = append(pg.Pages, pageLink{N: i, URL: pageURL(r, param, i), Current: i == n})
	}
	return pg
}
