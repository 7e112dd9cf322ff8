package torrent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"sync"

	anacrolix "github.com/anacrolix/torrent"
	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/store"
)

// DefaultOpenBlobs is how many blob files a Seeder keeps open at most.
const DefaultOpenBlobs = 256

// SeederConfig configures a Seeder.
type SeederConfig struct {
	// ListenAddr is the peer address, TCP and uTP: "127.0.0.1:0", ":6881".
	// An IPv4 host listens on IPv4 only, an IPv6 host on IPv6 only.
	ListenAddr string
	Store      *store.Store
	// Trackers are the announce URLs every added torrent announces to.
	Trackers []string
	// NoDHT keeps the seeder off the DHT and WebRTC peers: with loopback
	// trackers, nothing leaves the machine (tests).
	NoDHT bool
	// OpenBlobs bounds the open blob files; 0 means DefaultOpenBlobs.
	OpenBlobs int
	// Logger receives the BitTorrent client's logs; nil discards them.
	Logger *slog.Logger
}

// Seeder seeds releases from the store with an anacrolix/torrent client,
// without a second copy of the files: each torrent's storage reads the
// blob files in place (see releaseStorage), refuses every write and
// never downloads. UPnP port mapping is always off: a server's operator
// opens its ports.
type Seeder struct {
	cl       *anacrolix.Client
	st       *store.Store
	blobs    *blobFiles
	trackers []string
	log      *slog.Logger

	mu       sync.Mutex
	torrents map[metainfo.Hash]*anacrolix.Torrent
}

// NewSeeder starts a seeder listening on cfg.ListenAddr.
func NewSeeder(cfg SeederConfig) (*Seeder, error) {
	if cfg.Store == nil {
		return nil, errors.New("torrent seeder: no store")
	}
	host, portStr, err := net.SplitHostPort(cfg.ListenAddr)
	if err != nil {
		return nil, fmt.Errorf("torrent seeder: listen address %q: %w", cfg.ListenAddr, err)
	}
	port, err := net.LookupPort("tcp", portStr)
	if err != nil {
		return nil, fmt.Errorf("torrent seeder: listen address %q: %w", cfg.ListenAddr, err)
	}
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if cfg.OpenBlobs <= 0 {
		cfg.OpenBlobs = DefaultOpenBlobs
	}

	cc := anacrolix.NewDefaultClientConfig()
	cc.Seed = true
	cc.DefaultStorage = noStorage{}
	cc.ListenHost = func(string) string { return host }
	cc.ListenPort = port
	if ip, err := netip.ParseAddr(host); err == nil {
		// The client listens on tcp4, tcp6, udp4 and udp6 with the same
		// host; an address of one family cannot be bound in the other.
		cc.DisableIPv6 = ip.Unmap().Is4()
		cc.DisableIPv4 = !cc.DisableIPv6
	}
	cc.NoDefaultPortForwarding = true
	cc.NoDHT = cfg.NoDHT
	if cfg.NoDHT {
		cc.PeriodicallyAnnounceTorrentsToDht = false
		cc.DisableWebtorrent = true
	}
	cc.Slogger = logger
	cl, err := anacrolix.NewClient(cc)
	if err != nil {
		return nil, fmt.Errorf("torrent seeder: %w", err)
	}
	return &Seeder{
		cl:       cl,
		st:       cfg.Store,
		blobs:    newBlobFiles(cfg.Store, cfg.OpenBlobs),
		trackers: append([]string(nil), cfg.Trackers...),
		log:      logger,
		torrents: map[metainfo.Hash]*anacrolix.Torrent{},
	}, nil
}

// Addr returns the TCP address the seeder accepts peers on.
func (s *Seeder) Addr() string {
	for _, a := range s.cl.ListenAddrs() {
		if strings.HasPrefix(a.Network(), "tcp") {
			return a.String()
		}
	}
	return ""
}

