package web_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/web"
)

// Releases of the country tests, on top of the env's datasets (all about
// PA): two public releases of the public dataset, a limited release of
// it, a public-level release of the limited dataset and one of the
// private dataset; plus a public dataset about France with one release and
// a private dataset about Germany with a public-level release.
var (
	panamaPublic = []string{"pub-r1", "pub-r2"}
	panamaHidden = map[string]archive.ReleaseLevel{ // release → level a reader must read
		"pub-lim": archive.LevelLimited, "lim-r1": archive.LevelLimited, "priv-r1": archive.LevelPrivate}
)

// places is a Places that answers for every dataset whoever asks, to check
// that the pages themselves show nothing of datasets the reader cannot
// read (the real one, internal/sqlite, also filters in its queries).
type places struct {
	db interface {
		Datasets(context.Context, archive.Principal) ([]*archive.Dataset, error)
	}
	points map[int64][]archive.GeoPoint
}

func (p places) DatasetsMentioning(ctx context.Context, _ archive.Principal, cc string) ([]archive.FacetCount, error) {
	if cc != "PA" {
		return nil, nil
	}
	return []archive.FacetCount{{Value: "pub-leak", Count: 3}, {Value: "lim-leak", Count: 4}, {Value: "priv-leak", Count: 5}}, nil
}

func (p places) GeoPoints(ctx context.Context, _ archive.Principal, datasetID int64, limit int) ([]archive.GeoPoint, error) {
	pts := p.points[datasetID]
	return pts[:min(limit, len(pts))], nil
}

func releaseOf(t *testing.T, e *env, name string, ds *archive.Dataset, lvl archive.ReleaseLevel, size int64, files int, day int) {
	t.Helper()
	sum := sha1.Sum([]byte(name))
	r := &archive.Release{Name: name, DatasetID: ds.ID, Level: lvl, Created: time.Date(2024, 5, day, 12, 0, 0, 0, time.UTC),
		Size: size, Manifest: []byte(`{"name":"` + name + `"}`), Signature: []byte("sig"), Info: []byte("d4:name" + name + "e"), InfoHash: hex.EncodeToString(sum[:]), Complete: true}
	fs := make([]archive.ReleaseFile, files)
	for i := range fs {
		fs[i] = archive.ReleaseFile{Path: fmt.Sprintf("f%d.txt", i), Size: size / int64(files), Blob: archive.Hash([]byte(name + fmt.Sprint(i)))}
	}
	if err := e.db.CreateRelease(context.Background(), r, fs); err != nil {
		t.Fatal(err)
	}
}

