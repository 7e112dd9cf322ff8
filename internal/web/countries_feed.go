package web

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/country"
	"github.com/trove-archive/trove/internal/feed"
)

// The country JSON and feeds list public releases only, whoever asks (as
// an anonymous reader sees them): they are the same for everyone, so feed
// readers, caches and mirrors can share them, and they say nothing about
// limited or hidden material. Signed-in readers see the limited releases
// they may read on the country's HTML page. Formats: docs/releases.md.

// countrySummary is one country in /countries.json.
type countrySummary struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Region    string `json:"region"`
	SubRegion string `json:"subregion"`
	Releases  int    `json:"releases"`
	Size      int64  `json:"size"`
	Files     int64  `json:"files"`
	URL       string `json:"url"`
}

type countriesJSON struct {
	Releases  int              `json:"releases"`
	Countries []countrySummary `json:"countries"`
}

// countryRelease is one release in /countries/{cc}.json.
type countryRelease struct {
	Name      string   `json:"name"`
	Dataset   string   `json:"dataset"`
	Title     string   `json:"title"`
	Created   string   `json:"created"` // RFC 3339
	Files     int      `json:"files"`
	Size      int64    `json:"size"`
	InfoHash  string   `json:"infohash"`
	Countries []string `json:"countries"`
	URL       string   `json:"url"`
	Torrent   string   `json:"torrent"`
	Magnet    string   `json:"magnet"`
}

type countryJSON struct {
	countrySummary
	List []countryRelease `json:"list"`
}

func summarize(cc string, t *tally) countrySummary {
	s := countrySummary{Code: cc, Name: cc, URL: "/countries/" + cc}
	if c, ok := country.Lookup(cc); ok {
		s.Name, s.Region, s.SubRegion = c.Name, c.Region, c.SubRegion
	}
	if t != nil {
		s.Releases, s.Size, s.Files = t.Releases, t.Size, t.Files
	}
	return s
}

// countriesJSON serves GET /countries.json: every country with at least
// one public release, most releases first.
func (h *Handler) countriesJSON(w http.ResponseWriter, r *http.Request) {
	counts, list, err := h.publicTally(r.Context())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := countriesJSON{Releases: len(list), Countries: []countrySummary{}}
	for _, cc := range sortedKeys(counts) {
		out.Countries = append(out.Countries, summarize(cc, counts[cc]))
	}
	slices.SortStableFunc(out.Countries, func(a, b countrySummary) int { return b.Releases - a.Releases })
	h.writeJSON(w, r, out)
}

// publicReleases lists the public releases about a country, newest first.
func (h *Handler) publicReleases(r *http.Request, cc string) ([]*archive.Release, error) {
	if h.deps.Releases == nil {
		return nil, nil
	}
	list, err := h.deps.Releases.Releases(r.Context(), archive.Anonymous())
	if err != nil {
		return nil, err
	}
	var out []*archive.Release
	for _, rel := range list {
		if rel.Level == archive.LevelPublic && slices.Contains(rel.Countries, cc) {
			out = append(out, rel)
		}
	}
	return out, nil
}

