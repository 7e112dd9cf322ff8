package dkim

import (
	"bufio"
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// Catalog is what Run needs from the catalog; *sqlite.DB implements it.
type Catalog interface {
	// DKIMMessages lists the distinct email blobs of a dataset.
	DKIMMessages(ctx context.Context, datasetID int64) ([]archive.DKIMMessage, error)
	// PutDKIM stores checks, replacing earlier results of the same blobs.
	PutDKIM(ctx context.Context, checks []archive.DKIMCheck) error
}

// batchSize is the number of checks stored per transaction.
const batchSize = 500

// Run verifies every email item (eml, messages in mbox, msg, pst) of a
// dataset and stores the results, replacing earlier ones. progress may be
// nil; it is called from one goroutine at a time.
func Run(ctx context.Context, cat Catalog, blobs archive.BlobStore, datasetID int64, opt Options, progress func(done, total int64)) (*Stats, error) {
	keys, err := NewKeys(opt)
	if err != nil {
		return nil, err
	}
	msgs, err := cat.DKIMMessages(ctx, datasetID)
	if err != nil {
		return nil, err
	}
	v := &Verifier{Keys: keys}
	workers := opt.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	jobs := make(chan archive.DKIMMessage)
	out := make(chan archive.DKIMCheck, workers*2)
	errc := make(chan error, workers+1)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for m := range jobs {
				c, err := v.checkMessage(ctx, blobs, m)
				if err != nil {
					errc <- err
					cancel()
					return
				}
				select {
				case out <- c:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, m := range msgs {
			select {
			case jobs <- m:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(out) }()

	st := &Stats{}
	total := int64(len(msgs))
	var batch []archive.DKIMCheck
	var storeErr error
	for c := range out {
		if storeErr != nil {
			continue
		}
		st.add(c.Results)
		batch = append(batch, c)
		if len(batch) >= batchSize {
			if storeErr = cat.PutDKIM(ctx, batch); storeErr != nil {
				cancel()
			}
			batch = batch[:0]
		}
		if progress != nil {
			progress(st.Messages, total)
		}
	}
	if storeErr != nil {
		return st, storeErr
	}
	select {
	case err := <-errc:
		return st, err
	default:
	}
	if err := ctx.Err(); err != nil {
		return st, err
	}
	if len(batch) > 0 {
		if err := cat.PutDKIM(ctx, batch); err != nil {
			return st, err
		}
	}
	return st, nil
}

// checkMessage verifies one stored message.
func (v *Verifier) checkMessage(ctx context.Context, blobs archive.BlobStore, m archive.DKIMMessage) (archive.DKIMCheck, error) {
	c := archive.DKIMCheck{Blob: m.Blob, Checked: time.Now().UTC().Truncate(time.Second)}
	rc, err := blobs.Open(ctx, m.Blob)
	if err != nil {
		return c, fmt.Errorf("dkim open %s: %w", m.Blob, err)
	}
	defer rc.Close()
	if m.Rebuilt != "" {
		// Read the headers only, to name the signers the message claims.
		fields, err := readHeader(bufio.NewReaderSize(rc, 64<<10))
		reason := "rebuilt from Outlook " + m.Rebuilt + ": the original bytes, which signatures cover, are not kept"
		if err != nil || m.Rebuilt == "msg" {
			// A .msg is a compound file, not a message: nothing to read.
			c.Results = []archive.DKIMResult{{Verdict: archive.DKIMUnverifiable, Reason: reason}}
			return c, nil
		}
		from := fromDomain(fields)
		for _, f := range fields {
			if !isDKIMField(f) {
				continue
			}
			r := archive.DKIMResult{Verdict: archive.DKIMUnverifiable, Reason: reason}
			if tags, err := parseTags(f.value()); err == nil {
				r.Domain, r.Selector, r.Algorithm = tags.value("d"), tags.value("s"), tags.value("a")
			}
			c.Results = append(c.Results, r)
		}
		if len(c.Results) == 0 {
			c.Results = []archive.DKIMResult{{Domain: from, Verdict: archive.DKIMUnverifiable, Reason: reason}}
		}
		c.ARC = readARC(fields)
		return c, nil
	}
	res, err := v.Verify(ctx, rc)
	if err != nil {
		return c, fmt.Errorf("dkim verify %s: %w", m.Blob, err)
	}
	c.Results, c.ARC = res.Signatures, res.ARC
	return c, nil
}

func isDKIMField(f field) bool { return len(f.name) == 14 && equalFold(f.name, "DKIM-Signature") }

func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i]|0x20, b[i]|0x20
		if x != y {
			return false
		}
	}
	return true
}

// rank orders verdicts from best to worst for counting a message once.
func rank(v archive.DKIMVerdict) int {
	switch v {
	case archive.DKIMPass:
		return 0
	case archive.DKIMFail:
		return 1
	case archive.DKIMKeyRevoked:
		return 2
	case archive.DKIMKeyMissing:
		return 3
	case archive.DKIMError:
		return 4
	case archive.DKIMUnverifiable:
		return 5
	}
	return 6
}

// Best returns the best verdict of a message's results.
func Best(rs []archive.DKIMResult) archive.DKIMVerdict {
	best := archive.DKIMNone
	for _, r := range rs {
		if rank(r.Verdict) < rank(best) {
			best = r.Verdict
		}
	}
	return best
}

func (s *Stats) add(rs []archive.DKIMResult) {
	s.Messages++
	switch Best(rs) {
	case archive.DKIMPass:
		s.Pass++
	case archive.DKIMFail:
		s.Fail++
	case archive.DKIMKeyRevoked:
		s.KeyRevoked++
	case archive.DKIMKeyMissing:
		s.KeyMissing++
	case archive.DKIMError:
		s.Errors++
	case archive.DKIMUnverifiable:
		s.Unverifiable++
	default:
		s.None++
	}
}
