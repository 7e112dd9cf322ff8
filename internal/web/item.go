package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
)

type itemPage struct {
	page
	Item     *archive.Item
	Dataset  *archive.Dataset
	Crumbs   []link // dataset, folders, containers
	Email    *archive.Email
	Original string // download address
	Members  []*archive.Item
	MPager   pager
	Text     []textPage // the extracted text of this page of the view
	Pager    pager      // pages of the view (textPageSize each)
	HasText  bool
	TextSize int64
	DKIM     []archive.DKIMResult // DKIM checks of an email (trove verify); none if never checked
	// Countries the document is about (assigned) and those it only
	// mentions (evidence below the threshold), docs/countries.md.
	Countries, Mentioned []itemCountry
}

// CountryReader reads the countries detected in an item's document. Like
// the catalog, it filters by what p may read, inside its query.
type CountryReader interface {
	ItemCountries(ctx context.Context, p archive.Principal, itemID int64) ([]archive.DocumentCountry, error)
}

// itemCountry is a detected country as the item page shows it: its
// evidence as one line, "phone +49 30 901820 ×2, IBAN DE89…".
type itemCountry struct {
	Code, Name, Evidence string
}

// evidenceLabels name the kinds of evidence on the item page.
var evidenceLabels = map[string]string{"name": "name", "ambiguous": "ambiguous name", "demonym": "demonym",
	"phone": "phone", "iban": "IBAN", "tld": "domain", "gps": "GPS position", "address": "place"}

func itemCountries(dcs []archive.DocumentCountry) (assigned, mentioned []itemCountry) {
	for _, dc := range dcs {
		var parts []string
		for _, e := range dc.Evidence {
			label := evidenceLabels[e.Kind]
			if label == "" {
				label = e.Kind
			}
			s := label + " " + e.Text
			if e.Count > 1 {
				s += " ×" + strconv.Itoa(e.Count)
			}
			parts = append(parts, s)
		}
		ic := itemCountry{Code: dc.Country, Name: countryName(dc.Country), Evidence: strings.Join(parts, ", ")}
		if dc.Assigned {
			assigned = append(assigned, ic)
		} else {
			mentioned = append(mentioned, ic)
		}
	}
	return assigned, mentioned
}

// dkimReader is the part of the catalog that stores DKIM results.
type dkimReader interface {
	DKIMResults(ctx context.Context, p archive.Principal, itemID int64) ([]archive.DKIMResult, error)
}

// textPage is a run of extracted text; Page is the document's page it
// starts (1-based) when the document has pages ('\f' between them).
type textPage struct {
	Page int
	Text string
}

const (
	// textPageSize is how much extracted text one view of an item shows.
	textPageSize = 256 << 10
	membersShown = 500
)

func itemURL(id int64) string { return "/items/" + strconv.FormatInt(id, 10) }

// itemTitle is what a list shows for an item: its subject or title, else
// its name.
func itemTitle(it *archive.Item) string {
	if e := it.Meta.Email; e != nil && strings.TrimSpace(e.Subject) != "" {
		return e.Subject
	}
	if t := strings.TrimSpace(it.Meta.Title); t != "" {
		return t
	}
	return it.Name
}

// pathID parses the {id} of a route; a malformed one is simply not found.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, archive.Errorf(archive.ENotFound, "item not found")
	}
	return id, nil
}

