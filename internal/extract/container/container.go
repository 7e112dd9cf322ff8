package container

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/trove-archive/trove/internal/extract"
)

// Limits bounds what a single container may expand to. The ingest has its
// own budget across a whole tree of containers; these limits stop a single
// hostile archive early, before any of it is stored. A zero field takes its
// default.
type Limits struct {
	// MaxMemberBytes is the largest uncompressed size of one member
	// (default 64 GiB). A member that declares or produces more stops the
	// container with an error wrapping extract.ErrBomb.
	MaxMemberBytes int64
	// MaxMembers is the most entries a container may list, counting
	// directories, links and other skipped entries too (default 1,000,000).
	MaxMembers int
	// MaxWindowBytes is the largest decompression window (dictionary) a
	// stream may make its decoder allocate up front (default 1 GiB). It
	// applies to RAR (whose format allows up to 64 GiB), xz (4 GiB) and
	// zstd; more fails with extract.ErrTooLarge. (7z coders are internal
	// to their library and not bounded here; LZMA windows never exceed the
	// declared size.)
	MaxWindowBytes int64
}

// DefaultLimits returns the limits a zero Limits stands for.
func DefaultLimits() Limits {
	return Limits{
		MaxMemberBytes: 64 << 30,
		MaxMembers:     1_000_000,
		MaxWindowBytes: 1 << 30,
	}
}

// withDefaults fills zero (or negative) fields with their defaults.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxMemberBytes <= 0 {
		l.MaxMemberBytes = d.MaxMemberBytes
	}
	// One byte of headroom: the member reader reads one byte past the
	// limit to tell "exactly the limit" from "more".
	l.MaxMemberBytes = min(l.MaxMemberBytes, math.MaxInt64-1)
	if l.MaxMembers <= 0 {
		l.MaxMembers = d.MaxMembers
	}
	if l.MaxWindowBytes <= 0 {
		l.MaxWindowBytes = d.MaxWindowBytes
	}
	return l
}

// All returns one extractor per format family, for cmd/trove to register.
func All(limits Limits) []extract.Extractor {
	return []extract.Extractor{
		NewZip(limits),
		NewTar(limits),
		NewSevenZip(limits),
		NewRar(limits),
	}
}

// run is the state one Extract call shares between its members.
type run struct {
	format  string // "zip", for error messages
	s       extract.Sink
	lim     Limits
	entries int  // entries seen so far, for MaxMembers
	inSink  bool // a Sink.Child call is in progress
}

func newRun(format string, s extract.Sink, lim Limits) *run {
	return &run{format: format, s: s, lim: lim}
}

// errorf formats an error prefixed with the format name.
func (r *run) errorf(format string, a ...any) error {
	return fmt.Errorf(r.format+": "+format, a...)
}

// corrupt wraps err as a structural error of the container.
func (r *run) corrupt(what string, err error) error {
	if errors.Is(err, extract.ErrCorrupt) {
		return r.errorf("%s: %w", what, err)
	}
	return r.errorf("%s: %w: %w", what, extract.ErrCorrupt, err)
}

// entry counts one listed entry, of whatever kind, and fails with
// extract.ErrBomb past Limits.MaxMembers. It also stops when ctx is done.
func (r *run) entry(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return r.errorf("%w", err)
	}
	r.entries++
	if r.entries > r.lim.MaxMembers {
		return r.tooMany(r.entries)
	}
	return nil
}

func (r *run) tooMany(n int) error {
	return r.errorf("%w: more than %d entries (at least %d)", extract.ErrBomb, r.lim.MaxMembers, n)
}

// tooBig reports a member that declares more than Limits.MaxMemberBytes.
func (r *run) tooBig(info extract.ChildInfo, size uint64) error {
	err := r.errorf("%w: member declares %d bytes, limit %d", extract.ErrBomb, size, r.lim.MaxMemberBytes)
	r.s.ChildFailed(info, err)
	return err
}

