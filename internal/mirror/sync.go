package mirror

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/release"
	"github.com/trove-archive/trove/internal/store"
)

// Catalog is the local side of a Sync, implemented by the caller.
type Catalog interface {
	// Held reports what this server already has of a release: found,
	// whether complete, and the manifest it holds (the bytes as signed).
	Held(ctx context.Context, name string) (manifest []byte, complete, found bool, err error)
	// AddRelease is called once every file of a verified release is in
	// the store (verified by hash). It may be called for a release that
	// Held reported found but not complete, and must then complete it.
	AddRelease(ctx context.Context, p *Pulled) error
}

// Pulled is a release whose manifest verified and whose files are all in
// the store.
type Pulled struct {
	Manifest  *release.Manifest
	Raw       []byte // manifest bytes exactly as signed
	Signature []byte
	Source    string // base URL the manifest came from
}

// Options configure a Syncer. Store is required.
type Options struct {
	Store     *store.Store
	Workers   int   // parallel file downloads, default 4
	RateLimit int64 // bytes per second over all workers, 0 = unlimited
	// PartialDir holds partial downloads, named "<sha256>.part", so that
	// they resume after a dropped connection or a crash. Default: the
	// folder "mirror-partial" next to the store's folder.
	PartialDir string
	Client     *http.Client // default: no overall timeout, 30 s to connect, 60 s for headers
	Logger     *slog.Logger // default: discard
	// Progress, if set, is called each time a file completes (one call at
	// a time).
	Progress func(Progress)
	// Retries is how many rounds over all sources a file gets in one
	// Sync, default 3. A round only follows one in which a source failed
	// in a way that may pass (connection, server error, stall).
	Retries int
	// RetryWait is the pause before the second round, doubled before
	// each further one; default 5 s.
	RetryWait time.Duration
	// StallTimeout drops a transfer that has received nothing for this
	// long; default 60 s.
	StallTimeout time.Duration
}

// Progress is reported as files complete.
type Progress struct {
	Release           string
	Files, FilesTotal int   // manifest files in the store
	Bytes, BytesTotal int64 // their bytes
}

// Release statuses in a Report.
const (
	StatusUpToDate   = "up-to-date" // held complete with the same manifest digest, every file in the store
	StatusSynced     = "synced"     // every file is in the store and the catalog has it
	StatusRepaired   = "repaired"   // held complete, but files had gone from the store: fetched again
	StatusRefused    = "refused"    // no manifest passed the signature and validity checks
	StatusIncomplete = "incomplete" // manifest or files missing; the next Sync continues
)

// Report says what a Sync did.
type Report struct {
	Releases     []ReleaseReport `json:"releases"`
	BytesFetched int64           `json:"bytes_fetched"` // file bytes received, including bytes then discarded; not index or manifest bytes
	Duration     time.Duration   `json:"duration_ns"`
	Discovered   []string        `json:"discovered,omitempty"` // mirror URLs learnt from the sources' mirrors.json
}

// ReleaseReport is one release in a Report.
type ReleaseReport struct {
	Name       string   `json:"name"`
	Status     string   `json:"status"`
	Files      int      `json:"files"`                 // files in the manifest (0 if none verified)
	Fetched    int      `json:"fetched"`               // distinct files downloaded by this Sync
	Bytes      int64    `json:"bytes"`                 // file bytes received for this release
	Err        string   `json:"error,omitempty"`       // why the release is refused or incomplete
	BadSources []string `json:"bad_sources,omitempty"` // sources that served a bad signature or bytes that do not match the manifest
	// FetchDuration is the time spent getting the files; AddDuration the
	// time the catalog took to take the release in (ingest, torrent).
	FetchDuration time.Duration `json:"fetch_ns,omitempty"`
	AddDuration   time.Duration `json:"add_ns,omitempty"`
}

// Syncer pulls releases from sources into the local store.
type Syncer struct {
	opts       Options
	client     *http.Client
	log        *slog.Logger
	limit      *limiter
	partialDir string
	running    sync.Mutex // one Sync at a time: partial files are shared
}

