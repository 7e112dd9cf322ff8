package publish_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var readers = []struct {
	role string
	sees []string
}{
	{"", []string{pubRel}},
	{"nogrant", []string{pubRel}},
	{"journalist", []string{pubRel, limRel}},
	{"editor", []string{pubRel, limRel, privRel, pubLimRel}},
}

// releaseRoutes are the addresses of one release; NAME stands for its name.
func releaseRoutes(f *fixture, rel string) []string {
	files := f.files[rel]
	first := files[len(files)-1].path
	routes := []string{
		"/releases/NAME/", "/releases/NAME/manifest.json", "/releases/NAME/manifest.json.minisig",
		"/releases/NAME/SHA256SUMS", "/releases/NAME/NAME.torrent", "/releases/NAME/NAME.tar", "/releases/NAME/NAME.zip",
		"/files/NAME/", "/files/NAME/" + escPath(first),
	}
	if d := path.Dir(first); d != "." {
		routes = append(routes, "/files/NAME/"+escPath(d)+"/")
	}
	return routes
}

// TestAccessMatrix checks every release address for every kind of reader:
// visible releases answer, and invisible ones answer exactly like a release
// that does not exist (status, type and body bytes), with GET, HEAD and
// POST alike.
func TestAccessMatrix(t *testing.T) {
	f := newFixture(t)
	for _, rd := range readers {
		t.Run("role="+rd.role, func(t *testing.T) {
			for _, rel := range allReleases {
				visible := slices.Contains(rd.sees, rel)
				for _, route := range releaseRoutes(f, rel) {
					p := strings.ReplaceAll(route, "NAME", rel)
					q := strings.ReplaceAll(route, "NAME", madeUp)
					for _, method := range []string{http.MethodGet, http.MethodHead} {
						got := f.do(t, method, rd.role, p)
						none := f.do(t, method, rd.role, q)
						if none.status != http.StatusNotFound {
							t.Fatalf("%s %s: %d, want 404", method, q, none.status)
						}
						if visible {
							if got.status != http.StatusOK || got.err != nil {
								t.Errorf("%s %s: %d %v, want 200", method, p, got.status, got.err)
							}
							if cl := got.header.Get("Content-Length"); method == http.MethodGet && cl != "" && cl != itoa(len(got.body)) {
								t.Errorf("%s %s: Content-Length %s, body %d", method, p, cl, len(got.body))
							}
							continue
						}
						if got.status != none.status || !bytes.Equal(got.body, none.body) ||
							got.header.Get("Content-Type") != none.header.Get("Content-Type") ||
							got.header.Get("Content-Length") != none.header.Get("Content-Length") {
							t.Errorf("%s %s as %q: %d %q differs from a missing release: %d %q",
								method, p, rd.role, got.status, got.body, none.status, none.body)
						}
					}
				}
				// Without the slash: the same redirect for any name.
				got := f.get(t, rd.role, "/releases/"+rel)
				if got.status != http.StatusMovedPermanently || got.header.Get("Location") != "/releases/"+rel+"/" {
					t.Errorf("/releases/%s: %d %q", rel, got.status, got.header.Get("Location"))
				}
				post := f.do(t, http.MethodPost, rd.role, "/releases/"+rel+"/"+rel+".tar")
				postNone := f.do(t, http.MethodPost, rd.role, "/releases/"+madeUp+"/"+madeUp+".tar")
				if post.status != http.StatusMethodNotAllowed || !bytes.Equal(post.body, postNone.body) || post.header.Get("Allow") != "GET, HEAD" {
					t.Errorf("POST: %d %q, missing: %d", post.status, post.header.Get("Allow"), postNone.status)
				}
			}
			checkLists(t, f, rd.role, rd.sees)
		})
	}
}

// checkLists checks that every list shows exactly the releases in sees.
func checkLists(t *testing.T, f *fixture, role string, sees []string) {
	t.Helper()
	want := slices.Clone(sees)
	slices.Sort(want)
	sorted := func(s []string) []string { slices.Sort(s); return s }

	var idx struct {
		Releases []struct{ Name, Title string }
	}
	if err := json.Unmarshal(f.mustGet(t, role, "/releases/index.json").body, &idx); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range idx.Releases {
		names = append(names, r.Name)
	}
	if got := sorted(names); !slices.Equal(got, want) {
		t.Errorf("index.json as %q: %v, want %v", role, got, want)
	}

	var feed rss
	if err := xml.Unmarshal(f.mustGet(t, role, "/releases/feed.rss").body, &feed); err != nil {
		t.Fatal(err)
	}
	names = nil
	for _, it := range feed.Channel.Items {
		names = append(names, strings.TrimSuffix(path.Base(it.Enclosure.URL), ".torrent"))
	}
	if got := sorted(names); !slices.Equal(got, want) {
		t.Errorf("feed.rss as %q: %v, want %v", role, got, want)
	}

	rows, err := csv.NewReader(bytes.NewReader(f.mustGet(t, role, "/releases/feed.csv").body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	names = nil
	for _, row := range rows[1:] {
		names = append(names, row[6])
	}
	if got := sorted(names); !slices.Equal(got, want) {
		t.Errorf("feed.csv as %q: %v, want %v", role, got, want)
	}

	pages := map[string]string{
		"/releases/": string(f.mustGet(t, role, "/releases/").body),
		"/files/":    string(f.mustGet(t, role, "/files/").body),
	}
	for page, body := range pages {
		for _, rel := range allReleases {
			shown := strings.Contains(body, `href="`+rel+`/"`)
			if shown != slices.Contains(sees, rel) {
				t.Errorf("%s as %q: %s shown=%v", page, role, rel, shown)
			}
		}
	}
	// Nothing of a hidden dataset anywhere, not even its title.
	all := pages["/releases/"] + pages["/files/"]
	for title, rel := range map[string]string{limTitle: limRel, privTitle: privRel} {
		if !slices.Contains(sees, rel) && strings.Contains(all, title) {
			t.Errorf("lists as %q show %q", role, title)
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

type xmlLink struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
	Href    string `xml:"href,attr"`
	Rel     string `xml:"rel,attr"`
}

// link returns the channel's RSS link (not atom:link).
func (r rss) link() string {
	for _, l := range r.Channel.Links {
		if l.XMLName.Space == "" {
			return l.Value
		}
	}
	return ""
}

// self returns the channel's atom:link rel="self".
func (r rss) self() string {
	for _, l := range r.Channel.Links {
		if l.XMLName.Space == "http://www.w3.org/2005/Atom" && l.Rel == "self" {
			return l.Href
		}
	}
	return ""
}

// rss is what the tests read of the feed.
type rss struct {
	Channel struct {
		Title string    `xml:"title"`
		Links []xmlLink `xml:"link"` // RSS link and atom:link
		Items []struct {
			Title       string `xml:"title"`
			Link        string `xml:"link"`
			GUID        string `xml:"guid"`
			PubDate     string `xml:"pubDate"`
			Description string `xml:"description"`
			Enclosure   struct {
				URL    string `xml:"url,attr"`
				Type   string `xml:"type,attr"`
				Length int    `xml:"length,attr"`
			} `xml:"enclosure"`
			InfoHash  string `xml:"http://xmlns.ezrss.it/0.1/ infoHash"`
			MagnetURI string `xml:"http://xmlns.ezrss.it/0.1/ magnetURI"`
		} `xml:"item"`
	} `xml:"channel"`
}
