package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/ingest"
	"github.com/trove-archive/trove/internal/sqlite"
	"github.com/trove-archive/trove/internal/store"
	"github.com/trove-archive/trove/internal/verify/check"
)

var _ check.Catalog = (*sqlite.DB)(nil)

// Exit statuses of trove check (docs/verify.md).
const (
	checkClean      = 0 // no damage
	checkDamage     = 1 // damage found and not (all) repaired
	checkFailed     = 2 // usage error, or the check could not run to the end
	checkAllRepared = 3 // damage found, and --repair repaired all of it
)

const checkUsage = `check [--sample PERCENT [--seed N]] [--skip-db-check] [--repair] [--json] [--quiet] [--workers N]
       trove check --restore FILE|FOLDER...

Proves the archive still holds every byte: re-hashes every blob in the store
and cross-checks the store, the catalog and the full-text index. Lists each
damage with the blob (SHA-256, catalog row) and the items (dataset:path)
that use it:

  corrupt blob              stored bytes no longer match their SHA-256 (or size)
  missing blob              in the catalog or a release, not in the store
  orphan blob               in the store, referred to by nothing
  damaged catalog           SQLite's check of a catalog table failed
  orphan item               item row pointing to a missing blob row, dataset or parent
  item without index entry  extracted text missing from the full-text index
  stale index entry         index rows of no existing chunk
  damaged index             FTS5's integrity check failed

--sample PERCENT hashes a seeded random selection of blobs holding PERCENT
of the stored bytes (whole blobs, by bytes, not by count) and skips SQLite's
and FTS5's own checks, which read the whole catalog; every cross-check still
runs. The seed is printed; --seed repeats a sample. --skip-db-check hashes
every blob and runs every cross-check but skips SQLite's and FTS5's own
checks (they re-read the whole catalog and index).

--repair rebuilds what can be rebuilt: deletes stale index rows, re-extracts
missing index entries from the store, rebuilds a damaged FTS5 index from its
text, deletes item rows nothing can reach, and moves corrupt blobs aside to
DATA/quarantine. Bytes cannot be rebuilt: get a good copy of the file (the
original, or from a mirror) and put it back with --restore, which stores only
files whose SHA-256 is a missing blob.

Exit status: 0 no damage; 1 damage found (and not all repaired); 2 usage
error, or the check could not complete; 3 damage found and all of it
repaired; 130 interrupted.`

// exitError ends a command with a given exit status; its message, if any,
// is printed like an error.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }
func (e *exitError) ExitCode() int { return e.code }

func cmdCheck(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "check", checkUsage)
	sample := fs.Float64("sample", 0, "hash only blobs holding this `percent` of the stored bytes (0 < PERCENT < 100)")
	seed := fs.String("seed", "", "seed of the sample (default: random, printed)")
	skipDB := fs.Bool("skip-db-check", false, "skip SQLite's and FTS5's own checks of the whole catalog (a sample skips them too)")
	repair := fs.Bool("repair", false, "rebuild what can be rebuilt")
	restore := fs.Bool("restore", false, "put files whose SHA-256 is a missing blob back into the store")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	quiet := fs.Bool("quiet", false, "no progress output")
	workers := fs.Int("workers", 0, "blobs hashed in parallel (default: one per core)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if *restore {
		if len(pos) == 0 {
			return usagef("check --restore: want at least one FILE or FOLDER")
		}
		return checkFail(ctx, checkRestore(ctx, m, pos))
	}
	if len(pos) != 0 {
		return usagef("check: takes no arguments (see trove check -h)")
	}
	if *sample < 0 || *sample > 100 {
		return usagef("check: --sample wants a percentage between 0 and 100")
	}
	opts := check.Options{Sample: *sample, SkipDBChecks: *skipDB, Repair: *repair, Workers: *workers}
	if *sample > 0 && *sample < 100 {
		if *seed == "" {
			var b [8]byte
			rand.Read(b[:])
			opts.Seed = binary.LittleEndian.Uint64(b[:]) >> 1
		} else if opts.Seed, err = strconv.ParseUint(*seed, 10, 64); err != nil {
			return usagef("check: --seed wants a non-negative integer")
		}
	} else if *seed != "" {
		return usagef("check: --seed goes with --sample")
	}
	a, err := m.open()
	if err != nil {
		return checkFail(ctx, err)
	}
	if !*quiet {
		opts.Progress = checkProgress{progress(m)}
	}
	if *repair {
		opts.Reindexer = &reindexer{m: m, a: a, quiet: *quiet}
	}
	st := &quarantineStore{Store: a.store, dir: filepath.Join(m.Config.DataDir, "quarantine")}
	rep, err := check.Run(ctx, st, a.db, opts)
	if err != nil {
		return checkFail(ctx, err)
	}
	if *asJSON {
		err = writeJSON(m.Stdout, rep)
	} else {
		err = rep.WriteText(m.Stdout)
	}
	if err != nil {
		return checkFail(ctx, err)
	}
	switch {
	case rep.Clean:
		return nil
	case rep.Repaired:
		return &exitError{code: checkAllRepared}
	}
	return &exitError{code: checkDamage}
}