// countryJSON serves GET /countries/{cc}.json.
func (h *Handler) countryJSON(w http.ResponseWriter, r *http.Request, cc string) {
	cc, ok := h.countryPath(w, r, cc, ".json")
	if !ok {
		return
	}
	list, err := h.publicReleases(r, cc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	t := &tally{}
	out := countryJSON{List: []countryRelease{}}
	for _, rel := range list {
		t.Releases++
		t.Size += rel.Size
		t.Files += int64(rel.Files)
		l := h.links(rel)
		countries := rel.Countries
		if countries == nil {
			countries = []string{}
		}
		out.List = append(out.List, countryRelease{Name: rel.Name, Dataset: rel.Dataset, Title: rel.Title,
			Created: rel.Created.UTC().Format(time.RFC3339), Files: rel.Files, Size: rel.Size, InfoHash: rel.InfoHash,
			Countries: countries, URL: l.Page, Torrent: l.Torrent, Magnet: string(l.Magnet)})
	}
	out.countrySummary = summarize(cc, t)
	h.writeJSON(w, r, out)
}

func (h *Handler) writeJSON(w http.ResponseWriter, r *http.Request, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		h.fail(w, r, fmt.Errorf("encode json: %w", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(append(b, '\n'))
}

// Atom (RFC 4287).
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []feed.Link `xml:"link"`
	Author  atomAuthor  `xml:"author"`
	Entries []atomEntry `xml:"entry"`
}

type atomAuthor struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID       string       `xml:"id"`
	Title    string       `xml:"title"`
	Updated  string       `xml:"updated"`
	Links    []feed.Link  `xml:"link"`
	Summary  string       `xml:"summary"`
	Category atomCategory `xml:"category"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

// feedItems describes each release as an RSS item, which the Atom entries
// are made from too.
func (h *Handler) feedItems(r *http.Request, list []*archive.Release) []feed.Item {
	base := feed.BaseURL(r)
	out := make([]feed.Item, 0, len(list))
	for _, rel := range list {
		l := h.links(rel)
		// A torrent that cannot be made costs its item the enclosure.
		n := 0
		if h.deps.Torrent != nil {
			if b, err := h.deps.Torrent(r.Context(), rel); err != nil {
				h.log.Error("web: country feed: torrent", "release", rel.Name, "err", err)
			} else {
				n = len(b)
			}
		}
		out = append(out, feed.ReleaseItem(rel, base+l.Page, base+l.Torrent, n, string(l.Magnet)))
	}
	return out
}

// countryFeed serves GET /countries/{cc}/feed.rss and feed.atom.
func (h *Handler) countryFeed(w http.ResponseWriter, r *http.Request) {
	atom := strings.HasSuffix(r.URL.Path, ".atom")
	suffix := "/feed.rss"
	if atom {
		suffix = "/feed.atom"
	}
	cc, ok := h.countryPath(w, r, r.PathValue("cc"), suffix)
	if !ok {
		return
	}
	list, err := h.publicReleases(r, cc)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	base := feed.BaseURL(r)
	name := countryName(cc)
	title := "Releases about " + name + " on " + h.cfg.SiteName
	items := h.feedItems(r, list)
	if !atom {
		f := feed.New(title, base+"/countries/"+cc, "Public releases about "+name+", as torrents and bulk downloads.",
			base+"/countries/"+cc+"/feed.rss", list)
		f.Channel.Items = items
		if err := feed.Write(w, "application/rss+xml; charset=utf-8", f); err != nil {
			h.log.Error("web: country feed", "err", err)
		}
		return
	}
	f := atomFeed{ID: base + "/countries/" + cc + "/feed.atom", Title: title, Author: atomAuthor{Name: h.cfg.SiteName},
		Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
		Links: []feed.Link{{Href: base + "/countries/" + cc + "/feed.atom", Rel: "self", Type: "application/atom+xml"},
			{Href: base + "/countries/" + cc, Rel: "alternate", Type: "text/html"}}}
	if len(list) > 0 {
		f.Updated = list[0].Created.UTC().Format(time.RFC3339)
	}
	for i, it := range items {
		e := atomEntry{ID: "urn:btih:" + it.InfoHash, Title: it.Title, Updated: list[i].Created.UTC().Format(time.RFC3339),
			Summary: it.Description, Category: atomCategory{Term: it.Category},
			Links: []feed.Link{{Href: it.Link, Rel: "alternate", Type: "text/html"}}}
		if it.Enclosure != nil {
			e.Links = append(e.Links, feed.Link{Href: it.Enclosure.URL, Rel: "enclosure", Type: it.Enclosure.Type, Length: it.Enclosure.Length})
		}
		f.Entries = append(f.Entries, e)
	}
	if err := feed.Write(w, "application/atom+xml; charset=utf-8", f); err != nil {
		h.log.Error("web: country feed", "err", err)
	}
}
