package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/ingest"
	"github.com/trove-archive/trove/internal/mirror"
	"github.com/trove-archive/trove/internal/release"
	"github.com/trove-archive/trove/internal/torrent"
)

// keyDir is where the archive's signing key lives.
func (c *Config) keyDir() string { return filepath.Join(c.DataDir, "keys") }

// partialDir is where a mirror's interrupted downloads wait.
func (c *Config) partialDir() string { return filepath.Join(c.DataDir, "mirror-partial") }

// openBlob opens a blob through the verifying reader: torrent hashing reads
// every byte, so a corrupt blob fails the release instead of entering it.
func (a *app) openBlob(ctx context.Context) func(archive.BlobID) (io.ReadCloser, error) {
	return func(id archive.BlobID) (io.ReadCloser, error) { return a.store.Open(ctx, id) }
}

// releaseTiming is how long the steps of making a release took.
type releaseTiming struct {
	Manifest time.Duration `json:"manifest_ns"`
	Torrent  time.Duration `json:"torrent_ns"`
}

// makeRelease freezes the dataset's current original files into a signed
// release. The dataset must be public or limited: a private dataset is
// still under review.
func (a *app) makeRelease(ctx context.Context, key *release.Key, ds *archive.Dataset, name, archiveName string) (*archive.Release, *releaseTiming, error) {
	var tm releaseTiming
	start := time.Now()
	level := ds.Level
	if ds.Published(time.Now()) {
		level = archive.LevelPublic
	}
	if level != archive.LevelPublic && level != archive.LevelLimited {
		return nil, nil, archive.Errorf(archive.EInvalid,
			"dataset %s is %s: only public or limited content is released (trove dataset set %s --level public|limited)", ds.Slug, ds.Level, ds.Slug)
	}
	if name == "" {
		var err error
		if name, err = a.db.NextReleaseName(ctx, ds); err != nil {
			return nil, nil, err
		}
	}
	if !release.ValidName(name) {
		return nil, nil, archive.Errorf(archive.EInvalid, "release name %q: use lower-case letters, digits, dots and dashes", name)
	}
	src, err := a.db.ReleaseSource(ctx, ds.ID)
	if err != nil {
		return nil, nil, err
	}
	if len(src) == 0 {
		return nil, nil, archive.Errorf(archive.EInvalid, "dataset %s has no files to release", ds.Slug)
	}
	m := &release.Manifest{
		Name: name, Archive: archiveName, Created: time.Now(), Level: string(level),
		Dataset: release.ManifestDataset{Slug: ds.Slug, Title: ds.Title, Description: ds.Description, Countries: ds.Countries, Source: ds.Source},
	}
	for _, f := range src {
		size, err := a.store.Stat(ctx, f.Blob)
		if err != nil {
			return nil, nil, fmt.Errorf("release %s: %s: %w", name, f.Path, err)
		}
		if size != f.Size {
			return nil, nil, fmt.Errorf("release %s: %s: stored blob has %d bytes, catalog says %d", name, f.Path, size, f.Size)
		}
		m.Files = append(m.Files, release.ManifestFile{Path: f.Path, Size: f.Size, SHA256: f.Blob.String(), Item: f.ItemID})
	}
	raw, err := m.Encode()
	if err != nil {
		return nil, nil, err
	}
	sig := key.Sign(m, raw)
	tm.Manifest = time.Since(start)
	start = time.Now()
	info, hash, err := torrent.Build(ctx, m, a.openBlob(ctx))
	if err != nil {
		return nil, nil, fmt.Errorf("release %s: torrent: %w", name, err)
	}
	tm.Torrent = time.Since(start)
	r := &archive.Release{
		Name: name, DatasetID: ds.ID, Dataset: ds.Slug, Title: ds.Title, Level: level, Countries: ds.Countries,
		Created: m.Created, Size: m.TotalSize, Manifest: raw, Signature: sig, InfoHash: hash, Info: info, Complete: true,
	}
	if err := a.db.CreateRelease(ctx, r, m.ReleaseFiles()); err != nil {
		return nil, nil, err
	}
	return r, &tm, nil
}

// bases are the archive's own base URL and every listed mirror's: the web
// seeds of each torrent.
func (a *app) bases(ctx context.Context, self string) ([]string, error) {
	var out []string
	if self != "" {
		out = append(out, strings.TrimRight(self, "/"))
	}
	ms, err := a.db.Mirrors(ctx)
	if err != nil {
		return nil, err
	}
	for _, m := range ms {
		if !slices.Contains(out, m.URL) {
			out = append(out, m.URL)
		}
	}
	return out, nil
}