// stream hands one member to the sink. readErr is the member's own failure
// (it could not be read to the end); stop is non-nil when the container
// must stop: the member grew past Limits.MaxMemberBytes, or the sink
// returned an error. stream does not call ChildFailed.
func (r *run) stream(ctx context.Context, info extract.ChildInfo, rd io.Reader) (readErr, stop error) {
	mr := &memberReader{r: rd, max: r.lim.MaxMemberBytes}
	r.inSink = true
	err := r.s.Child(ctx, info, mr)
	r.inSink = false
	if mr.err != nil {
		readErr = r.memberError(mr.err)
		if errors.Is(mr.err, extract.ErrBomb) {
			return readErr, readErr
		}
		return readErr, nil
	}
	if err != nil {
		return nil, r.errorf("%w", err)
	}
	return nil, nil
}

// emit streams one member and records its failure, if any, with
// ChildFailed. It returns non-nil when the container must stop.
func (r *run) emit(ctx context.Context, info extract.ChildInfo, rd io.Reader) error {
	readErr, stop := r.stream(ctx, info, rd)
	if readErr != nil {
		r.s.ChildFailed(info, readErr)
	}
	return stop
}

// memberError classifies why a member could not be read: errors that
// already carry an extraction sentinel keep it, anything else counts as
// corrupt data. (Reading the input file itself hardly fails; when a
// corrupt header sends a reader to a negative offset, the error looks
// like an I/O error all the same.)
func (r *run) memberError(err error) error {
	switch {
	case errors.Is(err, extract.ErrBomb), errors.Is(err, extract.ErrEncrypted),
		errors.Is(err, extract.ErrCorrupt), errors.Is(err, extract.ErrUnsupported),
		errors.Is(err, extract.ErrTooLarge):
		return r.errorf("member: %w", err)
	case errors.Is(err, zstd.ErrWindowSizeExceeded), errors.Is(err, zstd.ErrDecoderSizeExceeded):
		return r.errorf("member: %w: %w", extract.ErrTooLarge, err)
	default:
		return r.errorf("member: %w: %w", extract.ErrCorrupt, err)
	}
}

// recover turns a panic inside a decoding library into an error wrapping
// extract.ErrCorrupt. A panic raised while the sink holds control (and not
// inside memberReader, which recovers its own) is the ingest's bug and is
// re-raised. Use as: defer r.recover(&err).
func (r *run) recover(err *error) {
	v := recover()
	if v == nil {
		return
	}
	if r.inSink {
		panic(v)
	}
	*err = r.errorf("%w: decoder panic: %v", extract.ErrCorrupt, v)
}

// try calls f, turning a panic into an error wrapping extract.ErrCorrupt.
func try(f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = fmt.Errorf("%w: decoder panic: %v", extract.ErrCorrupt, v)
		}
	}()
	return f()
}

var errTooLarge = fmt.Errorf("%w: member larger than the limit", extract.ErrBomb)

// memberReader is what the sink reads a member through. It stops a member
// at Limits.MaxMemberBytes, keeps the first error it saw (sticky), and
// recovers panics of the decoder underneath.
type memberReader struct {
	r   io.Reader
	max int64
	n   int64
	err error // first error other than io.EOF
}

func (m *memberReader) Read(p []byte) (n int, err error) {
	if m.err != nil {
		return 0, m.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	defer func() {
		if v := recover(); v != nil {
			m.err = fmt.Errorf("%w: decoder panic: %v", extract.ErrCorrupt, v)
			n, err = 0, m.err
		}
	}()
	// Read at most one byte past the limit: a member of exactly max bytes
	// passes, one more byte is a bomb.
	if rem := m.max - m.n + 1; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err = m.r.Read(p)
	if n < 0 || n > len(p) {
		m.err = fmt.Errorf("%w: decoder returned a bad count %d", extract.ErrCorrupt, n)
		return 0, m.err
	}
	m.n += int64(n)
	if m.n > m.max {
		n -= int(m.n - m.max)
		m.n = m.max
		m.err = errTooLarge
		return n, m.err
	}
	if err != nil && err != io.EOF {
		m.err = err
	}
	return n, err
}

// displayName cleans a recorded member name for display: it drops leading
// "/", "./" and "../" (and their backslash forms). The result is a label,
// never a path to open or create.
func displayName(name string) string {
	for {
		switch {
		case strings.HasPrefix(name, "/"), strings.HasPrefix(name, `\`):
			name = name[1:]
		case strings.HasPrefix(name, "./"), strings.HasPrefix(name, `.\`):
			name = name[2:]
		case strings.HasPrefix(name, "../"), strings.HasPrefix(name, `..\`):
			name = name[3:]
		default:
			return name
		}
	}
}
