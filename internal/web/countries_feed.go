package web

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/country"
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

// RSS 2.0 (https://www.rssboard.org/rss-specification), the shape of
// /releases/feed.rss (internal/publish): the enclosure is the .torrent,
// with the ezRSS torrent namespace (http://xmlns.ezrss.it/0.1/).
type rssFeed struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Atom    string     `xml:"xmlns:atom,attr"`
	Torrent string     `xml:"xmlns:torrent,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title         string    `xml:"title"`
	Link          string    `xml:"link"`
	Description   string    `xml:"description"`
	Self          xmlLink   `xml:"atom:link"`
	LastBuildDate string    `xml:"lastBuildDate,omitempty"`
	TTL           int       `xml:"ttl"`
	Items         []rssItem `xml:"item"`
}

type xmlLink struct {
	Href   string `xml:"href,attr"`
	Rel    string `xml:"rel,attr,omitempty"`
	Type   string `xml:"type,attr,omitempty"`
	Length int    `xml:"length,attr,omitempty"`
}

type rssItem struct {
	Title         string        `xml:"title"`
	Link          string        `xml:"link"`
	GUID          rssGUID       `xml:"guid"`
	PubDate       string        `xml:"pubDate"`
	Description   string        `xml:"description"`
	Enclosure     *rssEnclosure `xml:"enclosure"`
	FileName      string        `xml:"torrent:fileName"`
	ContentLength int64         `xml:"torrent:contentLength"`
	InfoHash      string        `xml:"torrent:infoHash"`
	MagnetURI     string        `xml:"torrent:magnetURI,omitempty"`
}

type rssGUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

type rssEnclosure struct {
	URL    string `xml:"url,attr"`
	Length int    `xml:"length,attr"`
	Type   string `xml:"type,attr"`
}

// Atom (RFC 4287).
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []xmlLink   `xml:"link"`
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
	Links    []xmlLink    `xml:"link"`
	Summary  string       `xml:"summary"`
	Category atomCategory `xml:"category"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

// feedItem is what both feeds say about a release.
type feedItem struct {
	rel                      *archive.Release
	page, torrent, magnet    string
	torrentLen               int
	title, description, date string
}

func (h *Handler) feedItems(r *http.Request, list []*archive.Release) []feedItem {
	base := baseURL(r)
	out := make([]feedItem, 0, len(list))
	for _, rel := range list {
		l := h.links(rel)
		it := feedItem{rel: rel, page: base + l.Page, torrent: base + l.Torrent, magnet: string(l.Magnet), title: rel.Name}
		if rel.Title != "" && rel.Title != rel.Name {
			it.title = rel.Name + ": " + rel.Title
		}
		files := "files"
		if rel.Files == 1 {
			files = "file"
		}
		it.description = fmt.Sprintf("%s (%d bytes) in %d %s. Countries: %s.", archive.HumanBytes(rel.Size), rel.Size, rel.Files, files, strings.Join(rel.Countries, ", "))
		// The enclosure's length is the .torrent's (RSS 2.0); a torrent
		// that cannot be made leaves it unknown (0) rather than fail.
		if h.deps.Torrent != nil {
			if b, err := h.deps.Torrent(r.Context(), rel); err != nil {
				h.log.Error("web: country feed: torrent", "release", rel.Name, "err", err)
			} else {
				it.torrentLen = len(b)
			}
		}
		out = append(out, it)
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
	base := baseURL(r)
	name := countryName(cc)
	title := "Releases about " + name + " on " + h.cfg.SiteName
	items := h.feedItems(r, list)
	var v any
	ctype := "application/rss+xml; charset=utf-8"
	if atom {
		ctype = "application/atom+xml; charset=utf-8"
		f := atomFeed{ID: base + "/countries/" + cc + "/feed.atom", Title: title, Author: atomAuthor{Name: h.cfg.SiteName},
			Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
			Links: []xmlLink{{Href: base + "/countries/" + cc + "/feed.atom", Rel: "self", Type: "application/atom+xml"},
				{Href: base + "/countries/" + cc, Rel: "alternate", Type: "text/html"}}}
		if len(list) > 0 {
			f.Updated = list[0].Created.UTC().Format(time.RFC3339)
		}
		for _, it := range items {
			e := atomEntry{ID: "urn:btih:" + it.rel.InfoHash, Title: it.title, Updated: it.rel.Created.UTC().Format(time.RFC3339),
				Summary: it.description, Category: atomCategory{Term: string(it.rel.Level)},
				Links: []xmlLink{{Href: it.page, Rel: "alternate", Type: "text/html"},
					{Href: it.torrent, Rel: "enclosure", Type: "application/x-bittorrent", Length: it.torrentLen}}}
			f.Entries = append(f.Entries, e)
		}
		v = f
	} else {
		f := rssFeed{Version: "2.0", Atom: "http://www.w3.org/2005/Atom", Torrent: "http://xmlns.ezrss.it/0.1/",
			Channel: rssChannel{Title: title, Link: base + "/countries/" + cc,
				Description: "Public releases about " + name + ", as torrents and bulk downloads.",
				Self:        xmlLink{Href: base + "/countries/" + cc + "/feed.rss", Rel: "self", Type: "application/rss+xml"}, TTL: 60}}
		if len(list) > 0 {
			f.Channel.LastBuildDate = list[0].Created.UTC().Format(time.RFC1123Z)
		}
		for _, it := range items {
			f.Channel.Items = append(f.Channel.Items, rssItem{Title: it.title, Link: it.page,
				GUID: rssGUID{IsPermaLink: "false", Value: it.rel.InfoHash}, PubDate: it.rel.Created.UTC().Format(time.RFC1123Z),
				Description: it.description, Enclosure: &rssEnclosure{URL: it.torrent, Length: it.torrentLen, Type: "application/x-bittorrent"},
				FileName: it.rel.Name + ".torrent", ContentLength: it.rel.Size, InfoHash: it.rel.InfoHash, MagnetURI: it.magnet})
		}
		v = f
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		h.fail(w, r, fmt.Errorf("country feed: %w", err))
		return
	}
	buf.WriteByte('\n')
	w.Header().Set("Content-Type", ctype)
	w.Write(buf.Bytes())
}

// baseURL is the scheme and host the request reached, for the absolute
// links feeds need; the same rule as internal/publish: https with TLS, or
// as X-Forwarded-Proto says when a reverse proxy on the loopback sets it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	} else if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			p, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
			if p = strings.ToLower(strings.TrimSpace(p)); p == "https" || p == "http" {
				scheme = p
			}
		}
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host
}