// torrentFile returns the .torrent of a release with the given web-seed
// bases and trackers (outside the info dictionary: the info-hash never
// changes).
func torrentFile(r *archive.Release, bases, trackers []string) ([]byte, error) {
	return torrent.MetaInfo(r.Info, trackers, torrent.WebSeeds(bases), r.Created, "trove release "+r.Name+" of "+r.Title)
}

// publicKey is the key this server vouches for: its own signing key, else
// the key pinned for its first upstream (a mirror serves its origin's key).
func (a *app) publicKey(ctx context.Context, keyDir string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(keyDir, release.PublicKeyFile))
	if err == nil {
		return b, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	ups, err := a.db.Upstreams(ctx)
	if err != nil || len(ups) == 0 {
		return nil, err
	}
	pk, err := release.ParsePublicKey(ups[0].PubKey)
	if err != nil {
		return nil, err
	}
	return pk.MarshalText()
}

// mirrorCatalog is the local side of a mirror sync: what this server holds,
// and how a pulled release becomes a dataset that is served and searchable.
type mirrorCatalog struct {
	m   *Main
	a   *app
	log io.Writer
}

var _ mirror.Catalog = (*mirrorCatalog)(nil)

func (c *mirrorCatalog) Held(ctx context.Context, name string) ([]byte, bool, bool, error) {
	r, err := c.a.db.Release(ctx, archive.Admin(), name)
	if archive.ErrorCode(err) == archive.ENotFound {
		return nil, false, false, nil
	} else if err != nil {
		return nil, false, false, err
	}
	return r.Manifest, r.Complete, true, nil
}

// AddRelease ingests the pulled files into the dataset (created from the
// manifest when new), then records the release with the origin's signed
// manifest, so that this server can serve it and be a source for others.
// Ingest comes first: a crash in between is resumed by the next sync.
func (c *mirrorCatalog) AddRelease(ctx context.Context, p *mirror.Pulled) error {
	m := p.Manifest
	if r, err := c.a.db.Release(ctx, archive.Admin(), m.Name); err == nil {
		if release.Digest(r.Manifest) != release.Digest(p.Raw) {
			return archive.Errorf(archive.EConflict, "release %s: this server holds another manifest under that name", m.Name)
		}
		return nil
	}
	ds, err := c.a.db.Dataset(ctx, archive.Admin(), m.Dataset.Slug)
	if archive.ErrorCode(err) == archive.ENotFound {
		ds = &archive.Dataset{Slug: m.Dataset.Slug, Title: m.Dataset.Title, Description: m.Dataset.Description,
			Countries: m.Dataset.Countries, Source: m.Dataset.Source, Level: archive.ReleaseLevel(m.Level)}
		if err := c.a.db.CreateDataset(ctx, ds); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	files := make([]ingest.StoredFile, len(m.Files))
	for i, f := range m.Files {
		files[i] = ingest.StoredFile{Path: f.Path, Blob: f.Blob(), Size: f.Size, MTime: m.Created}
	}
	reg, err := registry(c.m, extractOptions{OCR: true, Langs: ocrLanguages(ds, nil)})
	if err != nil {
		return err
	}
	stats, err := ingest.New(c.a.db, c.a.store, reg, ingest.Options{}).RunStored(ctx, ds, files)
	if err != nil {
		return fmt.Errorf("release %s: ingest: %w", m.Name, err)
	}
	if stats.WalkErrors > 0 {
		return fmt.Errorf("release %s: ingest: %d files unreadable: %s", m.Name, stats.WalkErrors, strings.Join(stats.Errors, "; "))
	}
	if c.log != nil {
		fmt.Fprintf(c.log, "release %s: ingested %d files (%d items) into dataset %s\n", m.Name, stats.Files, stats.Items, ds.Slug)
	}
	info, hash, err := torrent.Build(ctx, m, c.a.openBlob(ctx))
	if err != nil {
		return fmt.Errorf("release %s: torrent: %w", m.Name, err)
	}
	r := &archive.Release{
		Name: m.Name, DatasetID: ds.ID, Dataset: ds.Slug, Title: m.Dataset.Title, Level: archive.ReleaseLevel(m.Level),
		Countries: m.Dataset.Countries, Created: m.Created, Size: m.TotalSize, Manifest: p.Raw, Signature: p.Signature,
		InfoHash: hash, Info: info, Origin: p.Source, Complete: true,
	}
	return c.a.db.CreateRelease(ctx, r, m.ReleaseFiles())
}