// New returns a Syncer; zero options take their defaults.
func New(opts Options) *Syncer {
	if opts.Workers <= 0 {
		opts.Workers = 4
	}
	if opts.Retries <= 0 {
		opts.Retries = 3
	}
	if opts.RetryWait <= 0 {
		opts.RetryWait = 5 * time.Second
	}
	if opts.StallTimeout <= 0 {
		opts.StallTimeout = time.Minute
	}
	s := &Syncer{opts: opts, client: opts.Client, log: opts.Logger, limit: newLimiter(opts.RateLimit)}
	if s.client == nil {
		s.client = defaultClient()
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.partialDir = opts.PartialDir
	if s.partialDir == "" && opts.Store != nil {
		// Store.Path is <dir>/ab/cd/<id>: three levels up is the store.
		dir := filepath.Dir(filepath.Dir(filepath.Dir(opts.Store.Path(archive.BlobID{}))))
		s.partialDir = filepath.Join(filepath.Dir(dir), "mirror-partial")
	}
	return s
}

func defaultClient() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.DialContext = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	t.TLSHandshakeTimeout = 30 * time.Second
	t.ResponseHeaderTimeout = time.Minute
	return &http.Client{Transport: t}
}

// PartialDir returns the folder partial downloads wait in.
func (s *Syncer) PartialDir() string { return s.partialDir }

// Sync pulls every release that the sources list and that cat does not
// hold complete with the same manifest digest. pubKey is the pinned public
// key of the signing archive (minisign base64 line or .pub text).
//
// Indexes and mirror lists are read from every given source; the releases
// are the union of the indexes, in order. A manifest is asked of the
// sources that listed the release, then of the other sources, given ones
// first; the first that verifies is used. Files are asked of all sources.
//
// The error is non-nil only when the Sync could not run (bad key, no
// source reachable, ctx ended); per-release failures are in the Report,
// which is never nil.
func (s *Syncer) Sync(ctx context.Context, pubKey string, sources []Source, cat Catalog) (*Report, error) {
	s.running.Lock()
	defer s.running.Unlock()
	start := time.Now()
	rep := &Report{}
	defer func() { rep.Duration = time.Since(start) }()

	switch {
	case s.opts.Store == nil:
		return rep, archive.Errorf(archive.EInvalid, "mirror sync: no store")
	case cat == nil:
		return rep, archive.Errorf(archive.EInvalid, "mirror sync: no catalog")
	case len(sources) == 0:
		return rep, archive.Errorf(archive.EInvalid, "mirror sync: no source")
	}
	if _, err := release.ParsePublicKey(pubKey); err != nil {
		return rep, fmt.Errorf("mirror sync: %w", err)
	}
	if err := os.MkdirAll(s.partialDir, 0o700); err != nil {
		return rep, fmt.Errorf("mirror sync: %w", err)
	}
	run := &syncRun{s: s, pubKey: pubKey, ss: newSourceSet(sources), cat: cat}
	names, listed, err := run.indexes(ctx, rep)
	if err != nil {
		return rep, err
	}
	for _, name := range names {
		rr := run.release(ctx, name, listed[name])
		rep.Releases = append(rep.Releases, rr)
		s.log.Info("mirror release", "release", name, "status", rr.Status, "fetched", rr.Fetched,
			"bytes", rr.Bytes, "err", rr.Err, "bad_sources", rr.BadSources)
		if err := ctx.Err(); err != nil {
			rep.BytesFetched = run.bytes.Load()
			return rep, fmt.Errorf("mirror sync: %w", err)
		}
	}
	rep.BytesFetched = run.bytes.Load()
	return rep, nil
}

// Run syncs at once, then again every interval after the previous Sync
// ended, until ctx ends. onReport, if set, gets every Sync's outcome.
func (s *Syncer) Run(ctx context.Context, every time.Duration, pubKey string, sources []Source, cat Catalog, onReport func(*Report, error)) {
	if every <= 0 {
		every = time.Hour
	}
	for {
		rep, err := s.Sync(ctx, pubKey, sources, cat)
		if onReport != nil {
			onReport(rep, err)
		}
		t := time.NewTimer(every)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
}

// syncRun is the state of one Sync.
type syncRun struct {
	s      *Syncer
	pubKey string
	ss     *sourceSet
	cat    Catalog
	bytes  atomic.Int64 // file bytes received
}

// listing is a release as the indexes list it.
type listing struct {
	from    []*src   // given sources whose index lists it, in order
	digests []string // manifest digests they claim
}

// indexes reads every given source's index and mirror list.
func (r *syncRun) indexes(ctx context.Context, rep *Report) ([]string, map[string]*listing, error) {
	var names []string
	listed := make(map[string]*listing)
	var errs []error
	for _, g := range r.ss.given() {
		b, err := getSmall(ctx, r.s.client, g.url+"/releases/index.json", g.token, maxIndex, r.s.opts.StallTimeout)
		var entries []IndexEntry
		if err == nil {
			entries, err = ParseIndex(b)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, fmt.Errorf("mirror sync: %w", ctx.Err())
			}
			r.ss.failed(g)
			r.s.log.Warn("mirror index", "source", g.url, "err", err)
			errs = append(errs, err)
			continue
		}
		for _, e := range entries {
			l := listed[e.Name]
			if l == nil {
				l = &listing{}
				listed[e.Name] = l
				names = append(names, e.Name)
			}
			l.from = append(l.from, g)
			l.digests = append(l.digests, e.ManifestSHA256)
		}
		mb, err := getSmall(ctx, r.s.client, g.url+"/mirrors.json", g.token, maxMirrors, r.s.opts.StallTimeout)
		var mirrors []string
		if err == nil {
			mirrors, err = ParseMirrors(mb)
		}
		if err != nil {
			r.s.log.Debug("mirror list", "source", g.url, "err", err)
			continue
		}
		for _, m := range mirrors {
			if r.ss.discover(m) {
				rep.Discovered = append(rep.Discovered, m)
			}
		}
	}
	if len(errs) == len(r.ss.given()) {
		return nil, nil, fmt.Errorf("mirror sync: no source reachable: %w", errors.Join(errs...))
	}
	return names, listed, nil
}

