package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/api"
	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/auth"
	"github.com/trove-archive/trove/internal/server"
	"github.com/trove-archive/trove/internal/torrent"
	"github.com/trove-archive/trove/internal/web"
)

func cmdServe(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "serve", "serve [--listen 127.0.0.1:8080] [--tls-cert FILE --tls-key FILE] [--secure-cookies] [--access-log]")
	listen := fs.String("listen", "127.0.0.1:8080", "address to listen on (port 0: any free port)")
	cert := fs.String("tls-cert", "", "TLS certificate (PEM); with --tls-key, serve HTTPS only")
	key := fs.String("tls-key", "", "TLS private key (PEM)")
	accessLog := fs.Bool("access-log", false, "log each request's method, path, status and duration (never addresses or queries)")
	secureCookies := fs.Bool("secure-cookies", false, "mark cookies Secure although trove serves plain HTTP (behind a proxy that terminates HTTPS)")
	base := fs.String("base-url", m.Config.BaseURL, "the archive's public address, for web seeds in torrents (env TROVE_BASE_URL; default http://LISTEN)")
	seed := fs.Bool("seed", false, "seed public releases over BitTorrent from the store (no second copy)")
	seedListen := fs.String("seed-listen", ":6881", "BitTorrent listen address with --seed")
	seedDHT := fs.Bool("seed-dht", true, "with --seed, also announce on the public DHT")
	tracker := fs.Bool("tracker", false, "run a BitTorrent tracker at /announce and list it in torrents")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("serve: unexpected argument %q", pos[0])
	}
	if (*cert == "") != (*key == "") {
		return usagef("serve: --tls-cert and --tls-key go together")
	}
	a, err := m.open()
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(m.Stderr, nil))
	tls := *cert != ""

	// Signing in: sessions, CSRF and API tokens over the accounts in the
	// catalog database, which also keeps the audit log.
	authn := auth.New(a.db, a.db, auth.Config{Secure: tls || *secureCookies})
	var pub *publisher // set below, once the address is known; the pages' release links use it
	ui, err := web.New(web.Config{Logger: logger}, web.Deps{
		Catalog: a.db, Index: a.db, Store: a.store, Browse: a.db,
		Accounts: a.db, Audit: a.db, Auth: authn,
		Releases: a.db, Places: a.db, Countries: a.db,
		Magnet: func(r *archive.Release) string { return pub.magnet(r) },
		Torrent: func(ctx context.Context, r *archive.Release) ([]byte, error) {
			return torrentFile(r, pub.bases(ctx), pub.trackers)
		},
	})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("serve: %w", err)
	}
	self := strings.TrimRight(*base, "/")
	if self == "" {
		scheme := "http"
		if tls {
			scheme = "https"
		}
		self = scheme + "://" + ln.Addr().String()
	}
	pub = &publisher{m: m, a: a, self: self, trackers: m.Config.Trackers}
	deps := server.Deps{
		Web:     ui,
		API:     api.New(api.Deps{Catalog: a.db, Index: a.db, Store: a.store, Audit: a.db, Browse: a.db, Countries: a.db, Log: logger}),
		Static:  web.Static(),
		Auth:    authn.Middleware,
		Publish: pub.handler(logger),
	}
	if *tracker {
		// Only this archive's torrents: never an open tracker.
		deps.Tracker = torrent.NewTracker(torrent.TrackerConfig{Allow: pub.knownInfoHash})
		pub.trackers = append([]string{self + "/announce"}, pub.trackers...)
	}
	srv := server.New(server.Config{Addr: *listen, TLSCert: *cert, TLSKey: *key, AccessLog: *accessLog, Logger: logger}, deps)
	if err := srv.Open(ln); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "trove: serving on %s (Ctrl-C to stop)\n", srv.URL())
	if *seed {
		sd, err := torrent.NewSeeder(torrent.SeederConfig{ListenAddr: *seedListen, Store: a.store, Trackers: pub.trackers, NoDHT: !*seedDHT, Logger: logger})
		if err != nil {
			srv.Close()
			return err
		}
		defer sd.Close()
		fmt.Fprintf(m.Stdout, "trove: seeding public releases on %s\n", sd.Addr())
		go pub.seedLoop(ctx, sd, logger)
	}
	// Build what the first searches would otherwise wait for.
	go func() {
		if err := a.db.WarmSearch(ctx); err != nil {
			logger.Warn("warm search", "err", err)
		}
	}()
	// Datasets under embargo read as public from its time on; once a
	// minute the change is also recorded for good, with an audit entry.
	go func() {
		t := time.NewTicker(time.Minute)
		defer t.Stop()
		for {
			if slugs, err := a.db.PublishDue(ctx, time.Now()); err != nil {
				logger.Error("publish embargoed datasets", "err", err)
			} else if len(slugs) > 0 {
				logger.Info("embargo ended: datasets published", "datasets", slugs)
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
	// The context ends on SIGINT or SIGTERM: finish requests in flight,
	// then return.
	return srv.Wait(ctx)
}
