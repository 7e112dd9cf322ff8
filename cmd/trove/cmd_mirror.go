package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/mirror"
	"github.com/trove-archive/trove/internal/release"
)

func cmdMirror(ctx context.Context, m *Main, args []string) error {
	const want = "add, remove, list, sync, announce or unannounce"
	if len(args) == 0 {
		return usagef("mirror: want %s", want)
	}
	switch args[0] {
	case "add":
		return mirrorAdd(ctx, m, args[1:])
	case "remove":
		return mirrorRemove(ctx, m, args[1:])
	case "list":
		return mirrorList(ctx, m, args[1:])
	case "sync":
		return mirrorSync(ctx, m, args[1:])
	case "announce":
		return mirrorAnnounce(ctx, m, args[1:], true)
	case "unannounce":
		return mirrorAnnounce(ctx, m, args[1:], false)
	}
	return usagef("mirror: unknown subcommand %q (want %s)", args[0], want)
}

// baseURL checks an archive's base URL and drops a trailing slash.
func baseURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return "", archive.Errorf(archive.EInvalid, "%q: want an archive's base URL such as https://archive.example", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// mirrorAdd follows an archive (the origin or another mirror): its
// releases are pulled by `trove mirror sync`, checked against the pinned key.
func mirrorAdd(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "mirror add", "mirror add URL [--pubkey KEY | --pubkey-file FILE] [--token T]")
	pubKey := fs.String("pubkey", "", "the signing archive's minisign public key (base64 line); default: fetch URL/releases/archive.pub and pin it")
	pubFile := fs.String("pubkey-file", "", "the signing archive's public key file")
	token := fs.String("token", "", "API token of an account there, to pull limited releases too")
	pos, a, err := m.operands(fs, args, 1, "exactly one URL")
	if err != nil {
		return err
	}
	base, err := baseURL(pos[0])
	if err != nil {
		return err
	}
	key, err := keyFlags(*pubKey, *pubFile)
	if err != nil {
		return err
	}
	if key == "" {
		b, err := fetchSmall(ctx, base+"/releases/archive.pub")
		if err != nil {
			return fmt.Errorf("mirror add: fetch the archive's public key: %w (or give it with --pubkey)", err)
		}
		key = string(b)
		fmt.Fprintf(m.Stderr, "trove: WARNING: pinned the key that %s serves; check it with the archive out of band.\n", base)
	}
	pk, err := release.ParsePublicKey(key)
	if err != nil {
		return err
	}
	u := &archive.Upstream{URL: base, PubKey: pk.String(), Token: *token}
	if err := a.db.AddUpstream(ctx, u); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "following %s (key %s); pull its releases with: trove mirror sync\n", base, pk.String())
	return nil
}

func mirrorRemove(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "mirror remove", "mirror remove URL")
	pos, a, err := m.operands(fs, args, 1, "exactly one URL")
	if err != nil {
		return err
	}
	base, err := baseURL(pos[0])
	if err != nil {
		return err
	}
	return a.db.RemoveUpstream(ctx, base)
}

// mirrorAnnounce adds a mirror to (or removes it from) the list this
// archive publishes at /mirrors.json and as web seeds in its torrents.
func mirrorAnnounce(ctx context.Context, m *Main, args []string, add bool) error {
	verb := "announce"
	if !add {
		verb = "unannounce"
	}
	fs := newFlags(m, "mirror "+verb, "mirror "+verb+" URL")
	pos, a, err := m.operands(fs, args, 1, "exactly one URL")
	if err != nil {
		return err
	}
	base, err := baseURL(pos[0])
	if err != nil {
		return err
	}
	if !add {
		return a.db.RemoveMirror(ctx, base)
	}
	if err := a.db.AddMirror(ctx, base); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "listed mirror %s (in /mirrors.json and as a web seed in every torrent)\n", base)
	return nil
}

