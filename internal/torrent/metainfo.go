package torrent

import (
	"bytes"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/trove-archive/trove/internal/archive"
)

// CreatedBy is the "created by" field of every torrent trove writes.
const CreatedBy = "trove"

// MetaInfo wraps a bencoded info dictionary (as Build returns it) into the
// bytes of a .torrent file. Each tracker gets its own tier of the
// announce-list, in the given order, so BEP 12 clients all try the first
// tracker first and keep to one swarm; the first is also "announce" for
// old clients. webSeeds become the url-list (BEP 19). A zero created
// leaves out the creation date; an empty comment is left out.
func MetaInfo(info []byte, trackers, webSeeds []string, created time.Time, comment string) ([]byte, error) {
	var i metainfo.Info
	if err := bencode.Unmarshal(info, &i); err != nil {
		return nil, fmt.Errorf("torrent metainfo: %w", archive.Errorf(archive.EInvalid, "bad info dictionary: %v", err))
	}
	mi := metainfo.MetaInfo{
		InfoBytes: info,
		Comment:   comment,
		CreatedBy: CreatedBy,
		UrlList:   metainfo.UrlList(webSeeds),
	}
	if !created.IsZero() {
		mi.CreationDate = created.Unix()
	}
	if len(trackers) > 0 {
		mi.Announce = trackers[0]
		for _, tr := range trackers {
			mi.AnnounceList = append(mi.AnnounceList, []string{tr})
		}
	}
	var buf bytes.Buffer
	if err := mi.Write(&buf); err != nil {
		return nil, fmt.Errorf("torrent metainfo: %w", err)
	}
	return buf.Bytes(), nil
}

// Magnet returns a magnet URI for a torrent: xt=urn:btih:<infoHash>, the
// display name dn, one tr per tracker and one ws per web seed (the ws
// parameter is what libtorrent, qBittorrent and others read as a BEP 19
// web seed). Parameters other than xt are query-escaped.
func Magnet(infoHash, name string, trackers, webSeeds []string) string {
	var b strings.Builder
	b.WriteString("magnet:?xt=urn:btih:")
	b.WriteString(strings.ToLower(infoHash))
	add := func(k, v string) {
		b.WriteString("&" + k + "=")
		b.WriteString(url.QueryEscape(v))
	}
	if name != "" {
		add("dn", name)
	}
	for _, tr := range trackers {
		add("tr", tr)
	}
	for _, ws := range webSeeds {
		add("ws", ws)
	}
	return b.String()
}

// WebSeeds turns archive base URLs ("https://host", no trailing slash)
// into BEP 19 web seed URLs: base + "/files/". An archive serves every
// file of a release at <base>/files/<release name>/<path>; since the URL
// ends in a slash, clients append the torrent's name and the file's path
// to it. Empty bases are skipped and a trailing slash is tolerated.
func WebSeeds(bases []string) []string {
	out := make([]string, 0, len(bases))
	for _, b := range bases {
		b = strings.TrimRight(b, "/")
		if b == "" {
			continue
		}
		out = append(out, b+"/files/")
	}
	return out
}