// upToDate reports whether every digest the indexes claim is held.
func (l *listing) upToDate(held string) bool {
	n := 0
	for _, d := range l.digests {
		if d == "" {
			continue
		}
		if d != held {
			return false
		}
		n++
	}
	return n > 0
}

func (r *syncRun) release(ctx context.Context, name string, l *listing) (rr ReleaseReport) {
	rr = ReleaseReport{Name: name, Status: StatusIncomplete}
	rs := &relState{name: name}
	defer func() {
		rr.Bytes = rs.bytes.Load()
		rr.BadSources = rs.badSources()
	}()
	heldRaw, complete, found, err := r.cat.Held(ctx, name)
	if err != nil {
		rr.Err = "catalog: " + err.Error()
		return rr
	}
	var held string
	if found {
		held = release.Digest(heldRaw)
	}
	// A release held complete is still checked for files gone from the
	// store (a lost disk, blobs `trove check --repair` quarantined):
	// those are fetched again, by the same path as a new release.
	lost := 0
	if found && complete {
		if lost, err = r.lost(ctx, heldRaw); err != nil {
			rr.Err = "store: " + err.Error()
			return rr
		}
	}
	if found && complete && lost == 0 && l.upToDate(held) {
		rr.Status = StatusUpToDate
		return rr
	}
	p, refused, err := r.manifest(ctx, name, l, rs)
	if p == nil {
		if refused {
			rr.Status = StatusRefused
		}
		rr.Err = err.Error()
		return rr
	}
	rr.Files = len(p.Manifest.Files)
	if found && complete && lost == 0 && release.Digest(p.Raw) == held {
		rr.Status = StatusUpToDate
		return rr
	}
	fetchStart := time.Now()
	err = r.files(ctx, p.Manifest, rs, &rr)
	rr.FetchDuration = time.Since(fetchStart)
	if err != nil {
		rr.Err = err.Error()
		return rr
	}
	if found && complete && release.Digest(p.Raw) == held {
		// The catalog holds it already: only files were missing.
		rr.Status = StatusRepaired
		r.s.log.Warn("mirror release repaired", "release", name, "lost", lost, "fetched", rr.Fetched)
		return rr
	}
	addStart := time.Now()
	err = r.cat.AddRelease(ctx, p)
	rr.AddDuration = time.Since(addStart)
	if err != nil {
		rr.Err = "catalog: " + err.Error()
		return rr
	}
	rr.Status = StatusSynced
	return rr
}

// lost counts the distinct files of a held manifest whose blob is not in
// the store with the right size.
func (r *syncRun) lost(ctx context.Context, raw []byte) (int, error) {
	m, err := release.Parse(raw)
	if err != nil {
		return 0, fmt.Errorf("held manifest: %w", err)
	}
	seen := make(map[string]bool, len(m.Files))
	n := 0
	for _, f := range m.Files {
		if seen[f.SHA256] {
			continue
		}
		seen[f.SHA256] = true
		have, err := r.stored(ctx, f)
		if err != nil {
			return 0, err
		}
		if !have {
			n++
		}
	}
	return n, nil
}