// checkFail makes an error of the check itself exit 2 (interruption keeps
// its own status).
func checkFail(ctx context.Context, err error) error {
	var ue *usageError
	if err == nil || ctx.Err() != nil || errors.As(err, &ue) {
		return err
	}
	var ee *exitError
	if errors.As(err, &ee) {
		return err
	}
	return &exitError{code: checkFailed, msg: "check: " + errText(err)}
}

// checkProgress shows the hashing with ingest's progress line: files are
// blobs, failures are corrupt blobs.
type checkProgress struct{ p ingest.Progress }

func (c checkProgress) stats(s check.Status) *ingest.Stats {
	return &ingest.Stats{FilesTotal: s.BlobsTotal, BytesTotal: s.BytesTotal, Files: s.Blobs, FileBytes: s.Bytes,
		Items: s.Blobs, Failed: s.Damage, Elapsed: s.Elapsed}
}
func (c checkProgress) Update(s check.Status) { c.p.Update(c.stats(s)) }
func (c checkProgress) Done(s check.Status)   { c.p.Done(c.stats(s)) }

// quarantineStore moves corrupt blobs aside instead of deleting them: the
// bytes stay available for inspection, and the store slot is free for a
// good copy (Put keeps an existing file of the right size).
type quarantineStore struct {
	*store.Store
	dir string
}

func (q *quarantineStore) Quarantine(ctx context.Context, id archive.BlobID) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.MkdirAll(q.dir, 0o750); err != nil {
		return fmt.Errorf("quarantine %s: %w", id, err)
	}
	dst := filepath.Join(q.dir, id.String()+"."+time.Now().UTC().Format("20060102T150405"))
	if err := os.Rename(q.Path(id), dst); err != nil {
		return fmt.Errorf("quarantine %s: %w", id, err)
	}
	return nil
}

// reindexer rebuilds lost index entries by extracting blobs again from
// the store: leaves directly (ingest.Reextract), containers through their
// top-level file, reopened so that ingest re-extracts the containers in it
// exactly as it resumes an interrupted run.
type reindexer struct {
	m     *Main
	a     *app
	quiet bool
}

