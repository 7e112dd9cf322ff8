package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

const (
	tmpDir     = "tmp"
	tempPrefix = "put-"
	// tempMaxAge is how long a temp file must have gone unmodified before
	// CleanTemp takes it for the remains of a crashed write. A Put in
	// progress writes to its file all the time; the margin protects Puts
	// made by another process sharing the directory.
	tempMaxAge = time.Hour
	dirPerm    = 0o755
	blobPerm   = 0o444
	bufSize    = 256 << 10
)

// Store is a content-addressed blob store in a folder of the local file
// system. It is safe for concurrent use, also by several processes sharing
// the folder.
type Store struct {
	dir string // absolute
	tmp string

	verified  sync.Map // BlobID -> verifiedAt: complete reads that matched
	verifying sync.Map // BlobID -> *sync.Mutex: one check at a time per blob
	// synced holds the first-level shard folders whose entry in the store's
	// folder this Store has fsynced (after they existed): new second-level
	// folders under them need not sync the store's folder again.
	synced sync.Map // string -> struct{}
}

// bufPool holds Put's copy buffers (one per Put made a quarter of a MiB of
// garbage per blob).
var bufPool = sync.Pool{New: func() any { b := make([]byte, bufSize); return &b }}

var _ archive.BlobStore = (*Store)(nil)

// Open opens the store in dir, creating dir and its tmp folder if needed,
// and removes temp files left by crashed writes (see CleanTemp).
func Open(dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("store open %s: %w", dir, err)
	}
	s := &Store{dir: abs, tmp: filepath.Join(abs, tmpDir)}
	if err := os.MkdirAll(s.tmp, dirPerm); err != nil {
		return nil, fmt.Errorf("store open %s: %w", dir, err)
	}
	if err := s.CleanTemp(); err != nil {
		return nil, fmt.Errorf("store open %s: %w", dir, err)
	}
	return s, nil
}

// Path returns the final path of blob id, whether or not it is stored.
func (s *Store) Path(id archive.BlobID) string {
	name := id.String()
	return filepath.Join(s.dir, name[0:2], name[2:4], name)
}

// Put streams r into the store and returns the ID and size of its bytes.
// Memory use does not depend on the size of r. If the content is already
// stored, the new copy is discarded, unless the stored file has the wrong
// size (it was damaged), in which case the new copy replaces it.
func (s *Store) Put(ctx context.Context, r io.Reader) (archive.BlobID, int64, error) {
	if err := ctx.Err(); err != nil {
		return archive.BlobID{}, 0, fmt.Errorf("store put: %w", err)
	}
	f, err := os.CreateTemp(s.tmp, tempPrefix+"*")
	if err != nil {
		return archive.BlobID{}, 0, fmt.Errorf("store put: %w", err)
	}
	tmp := f.Name()
	renamed := false
	defer func() {
		if !renamed {
			_ = f.Close() // may already be closed
			_ = os.Remove(tmp)
		}
	}()

	h := sha256.New()
	buf := bufPool.Get().(*[]byte)
	n, err := io.CopyBuffer(io.MultiWriter(f, h), ctxReader{ctx, r}, *buf)
	bufPool.Put(buf)
	if err != nil {
		return archive.BlobID{}, 0, fmt.Errorf("store put: %w", err)
	}
	id := archive.BlobID(h.Sum(nil))
	if err := f.Chmod(blobPerm); err != nil {
		return id, 0, fmt.Errorf("store put %s: %w", id, err)
	}
	if err := f.Sync(); err != nil {
		return id, 0, fmt.Errorf("store put %s: %w", id, err)
	}
	if err := f.Close(); err != nil {
		return id, 0, fmt.Errorf("store put %s: %w", id, err)
	}

	final := s.Path(id)
	if fi, err := os.Lstat(final); err == nil && fi.Mode().IsRegular() && fi.Size() == n {
		return id, n, nil // already stored; the deferred func removes tmp
	}
	shard := filepath.Dir(final)
	if err := s.mkShard(shard); err != nil {
		return id, 0, fmt.Errorf("store put %s: %w", id, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return id, 0, fmt.Errorf("store put %s: %w", id, err)
	}
	renamed = true
	if err := syncDir(shard); err != nil {
		return id, 0, fmt.Errorf("store put %s: %w", id, err)
	}
	return id, n, nil
}

// Adopt moves the complete file at path into the store as blob id, without
// copying it: the caller has already checked that the bytes hash to id (a
// mirror hashes what it downloads as it writes it). The file is fsynced
// and renamed into place; when id is already stored, path is just removed.
// A file on another file system is stored through Put instead, which
// hashes it again and fails if the bytes are not id.
func (s *Store) Adopt(ctx context.Context, path string, id archive.BlobID) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store adopt: %w", err)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("store adopt %s: %w", id, err)
	}
	fi, err := f.Stat()
	if err == nil && !fi.Mode().IsRegular() {
		err = errors.New("not a regular file")
	}
	if err == nil {
		err = f.Chmod(blobPerm)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("store adopt %s: %w", id, err)
	}
	final := s.Path(id)
	if cur, err := os.Lstat(final); err == nil && cur.Mode().IsRegular() && cur.Size() == fi.Size() {
		return os.Remove(path)
	}
	shard := filepath.Dir(final)
	if err := s.mkShard(shard); err != nil {
		return fmt.Errorf("store adopt %s: %w", id, err)
	}
	if err := os.Rename(path, final); err != nil {
		var le *os.LinkError
		if !errors.As(err, &le) || !errors.Is(le.Err, syscall.EXDEV) {
			return fmt.Errorf("store adopt %s: %w", id, err)
		}
		// Another file system: copy through Put, which checks the hash.
		src, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("store adopt %s: %w", id, err)
		}
		got, _, err := s.Put(ctx, src)
		src.Close()
		if err != nil {
			return err
		}
		if got != id {
			return fmt.Errorf("store adopt %s: %w: the file holds %s", id, archive.ErrCorrupt, got)
		}
		return os.Remove(path)
	}
	if err := syncDir(shard); err != nil {
		return fmt.Errorf("store adopt %s: %w", id, err)
	}
	return nil
}