// manifest fetches and verifies a release's manifest. refused is true when
// a source served a manifest and none passed.
func (r *syncRun) manifest(ctx context.Context, name string, l *listing, rs *relState) (*Pulled, bool, error) {
	var cands []*src
	seen := make(map[*src]bool)
	add := func(s *src) {
		if !seen[s] {
			seen[s] = true
			cands = append(cands, s)
		}
	}
	for _, s := range l.from {
		add(s)
	}
	all := r.ss.order()
	for _, s := range all {
		if s.given {
			add(s)
		}
	}
	for _, s := range all {
		add(s)
	}
	var refused bool
	var errs []string
	for _, c := range cands {
		raw, err := getSmall(ctx, r.s.client, releaseURL(c.url, name, release.ManifestName), c.token, maxManifest, r.s.opts.StallTimeout)
		var sig []byte
		if err == nil {
			sig, err = getSmall(ctx, r.s.client, releaseURL(c.url, name, release.SignatureName), c.token, maxSignature, r.s.opts.StallTimeout)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, false, ctx.Err()
			}
			if !notHeld(err) {
				errs = append(errs, err.Error())
			}
			continue
		}
		m, err := release.Verify(r.pubKey, raw, sig)
		if err == nil && m.Name != name {
			err = archive.Errorf(archive.EInvalid, "manifest names release %q", m.Name)
		}
		if err != nil {
			refused = true
			if errors.Is(err, release.ErrBadSignature) {
				rs.blame(c.url)
			}
			errs = append(errs, c.url+": "+err.Error())
			r.s.log.Warn("mirror manifest refused", "release", name, "source", c.url, "err", err)
			continue
		}
		return &Pulled{Manifest: m, Raw: raw, Signature: sig, Source: c.url}, false, nil
	}
	if len(errs) == 0 {
		errs = append(errs, "no source serves the manifest")
	}
	return nil, refused, errors.New(strings.Join(errs, "; "))
}

// blobGroup is one distinct file content of a manifest.
type blobGroup struct {
	f     release.ManifestFile // the first file with this content
	count int                  // files with this content
}

// files brings every file of m into the store.
func (r *syncRun) files(ctx context.Context, m *release.Manifest, rs *relState, rr *ReleaseReport) error {
	var groups []*blobGroup
	byHash := make(map[string]*blobGroup)
	for _, f := range m.Files {
		if g := byHash[f.SHA256]; g != nil {
			g.count++
			continue
		}
		g := &blobGroup{f: f, count: 1}
		byHash[f.SHA256] = g
		groups = append(groups, g)
	}
	var (
		mu        sync.Mutex
		doneFiles int
		doneBytes int64
		failed    int
		firstErr  error
	)
	var todo []*blobGroup
	for _, g := range groups {
		have, err := r.stored(ctx, g.f)
		if err != nil {
			return err
		}
		if have {
			doneFiles += g.count
			doneBytes += int64(g.count) * g.f.Size
		} else {
			todo = append(todo, g)
		}
	}
	jobs := make(chan *blobGroup)
	var wg sync.WaitGroup
	for range min(r.s.opts.Workers, len(todo)) {
		wg.Go(func() {
			for g := range jobs {
				err := r.fetchFile(ctx, rs, g.f)
				mu.Lock()
				if err != nil {
					failed++
					if firstErr == nil {
						firstErr = err
					}
					r.s.log.Warn("mirror file", "release", rs.name, "sha256", g.f.SHA256, "err", err)
				} else {
					rr.Fetched++
					doneFiles += g.count
					doneBytes += int64(g.count) * g.f.Size
					if r.s.opts.Progress != nil {
						r.s.opts.Progress(Progress{Release: rs.name, Files: doneFiles, FilesTotal: len(m.Files),
							Bytes: doneBytes, BytesTotal: m.TotalSize})
					}
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, g := range todo {
		select {
		case jobs <- g:
		case <-ctx.Done():
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files not fetched; first: %w", failed, len(todo), firstErr)
	}
	for _, g := range groups {
		have, err := r.stored(ctx, g.f)
		if err != nil {
			return err
		}
		if !have {
			return fmt.Errorf("%s: not in the store after fetching", g.f.Path)
		}
	}
	return nil
}

// stored reports whether f's blob is in the store with the right size.
func (r *syncRun) stored(ctx context.Context, f release.ManifestFile) (bool, error) {
	size, err := r.s.opts.Store.Stat(ctx, f.Blob())
	switch {
	case archive.ErrorCode(err) == archive.ENotFound:
		return false, nil
	case err != nil:
		return false, err
	}
	return size == f.Size, nil
}

// relState collects what happens to one release's files.
type relState struct {
	name  string
	bytes atomic.Int64
	mu    sync.Mutex
	bad   []string
}

func (rs *relState) blame(u string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for _, b := range rs.bad {
		if b == u {
			return
		}
	}
	rs.bad = append(rs.bad, u)
}

func (rs *relState) badSources() []string {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return append([]string(nil), rs.bad...)
}
