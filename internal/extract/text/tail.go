package text

import (
	"bytes"
	"context"
	"errors"
	"io"
)

// maxToken bounds what a parser may hold at once: a CSV record, a JSON
// string, an XML text run. Beyond it the rest of the input is written as
// plain text.
const maxToken = 4 << 20

// errTooLong stops a parser whose current token exceeds maxToken.
var errTooLong = errors.New("token too long")

// tail is a reader that remembers the bytes it has handed out since a mark,
// so that when a parser fails the rest of the input can be written raw
// from the last good position, whatever the parser had buffered. It holds
// at most limit bytes: a longer token fails with errTooLong.
type tail struct {
	r     io.Reader
	buf   []byte // buf[lo:] holds the bytes from offset off on
	lo    int
	off   int64
	limit int
}

func newTail(r io.Reader) *tail { return &tail{r: r, limit: maxToken} }

func (t *tail) Read(p []byte) (int, error) {
	if t.lo > 0 && t.lo >= len(t.buf)/2 {
		n := copy(t.buf, t.buf[t.lo:])
		t.buf, t.lo = t.buf[:n], 0
	}
	room := t.limit - (len(t.buf) - t.lo)
	if room <= 0 {
		return 0, errTooLong
	}
	if len(p) > room {
		p = p[:room]
	}
	n, err := t.r.Read(p)
	t.buf = append(t.buf, p[:n]...)
	return n, err
}

// mark forgets the bytes before input offset off.
func (t *tail) mark(off int64) {
	d := min(off-t.off, int64(len(t.buf)-t.lo))
	if d <= 0 {
		return
	}
	t.lo += int(d)
	t.off += d
}

// rest returns the input from offset off (at or after the last mark) to
// its end.
func (t *tail) rest(off int64) io.Reader {
	d := min(max(off-t.off, 0), int64(len(t.buf)-t.lo))
	return io.MultiReader(bytes.NewReader(t.buf[t.lo+int(d):]), t.r)
}

// ctxReader fails reads once ctx is done, so that long copies stop.
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

// ctxErr reports whether err means the context is done: then extraction
// stops instead of falling back to raw text.
func ctxErr(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}
