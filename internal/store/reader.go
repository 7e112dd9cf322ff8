package store

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"sync"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// Open returns a reader of blob id, or an ENotFound error.
//
// The reader hashes the bytes it returns while they are read in order from
// offset 0; at the end of the blob, Read returns an error wrapping
// archive.ErrCorrupt instead of io.EOF if the hash does not match id. After a
// Seek away from the hashed position, the bytes read are not verified
// (verification resumes after a Seek back to offset 0, or to exactly where
// the in-order hashing stopped), so callers that need a guarantee for a
// range read should call Verify. Once corruption has been detected, every
// later Read returns the same error, even after a Seek.
func (s *Store) Open(ctx context.Context, id archive.BlobID) (io.ReadSeekCloser, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("store open %s: %w", id, err)
	}
	f, err := os.Open(s.Path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound("open", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store open %s: %w", id, err)
	}
	return &reader{f: f, id: id, h: sha256.New(), s: s}, nil
}

// VerifiedTTL is how long a blob whose bytes were checked by a complete read
// is served without checking again (see OpenVerified).
const VerifiedTTL = time.Hour

type verifiedAt struct {
	at      time.Time
	size    int64
	modTime time.Time
}

func (s *Store) markVerified(id archive.BlobID, f *os.File) {
	if fi, err := f.Stat(); err == nil {
		s.verified.Store(id, verifiedAt{at: time.Now(), size: fi.Size(), modTime: fi.ModTime()})
	}
}

// OpenVerified returns the file of a blob for zero-copy serving (sendfile):
// the blob is re-hashed first unless a complete read matched its ID within
// VerifiedTTL and the file has not changed since. A corrupt blob is an
// error wrapping archive.ErrCorrupt, never served.
func (s *Store) OpenVerified(ctx context.Context, id archive.BlobID) (*os.File, error) {
	f, err := os.Open(s.Path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound("open", id)
	}
	if err != nil {
		return nil, fmt.Errorf("store open %s: %w", id, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("store open %s: %w", id, err)
	}
	fresh := func() bool {
		v, ok := s.verified.Load(id)
		if !ok {
			return false
		}
		va := v.(verifiedAt)
		return time.Since(va.at) < VerifiedTTL && va.size == fi.Size() && va.modTime.Equal(fi.ModTime())
	}
	if fresh() {
		return f, nil
	}
	// One check per blob at a time: readers arriving meanwhile wait for it
	// rather than each hashing the whole file again.
	muAny, _ := s.verifying.LoadOrStore(id, &sync.Mutex{})
	mu := muAny.(*sync.Mutex)
	mu.Lock()
	defer func() {
		s.verifying.Delete(id) // no entry left behind per blob ever served
		mu.Unlock()
	}()
	if fresh() {
		return f, nil
	}
	h := sha256.New()
	if _, err := io.CopyBuffer(h, ctxReader{ctx, f}, make([]byte, bufSize)); err != nil {
		f.Close()
		return nil, fmt.Errorf("store verify %s: %w", id, err)
	}
	if archive.BlobID(h.Sum(nil)) != id {
		f.Close()
		return nil, fmt.Errorf("store verify %s: %w", id, archive.ErrCorrupt)
	}
	s.markVerified(id, f)
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, fmt.Errorf("store open %s: %w", id, err)
	}
	return f, nil
}

// Verify re-hashes the whole of blob id. It returns an error wrapping
// archive.ErrCorrupt if the bytes do not match id, and an ENotFound error if
// the blob is missing.
func (s *Store) Verify(ctx context.Context, id archive.BlobID) error {
	f, err := os.Open(s.Path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return notFound("verify", id)
	}
	if err != nil {
		return fmt.Errorf("store verify %s: %w", id, err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.CopyBuffer(h, ctxReader{ctx, f}, make([]byte, bufSize)); err != nil {
		return fmt.Errorf("store verify %s: %w", id, err)
	}
	if archive.BlobID(h.Sum(nil)) != id {
		return fmt.Errorf("store verify %s: %w", id, archive.ErrCorrupt)
	}
	return nil
}

// reader verifies a blob as it is read; see Store.Open.
type reader struct {
	f      *os.File
	id     archive.BlobID
	h      hash.Hash
	pos    int64 // offset of the next Read
	hashed int64 // bytes [0, hashed) have been written to h, in order
	err    error // sticky corruption error
	s      *Store
}

func (r *reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	n, err := r.f.Read(p)
	verifying := r.pos == r.hashed
	if verifying {
		r.h.Write(p[:n])
		r.hashed += int64(n)
	}
	r.pos += int64(n)
	switch {
	case err == io.EOF && verifying:
		if archive.BlobID(r.h.Sum(nil)) != r.id {
			r.err = fmt.Errorf("store read %s: %w", r.id, archive.ErrCorrupt)
			r.s.verified.Delete(r.id)
			return n, r.err
		}
		r.s.markVerified(r.id, r.f)
		return n, io.EOF
	case err == io.EOF:
		return n, io.EOF
	case err != nil:
		return n, fmt.Errorf("store read %s: %w", r.id, err)
	}
	return n, nil
}

func (r *reader) Seek(offset int64, whence int) (int64, error) {
	pos, err := r.f.Seek(offset, whence)
	if err != nil {
		return pos, fmt.Errorf("store seek %s: %w", r.id, err)
	}
	r.pos = pos
	if pos == 0 {
		r.h.Reset()
		r.hashed = 0
	}
	return pos, nil
}

func (r *reader) Close() error {
	if err := r.f.Close(); err != nil {
		return fmt.Errorf("store close %s: %w", r.id, err)
	}
	return nil
}
