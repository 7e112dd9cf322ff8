package publish

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/release"
)

// indexRelease is one release in /releases/index.json, the list mirrors
// poll.
type indexRelease struct {
	Name           string   `json:"name"`
	Dataset        string   `json:"dataset"`
	Title          string   `json:"title"`
	Level          string   `json:"level"`
	Created        string   `json:"created"` // RFC 3339
	Files          int      `json:"files"`
	Size           int64    `json:"size"`
	InfoHash       string   `json:"infohash"`
	ManifestSHA256 string   `json:"manifest_sha256"`
	Countries      []string `json:"countries"`
	Magnet         string   `json:"magnet"`
	Complete       bool     `json:"complete"`
}

type indexResponse struct {
	Releases []indexRelease `json:"releases"`
}

// index serves GET /releases/index.json.
func (h *handler) index(w http.ResponseWriter, r *http.Request) {
	list, err := h.releases(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := indexResponse{Releases: make([]indexRelease, 0, len(list))}
	for _, rel := range list {
		countries := rel.Countries
		if countries == nil {
			countries = []string{}
		}
		out.Releases = append(out.Releases, indexRelease{
			Name: rel.Name, Dataset: rel.Dataset, Title: rel.Title, Level: string(rel.Level),
			Created: rel.Created.UTC().Format(time.RFC3339), Files: rel.Files, Size: rel.Size,
			InfoHash: rel.InfoHash, ManifestSHA256: release.Digest(rel.Manifest), Countries: countries,
			Magnet: h.magnet(rel), Complete: rel.Complete,
		})
	}
	h.writeJSON(w, r, out)
}

// links are a release's absolute addresses, for feeds.
type links struct {
	page, torrent string
}

func releaseLinks(base string, rel *archive.Release) links {
	dir := base + "/releases/" + escape(rel.Name) + "/"
	return links{page: dir, torrent: dir + escape(rel.Name+".torrent")}
}

// RSS 2.0 (https://www.rssboard.org/rss-specification), with the torrent
// namespace many torrent clients and feed tools read
// (http://xmlns.ezrss.it/0.1/).
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
	Self          rssLink   `xml:"atom:link"`
	LastBuildDate string    `xml:"lastBuildDate,omitempty"`
	TTL           int       `xml:"ttl"`
	Items         []rssItem `xml:"item"`
}

type rssLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr"`
}

type rssItem struct {
	Title       string        `xml:"title"`
	Link        string        `xml:"link"`
	GUID        rssGUID       `xml:"guid"`
	PubDate     string        `xml:"pubDate"`
	Description string        `xml:"description"`
	Category    string        `xml:"category,omitempty"`
	Enclosure   *rssEnclosure `xml:"enclosure"`
	// torrent namespace
	FileName      string `xml:"torrent:fileName,omitempty"`
	ContentLength int64  `xml:"torrent:contentLength"`
	InfoHash      string `xml:"torrent:infoHash"`
	MagnetURI     string `xml:"torrent:magnetURI,omitempty"`
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

// rss serves GET /releases/feed.rss: one item per release the reader may
// see, whose enclosure is the .torrent (what torrent clients' RSS
// subscriptions download).
func (h *handler) rss(w http.ResponseWriter, r *http.Request) {
	list, err := h.releases(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	base := baseURL(r)
	feed := rssFeed{Version: "2.0", Atom: "http://www.w3.org/2005/Atom", Torrent: "http://xmlns.ezrss.it/0.1/",
		Channel: rssChannel{
			Title:       "Releases on " + r.Host,
			Link:        base + "/releases/",
			Description: "Signed releases of datasets, as torrents and bulk downloads.",
			Self:        rssLink{Href: base + "/releases/feed.rss", Rel: "self", Type: "application/rss+xml"},
			TTL:         60,
		}}
	if len(list) > 0 {
		feed.Channel.LastBuildDate = list[0].Created.UTC().Format(time.RFC1123Z)
	}
	for _, rel := range list {
		l := releaseLinks(base, rel)
		it := rssItem{
			Title:         itemTitle(rel),
			Link:          l.page,
			GUID:          rssGUID{IsPermaLink: "false", Value: rel.InfoHash},
			PubDate:       rel.Created.UTC().Format(time.RFC1123Z),
			Description:   describe(rel),
			Category:      string(rel.Level),
			FileName:      rel.Name + ".torrent",
			ContentLength: rel.Size,
			InfoHash:      rel.InfoHash,
			MagnetURI:     h.magnet(rel),
		}
		// The enclosure's length is the .torrent's (RSS 2.0). A torrent
		// that cannot be made costs its item the enclosure, not the
		// whole feed its existence.
		if h.cfg.Torrent != nil {
			if b, err := h.cfg.Torrent(r.Context(), rel); err != nil {
				h.log.Error("publish: feed: torrent", "release", rel.Name, "err", err)
			} else {
				it.Enclosure = &rssEnclosure{URL: l.torrent, Length: len(b), Type: "application/x-bittorrent"}
			}
		}
		feed.Channel.Items = append(feed.Channel.Items, it)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(feed); err != nil {
		h.fail(w, r, fmt.Errorf("feed: %w", err))
		return
	}
	buf.WriteByte('\n')
	w.Header().Set("Content-Type", "application/rss+xml; charset=utf-8")
	w.Write(buf.Bytes())
}

func itemTitle(rel *archive.Release) string {
	if rel.Title == "" || rel.Title == rel.Name {
		return rel.Name
	}
	return rel.Name + ": " + rel.Title
}

func describe(rel *archive.Release) string {
	files := "files"
	if rel.Files == 1 {
		files = "file"
	}
	s := fmt.Sprintf("%s (%d bytes) in %d %s. Level: %s.", archive.HumanBytes(rel.Size), rel.Size, rel.Files, files, rel.Level)
	if len(rel.Countries) > 0 {
		s += " Countries: " + strings.Join(rel.Countries, ", ") + "."
	}
	return s
}

// csvHeader is the first line of /releases/feed.csv.
var csvHeader = []string{"title", "size", "magnet", "infohash", "date", "countries", "name", "dataset", "torrent_url"}

// csv serves GET /releases/feed.csv (RFC 4180).
func (h *handler) csv(w http.ResponseWriter, r *http.Request) {
	list, err := h.releases(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	base := baseURL(r)
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	cw.Write(csvHeader)
	for _, rel := range list {
		cw.Write([]string{
			rel.Title, strconv.FormatInt(rel.Size, 10), h.magnet(rel), rel.InfoHash,
			rel.Created.UTC().Format(time.RFC3339), strings.Join(rel.Countries, " "),
			rel.Name, rel.Dataset, releaseLinks(base, rel).torrent,
		})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		h.fail(w, r, fmt.Errorf("feed csv: %w", err))
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
	w.Write(buf.Bytes())
}
