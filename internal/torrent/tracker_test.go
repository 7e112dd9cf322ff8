package torrent_test

import (
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"
	httpTracker "github.com/anacrolix/torrent/tracker/http"

	"github.com/trove-archive/trove/internal/torrent"
)

// announce sends a raw announce as a client would and decodes the reply.
func announce(t *testing.T, base string, ih [20]byte, port int, left int64, event string) (httpTracker.HttpResponse, []int) {
	t.Helper()
	q := url.Values{}
	q.Set("info_hash", string(ih[:]))
	q.Set("peer_id", fmt.Sprintf("-TT0001-%012d", port))
	q.Set("port", fmt.Sprint(port))
	q.Set("uploaded", "0")
	q.Set("downloaded", "0")
	q.Set("left", fmt.Sprint(left))
	q.Set("compact", "1")
	if event != "" {
		q.Set("event", event)
	}
	resp, err := http.Get(base + "?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("announce: %s: %s", resp.Status, body)
	}
	// A reply with a "failure reason" key, even empty, is a failure to
	// clients such as aria2c.
	var raw map[string]bencode.Bytes
	if err := bencode.Unmarshal(body, &raw); err != nil {
		t.Fatalf("announce reply %q: %v", body, err)
	}
	if _, ok := raw["failure reason"]; ok && !strings.Contains(string(body), "unknown torrent") {
		t.Errorf("successful announce carries a failure reason: %q", body)
	}
	var r httpTracker.HttpResponse
	if err := bencode.Unmarshal(body, &r); err != nil {
		t.Fatalf("announce reply %q: %v", body, err)
	}
	var ports []int
	for _, p := range r.Peers.List {
		if !p.IP.Equal([]byte{127, 0, 0, 1}) && p.IP.String() != "127.0.0.1" {
			t.Errorf("peer IP %v, want 127.0.0.1", p.IP)
		}
		ports = append(ports, p.Port)
	}
	slices.Sort(ports)
	return r, ports
}

func TestTracker(t *testing.T) {
	ih := [20]byte{1, 2, 3}
	other := [20]byte{9}
	tr, base := MustTracker(t, torrent.TrackerConfig{
		Interval: time.Minute,
		Allow:    func(h string) bool { return h == hex.EncodeToString(ih[:]) },
	})

	r, peers := announce(t, base, ih, 1111, 0, "started")
	if r.FailureReason != "" || len(peers) != 0 || r.Complete != 1 || r.Incomplete != 0 || r.Interval != 60 {
		t.Errorf("first announce: %+v, peers %v", r, peers)
	}
	r, peers = announce(t, base, ih, 2222, 500, "started")
	if !slices.Equal(peers, []int{1111}) || r.Complete != 1 || r.Incomplete != 1 {
		t.Errorf("second peer got %v (%d seeders, %d leechers), want [1111], 1, 1", peers, r.Complete, r.Incomplete)
	}
	if s, l := tr.Peers(hex.EncodeToString(ih[:])); s != 1 || l != 1 {
		t.Errorf("Peers = %d, %d; want 1, 1", s, l)
	}
	// BEP 21's "paused" is not known to the library: a regular announce.
	if r, peers = announce(t, base, ih, 2222, 0, "paused"); r.FailureReason != "" || !slices.Equal(peers, []int{1111}) {
		t.Errorf("paused announce: %+v, peers %v", r, peers)
	}
	if s, l := tr.Peers(hex.EncodeToString(ih[:])); s != 2 || l != 0 {
		t.Errorf("after the leecher finished, Peers = %d, %d; want 2, 0", s, l)
	}
	announce(t, base, ih, 1111, 0, "stopped")
	if _, peers = announce(t, base, ih, 2222, 0, ""); len(peers) != 0 {
		t.Errorf("after 1111 stopped, peers %v", peers)
	}

	// Torrents the archive does not serve are refused.
	if r, _ = announce(t, base, other, 3333, 0, "started"); !strings.Contains(r.FailureReason, "unknown torrent") {
		t.Errorf("announce of another torrent: %+v", r)
	}
	if s, l := tr.Peers(hex.EncodeToString(other[:])); s+l != 0 {
		t.Errorf("refused torrent tracked: %d, %d", s, l)
	}

	resp, err := http.Get(base + "?info_hash=short")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "failure reason") {
		t.Errorf("bad info_hash: %s %q", resp.Status, body)
	}
}
