package mirror

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/trove-archive/trove/internal/release"
)

// errMismatch says a source served bytes other than the manifest's.
var errMismatch = errors.New("bytes do not match the manifest")

// maxResumes is how many times in a row a transfer that made progress
// is resumed from the same source before moving on.
const maxResumes = 8

// localError is a failure on this side (disk, store): no source is to
// blame and no other source would do better.
type localError struct{ err error }

func (e *localError) Error() string { return e.err.Error() }
func (e *localError) Unwrap() error { return e.err }

func isLocal(err error) bool {
	var le *localError
	return errors.As(err, &le)
}

// fetchFile brings one file into the store, trying every source.
func (r *syncRun) fetchFile(ctx context.Context, rs *relState, f release.ManifestFile) error {
	part := filepath.Join(r.s.partialDir, f.SHA256+".part")
	wait := r.s.opts.RetryWait
	var lastErr error
	for round := 0; round < r.s.opts.Retries; round++ {
		if round > 0 {
			if err := sleep(ctx, wait); err != nil {
				return err
			}
			wait *= 2
		}
		transient := false
		for _, sc := range r.ss.order() {
			err := r.fetchFrom(ctx, rs, sc, f, part)
			if err == nil {
				r.ss.ok(sc)
				return nil
			}
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if isLocal(err) {
				return fmt.Errorf("%s: %w", f.Path, err)
			}
			lastErr = err
			switch {
			case errors.Is(err, errMismatch):
				r.ss.markBad(sc)
				rs.blame(sc.url)
				r.s.log.Warn("mirror bad bytes", "release", rs.name, "sha256", f.SHA256, "source", sc.url, "err", err)
			case notHeld(err):
			default:
				r.ss.failed(sc)
				transient = true
				r.s.log.Debug("mirror fetch", "release", rs.name, "sha256", f.SHA256, "source", sc.url, "err", err)
			}
		}
		if !transient {
			break
		}
	}
	if fi, err := os.Stat(part); err == nil && fi.Size() == 0 {
		_ = os.Remove(part) // nothing to resume
	}
	if lastErr == nil {
		lastErr = errors.New("no source left to ask")
	}
	return fmt.Errorf("%s: %w", f.Path, lastErr)
}

// fetchFrom fetches a file from one source, resuming at once while the
// transfer makes progress, and starting over once if a resumed file fails
// the hash check (the partial's first bytes may have come from elsewhere).
func (r *syncRun) fetchFrom(ctx context.Context, rs *relState, sc *src, f release.ManifestFile, part string) error {
	restarted := false
	for tries := 0; ; tries++ {
		progress, resumed, err := r.download(ctx, rs, sc, f, part)
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil || isLocal(err):
			return err
		case errors.Is(err, errMismatch):
			if !resumed || restarted {
				return err
			}
			restarted = true
		case progress > 0 && tries < maxResumes:
			r.s.log.Debug("mirror resume", "release", rs.name, "sha256", f.SHA256, "source", sc.url, "err", err)
		default:
			return err
		}
	}
}

// download makes one request for a file, appending to the partial file
// (resuming with Range when there is one) and storing the file when it is
// complete and matches its hash. progress is the bytes received; resumed
// says whether the bytes checked included earlier ones.
func (r *syncRun) download(ctx context.Context, rs *relState, sc *src, f release.ManifestFile, part string) (progress int64, resumed bool, err error) {
	file, err := os.OpenFile(part, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return 0, false, &localError{fmt.Errorf("partial: %w", err)}
	}
	defer file.Close() // a second Close after put is harmless
	have, h, err := hashPartial(ctx, file, f.Size)
	if err != nil {
		return 0, false, err
	}
	if have == f.Size {
		if hex.EncodeToString(h.Sum(nil)) == f.SHA256 {
			return 0, true, r.put(ctx, file, f, part)
		}
		if err := restart(file, h); err != nil {
			return 0, false, err
		}
		have = 0
	}

	rctx, watch, stop := watchStall(ctx, r.s.opts.StallTimeout)
	defer stop()
	u := fileURL(sc.url, rs.name, f.Path)
	req, err := newRequest(rctx, u, sc.token)
	if err != nil {
		return 0, false, err
	}
	if have > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", have))
	}
	resp, err := r.s.client.Do(req)
	if err != nil {
		return 0, false, fmt.Errorf("get %s: %w", u, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
		if have > 0 { // the source ignored Range: start over
			if err := restart(file, h); err != nil {
				return 0, false, err
			}
			have = 0
		}
		if resp.ContentLength >= 0 && resp.ContentLength != f.Size {
			return 0, false, fmt.Errorf("get %s: %w: %d bytes, want %d", u, errMismatch, resp.ContentLength, f.Size)
		}
	case http.StatusPartialContent:
		start, end, total, ok := parseContentRange(resp.Header.Get("Content-Range"))
		if ok && total >= 0 && total != f.Size {
			return 0, true, fmt.Errorf("get %s: %w: %d bytes, want %d", u, errMismatch, total, f.Size)
		}
		if have == 0 || !ok || start != have || end != f.Size-1 {
			return 0, false, fmt.Errorf("get %s: asked bytes=%d-, got Content-Range %q", u, have, resp.Header.Get("Content-Range"))
		}
	default:
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return 0, false, &statusError{u, resp.StatusCode}
	}
	resumed = have > 0
	if etagMismatch(resp.Header.Get("ETag"), f.SHA256) {
		return 0, resumed, fmt.Errorf("get %s: %w: ETag %s", u, errMismatch, resp.Header.Get("ETag"))
	}
	if _, err := file.Seek(have, io.SeekStart); err != nil {
		return 0, resumed, &localError{fmt.Errorf("partial: %w", err)}
	}
	body := countingReader{r: watch.reader(resp.Body), run: &r.bytes, rel: &rs.bytes}
	in := limitedReader{ctx: rctx, r: io.LimitReader(body, f.Size-have+1), l: r.s.limit}
	n, err := io.CopyBuffer(localWriter{io.MultiWriter(file, h)}, in, make([]byte, 64<<10))
	switch {
	case isLocal(err):
		return n, resumed, err
	case have+n > f.Size:
		_ = restart(file, h)
		return n, resumed, fmt.Errorf("get %s: %w: more than %d bytes", u, errMismatch, f.Size)
	case err != nil:
		return n, resumed, fmt.Errorf("get %s: %w", u, err)
	case have+n < f.Size:
		return n, resumed, fmt.Errorf("get %s: body ended after %d of %d bytes", u, have+n, f.Size)
	}
	if hex.EncodeToString(h.Sum(nil)) != f.SHA256 {
		if err := restart(file, h); err != nil {
			return n, resumed, err
		}
		return n, resumed, fmt.Errorf("get %s: %w: sha256 differs", u, errMismatch)
	}
	return n, resumed, r.put(ctx, file, f, part)
}

