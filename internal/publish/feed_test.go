package publish_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/publish"
	"github.com/trove-archive/trove/internal/release"
)

func parseRSS(t *testing.T, b []byte) rss {
	t.Helper()
	var feed rss
	if err := xml.Unmarshal(b, &feed); err != nil {
		t.Fatalf("feed.rss: %v\n%s", err, b)
	}
	return feed
}

// TestRSS reads the feed as a torrent client's RSS subscription would.
func TestRSS(t *testing.T) {
	f := newFixture(t)
	resp := f.mustGet(t, "", "/releases/feed.rss")
	if ct := resp.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/rss+xml") {
		t.Errorf("Content-Type %q", ct)
	}
	feed := parseRSS(t, resp.body)
	if len(feed.Channel.Items) != 1 {
		t.Fatalf("anonymous feed: %d items, want 1 (the public release)", len(feed.Channel.Items))
	}
	r := f.rels[pubRel]
	it := feed.Channel.Items[0]
	base := f.srv.URL
	if !strings.Contains(it.Title, pubRel) || !strings.Contains(it.Title, pubTitle) {
		t.Errorf("title %q", it.Title)
	}
	if it.Link != base+"/releases/"+pubRel+"/" || feed.link() != base+"/releases/" || feed.self() != base+"/releases/feed.rss" {
		t.Errorf("links %q, %q, %q", it.Link, feed.link(), feed.self())
	}
	if it.GUID != r.InfoHash || it.InfoHash != r.InfoHash {
		t.Errorf("guid %q, infoHash %q, want %q", it.GUID, it.InfoHash, r.InfoHash)
	}
	if d, err := time.Parse(time.RFC1123Z, it.PubDate); err != nil || !d.Equal(r.Created) {
		t.Errorf("pubDate %q: %v", it.PubDate, err)
	}
	if !strings.Contains(it.Description, strconv.FormatInt(r.Size, 10)+" bytes") || !strings.Contains(it.Description, "DE, FR") {
		t.Errorf("description %q", it.Description)
	}
	if it.MagnetURI != magnet(r) {
		t.Errorf("magnet %q", it.MagnetURI)
	}
	enc := it.Enclosure
	if enc.URL != base+"/releases/"+pubRel+"/"+pubRel+".torrent" || enc.Type != "application/x-bittorrent" || enc.Length != len(f.torrents[pubRel]) {
		t.Errorf("enclosure %+v", enc)
	}
	// The enclosure is what a client then downloads.
	tor := f.mustGet(t, "", strings.TrimPrefix(enc.URL, base))
	if !bytes.Equal(tor.body, f.torrents[pubRel]) || tor.header.Get("Content-Type") != "application/x-bittorrent" ||
		!strings.HasPrefix(tor.header.Get("Content-Disposition"), "attachment") {
		t.Errorf("torrent: %q %q", tor.header.Get("Content-Type"), tor.body)
	}

	if n := len(parseRSS(t, f.mustGet(t, "journalist", "/releases/feed.rss").body).Channel.Items); n != 2 {
		t.Errorf("journalist's feed: %d items, want 2", n)
	}
}

// TestAbsoluteLinks checks the scheme of feed links: TLS, or
// X-Forwarded-Proto from a loopback peer with a known value.
func TestAbsoluteLinks(t *testing.T) {
	f := newFixture(t)
	host := strings.TrimPrefix(f.srv.URL, "http://")
	for _, c := range []struct {
		proto, want string
	}{
		{"", "http://"},
		{"https", "https://"},
		{"HTTPS, http", "https://"},
		{"gopher", "http://"},
	} {
		link := parseRSS(t, f.mustGet(t, "", "/releases/feed.rss", "X-Forwarded-Proto", c.proto).body).Channel.Items[0].Enclosure.URL
		if want := c.want + host + "/releases/" + pubRel + "/" + pubRel + ".torrent"; link != want {
			t.Errorf("X-Forwarded-Proto %q: %q, want %q", c.proto, link, want)
		}
	}
	tls := httptest.NewTLSServer(f.handler)
	defer tls.Close()
	resp, err := tls.Client().Get(tls.URL + "/releases/feed.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	rows, err := csv.NewReader(resp.Body).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[1][8]; got != tls.URL+"/releases/"+pubRel+"/"+pubRel+".torrent" {
		t.Errorf("over TLS: %q", got)
	}
}

