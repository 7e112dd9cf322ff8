package main

import (
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/publish"
	"github.com/trove-archive/trove/internal/release"
	"github.com/trove-archive/trove/internal/torrent"
)

// publisher wires releases to HTTP and BitTorrent for trove serve.
type publisher struct {
	m        *Main
	a        *app
	self     string   // this server's base URL
	trackers []string // announce URLs

	mu      sync.Mutex
	basesAt time.Time
	cached  []string
	key     []byte
	hashes  map[string]bool // info-hashes of every release held here
	hashAt  time.Time
}

// knownInfoHash reports whether a torrent is one of this server's releases
// (the tracker serves no others), from a list refreshed every 10 seconds.
func (p *publisher) knownInfoHash(h string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.hashAt) > 10*time.Second {
		rs, err := p.a.db.Releases(context.Background(), archive.Admin())
		if err == nil {
			p.hashes = make(map[string]bool, len(rs))
			for _, r := range rs {
				p.hashes[r.InfoHash] = true
			}
			p.hashAt = time.Now()
		}
	}
	return p.hashes[strings.ToLower(h)]
}

// bases returns this server's and the announced mirrors' base URLs,
// read from the catalog at most every 10 seconds (list pages and feeds
// ask once per release).
func (p *publisher) bases(ctx context.Context) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if time.Since(p.basesAt) > 10*time.Second {
		b, err := p.a.bases(ctx, p.self)
		if err != nil {
			return []string{p.self}
		}
		p.cached, p.basesAt = b, time.Now()
		if k, err := p.a.publicKey(ctx, p.m.Config.keyDir()); err == nil {
			p.key = k
		}
	}
	return p.cached
}

func (p *publisher) handler(logger *slog.Logger) http.Handler {
	return publish.New(publish.Config{
		Releases: p.a.db,
		Store:    p.a.store,
		PublicKey: func() []byte {
			p.bases(context.Background())
			p.mu.Lock()
			defer p.mu.Unlock()
			return p.key
		},
		Torrent: func(ctx context.Context, r *archive.Release) ([]byte, error) {
			return torrentFile(r, p.bases(ctx), p.trackers)
		},
		Magnet:  p.magnet,
		Mirrors: p.a.db.Mirrors,
		Status:  p.status,
		Logger:  logger,
	})
}

func (p *publisher) magnet(r *archive.Release) string {
	return torrent.Magnet(r.InfoHash, r.Name, p.trackers, torrent.WebSeeds(p.bases(context.Background())))
}

// mirrorStatus is what /mirror/status.json reports: the releases this
// server holds (those the reader may see) and how fresh its copies are.
type mirrorStatus struct {
	URL       string           `json:"url"`
	Generated time.Time        `json:"generated"`
	Releases  []statusRelease  `json:"releases"`
	Upstreams []statusUpstream `json:"upstreams"`
}

type statusRelease struct {
	Name     string `json:"name"`
	Manifest string `json:"manifest_sha256"`
	Files    int    `json:"files"`
	Size     int64  `json:"size"`
	Complete bool   `json:"complete"`
	Origin   string `json:"origin,omitempty"`
}

type statusUpstream struct {
	URL      string    `json:"url"`
	LastSync time.Time `json:"last_sync,omitzero"`
	LastErr  string    `json:"last_error,omitempty"`
}

func (p *publisher) status(ctx context.Context) (any, error) {
	rs, err := p.a.db.Releases(ctx, archive.PrincipalFrom(ctx))
	if err != nil {
		return nil, err
	}
	ups, err := p.a.db.Upstreams(ctx)
	if err != nil {
		return nil, err
	}
	st := mirrorStatus{URL: p.self, Generated: time.Now().UTC().Truncate(time.Second), Releases: []statusRelease{}, Upstreams: []statusUpstream{}}
	for _, r := range rs {
		st.Releases = append(st.Releases, statusRelease{r.Name, release.Digest(r.Manifest), r.Files, r.Size, r.Complete, r.Origin})
	}
	for _, u := range ups {
		st.Upstreams = append(st.Upstreams, statusUpstream{u.URL, u.LastSync, u.LastErr})
	}
	return st, nil
}

// seedLoop keeps the seeder serving every complete public release: the
// seeder answers anyone, so limited releases are never seeded.
func (p *publisher) seedLoop(ctx context.Context, sd *torrent.Seeder, logger *slog.Logger) {
	seeding := map[string]bool{}
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		rs, err := p.a.db.Releases(ctx, archive.Anonymous())
		if err != nil && ctx.Err() == nil {
			logger.Error("seed: list releases", "err", err)
		}
		for _, r := range rs {
			if seeding[r.Name] || !r.Complete || r.Level != archive.LevelPublic {
				continue
			}
			files, err := p.a.db.ReleaseFiles(ctx, archive.Anonymous(), r.Name)
			if err == nil {
				err = sd.Add(ctx, r.Info, files)
			}
			if err != nil {
				logger.Error("seed", "release", r.Name, "err", err)
				continue
			}
			seeding[r.Name] = true
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
