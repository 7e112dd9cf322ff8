package mirror

import (
	"context"
	"io"
	"sync"
	"time"
)

// limiter spreads reads of all workers over time so that they average at
// most rate bytes a second, allowing a burst of burst's worth of bytes
// after a pause (a virtual-clock token bucket).
type limiter struct {
	mu    sync.Mutex
	rate  float64 // bytes per second
	burst time.Duration
	next  time.Time // when the bytes handed out so far will have been earned
}

func newLimiter(bytesPerSec int64) *limiter {
	if bytesPerSec <= 0 {
		return nil
	}
	return &limiter{rate: float64(bytesPerSec), burst: 100 * time.Millisecond}
}

// chunk is the largest read the limiter lets through at once: a tenth of a
// second's worth, between 1 KiB and 64 KiB, so slow rates stay smooth.
func (l *limiter) chunk() int {
	c := int(l.rate / 10)
	return max(1<<10, min(c, 64<<10))
}

// wait blocks until n more bytes fit the rate, or ctx ends.
func (l *limiter) wait(ctx context.Context, n int) error {
	l.mu.Lock()
	now := time.Now()
	if floor := now.Add(-l.burst); l.next.Before(floor) {
		l.next = floor
	}
	l.next = l.next.Add(time.Duration(float64(n) / l.rate * float64(time.Second)))
	d := l.next.Sub(now)
	l.mu.Unlock()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// limitedReader reads through a limiter; a nil limiter lets all through.
type limitedReader struct {
	ctx context.Context
	r   io.Reader
	l   *limiter
}

func (lr limitedReader) Read(p []byte) (int, error) {
	if lr.l == nil {
		return lr.r.Read(p)
	}
	if c := lr.l.chunk(); len(p) > c {
		p = p[:c]
	}
	n, err := lr.r.Read(p)
	if n > 0 {
		if werr := lr.l.wait(lr.ctx, n); werr != nil {
			return n, werr
		}
	}
	return n, err
}
