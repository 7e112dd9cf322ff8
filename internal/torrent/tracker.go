package torrent

import (
	"context"
	"encoding/hex"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"sync"
	"time"

	"github.com/anacrolix/generics"
	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/tracker"
	httpTrackerServer "github.com/anacrolix/torrent/tracker/http/server"
	trackerServer "github.com/anacrolix/torrent/tracker/server"
	"github.com/anacrolix/torrent/tracker/udp"
)

// DefaultInterval is the announce interval a Tracker gives clients when
// TrackerConfig.Interval is zero.
const DefaultInterval = 10 * time.Minute

// TrackerConfig configures a Tracker.
type TrackerConfig struct {
	// Interval is how often clients should announce. A peer that has not
	// announced for two intervals is forgotten.
	Interval time.Duration
	// Allow reports whether the tracker serves a torrent (info-hash in
	// hex, lower case); announces for other torrents get a BEP 3 failure
	// reason. Nil allows every torrent: an open tracker.
	Allow func(infoHash string) bool
	// RemoteAddr derives the announcing peer's IP from the request, for
	// servers behind a reverse proxy. Nil uses Request.RemoteAddr.
	RemoteAddr func(*http.Request) (netip.Addr, error)
}

// Tracker is a BitTorrent HTTP tracker (BEP 3, compact peer lists of BEP
// 23 and 7) that keeps its swarms in memory only: peers are forgotten
// after two announce intervals and nothing is written to disk. It is
// anacrolix/torrent's tracker/http/server handler over an in-memory peer
// table. Serve it at /announce.
type Tracker struct {
	allow   func(string) bool
	handler httpTrackerServer.Handler
	swarms  *swarms
}

var _ http.Handler = (*Tracker)(nil)

// NewTracker returns a tracker.
func NewTracker(cfg TrackerConfig) *Tracker {
	if cfg.Interval <= 0 {
		cfg.Interval = DefaultInterval
	}
	sw := &swarms{interval: cfg.Interval, now: time.Now, m: map[trackerServer.InfoHash]map[netip.AddrPort]swarmPeer{}}
	remote := cfg.RemoteAddr
	if remote == nil {
		remote = requestAddr
	}
	return &Tracker{
		allow:  cfg.Allow,
		swarms: sw,
		handler: httpTrackerServer.Handler{
			Announce: &trackerServer.AnnounceHandler{AnnounceTracker: sw},
			// 4in6 addresses are unmapped so that IPv4 peers land in the
			// compact IPv4 list, where every client looks for them.
			RequestHost: func(r *http.Request) (netip.Addr, error) {
				a, err := remote(r)
				return a.Unmap(), err
			},
		},
	}
}

func requestAddr(r *http.Request) (netip.Addr, error) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}, err
	}
	return netip.ParseAddr(host)
}

// ServeHTTP answers an announce.
func (t *Tracker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	q := r.URL.Query()
	ih := q.Get("info_hash")
	if len(ih) != 20 {
		trackerFailure(w, "info_hash must be 20 bytes")
		return
	}
	if t.allow != nil && !t.allow(hex.EncodeToString([]byte(ih))) {
		trackerFailure(w, "unknown torrent")
		return
	}
	// The library's handler refuses events it does not know (BEP 21's
	// "paused", for one) with a 400; treat them as regular announces.
	var ev tracker.AnnounceEvent
	if ev.UnmarshalText([]byte(q.Get("event"))) != nil {
		q.Del("event")
		r = r.Clone(r.Context())
		r.URL.RawQuery = q.Encode()
	}
	// The library's handler always writes "failure reason" and "tracker
	// id", empty on success; clients such as aria2c take any failure
	// reason as a failure. Drop the empty keys.
	rec := httptest.NewRecorder()
	t.handler.ServeHTTP(rec, r)
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK {
		var resp map[string]bencode.Bytes
		if err := bencode.Unmarshal(body, &resp); err == nil {
			for _, k := range []string{"failure reason", "tracker id", "warning message"} {
				if v, ok := resp[k]; ok && string(v) == "0:" {
					delete(resp, k)
				}
			}
			if b, err := bencode.Marshal(resp); err == nil {
				body = b
			}
		}
	}
	w.Header().Set("Content-Type", "text/plain")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(rec.Code)
	w.Write(body)
}