// TestCSV reads the CSV feed with encoding/csv.
func TestCSV(t *testing.T) {
	f := newFixture(t)
	resp := f.mustGet(t, "", "/releases/feed.csv")
	rows, err := csv.NewReader(bytes.NewReader(resp.body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"title", "size", "magnet", "infohash", "date", "countries", "name", "dataset", "torrent_url"}; !slices.Equal(rows[0], want) {
		t.Errorf("header %q", rows[0])
	}
	if len(rows) != 2 {
		t.Fatalf("anonymous: %d rows, want 1", len(rows)-1)
	}
	r := f.rels[pubRel]
	want := []string{pubTitle, strconv.FormatInt(r.Size, 10), magnet(r), r.InfoHash, "2024-03-01T10:00:00Z", "DE FR",
		pubRel, "pub", f.srv.URL + "/releases/" + pubRel + "/" + pubRel + ".torrent"}
	if !slices.Equal(rows[1], want) {
		t.Errorf("row\n%q\nwant\n%q", rows[1], want)
	}
	rows, err = csv.NewReader(bytes.NewReader(f.mustGet(t, "journalist", "/releases/feed.csv").body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[1][6] != limRel || rows[1][5] != "US" {
		t.Errorf("journalist: %q", rows)
	}
}

// TestIndexJSON checks the fields mirrors read.
func TestIndexJSON(t *testing.T) {
	f := newFixture(t)
	var idx struct {
		Releases []map[string]any `json:"releases"`
	}
	resp := f.mustGet(t, "", "/releases/index.json")
	if ct := resp.header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if err := json.Unmarshal(resp.body, &idx); err != nil {
		t.Fatal(err)
	}
	if len(idx.Releases) != 1 {
		t.Fatalf("%d releases, want 1", len(idx.Releases))
	}
	r := f.rels[pubRel]
	want := map[string]any{
		"name": pubRel, "dataset": "pub", "title": pubTitle, "level": "public", "created": "2024-03-01T10:00:00Z",
		"files": float64(len(f.files[pubRel])), "size": float64(r.Size), "infohash": r.InfoHash,
		"manifest_sha256": release.Digest(r.Manifest), "countries": []any{"DE", "FR"}, "magnet": magnet(r), "complete": true,
	}
	got := idx.Releases[0]
	for k, v := range want {
		if gb, _ := json.Marshal(got[k]); string(gb) != mustJSON(v) {
			t.Errorf("%s: %s, want %s", k, gb, mustJSON(v))
		}
	}
	if len(got) != len(want) {
		t.Errorf("fields %v", got)
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestMirrorsAndKey checks mirrors.json, mirror/status.json, archive.pub,
// and that each is a 404 (or an empty list) when not configured.
func TestMirrorsAndKey(t *testing.T) {
	f := newFixture(t)
	if got := string(f.mustGet(t, "", "/mirrors.json").body); !strings.Contains(got, `"url": "https://mirror.example"`) ||
		!strings.Contains(got, `"added": "2024-02-01T10:00:00Z"`) {
		t.Errorf("mirrors.json: %s", got)
	}
	var st map[string]any
	if err := json.Unmarshal(f.mustGet(t, "", "/mirror/status.json").body, &st); err != nil || st["ok"] != true {
		t.Errorf("status.json: %v %v", st, err)
	}
	key := f.mustGet(t, "", "/releases/archive.pub")
	if !bytes.Equal(key.body, f.key.PublicKeyText()) || !strings.HasPrefix(key.header.Get("Content-Type"), "text/plain") {
		t.Errorf("archive.pub: %q %q", key.header.Get("Content-Type"), key.body)
	}
	for _, p := range []string{"/releases/" + pubRel + "/SHA256SUMS", "/releases/" + pubRel + "/manifest.json"} {
		r := f.mustGet(t, "", p)
		m, _ := release.Parse(f.rels[pubRel].Manifest)
		want := map[bool][]byte{true: m.Sums(), false: f.rels[pubRel].Manifest}[strings.HasSuffix(p, "SUMS")]
		if !bytes.Equal(r.body, want) {
			t.Errorf("%s differs", p)
		}
	}

	bare := httptest.NewServer(publish.New(publish.Config{Releases: f.db, Store: f.store}))
	defer bare.Close()
	for path, status := range map[string]int{
		"/releases/archive.pub": 404, "/mirror/status.json": 404, "/mirrors.json": 200,
		"/releases/" + pubRel + "/" + pubRel + ".torrent": 404, "/releases/": 200, "/releases/feed.rss": 200,
		"/releases/" + pubRel + "/": 200, "/elsewhere": 404,
	} {
		resp, err := http.Get(bare.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != status {
			t.Errorf("unconfigured %s: %d, want %d", path, resp.StatusCode, status)
		}
		if path == "/mirrors.json" && !strings.Contains(b.String(), `"mirrors": []`) {
			t.Errorf("unconfigured mirrors.json: %s", b.String())
		}
	}
}