// put stores a complete, verified partial file and removes it.
func (r *syncRun) put(ctx context.Context, file *os.File, f release.ManifestFile, part string) error {
	// The bytes were hashed as they were written: the partial file
	// becomes the blob by a rename, not a second copy.
	_ = file.Close()
	if err := r.s.opts.Store.Adopt(ctx, part, f.Blob()); err != nil {
		_ = os.Remove(part)
		return &localError{err}
	}
	return nil
}

// hashPartial hashes the bytes already in a partial file. A partial longer
// than the file, or one that cannot be read, is emptied.
func hashPartial(ctx context.Context, file *os.File, size int64) (int64, hash.Hash, error) {
	h := sha256.New()
	fi, err := file.Stat()
	if err != nil {
		return 0, nil, &localError{fmt.Errorf("partial: %w", err)}
	}
	have := fi.Size()
	if have > size {
		return 0, h, restart(file, h)
	}
	if have == 0 {
		return 0, h, nil
	}
	if _, err := io.CopyBuffer(h, io.LimitReader(ctxReader{ctx, file}, have), make([]byte, 64<<10)); err != nil {
		if ctx.Err() != nil {
			return 0, nil, ctx.Err()
		}
		return 0, h, restart(file, h)
	}
	return have, h, nil
}

// restart empties a partial file and its hash.
func restart(file *os.File, h hash.Hash) error {
	h.Reset()
	if err := file.Truncate(0); err != nil {
		return &localError{fmt.Errorf("partial: %w", err)}
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return &localError{fmt.Errorf("partial: %w", err)}
	}
	return nil
}

// parseContentRange parses "bytes START-END/TOTAL" (RFC 9110 §14.4);
// total is -1 when given as "*".
func parseContentRange(s string) (start, end, total int64, ok bool) {
	rest, found := strings.CutPrefix(s, "bytes ")
	if !found {
		return 0, 0, 0, false
	}
	rng, tot, found := strings.Cut(rest, "/")
	if !found {
		return 0, 0, 0, false
	}
	a, b, found := strings.Cut(rng, "-")
	if !found {
		return 0, 0, 0, false
	}
	var err1, err2, err3 error
	start, err1 = strconv.ParseInt(a, 10, 64)
	end, err2 = strconv.ParseInt(b, 10, 64)
	total = -1
	if tot != "*" {
		total, err3 = strconv.ParseInt(tot, 10, 64)
	}
	if err1 != nil || err2 != nil || err3 != nil || start < 0 || end < start || (total >= 0 && end >= total) {
		return 0, 0, 0, false
	}
	return start, end, total, true
}

// etagMismatch reports whether a strong ETag names a SHA-256 other than
// want. Other ETags say nothing.
func etagMismatch(etag, want string) bool {
	v, ok := strings.CutPrefix(etag, `"`)
	if !ok {
		return false
	}
	v, ok = strings.CutSuffix(v, `"`)
	if !ok || len(v) != 64 {
		return false
	}
	if _, err := hex.DecodeString(v); err != nil {
		return false
	}
	return !strings.EqualFold(v, want)
}

// countingReader counts the bytes received, for the Sync and the release.
type countingReader struct {
	r        io.Reader
	run, rel *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.run.Add(int64(n))
		c.rel.Add(int64(n))
	}
	return n, err
}

// localWriter marks write errors as local.
type localWriter struct{ w io.Writer }

func (lw localWriter) Write(p []byte) (int, error) {
	n, err := lw.w.Write(p)
	if err != nil {
		err = &localError{fmt.Errorf("partial: %w", err)}
	}
	return n, err
}

// ctxReader stops a copy when ctx ends.
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

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
