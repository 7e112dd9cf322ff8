package container

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"errors"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/extract"
)

// Tar extracts tar archives and gzip, bzip2 and xz streams. The input's
// first bytes decide the compression, whatever MIME type it came with. A
// stream whose content starts with a tar header (ustar magic, or a valid
// header checksum for pre-POSIX tars) is a compressed tar and yields the
// tar's members; any other stream yields a single child, its content,
// named by the gzip header's file name, else by the input's name without
// its .gz/.bz2/.xz suffix (.tgz, .tbz2, .txz become .tar), else "data".
// Concatenated gzip, bzip2 and xz streams read as one.
//
// Tar member names without a PAX UTF-8 path are decoded from their legacy
// code page when they are not valid UTF-8. A tar does not announce its
// member count, so Tar calls Sink.Expect only for a single stream (1).
// Sparse files are emitted with their holes filled in; their logical size
// counts against Limits.MaxMemberBytes.
type Tar struct {
	lim Limits
}

var _ extract.Extractor = (*Tar)(nil)

// NewTar returns the tar and compressed-stream extractor.
func NewTar(limits Limits) *Tar { return &Tar{lim: limits.withDefaults()} }

// Name implements extract.Extractor.
func (*Tar) Name() string { return "tar" }

// MIMEs implements extract.Extractor.
func (*Tar) MIMEs() []string {
	return []string{extract.MIMETar, extract.MIMEGzip, extract.MIMEBzip2, extract.MIMEXz}
}

var (
	gzipMagic  = []byte{0x1f, 0x8b}
	bzip2Magic = []byte("BZh")
	xzMagic    = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
)

// Extract implements extract.Extractor.
func (t *Tar) Extract(ctx context.Context, in extract.Input, s extract.Sink) (err error) {
	r := newRun("tar", s, t.lim)
	defer r.recover(&err)

	f, err := os.Open(in.Path)
	if err != nil {
		return r.errorf("%w", err)
	}
	defer f.Close()
	// A stream cut into pieces (NAME.tar.gz.001, ...): the pieces in
	// order.
	var src io.Reader = f
	if len(in.Volumes) > 0 {
		st, err := f.Stat()
		if err != nil {
			return r.errorf("%w", err)
		}
		j, err := joinVolumes(f, st.Size(), in.Volumes)
		if err != nil {
			return r.errorf("%w", err)
		}
		defer j.Close()
		src = io.NewSectionReader(j, 0, j.size)
	}
	br := bufio.NewReaderSize(src, 64<<10)
	magic, _ := br.Peek(len(xzMagic))

	var (
		content io.Reader
		single  = extract.ChildInfo{Name: streamName(in.Name, "")}
	)
	switch {
	case bytes.HasPrefix(magic, gzipMagic):
		r.format = "gzip"
		zr, err := gzip.NewReader(br)
		if err != nil {
			return r.corrupt("read header", err)
		}
		defer zr.Close()
		content = &gzipMembers{br: br, zr: zr}
		if zr.Name != "" {
			single.Name = displayName(zr.Name)
		}
		if !zr.ModTime.IsZero() && zr.ModTime.After(time.Unix(0, 0)) {
			single.ModTime = zr.ModTime
		}
	case bytes.HasPrefix(magic, bzip2Magic):
		r.format = "bzip2"
		content = bzip2.NewReader(br)
	case bytes.HasPrefix(magic, xzMagic):
		r.format = "xz"
		xr, err := newXzReader(br, t.lim)
		switch {
		case errors.Is(err, extract.ErrTooLarge):
			return r.errorf("%w", err)
		case err != nil:
			return r.corrupt("read header", err)
		}
		content = xr
	default:
		return t.members(ctx, r, br)
	}

	// A compressed stream: a tar inside, or a single file?
	cb := bufio.NewReaderSize(content, 64<<10)
	head, _ := cb.Peek(512)
	if isTarHeader(head) {
		r.format += "+tar"
		return t.members(ctx, r, cb)
	}
	s.Expect(1)
	readErr, stop := r.stream(ctx, single, cb)
	if readErr != nil {
		s.ChildFailed(single, readErr)
	}
	switch {
	case stop != nil:
		return stop
	case readErr != nil:
		return readErr
	}
	return nil
}

// gzipMembers reads concatenated gzip members as one stream, like
// gzip.Reader's multistream mode, but stops quietly at trailing bytes that
// are not another member (zero padding, say) where gzip.Reader would fail;
// GNU gzip ignores them too.
type gzipMembers struct {
	br *bufio.Reader
	zr *gzip.Reader
}