func (r *reindexer) Reindex(ctx context.Context, rows []int64) (map[int64]error, error) {
	targets, err := r.a.db.ReindexTargets(ctx, rows)
	if err != nil {
		return nil, err
	}
	failed := map[int64]error{}
	found := map[int64]bool{}
	type group struct {
		leaves map[int64]bool
		kinds  []archive.Kind
		tops   []ingest.StoredFile
		topIDs map[int64]bool
	}
	groups := map[string]*group{}
	var order []string
	for _, t := range targets {
		found[t.BlobRow] = true
		g := groups[t.Dataset]
		if g == nil {
			g = &group{leaves: map[int64]bool{}, topIDs: map[int64]bool{}}
			groups[t.Dataset] = g
			order = append(order, t.Dataset)
		}
		if !t.Container {
			g.leaves[t.BlobRow] = true
			if !slices.Contains(g.kinds, t.Kind) {
				g.kinds = append(g.kinds, t.Kind)
			}
			continue
		}
		if !g.topIDs[t.TopItem] {
			g.topIDs[t.TopItem] = true
			g.tops = append(g.tops, ingest.StoredFile{Path: t.TopPath, Blob: t.TopBlob, Size: t.TopSize, MTime: t.TopTime})
		}
	}
	for _, row := range rows {
		if !found[row] {
			failed[row] = errors.New("no item holds it in a complete chain of parents, so there is nothing to extract it for")
		}
	}
	for _, slug := range order {
		g := groups[slug]
		ds, err := r.a.db.Dataset(ctx, archive.Admin(), slug)
		if err != nil {
			return nil, fmt.Errorf("reindex: dataset %q: %w", slug, err)
		}
		reg, err := registry(r.m, extractOptions{OCR: true, Langs: ocrLanguages(ds, nil)})
		if err != nil {
			return nil, err
		}
		opts := ingest.Options{}
		if !r.quiet {
			opts.Progress = progress(r.m)
		}
		if len(g.leaves) > 0 {
			want := func(b *sqlite.DatasetBlob) bool { return g.leaves[b.ID] }
			if _, err := ingest.New(r.a.db, r.a.store, reg, opts).Reextract(ctx, ds, g.kinds, want); err != nil {
				return nil, fmt.Errorf("reindex %s: %w", slug, err)
			}
		}
		if len(g.tops) > 0 {
			for id := range g.topIDs {
				if err := r.a.db.RepairReopen(ctx, id); err != nil {
					return nil, err
				}
			}
			s, err := ingest.New(r.a.db, r.a.store, reg, opts).RunStored(ctx, ds, g.tops)
			if err != nil {
				return nil, fmt.Errorf("reindex %s: %w", slug, err)
			}
			if s.WalkErrors > 0 {
				return nil, fmt.Errorf("reindex %s: %d top-level files unreadable", slug, s.WalkErrors)
			}
		}
	}
	return failed, nil
}

// checkRestore puts back into the store the files (and the files in the
// folders) whose SHA-256 is a blob the catalog or a release needs and the
// store lacks; other files are left alone.
func checkRestore(ctx context.Context, m *Main, paths []string) error {
	a, err := m.open()
	if err != nil {
		return err
	}
	wanted := map[archive.BlobID]bool{}
	need := func(id archive.BlobID) error {
		if _, err := a.store.Stat(ctx, id); archive.ErrorCode(err) == archive.ENotFound {
			wanted[id] = true
		} else if err != nil {
			return err
		}
		return nil
	}
	if err := a.db.CheckBlobs(ctx, func(_ int64, id archive.BlobID, _ int64) error { return need(id) }); err != nil {
		return err
	}
	if err := a.db.CheckReleaseFiles(ctx, func(_, _ string, id archive.BlobID) error { return need(id) }); err != nil {
		return err
	}
	restored, seen := 0, 0
	for _, root := range paths {
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.Type().IsRegular() {
				return nil
			}
			seen++
			id, err := fileSHA(p)
			if err != nil {
				return err
			}
			if !wanted[id] {
				return nil
			}
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			got, _, err := a.store.Put(ctx, f)
			f.Close()
			if err != nil {
				return err
			}
			if got != id {
				return fmt.Errorf("restore %s: the file changed while it was read", p)
			}
			delete(wanted, id)
			restored++
			fmt.Fprintf(m.Stdout, "restored %s from %s\n", id, p)
			return nil
		})
		if err != nil {
			return archive.Errorf(archive.EInvalid, "restore: %v", err)
		}
	}
	fmt.Fprintf(m.Stdout, "restored %d blobs from %d files; %d blobs still missing\n", restored, seen, len(wanted))
	return nil
}

func fileSHA(p string) (archive.BlobID, error) {
	f, err := os.Open(p)
	if err != nil {
		return archive.BlobID{}, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, f, make([]byte, 1<<20)); err != nil {
		return archive.BlobID{}, err
	}
	return archive.BlobID(h.Sum(nil)), nil
}
