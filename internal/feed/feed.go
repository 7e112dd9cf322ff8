// Package feed writes RSS 2.0 feeds of releases
// (https://www.rssboard.org/rss-specification) with the torrent namespace
// many torrent clients and feed tools read (http://xmlns.ezrss.it/0.1/),
// for the archive's release feed (internal/publish) and the per-country
// feeds (internal/web), and finds the base URL their absolute links need.
package feed

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// RSS is an RSS 2.0 document.
type RSS struct {
	XMLName xml.Name `xml:"rss"`
	Version string   `xml:"version,attr"`
	Atom    string   `xml:"xmlns:atom,attr"`
	Torrent string   `xml:"xmlns:torrent,attr"`
	Channel Channel  `xml:"channel"`
}

// Channel is the feed's channel.
type Channel struct {
	Title         string `xml:"title"`
	Link          string `xml:"link"`
	Description   string `xml:"description"`
	Self          Link   `xml:"atom:link"`
	LastBuildDate string `xml:"lastBuildDate,omitempty"`
	TTL           int    `xml:"ttl"`
	Items         []Item `xml:"item"`
}

// Link is an atom:link (and an Atom feed's link).
type Link struct {
	Href   string `xml:"href,attr"`
	Rel    string `xml:"rel,attr,omitempty"`
	Type   string `xml:"type,attr,omitempty"`
	Length int    `xml:"length,attr,omitempty"`
}

// Item is one release.
type Item struct {
	Title       string     `xml:"title"`
	Link        string     `xml:"link"`
	GUID        GUID       `xml:"guid"`
	PubDate     string     `xml:"pubDate"`
	Description string     `xml:"description"`
	Category    string     `xml:"category,omitempty"`
	Enclosure   *Enclosure `xml:"enclosure"`
	// torrent namespace
	FileName      string `xml:"torrent:fileName,omitempty"`
	ContentLength int64  `xml:"torrent:contentLength"`
	InfoHash      string `xml:"torrent:infoHash"`
	MagnetURI     string `xml:"torrent:magnetURI,omitempty"`
}

// GUID identifies an item.
type GUID struct {
	IsPermaLink string `xml:"isPermaLink,attr"`
	Value       string `xml:",chardata"`
}

// Enclosure is an item's .torrent.
type Enclosure struct {
	URL    string `xml:"url,attr"`
	Length int    `xml:"length,attr"`
	Type   string `xml:"type,attr"`
}

// New returns a feed of releases, newest first (list[0] dates the feed).
func New(title, link, description, self string, list []*archive.Release) *RSS {
	f := &RSS{Version: "2.0", Atom: "http://www.w3.org/2005/Atom", Torrent: "http://xmlns.ezrss.it/0.1/",
		Channel: Channel{Title: title, Link: link, Description: description,
			Self: Link{Href: self, Rel: "self", Type: "application/rss+xml"}, TTL: 60}}
	if len(list) > 0 {
		f.Channel.LastBuildDate = list[0].Created.UTC().Format(time.RFC1123Z)
	}
	return f
}

// ReleaseItem describes a release: page is its page, torrent the address
// of its .torrent, of torrentLen bytes (0: no enclosure, when the torrent
// could not be made).
func ReleaseItem(rel *archive.Release, page, torrent string, torrentLen int, magnet string) Item {
	it := Item{
		Title:         Title(rel),
		Link:          page,
		GUID:          GUID{IsPermaLink: "false", Value: rel.InfoHash},
		PubDate:       rel.Created.UTC().Format(time.RFC1123Z),
		Description:   Describe(rel),
		Category:      string(rel.Level),
		FileName:      rel.Name + ".torrent",
		ContentLength: rel.Size,
		InfoHash:      rel.InfoHash,
		MagnetURI:     magnet,
	}
	// The enclosure's length is the .torrent's (RSS 2.0).
	if torrentLen > 0 {
		it.Enclosure = &Enclosure{URL: torrent, Length: torrentLen, Type: "application/x-bittorrent"}
	}
	return it
}

// Title is a release's name, and its title when it has another.
func Title(rel *archive.Release) string {
	if rel.Title == "" || rel.Title == rel.Name {
		return rel.Name
	}
	return rel.Name + ": " + rel.Title
}

// Describe says a release's size, files, level and countries.
func Describe(rel *archive.Release) string {
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

// Write sends v (an *RSS, or another document such as an Atom feed) as
// indented XML with its declaration.
func Write(w http.ResponseWriter, contentType string, v any) error {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("feed: %w", err)
	}
	buf.WriteByte('\n')
	w.Header().Set("Content-Type", contentType)
	_, err := w.Write(buf.Bytes())
	return err
}

// BaseURL is the scheme and host the request reached, for the absolute
// links feeds need. The scheme is https when the connection is TLS. A
// reverse proxy on the same host (a loopback peer) may say the client used
// https or http with X-Forwarded-Proto; the header is ignored from any
// other peer and for any other value. Like Host, it only shapes the links
// in the answer to that same request, which no cache keeps.
func BaseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	} else if FromLoopback(r) {
		p, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
		switch p = strings.ToLower(strings.TrimSpace(p)); p {
		case "http", "https":
			scheme = p
		}
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host
}

// FromLoopback reports whether the request came from this machine.
func FromLoopback(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