// Add starts seeding a release: info is its bencoded info dictionary (as
// Build made it), files its files in manifest order, matching the info's
// files. Every blob is opened with Store.OpenVerified first, so a
// missing blob (ENotFound) or a corrupt one (an error wrapping
// archive.ErrCorrupt) fails Add and nothing of the release is seeded.
// Adding a release already seeded does nothing.
func (s *Seeder) Add(ctx context.Context, info []byte, files []archive.ReleaseFile) error {
	var mi metainfo.Info
	if err := bencode.Unmarshal(info, &mi); err != nil {
		return fmt.Errorf("torrent seed: %w", archive.Errorf(archive.EInvalid, "bad info dictionary: %v", err))
	}
	ih := metainfo.HashBytes(info)
	if err := matchFiles(&mi, files); err != nil {
		return fmt.Errorf("torrent seed %s: %w", mi.Name, err)
	}
	if s.Seeding(ih.HexString()) {
		return nil
	}
	for _, f := range files {
		if err := s.check(ctx, f); err != nil {
			return fmt.Errorf("torrent seed %s: %w", mi.Name, err)
		}
	}

	t, isNew := s.cl.AddTorrentOpt(anacrolix.AddTorrentOpts{
		InfoHash:             ih,
		Storage:              newReleaseStorage(s.blobs, files),
		DisallowDataDownload: true,
	})
	if !isNew {
		return nil
	}
	// AddTorrentOpts.InfoBytes would be set without reporting an error:
	// set it here, where a failure (storage, bad info) is returned.
	if err := t.SetInfoBytes(info); err != nil {
		t.Drop()
		return fmt.Errorf("torrent seed %s: %w", mi.Name, err)
	}
	if len(s.trackers) > 0 {
		tiers := make([][]string, len(s.trackers))
		for i, tr := range s.trackers {
			tiers[i] = []string{tr}
		}
		t.AddTrackers(tiers)
	}
	s.mu.Lock()
	s.torrents[ih] = t
	s.mu.Unlock()
	s.log.Info("seeding", "release", mi.Name, "info_hash", ih.HexString(), "files", len(files))
	return nil
}

// check verifies a file's blob and leaves it open for the first peers.
func (s *Seeder) check(ctx context.Context, f archive.ReleaseFile) error {
	ob, err := s.blobs.acquire(ctx, f.Blob)
	if err != nil {
		return fmt.Errorf("file %s: %w", f.Path, err)
	}
	defer s.blobs.release(ob)
	fi, err := ob.f.Stat()
	if err != nil {
		return fmt.Errorf("file %s: %w", f.Path, err)
	}
	if fi.Size() != f.Size {
		return archive.Errorf(archive.EInvalid, "file %s: blob has %d bytes, the release says %d", f.Path, fi.Size(), f.Size)
	}
	return nil
}

// matchFiles checks that files are the info's files, in order.
func matchFiles(mi *metainfo.Info, files []archive.ReleaseFile) error {
	if len(mi.Files) != len(files) {
		return archive.Errorf(archive.EInvalid, "info lists %d files, the release %d", len(mi.Files), len(files))
	}
	for i, f := range mi.Files {
		if p := strings.Join(f.Path, "/"); p != files[i].Path || f.Length != files[i].Size {
			return archive.Errorf(archive.EInvalid, "file %d is %s (%d bytes) in the info, %s (%d bytes) in the release",
				i, p, f.Length, files[i].Path, files[i].Size)
		}
	}
	return nil
}

// Seeding reports whether the torrent with this info-hash (hex) is seeded.
func (s *Seeder) Seeding(infoHash string) bool {
	var ih metainfo.Hash
	if ih.FromHexString(infoHash) != nil {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.torrents[ih]
	return ok
}

// SeedStats describes a seeded torrent.
type SeedStats struct {
	Peers          int   // connected peers
	PiecesComplete int   // pieces offered; fewer than all once a blob was found damaged
	Uploaded       int64 // piece bytes sent to peers since Add
}

// Stats returns a seeded torrent's statistics (info-hash in hex); false
// if it is not seeded.
func (s *Seeder) Stats(infoHash string) (SeedStats, bool) {
	var ih metainfo.Hash
	if ih.FromHexString(infoHash) != nil {
		return SeedStats{}, false
	}
	s.mu.Lock()
	t, ok := s.torrents[ih]
	s.mu.Unlock()
	if !ok {
		return SeedStats{}, false
	}
	st := t.Stats()
	return SeedStats{
		Peers:          st.ActivePeers,
		PiecesComplete: st.PiecesComplete,
		Uploaded:       st.BytesWrittenData.Int64(),
	}, true
}

// Remove stops seeding a torrent (info-hash in hex), as when its dataset
// is pulled back. Removing a torrent not seeded does nothing.
func (s *Seeder) Remove(infoHash string) {
	var ih metainfo.Hash
	if ih.FromHexString(infoHash) != nil {
		return
	}
	s.mu.Lock()
	t, ok := s.torrents[ih]
	delete(s.torrents, ih)
	s.mu.Unlock()
	if ok {
		t.Drop()
	}
}

// Close stops seeding and closes the client and the blob files.
func (s *Seeder) Close() error {
	errs := s.cl.Close()
	s.blobs.closeAll()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("torrent seeder close: %w", err)
	}
	return nil
}

var _ io.Closer = (*Seeder)(nil)
