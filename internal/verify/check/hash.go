package check

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// bufSize is each hashing worker's read buffer: large reads keep the
// system-call count low; memory is Workers × bufSize whatever the blobs.
const bufSize = 1 << 20

// sampleKey orders blobs for sampling: a keyed hash of the blob ID, so
// that the order is pseudo-random, the same for the same seed, and
// different for another seed.
func sampleKey(seed uint64, id archive.BlobID) uint64 {
	var b [8 + len(id)]byte
	binary.LittleEndian.PutUint64(b[:8], seed)
	copy(b[8:], id[:])
	s := sha256.Sum256(b[:])
	return binary.BigEndian.Uint64(s[:8])
}

// pick returns the blobs to hash: all of them, or with a sample, the
// first blobs in the seeded order until they hold Sample percent of the
// bytes. Either way the largest come first, so that the workers finish
// together.
func (c *checker) pick(all []archive.BlobID) []archive.BlobID {
	if c.opts.Sample > 0 {
		var total int64
		for _, id := range all {
			total += c.stored[id]
		}
		keys := make(map[archive.BlobID]uint64, len(all))
		for _, id := range all {
			keys[id] = sampleKey(c.opts.Seed, id)
		}
		slices.SortFunc(all, func(a, b archive.BlobID) int {
			return cmp.Or(cmp.Compare(keys[a], keys[b]), slices.Compare(a[:], b[:]))
		})
		want := int64(float64(total) * c.opts.Sample / 100)
		var got int64
		n := 0
		for n < len(all) && (got < want || n == 0) {
			got += c.stored[all[n]]
			n++
		}
		all = all[:n]
	}
	slices.SortFunc(all, func(a, b archive.BlobID) int {
		return cmp.Or(cmp.Compare(c.stored[b], c.stored[a]), slices.Compare(a[:], b[:]))
	})
	return all
}

// hash re-hashes blobs in parallel, streaming each through the store's
// verifying reader, and records the corrupt and unreadable ones.
func (c *checker) hash(ctx context.Context, todo []archive.BlobID, start time.Time) (blobs, bytes int64, err error) {
	var total int64
	for _, id := range todo {
		total += c.stored[id]
	}
	var nBlobs, nBytes, nBad atomic.Int64
	status := func() Status {
		return Status{Blobs: nBlobs.Load(), BlobsTotal: int64(len(todo)), Bytes: nBytes.Load(), BytesTotal: total,
			Damage: nBad.Load(), Elapsed: time.Since(start)}
	}
	stop := make(chan struct{})
	var pwg sync.WaitGroup
	if p := c.opts.Progress; p != nil {
		pwg.Add(1)
		go func() {
			defer pwg.Done()
			t := time.NewTicker(200 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					p.Update(status())
				case <-stop:
					return
				}
			}
		}()
	}

	next := make(chan archive.BlobID)
	var wg sync.WaitGroup
	var firstErr error
	var errOnce sync.Once
	for range c.opts.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, bufSize)
			for id := range next {
				n, problem, err := c.hashOne(ctx, id, buf)
				nBytes.Add(n)
				nBlobs.Add(1)
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					continue
				}
				c.mu.Lock()
				if problem == "" {
					c.hashed[id] = true
				} else {
					c.bad[id] = true
				}
				c.mu.Unlock()
				if problem != "" {
					nBad.Add(1)
					kind := CorruptBlob
					if problem == missingProblem {
						kind = MissingBlob
					}
					r := c.rows[id]
					c.add(&Damage{Kind: kind, Blob: id.String(), BlobRow: r.row, id: id, Message: problem})
				}
			}
		}()
	}
feed:
	for _, id := range todo {
		select {
		case next <- id:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	close(stop)
	pwg.Wait()
	if p := c.opts.Progress; p != nil {
		p.Done(status())
	}
	if err := ctx.Err(); err != nil {
		return 0, 0, err
	}
	return nBlobs.Load(), nBytes.Load(), firstErr
}

const missingProblem = "blob disappeared from the store during the check"

// hashOne reads blob id to the end through the store's verifying reader.
// problem describes damage; err is for the check itself (cancelled).
func (c *checker) hashOne(ctx context.Context, id archive.BlobID, buf []byte) (n int64, problem string, err error) {
	r, err := c.st.Open(ctx, id)
	if archive.ErrorCode(err) == archive.ENotFound {
		if _, ok := c.rows[id]; !ok {
			return 0, "", nil // an orphan deleted meanwhile: nothing lost
		}
		return 0, missingProblem, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return 0, "", ctx.Err()
		}
		return 0, fmt.Sprintf("cannot be opened: %v", err), nil
	}
	defer r.Close()
	for {
		k, rerr := r.Read(buf)
		n += int64(k)
		switch {
		case rerr == io.EOF:
			if want := c.stored[id]; n != want {
				return n, fmt.Sprintf("changed size during the check: read %d bytes, expected %d", n, want), nil
			}
			return n, "", nil
		case errors.Is(rerr, archive.ErrCorrupt):
			return n, fmt.Sprintf("content does not match its SHA-256 (%d bytes read)", n), nil
		case rerr != nil:
			if ctx.Err() != nil {
				return n, "", ctx.Err()
			}
			return n, fmt.Sprintf("read error after %d bytes: %v", n, rerr), nil
		}
		if err := ctx.Err(); err != nil {
			return n, "", err
		}
	}
}