func (g *gzipMembers) Read(p []byte) (int, error) {
	g.zr.Multistream(false)
	for {
		n, err := g.zr.Read(p)
		if err != io.EOF {
			return n, err
		}
		if next, _ := g.br.Peek(len(gzipMagic)); !bytes.Equal(next, gzipMagic) {
			return n, io.EOF
		}
		if err := g.zr.Reset(g.br); err != nil {
			return n, err
		}
		g.zr.Multistream(false)
		if n > 0 {
			return n, nil
		}
	}
}

// members emits the regular files of the tar archive read from rd.
func (t *Tar) members(ctx context.Context, r *run, rd *bufio.Reader) error {
	tr := tar.NewReader(rd)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			// Archives concatenated with cat: go on past the end-of-archive
			// zero blocks when another archive follows (GNU tar's
			// --ignore-zeros).
			more, err := moreTar(ctx, rd)
			if err != nil {
				return r.errorf("%w", err)
			}
			if !more {
				return nil
			}
			tr = tar.NewReader(rd)
			continue
		}
		if err != nil {
			return r.corrupt("read header", err)
		}
		if err := r.entry(ctx); err != nil {
			return err
		}
		if !tarRegular(hdr) {
			continue
		}
		info := extract.ChildInfo{Name: displayName(decodeName(hdr.Name)), ModTime: hdr.ModTime}
		if hdr.Size < 0 || hdr.Size > t.lim.MaxMemberBytes {
			return r.tooBig(info, uint64(hdr.Size))
		}
		if err := r.emit(ctx, info, tr); err != nil {
			return err
		}
	}
}

// moreTar skips the zero blocks after the end of a tar archive and reports
// whether another tar archive follows.
func moreTar(ctx context.Context, br *bufio.Reader) (bool, error) {
	for i := 0; ; i++ {
		if i%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return false, err
			}
		}
		b, _ := br.Peek(512)
		if len(b) < 512 {
			return false, nil
		}
		if !allZero(b) {
			return isTarHeader(b), nil
		}
		if _, err := br.Discard(512); err != nil {
			return false, nil
		}
	}
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// tarRegular reports whether a header is a regular file: not a directory,
// link, device, fifo, or a vendor extension (volume labels, multi-volume
// continuations, GNU dump directories).
func tarRegular(h *tar.Header) bool {
	switch h.Typeflag {
	case tar.TypeReg, '\x00', tar.TypeCont, tar.TypeGNUSparse:
		return !strings.HasSuffix(h.Name, "/")
	}
	return false
}

// isTarHeader reports whether b starts with a tar header block: the ustar
// magic, or (for V7 tars) a header checksum that matches.
func isTarHeader(b []byte) bool {
	if len(b) < 512 {
		return false
	}
	b = b[:512]
	if bytes.Equal(b[257:263], []byte("ustar\x00")) || bytes.Equal(b[257:265], []byte("ustar  \x00")) {
		return true
	}
	field := strings.Trim(string(b[148:156]), " \x00")
	want, err := strconv.ParseUint(field, 8, 32)
	if err != nil || b[0] == 0 {
		return false
	}
	var unsigned, signed int64
	for i, c := range b {
		if i >= 148 && i < 156 {
			c = ' '
		}
		unsigned += int64(c)
		signed += int64(int8(c))
	}
	return int64(want) == unsigned || int64(want) == signed
}

// streamSuffixes maps the suffixes of compressed files to what replaces
// them in the name of their content.
var streamSuffixes = []struct{ suffix, repl string }{
	{".tgz", ".tar"}, {".taz", ".tar"}, {".tbz2", ".tar"}, {".tbz", ".tar"},
	{".tb2", ".tar"}, {".txz", ".tar"},
	{".gz", ""}, {".gzip", ""}, {".bz2", ""}, {".bzip2", ""}, {".bz", ""}, {".xz", ""},
}

// streamName names the content of a single compressed stream after the
// input: header, when the stream records a name, else name without its
// compression suffix, else "data".
func streamName(name, header string) string {
	if header != "" {
		return displayName(header)
	}
	base := path.Base(strings.ReplaceAll(name, `\`, "/"))
	if name == "" || base == "/" || base == "." {
		return "data"
	}
	lower := strings.ToLower(base)
	for _, s := range streamSuffixes {
		if strings.HasSuffix(lower, s.suffix) && len(base) > len(s.suffix) {
			return base[:len(base)-len(s.suffix)] + s.repl
		}
	}
	return base
}
