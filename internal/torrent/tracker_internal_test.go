package torrent

import (
	"context"
	"net/netip"
	"testing"
	"time"

	trackerServer "github.com/anacrolix/torrent/tracker/server"
	"github.com/anacrolix/torrent/tracker/udp"
)

// TestSwarmsExpire: a peer that stops announcing is forgotten after two
// intervals, and its swarm with it.
func TestSwarmsExpire(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tr := NewTracker(TrackerConfig{Interval: time.Minute})
	sw := tr.swarms
	sw.now = func() time.Time { return now }
	ctx := context.Background()
	ih := [20]byte{7}
	a := netip.MustParseAddrPort("127.0.0.1:1")
	b := netip.MustParseAddrPort("127.0.0.1:2")
	if err := sw.TrackAnnounce(ctx, udp.AnnounceRequest{InfoHash: ih, Left: 0}, a); err != nil {
		t.Fatal(err)
	}
	now = now.Add(90 * time.Second)
	if err := sw.TrackAnnounce(ctx, udp.AnnounceRequest{InfoHash: ih, Left: 5}, b); err != nil {
		t.Fatal(err)
	}
	if got := sw.GetPeers(ctx, ih, trackerOpts(), b); len(got.Peers) != 1 {
		t.Fatalf("peers %v, want a", got.Peers)
	}
	now = now.Add(40 * time.Second) // a: 130 s since its announce
	if got := sw.GetPeers(ctx, ih, trackerOpts(), b); len(got.Peers) != 0 || got.Seeders.Value != 0 || got.Leechers.Value != 1 {
		t.Errorf("after a expired: %+v", got)
	}
	now = now.Add(10 * time.Minute)
	if err := sw.TrackAnnounce(ctx, udp.AnnounceRequest{InfoHash: [20]byte{8}}, a); err != nil { // sweeps
		t.Fatal(err)
	}
	if _, ok := sw.m[ih]; ok {
		t.Errorf("expired swarm kept")
	}
}

func trackerOpts() trackerServer.GetPeersOpts { return trackerServer.GetPeersOpts{} }