// newCountriesEnv is the env with releases and a handler that has the
// release, magnet, torrent and places dependencies.
func newCountriesEnv(t *testing.T) (*env, map[string]*archive.Dataset) {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	extra := map[string]*archive.Dataset{}
	for _, ds := range []*archive.Dataset{
		{Slug: "fr-leak", Title: "Paris papers", Level: archive.LevelPublic, Countries: []string{"FR"}},
		{Slug: "de-secret", Title: "Berlin secret", Level: archive.LevelPrivate, Countries: []string{"DE"}},
		{Slug: "sg-leak", Title: "Singapore papers", Level: archive.LevelPublic, Countries: []string{"SG"}},
	} {
		if err := e.db.CreateDataset(ctx, ds); err != nil {
			t.Fatal(err)
		}
		extra[ds.Slug] = ds
	}
	pub, lim, priv := e.ds[archive.LevelPublic], e.ds[archive.LevelLimited], e.ds[archive.LevelPrivate]
	releaseOf(t, e, "pub-r1", pub, archive.LevelPublic, 1000, 2, 1)
	releaseOf(t, e, "pub-r2", pub, archive.LevelPublic, 3000, 3, 2)
	releaseOf(t, e, "pub-lim", pub, archive.LevelLimited, 5000, 1, 3)
	releaseOf(t, e, "lim-r1", lim, archive.LevelPublic, 7000, 1, 4)
	releaseOf(t, e, "priv-r1", priv, archive.LevelPublic, 9000, 1, 5)
	releaseOf(t, e, "fr-r1", extra["fr-leak"], archive.LevelPublic, 500, 5, 6)
	releaseOf(t, e, "de-r1", extra["de-secret"], archive.LevelPublic, 600, 6, 7)
	releaseOf(t, e, "sg-r1", extra["sg-leak"], archive.LevelPublic, 700, 7, 8)

	pl := places{db: e.db, points: map[int64][]archive.GeoPoint{
		pub.ID:  {{ItemID: e.readme[archive.LevelPublic], Name: "harbor <1>.jpg", Lat: 8.95, Lon: -79.53, Country: "PA"}, {ItemID: e.mail[archive.LevelPublic], Name: "boat.jpg", Lat: 10, Lon: -40}},
		priv.ID: {{ItemID: e.readme[archive.LevelPrivate], Name: "secret-place.jpg", Lat: 52.5, Lon: 13.4, Country: "DE"}},
	}}
	ui, err := web.New(web.Config{}, web.Deps{Catalog: e.db, Index: e.db, Store: e.st, Browse: e.db, Accounts: e.db, Audit: e.audit, Auth: fakeAuth{},
		Releases: e.db, Places: pl,
		Magnet: func(r *archive.Release) string { return "magnet:?xt=urn:btih:" + r.InfoHash },
		Torrent: func(_ context.Context, r *archive.Release) ([]byte, error) {
			return []byte("d4:info" + r.Name + "e"), nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	e.h = e.as(ui)
	return e, extra
}

var svgRE = regexp.MustCompile(`(?s)<svg .*?</svg>`)

// mapNode is enough of SVG to read the map.
type mapNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []mapNode  `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n mapNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

type drawnCountry struct{ class, href, title string }

// readMap parses the page's SVG and returns the countries it draws and the
// links of its points.
func readMap(t *testing.T, body string) (map[string]drawnCountry, []string) {
	t.Helper()
	raw := svgRE.FindString(body)
	if raw == "" {
		t.Fatal("no SVG in the page")
	}
	var root mapNode
	if err := xml.Unmarshal([]byte(raw), &root); err != nil {
		t.Fatalf("the map is not valid XML: %v", err)
	}
	if root.attr("role") != "img" || root.attr("aria-label") == "" {
		t.Error("the map lacks role=img and an aria-label")
	}
	out := map[string]drawnCountry{}
	var points []string
	var walk func(n, parent mapNode)
	walk = func(n, parent mapNode) {
		if cc := n.attr("data-cc"); cc != "" {
			title := ""
			for _, c := range n.Nodes {
				if c.XMLName.Local == "title" {
					title = c.Text
				}
			}
			out[cc] = drawnCountry{n.attr("class"), parent.attr("href"), title}
		}
		if n.attr("class") == "map-point" {
			points = append(points, parent.attr("href"))
		}
		for _, c := range n.Nodes {
			walk(c, n)
		}
	}
	walk(root, mapNode{})
	return out, points
}

// TestCountriesMap: the map shades countries by public releases only, the
// same for every reader.
func TestCountriesMap(t *testing.T) {
	e, _ := newCountriesEnv(t)
	first := ""
	for _, who := range readers {
		r := e.get(who, "/countries")
		if r.status != 200 {
			t.Fatalf("%s: status %d", who, r.status)
		}
		raw := svgRE.FindString(r.body)
		if first == "" {
			first = raw
		} else if raw != first {
			t.Errorf("%s sees another map than an anonymous reader", who)
		}
		if strings.Contains(strings.ToLower(r.body), "<script") || strings.Contains(r.body, "style=") {
			t.Errorf("%s: the page has a script or a style attribute", who)
		}
	}
	r := e.get(anon, "/countries")
	drawn, _ := readMap(t, r.body)
	for cc, want := range map[string]drawnCountry{
		"PA": {"map-land shade-2", "/countries/PA", "Panama: 2 public releases"},
		"FR": {"map-land shade-1", "/countries/FR", "France: 1 public release"},
		"DE": {"map-land", "/countries/DE", "Germany: 0 public releases"}, // its release is of a private dataset
		"SG": {"map-land map-small shade-1", "/countries/SG", "Singapore: 1 public release"},
		"BR": {"map-land", "/countries/BR", "Brazil: 0 public releases"},
	} {
		if got := drawn[cc]; got != want {
			t.Errorf("%s drawn as %+v, want %+v", cc, got, want)
		}
	}
	for _, want := range []string{"4 public releases are about 3 countries", `href="/countries/PA">Panama</a> <span class="count">2</span>`,
		"Western Europe", `<summary>Europe</summary>`, "10 or more releases"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/countries lacks %q", want)
		}
	}
	for _, hidden := range []string{"Berlin", "de-r1", "priv", "lim-r1"} {
		if strings.Contains(r.body, hidden) {
			t.Errorf("/countries shows %q", hidden)
		}
	}
}

// TestCountryPage: each reader sees the releases and datasets they may
// read, with their links; hidden ones are absent.
func TestCountryPage(t *testing.T) {
	e, _ := newCountriesEnv(t)
	for _, who := range readers {
		t.Run(who, func(t *testing.T) {
			r := e.get(who, "/countries/PA")
			if r.status != 200 {
				t.Fatalf("status %d", r.status)
			}
			for _, want := range []string{"<h1>Panama</h1>", "Latin America and the Caribbean", "Americas", "Panamá", "/countries/PA/feed.rss", "/countries/PA/feed.atom", "/countries/PA.json"} {
				if !strings.Contains(r.body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			for _, name := range panamaPublic {
				for _, link := range []string{`href="/releases/` + name + `/"`, `href="/releases/` + name + "/" + name + `.torrent"`,
					`href="/releases/` + name + "/" + name + `.zip"`, "magnet:?xt=urn:btih:"} {
					if !strings.Contains(r.body, link) {
						t.Errorf("release %s: no %s", name, link)
					}
				}
			}
			if !strings.Contains(r.body, "3 files") {
				t.Error("file count of pub-r2 missing")
			}
			for name, lvl := range panamaHidden {
				visible := sees[who][lvl]
				if name == "pub-lim" {
					// A limited release needs an editor or a grant for its
					// dataset (the grant is for lim-leak).
					visible = who == editor || who == admin
				}
				if got := strings.Contains(r.body, "/releases/"+name+"/"); got != visible {
					t.Errorf("release %s shown: %v, want %v", name, got, visible)
				}
			}
			// Datasets mentioning Panama: the fake answers for all three;
			// the page shows only those the reader can read.
			for _, lvl := range levels {
				want := sees[who][lvl]
				if got := strings.Contains(r.body, `<li><a href="/datasets/`+slugOf(lvl)+`">`); got != want {
					t.Errorf("mention of %s shown: %v, want %v", lvl, got, want)
				}
			}
			if !strings.Contains(r.body, "The public leak</a>: 3 documents") {
				t.Error("mentions: public leak with 3 documents missing")
			}
		})
	}
	// A country whose only release is hidden looks like one without any.
	de := e.get(anon, "/countries/DE")
	if de.status != 200 || strings.Contains(de.body, "de-r1") || strings.Contains(de.body, "Berlin") ||
		!strings.Contains(de.body, "There are no releases about Germany") {
		t.Errorf("DE for anonymous: %d\n%s", de.status, de.body)
	}
	if r := e.get(editor, "/countries/DE"); !strings.Contains(r.body, "/releases/de-r1/") {
		t.Error("editor does not see the private dataset's release")
	}
	for path, status := range map[string]int{"/countries/pa": 301, "/countries/PAN": 404, "/countries/P1": 404, "/countries/ZZ": 200,
		"/countries/pa/feed.rss": 301, "/countries/pa.json": 301, "/countries/PAN.json": 404, "/countries/PA/feed.xml": 404} {
		if r := e.get(anon, path); r.status != status {
			t.Errorf("%s: %d, want %d", path, r.status, status)
		}
	}
	if r := e.get(anon, "/countries/pa.json"); r.header.Get("Location") != "/countries/PA.json" {
		t.Errorf("redirect to %q", r.header.Get("Location"))
	}
}

type countriesDoc struct {
	Releases  int `json:"releases"`
	Countries []struct {
		Code, Name, Region, SubRegion, URL string
		Releases                           int
		Size, Files                        int64
	} `json:"countries"`
}

type countryDoc struct {
	Code, Name, Region string
	Releases           int
	Size, Files        int64
	List               []struct {
		Name, Dataset, Title, Created, InfoHash, URL, Torrent, Magnet string
		Files                                                         int
		Size                                                          int64
		Countries                                                     []string
	}
}

// TestCountryFeeds reads the JSON and the feeds as clients would; they
// list public releases only, the same for every reader.
func TestCountryFeeds(t *testing.T) {
	e, _ := newCountriesEnv(t)
	for _, who := range readers {
		for _, path := range []string{"/countries.json", "/countries/PA.json", "/countries/PA/feed.rss", "/countries/PA/feed.atom"} {
			if a, b := e.get(anon, path), e.get(who, path); a.body != b.body || b.status != 200 {
				t.Errorf("%s for %s: %d, differs from anonymous: %v", path, who, b.status, a.body != b.body)
			}
		}
	}
	r := e.get(anon, "/countries.json")
	if r.header.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
	}
	var all countriesDoc
	dec := json.NewDecoder(strings.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&all); err != nil {
		t.Fatalf("countries.json: %v\n%s", err, r.body)
	}
	if all.Releases != 4 || len(all.Countries) != 3 {
		t.Fatalf("countries.json: %d releases, %d countries; want 4, 3:\n%s", all.Releases, len(all.Countries), r.body)
	}
	pa := all.Countries[0]
	if pa.Code != "PA" || pa.Name != "Panama" || pa.Region != "Americas" || pa.Releases != 2 || pa.Size != 4000 || pa.Files != 5 || pa.URL != "/countries/PA" {
		t.Errorf("countries.json PA: %+v", pa)
	}
	codes := []string{}
	for _, c := range all.Countries {
		codes = append(codes, c.Code)
	}
	if slices.Contains(codes, "DE") {
		t.Error("countries.json counts the private dataset's release")
	}

	var one countryDoc
	if err := json.Unmarshal([]byte(e.get(anon, "/countries/PA.json").body), &one); err != nil {
		t.Fatal(err)
	}
	if one.Code != "PA" || one.Releases != 2 || one.Size != 4000 || len(one.List) != 2 || one.List[0].Name != "pub-r2" ||
		one.List[0].Torrent != "/releases/pub-r2/pub-r2.torrent" || one.List[0].URL != "/releases/pub-r2/" ||
		!strings.HasPrefix(one.List[0].Magnet, "magnet:") || one.List[0].Files != 3 || one.List[0].Created != "2024-05-02T12:00:00Z" {
		t.Errorf("PA.json: %+v", one)
	}
	var none countryDoc
	if err := json.Unmarshal([]byte(e.get(anon, "/countries/DE.json").body), &none); err != nil || none.Releases != 0 || none.List == nil || len(none.List) != 0 {
		t.Errorf("DE.json: %+v %v", none, err)
	}

	// RSS 2.0.
	rr := e.get(anon, "/countries/PA/feed.rss")
	if !strings.HasPrefix(rr.header.Get("Content-Type"), "application/rss+xml") {
		t.Errorf("rss Content-Type %q", rr.header.Get("Content-Type"))
	}
	var rss struct {
		Version string `xml:"version,attr"`
		Channel struct {
			Title string `xml:"title"`
			Link  string `xml:"link"`
			Items []struct {
				Title       string `xml:"title"`
				Link        string `xml:"link"`
				PubDate     string `xml:"pubDate"`
				Description string `xml:"description"`
				GUID        string `xml:"guid"`
				Enclosure   struct {
					URL    string `xml:"url,attr"`
					Length int    `xml:"length,attr"`
					Type   string `xml:"type,attr"`
				} `xml:"enclosure"`
				InfoHash  string `xml:"http://xmlns.ezrss.it/0.1/ infoHash"`
				MagnetURI string `xml:"http://xmlns.ezrss.it/0.1/ magnetURI"`
			} `xml:"item"`
		} `xml:"channel"`
	}
	if err := xml.Unmarshal([]byte(rr.body), &rss); err != nil {
		t.Fatalf("rss: %v\n%s", err, rr.body)
	}
	if rss.Version != "2.0" || len(rss.Channel.Items) != 2 || !strings.Contains(rss.Channel.Title, "Panama") {
		t.Fatalf("rss: %+v", rss)
	}
	it := rss.Channel.Items[0]
	if it.Link != "http://example.com/releases/pub-r2/" || it.Enclosure.URL != "http://example.com/releases/pub-r2/pub-r2.torrent" ||
		it.Enclosure.Length != len("d4:infopub-r2e") || it.Enclosure.Type != "application/x-bittorrent" || it.InfoHash == "" || it.GUID != it.InfoHash ||
		!strings.HasPrefix(it.MagnetURI, "magnet:") {
		t.Errorf("rss item: %+v", it)
	}
	if d, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil || !d.Equal(time.Date(2024, 5, 2, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("pubDate %q: %v", it.PubDate, err)
	}

	// Atom (RFC 4287).
	ar := e.get(anon, "/countries/PA/feed.atom")
	if !strings.HasPrefix(ar.header.Get("Content-Type"), "application/atom+xml") {
		t.Errorf("atom Content-Type %q", ar.header.Get("Content-Type"))
	}
	var atom struct {
		XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
		ID      string   `xml:"id"`
		Updated string   `xml:"updated"`
		Entries []struct {
			ID      string `xml:"id"`
			Title   string `xml:"title"`
			Updated string `xml:"updated"`
			Summary string `xml:"summary"`
			Links   []struct {
				Href   string `xml:"href,attr"`
				Rel    string `xml:"rel,attr"`
				Type   string `xml:"type,attr"`
				Length int    `xml:"length,attr"`
			} `xml:"link"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(ar.body), &atom); err != nil {
		t.Fatalf("atom: %v\n%s", err, ar.body)
	}
	if len(atom.Entries) != 2 || atom.ID == "" || atom.Updated != "2024-05-02T12:00:00Z" {
		t.Fatalf("atom: %+v", atom)
	}
	en := atom.Entries[0]
	if !strings.HasPrefix(en.ID, "urn:btih:") || en.Updated != "2024-05-02T12:00:00Z" || len(en.Links) != 2 ||
		en.Links[1].Rel != "enclosure" || en.Links[1].Href != "http://example.com/releases/pub-r2/pub-r2.torrent" || en.Links[1].Length == 0 {
		t.Errorf("atom entry: %+v", en)
	}
	// An empty feed is still a valid feed.
	var empty struct {
		Entries []struct{} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(e.get(anon, "/countries/DE/feed.atom").body), &empty); err != nil || len(empty.Entries) != 0 {
		t.Errorf("DE atom: %v %d", err, len(empty.Entries))
	}
	for _, body := range []string{rr.body, ar.body} {
		if strings.Contains(body, "priv") || strings.Contains(body, "lim-r1") || strings.Contains(body, "pub-lim") {
			t.Error("a feed lists a hidden or limited release")
		}
	}
}

// TestDatasetMap: a dataset's geotagged items on the map, for readers of
// the dataset only.
func TestDatasetMap(t *testing.T) {
	e, _ := newCountriesEnv(t)
	r := e.get(anon, "/datasets/pub-leak/map")
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	_, points := readMap(t, r.body)
	want := []string{fmt.Sprintf("/items/%d", e.readme[archive.LevelPublic]), fmt.Sprintf("/items/%d", e.mail[archive.LevelPublic])}
	if !slices.Equal(points, want) {
		t.Errorf("points link to %v, want %v", points, want)
	}
	for _, s := range []string{"harbor &lt;1&gt;.jpg", "8.95000", `href="/countries/PA">PA</a>`, "at sea or unknown"} {
		if !strings.Contains(r.body, s) {
			t.Errorf("map page lacks %q", s)
		}
	}
	if !strings.Contains(e.get(anon, "/datasets/pub-leak").body, `href="/datasets/pub-leak/map"`) {
		t.Error("the dataset page does not link to its map")
	}
	for _, who := range readers {
		missing := e.get(who, "/datasets/no-such-leak/map")
		for _, lvl := range levels {
			r := e.get(who, "/datasets/"+slugOf(lvl)+"/map")
			if sees[who][lvl] {
				if r.status != 200 {
					t.Errorf("%s, %s map: %d", who, lvl, r.status)
				}
				continue
			}
			if r.status != 404 || r.body != missing.body {
				t.Errorf("%s, %s map: %d, differs from a missing dataset's", who, lvl, r.status)
			}
		}
	}
	if r := e.get(editor, "/datasets/priv-leak/map"); !strings.Contains(r.body, "secret-place.jpg") {
		t.Error("editor's map of the private dataset lacks its point")
	}
}

// TestCountryFeedErrors: a failing release list is a 500 that says
// nothing more.
func TestCountryFeedErrors(t *testing.T) {
	e := newEnv(t)
	ui, err := web.New(web.Config{Logger: discard()}, web.Deps{Catalog: e.db, Index: e.db, Store: e.st, Browse: e.db, Releases: failing{}})
	if err != nil {
		t.Fatal(err)
	}
	e.h = e.as(ui)
	for _, path := range []string{"/countries", "/countries.json", "/countries/PA", "/countries/PA.json", "/countries/PA/feed.rss"} {
		r := e.get(anon, path)
		if r.status != 500 || strings.Contains(r.body, "/secret/path") {
			t.Errorf("%s: %d %q", path, r.status, r.body)
		}
	}
}

type failing struct{}

func (failing) Releases(context.Context, archive.Principal) ([]*archive.Release, error) {
	return nil, errors.New("open /secret/path/catalog.db: disk on fire")
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
