package feed

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

func TestBaseURL(t *testing.T) {
	cases := []struct {
		remote, proto, want string
	}{
		{"127.0.0.1:5555", "https", "https://archive.example"},   // a reverse proxy on this host
		{"[::1]:5555", "HTTPS, http", "https://archive.example"}, // first value, any case
		{"203.0.113.9:5555", "https", "http://archive.example"},  // anyone else: ignored
		{"127.0.0.1:5555", "gopher", "http://archive.example"},   // not a scheme we serve
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "http://archive.example/releases/feed.rss", nil)
		r.RemoteAddr = c.remote
		r.Header.Set("X-Forwarded-Proto", c.proto)
		if got := BaseURL(r); got != c.want {
			t.Errorf("%s with %q: %s, want %s", c.remote, c.proto, got, c.want)
		}
	}
}

func TestReleaseItem(t *testing.T) {
	rel := &archive.Release{Name: "leak-r1", Title: "Leak", Size: 2048, Files: 1, Level: archive.LevelPublic,
		InfoHash: "abcd", Countries: []string{"DE", "FR"}, Created: time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)}
	it := ReleaseItem(rel, "https://a/releases/leak-r1/", "https://a/releases/leak-r1/leak-r1.torrent", 300, "magnet:?xt=urn:btih:abcd")
	if it.Title != "leak-r1: Leak" || it.Enclosure == nil || it.Enclosure.Length != 300 || it.GUID.Value != "abcd" ||
		!strings.Contains(it.Description, "2048 bytes) in 1 file. Level: public. Countries: DE, FR.") {
		t.Errorf("item %+v", it)
	}
	// No torrent, no enclosure: the item stays.
	if it := ReleaseItem(rel, "p", "t", 0, ""); it.Enclosure != nil || it.InfoHash != "abcd" {
		t.Errorf("without a torrent: %+v", it)
	}
}
