package publish

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/feed"
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

// rss serves GET /releases/feed.rss: one item per release the reader may
// see, whose enclosure is the .torrent (what torrent clients' RSS
// subscriptions download).
func (h *handler) rss(w http.ResponseWriter, r *http.Request) {
	list, err := h.releases(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	base := feed.BaseURL(r)
	f := feed.New("Releases on "+r.Host, base+"/releases/",
		"Signed releases of datasets, as torrents and bulk downloads.", base+"/releases/feed.rss", list)
	for _, rel := range list {
		l := releaseLinks(base, rel)
		// A torrent that cannot be made costs its item the enclosure, not
		// the whole feed its existence.
		n := 0
		if h.cfg.Torrent != nil {
			if b, err := h.cfg.Torrent(r.Context(), rel); err != nil {
				h.log.Error("publish: feed: torrent", "release", rel.Name, "err", err)
			} else {
				n = len(b)
			}
		}
		f.Channel.Items = append(f.Channel.Items, feed.ReleaseItem(rel, l.page, l.torrent, n, h.magnet(rel)))
	}
	if err := feed.Write(w, "application/rss+xml; charset=utf-8", f); err != nil {
		h.log.Error("publish: feed", "err", err)
	}
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
	base := feed.BaseURL(r)
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