func (h *Handler) item(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := archive.PrincipalFrom(ctx)
	id, err := pathID(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	it, err := h.deps.Catalog.Item(ctx, p, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ds, err := h.deps.Browse.DatasetByID(ctx, p, it.DatasetID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	parents, err := h.deps.Catalog.Parents(ctx, p, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	mpage := pageParam(r, "members")
	members, err := h.deps.Catalog.Children(ctx, p, id, membersShown+1, (mpage-1)*membersShown)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	// The text, one view at a time.
	n := pageParam(r, "page")
	win := newTextWindow(int64(n-1)*textPageSize, textPageSize)
	if err := h.deps.Catalog.Text(ctx, p, id, win); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.audit(r, archive.AuditView, ds.Level, ds.ID, id, ""); err != nil {
		h.fail(w, r, err)
		return
	}

	d := itemPage{page: h.base(r, itemTitle(it)), Item: it, Dataset: ds, Email: it.Meta.Email,
		Original: itemURL(id) + "/original", TextSize: win.total, HasText: win.total > 0}
	if dr, ok := h.deps.Catalog.(dkimReader); ok && (it.Meta.Email != nil || it.Kind == archive.KindEmail) {
		if d.DKIM, err = dr.DKIMResults(ctx, p, id); err != nil {
			h.fail(w, r, err)
			return
		}
	}
	if h.deps.Countries != nil {
		dcs, err := h.deps.Countries.ItemCountries(ctx, p, id)
		if err != nil {
			h.fail(w, r, err)
			return
		}
		d.Countries, d.Mentioned = itemCountries(dcs)
	}
	// Breadcrumbs: the dataset, the folders of the top-level file, then
	// each container.
	top := it
	if len(parents) > 0 {
		top = parents[0]
	}
	folders := strings.Split(top.Path, "/")
	d.Crumbs = folderCrumbs(ds, folders[:len(folders)-1])
	for _, pi := range parents {
		d.Crumbs = append(d.Crumbs, link{pi.Name, itemURL(pi.ID)})
	}
	if len(members) > membersShown {
		members = members[:membersShown]
		d.MPager = simplePagerParam(r, "members", mpage, true)
	} else {
		d.MPager = simplePagerParam(r, "members", mpage, false)
	}
	d.Members = members
	views := int((win.total + textPageSize - 1) / textPageSize)
	d.Pager = numberedPager(r, "page", n, views)
	d.Text = win.pages()
	h.render(w, http.StatusOK, "item", d)
}

func simplePagerParam(r *http.Request, param string, n int, more bool) pager {
	var pg pager
	if n > 1 {
		pg.Prev = pageURL(r, param, n-1)
	}
	if more {
		pg.Next = pageURL(r, param, n+1)
	}
	return pg
}

// textWindow is an io.Writer that keeps the bytes of one view of a text,
// [start, start+size) moved forward to the next UTF-8 character boundary
// at both ends, counts the whole text and the page breaks ('\f') before
// the view.
type textWindow struct {
	start, size int64
	total       int64
	buf         []byte
	breaks      int // '\f' before start
}

func newTextWindow(start, size int64) *textWindow { return &textWindow{start: start, size: size} }

func (t *textWindow) Write(b []byte) (int, error) {
	n := len(b)
	lo, hi := t.total, t.total+int64(n)
	// Keep [start, start+size+3): up to 3 bytes more to end on a boundary.
	keepLo, keepHi := t.start, t.start+t.size+3
	if lo < t.start {
		pre := b[:min(int64(n), t.start-lo)]
		t.breaks += strings.Count(string(pre), "\f")
	}
	if hi > keepLo && lo < keepHi {
		a, z := max(keepLo, lo)-lo, min(keepHi, hi)-lo
		t.buf = append(t.buf, b[a:z]...)
	}
	t.total = hi
	return n, nil
}

// text returns the view, cut at character boundaries.
func (t *textWindow) text() string {
	b := t.buf
	i := 0
	for i < len(b) && i < 3 && isCont(b[i]) {
		i++
	}
	end := min(int64(len(b)), t.size)
	for end < int64(len(b)) && isCont(b[end]) {
		end++
	}
	if int64(i) >= end {
		return ""
	}
	return string(b[i:end])
}

func isCont(c byte) bool { return c&0xC0 == 0x80 }

// pages splits the view at page breaks, numbering the document's pages
// when it has any.
func (t *textWindow) pages() []textPage {
	s := t.text()
	if s == "" {
		return nil
	}
	parts := strings.Split(s, "\f")
	paged := t.breaks > 0 || len(parts) > 1
	var out []textPage
	for i, part := range parts {
		tp := textPage{Text: part}
		if paged {
			tp.Page = t.breaks + i + 1
		}
		if strings.TrimSpace(part) == "" && paged {
			continue
		}
		out = append(out, tp)
	}
	return out
}