func mirrorList(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "mirror list", "mirror list [--json]")
	asJSON := fs.Bool("json", false, "print JSON")
	_, a, err := m.operands(fs, args, 0, "no arguments")
	if err != nil {
		return err
	}
	ups, err := a.db.Upstreams(ctx)
	if err != nil {
		return err
	}
	ms, err := a.db.Mirrors(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		type up struct {
			URL      string    `json:"url"`
			PubKey   string    `json:"pubkey"`
			Token    bool      `json:"token"`
			LastSync time.Time `json:"last_sync,omitzero"`
			LastErr  string    `json:"last_error,omitempty"`
		}
		out := struct {
			Upstreams []up             `json:"upstreams"`
			Announced []archive.Mirror `json:"announced"`
		}{Upstreams: []up{}, Announced: ms}
		for _, u := range ups {
			out.Upstreams = append(out.Upstreams, up{u.URL, u.PubKey, u.Token != "", u.LastSync, u.LastErr})
		}
		return writeJSON(m.Stdout, out)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FOLLOWING\tLAST SYNC\tERROR")
	for _, u := range ups {
		last := "never"
		if !u.LastSync.IsZero() {
			last = u.LastSync.Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", u.URL, last, u.LastErr)
	}
	fmt.Fprintln(tw, "\nANNOUNCED MIRRORS\tADDED\t")
	for _, x := range ms {
		fmt.Fprintf(tw, "%s\t%s\t\n", x.URL, x.Added.Format(time.DateOnly))
	}
	return tw.Flush()
}

// mirrorSync pulls what the followed archives hold. Upstreams are grouped
// by pinned key: each group is one signing archive, and every URL in the
// group (plus the mirrors they list) is a source for its files.
func mirrorSync(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "mirror sync", "mirror sync [--workers N] [--limit-rate BYTES/s] [--daemon [--every 15m]] [--json]\n\n"+
		"Pulls the releases of the followed archives that this server lacks, each checked against the pinned key,\n"+
		"and completes partial ones. A release held complete whose files are missing from the store (a lost disk,\n"+
		"blobs trove check --repair quarantined) gets them fetched again and is reported \"repaired\".")
	workers := fs.Int("workers", 4, "parallel downloads")
	rate := fs.String("limit-rate", "", "bandwidth limit over all downloads, e.g. 10M (bytes per second; K, M, G suffixes)")
	daemon := fs.Bool("daemon", false, "keep running: sync now, then every --every")
	every := fs.Duration("every", 15*time.Minute, "interval between syncs with --daemon")
	asJSON := fs.Bool("json", false, "print each report as JSON")
	_, a, err := m.operands(fs, args, 0, "no arguments")
	if err != nil {
		return err
	}
	limit, err := parseRate(*rate)
	if err != nil {
		return err
	}
	ups, err := a.db.Upstreams(ctx)
	if err != nil {
		return err
	}
	if len(ups) == 0 {
		return archive.Errorf(archive.EInvalid, "no archive to mirror: trove mirror add URL")
	}
	syncer := mirror.New(mirror.Options{
		Store: a.store, Workers: *workers, RateLimit: limit, PartialDir: m.Config.partialDir(),
		Client: &http.Client{},
	})
	cat := &mirrorCatalog{m: m, a: a, log: m.Stderr}
	once := func() error {
		var firstErr error
		for _, g := range groupUpstreams(ups) {
			srcs := make([]mirror.Source, len(g))
			for i, u := range g {
				srcs[i] = mirror.Source{URL: u.URL, Token: u.Token}
			}
			rep, err := syncer.Sync(ctx, g[0].PubKey, srcs, cat)
			for _, u := range g {
				if rerr := a.db.UpstreamSynced(ctx, u.ID, time.Now(), syncErr(rep, err)); rerr != nil && firstErr == nil {
					firstErr = rerr
				}
			}
			if rep != nil {
				printSyncReport(m.Stdout, rep, *asJSON)
			}
			if err == nil {
				err = syncErr(rep, nil)
			}
			if err != nil && firstErr == nil {
				firstErr = err
			}
		}
		return firstErr
	}
	if !*daemon {
		return once()
	}
	for {
		if err := once(); err != nil {
			fmt.Fprintf(m.Stderr, "trove: mirror sync: %s (next try in %s)\n", errText(err), *every)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*every):
		}
		if ups, err = a.db.Upstreams(ctx); err != nil {
			return err
		}
	}
}

// syncErr turns a report with refused or incomplete releases into an error.
func syncErr(rep *mirror.Report, err error) error {
	if err != nil || rep == nil {
		return err
	}
	var bad []string
	for _, r := range rep.Releases {
		if r.Status == "refused" || r.Status == "incomplete" {
			bad = append(bad, r.Name+" "+r.Status)
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("mirror sync: %s", strings.Join(bad, ", "))
	}
	return nil
}

func groupUpstreams(ups []*archive.Upstream) [][]*archive.Upstream {
	var keys []string
	groups := map[string][]*archive.Upstream{}
	for _, u := range ups {
		if _, ok := groups[u.PubKey]; !ok {
			keys = append(keys, u.PubKey)
		}
		groups[u.PubKey] = append(groups[u.PubKey], u)
	}
	out := make([][]*archive.Upstream, len(keys))
	for i, k := range keys {
		out[i] = groups[k]
	}
	return out
}

func printSyncReport(w io.Writer, rep *mirror.Report, asJSON bool) {
	if asJSON {
		writeJSON(w, rep)
		return
	}
	for _, r := range rep.Releases {
		fmt.Fprintf(w, "%-30s %-11s %d/%d files fetched, %s", r.Name, r.Status, r.Fetched, r.Files, archive.HumanBytes(r.Bytes))
		if r.Err != "" {
			fmt.Fprintf(w, "  (%s)", r.Err)
		}
		if len(r.BadSources) > 0 {
			fmt.Fprintf(w, "  bad sources: %s", strings.Join(r.BadSources, ", "))
		}
		fmt.Fprintln(w)
	}
	secs := rep.Duration.Seconds()
	if secs > 0 {
		fmt.Fprintf(w, "fetched %s in %.1fs (%.1f MiB/s)\n", archive.HumanBytes(rep.BytesFetched), secs, float64(rep.BytesFetched)/secs/(1<<20))
	}
}

// parseRate reads 500K, 10M, 1G or a plain number of bytes per second.
func parseRate(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	mult := int64(1)
	switch strings.ToUpper(s[len(s)-1:]) {
	case "K":
		mult = 1 << 10
	case "M":
		mult = 1 << 20
	case "G":
		mult = 1 << 30
	}
	if mult > 1 {
		s = s[:len(s)-1]
	}
	var n int64
	if _, err := fmt.Sscan(s, &n); err != nil || n <= 0 {
		return 0, usagef("--limit-rate %q: want bytes per second such as 500K or 10M", s)
	}
	return n * mult, nil
}

// fetchSmall GETs a small document (a key, a list).
func fetchSmall(ctx context.Context, u string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 1<<20))
}