// mkShard creates the two levels of shard folders above a blob if they are
// missing, fsyncing each parent so the new entries survive a crash.
func (s *Store) mkShard(shard string) error {
	if fi, err := os.Stat(shard); err == nil && fi.IsDir() {
		return nil
	}
	top := filepath.Dir(shard)
	for _, d := range []string{top, shard} {
		if d == top {
			if _, ok := s.synced.Load(top); ok {
				continue
			}
		}
		if err := os.Mkdir(d, dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
			if _, ok := s.synced.Load(top); ok && errors.Is(err, fs.ErrNotExist) {
				s.synced.Delete(top) // removed from under us: make it again
				return s.mkShard(shard)
			}
			return err
		}
		// Also after ErrExist: a concurrent Put may have created d
		// and not yet synced its parent.
		if err := syncDir(filepath.Dir(d)); err != nil {
			return err
		}
		if d == top {
			s.synced.Store(top, struct{}{})
		}
	}
	return nil
}

// Stat returns the size of blob id, or an ENotFound error.
func (s *Store) Stat(ctx context.Context, id archive.BlobID) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, fmt.Errorf("store stat %s: %w", id, err)
	}
	fi, err := os.Stat(s.Path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, notFound("stat", id)
	}
	if err != nil {
		return 0, fmt.Errorf("store stat %s: %w", id, err)
	}
	return fi.Size(), nil
}

// LocalPath returns Path(id) if the blob is stored, or an ENotFound error.
// The file is the stored blob itself, not a copy: it must not be modified.
// release does nothing.
func (s *Store) LocalPath(ctx context.Context, id archive.BlobID) (string, func(), error) {
	if _, err := s.Stat(ctx, id); err != nil {
		return "", nil, fmt.Errorf("store local path: %w", err)
	}
	return s.Path(id), func() {}, nil
}

// Walk calls fn for every stored blob. It ignores tmp and every name that
// is not a lowercase 64-hex-digit blob file in its right shard folder.
// An error from fn stops the walk and is returned unchanged.
func (s *Store) Walk(ctx context.Context, fn func(archive.BlobID) error) error {
	tops, err := readDirs(s.dir)
	if err != nil {
		return fmt.Errorf("store walk: %w", err)
	}
	for _, a := range tops {
		mids, err := readDirs(filepath.Join(s.dir, a))
		if err != nil {
			return fmt.Errorf("store walk: %w", err)
		}
		for _, b := range mids {
			shard := filepath.Join(s.dir, a, b)
			entries, err := os.ReadDir(shard)
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				return fmt.Errorf("store walk: %w", err)
			}
			for _, e := range entries {
				if err := ctx.Err(); err != nil {
					return fmt.Errorf("store walk: %w", err)
				}
				name := e.Name()
				if !e.Type().IsRegular() || !strings.HasPrefix(name, a+b) {
					continue
				}
				id, err := archive.ParseBlobID(name)
				if err != nil || id.String() != name {
					continue
				}
				if err := fn(id); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// readDirs returns the names of the shard folders (two lowercase hex
// digits) in dir; none if dir has gone.
func readDirs(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() && isHexPair(e.Name()) {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

func isHexPair(s string) bool {
	return len(s) == 2 && isHex(s[0]) && isHex(s[1])
}

func isHex(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

// Delete removes blob id. Deleting a missing blob is not an error.
func (s *Store) Delete(ctx context.Context, id archive.BlobID) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("store delete %s: %w", id, err)
	}
	p := s.Path(id)
	err := os.Remove(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("store delete %s: %w", id, err)
	}
	if err := syncDir(filepath.Dir(p)); err != nil {
		return fmt.Errorf("store delete %s: %w", id, err)
	}
	return nil
}

// CleanTemp removes the temp files of writes that crashed: files in tmp
// that have not been modified for an hour. Younger files are kept, as they
// may belong to a Put in progress in another process.
func (s *Store) CleanTemp() error {
	entries, err := os.ReadDir(s.tmp)
	if err != nil {
		return fmt.Errorf("store clean temp: %w", err)
	}
	cutoff := time.Now().Add(-tempMaxAge)
	var errs []error
	for _, e := range entries {
		if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), tempPrefix) {
			continue
		}
		fi, err := e.Info()
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if fi.ModTime().After(cutoff) {
			continue
		}
		if err := os.Remove(filepath.Join(s.tmp, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("store clean temp: %w", err)
	}
	return nil
}

func notFound(op string, id archive.BlobID) error {
	return fmt.Errorf("store %s: %w", op, archive.Errorf(archive.ENotFound, "blob %s not found", id))
}

// syncDir fsyncs a directory so that entries just created, renamed or
// removed in it survive a crash.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be opened for syncing
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if errors.Is(err, syscall.EINVAL) || errors.Is(err, syscall.ENOTSUP) {
		err = nil // the file system cannot sync directories
	}
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// ctxReader stops a copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