// Peers returns how many seeders and leechers the tracker knows for a
// torrent (info-hash in hex).
func (t *Tracker) Peers(infoHash string) (seeders, leechers int) {
	var ih trackerServer.InfoHash
	if err := ih.FromHexString(infoHash); err != nil {
		return 0, 0
	}
	return t.swarms.count(ih)
}

func trackerFailure(w http.ResponseWriter, reason string) {
	b, _ := bencode.Marshal(map[string]string{"failure reason": reason})
	w.Header().Set("Content-Type", "text/plain")
	w.Write(b)
}

// swarms is the in-memory peer table behind a Tracker.
type swarms struct {
	interval time.Duration
	now      func() time.Time

	mu        sync.Mutex
	m         map[trackerServer.InfoHash]map[netip.AddrPort]swarmPeer
	lastSweep time.Time
}

type swarmPeer struct {
	seeder  bool
	expires time.Time
}

var _ trackerServer.AnnounceTracker = (*swarms)(nil)

func (s *swarms) TrackAnnounce(ctx context.Context, req udp.AnnounceRequest, addr trackerServer.AnnounceAddr) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if now.Sub(s.lastSweep) > s.interval {
		s.sweep(now)
	}
	peers := s.m[req.InfoHash]
	if req.Event == tracker.Stopped {
		delete(peers, addr)
		if len(peers) == 0 {
			delete(s.m, req.InfoHash)
		}
		return nil
	}
	if peers == nil {
		peers = map[netip.AddrPort]swarmPeer{}
		s.m[req.InfoHash] = peers
	}
	peers[addr] = swarmPeer{seeder: req.Left == 0, expires: now.Add(2 * s.interval)}
	return nil
}

// sweep forgets expired peers and empty swarms.
func (s *swarms) sweep(now time.Time) {
	for ih, peers := range s.m {
		for a, p := range peers {
			if now.After(p.expires) {
				delete(peers, a)
			}
		}
		if len(peers) == 0 {
			delete(s.m, ih)
		}
	}
	s.lastSweep = now
}

func (s *swarms) GetPeers(ctx context.Context, ih trackerServer.InfoHash, opts trackerServer.GetPeersOpts, remote trackerServer.AnnounceAddr) (ret trackerServer.ServerAnnounceResult) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var seeders, leechers int32
	for a, p := range s.m[ih] {
		if now.After(p.expires) {
			continue
		}
		if p.seeder {
			seeders++
		} else {
			leechers++
		}
		if a != remote {
			ret.Peers = append(ret.Peers, trackerServer.PeerInfo{AnnounceAddr: a})
		}
	}
	rand.Shuffle(len(ret.Peers), func(i, j int) { ret.Peers[i], ret.Peers[j] = ret.Peers[j], ret.Peers[i] })
	if opts.MaxCount.Ok && uint(len(ret.Peers)) > opts.MaxCount.Value {
		ret.Peers = ret.Peers[:opts.MaxCount.Value]
	}
	ret.Interval = generics.Some(int32(s.interval / time.Second))
	ret.Seeders = generics.Some(seeders)
	ret.Leechers = generics.Some(leechers)
	return ret
}

func (s *swarms) Scrape(ctx context.Context, ihs []trackerServer.InfoHash) ([]udp.ScrapeInfohashResult, error) {
	out := make([]udp.ScrapeInfohashResult, len(ihs))
	for i, ih := range ihs {
		seeders, leechers := s.count(ih)
		out[i] = udp.ScrapeInfohashResult{Seeders: int32(seeders), Leechers: int32(leechers)}
	}
	return out, nil
}

func (s *swarms) count(ih trackerServer.InfoHash) (seeders, leechers int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for _, p := range s.m[ih] {
		if now.After(p.expires) {
			continue
		}
		if p.seeder {
			seeders++
		} else {
			leechers++
		}
	}
	return seeders, leechers
}
