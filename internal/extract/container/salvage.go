package container

import (
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/extract"
)

// A zip's central directory is at its end, so a truncated download or a
// damaged tail loses all of it, though most members are intact. salvage
// then reads the members from their local headers, front to back, as a
// streaming unzip does, and emits those it can read. It always ends with
// an error wrapping extract.ErrCorrupt: the archive is damaged, whatever
// was recovered.
//
// Local headers carry less than the directory: no file type (every entry
// not named like a directory is taken for a file), and with a data
// descriptor no sizes, in which case only deflated, unencrypted members
// can be read (deflate marks its own end). Names are decoded one at a
// time, as tar names are.

var localHeaderSig = []byte("PK\x03\x04")

// salvage emits the members found from their local headers in f. cause is
// why the central directory could not be read.
func (z *Zip) salvage(ctx context.Context, r *run, f io.ReaderAt, size int64, cause error) error {
	pw := &passwordList{list: r.s.Passwords()}
	recovered := 0
	for off := int64(0); off < size; {
		at, ok := findSig(f, off, size, localHeaderSig)
		if !ok {
			break
		}
		h, err := readLocalHeader(f, at, size)
		if err != nil {
			off = at + 1
			continue
		}
		if err := r.entry(ctx); err != nil {
			return err
		}
		off = h.next()
		if strings.HasSuffix(h.name, "/") || (strings.HasSuffix(h.name, `\`) && h.m.usize == 0) {
			continue // a directory
		}
		info := extract.ChildInfo{Name: displayName(h.displayName()), ModTime: h.modTime}
		if h.m.usize > uint64(z.lim.MaxMemberBytes) {
			return r.tooBig(info, h.m.usize)
		}
		if h.m.flags&0x1 != 0 {
			r.s.Meta().Encrypted = true
		}
		var rc io.ReadCloser
		switch {
		case !h.sizesUnknown:
			rc, err = openZipMember(h.m, pw, z.lim)
		case h.m.method == zipDeflate && h.m.flags&0x1 == 0:
			rc = newDescribedDeflate(f, h, size)
		default:
			err = fmt.Errorf("%w: size unknown (data descriptor) for method %d", extract.ErrCorrupt, h.m.method)
		}
		if err != nil {
			r.s.ChildFailed(info, r.memberError(err))
			continue
		}
		readErr, stop := r.stream(ctx, info, rc)
		rc.Close()
		if d, ok := rc.(*describedDeflate); ok {
			off = max(d.end, h.dataStart)
		}
		if stop != nil {
			return stop
		}
		if readErr != nil {
			r.s.ChildFailed(info, readErr)
			continue
		}
		recovered++
	}
	return r.errorf("%w: central directory unreadable (%v); %d members recovered from local headers",
		extract.ErrCorrupt, cause, recovered)
}

// findSig returns the offset of the first sig at or after off.
func findSig(f io.ReaderAt, off, size int64, sig []byte) (int64, bool) {
	buf := make([]byte, 64<<10)
	for off < size {
		n, _ := f.ReadAt(buf[:min(int64(len(buf)), size-off)], off)
		if n < len(sig) {
			return 0, false
		}
		if i := bytes.Index(buf[:n], sig); i >= 0 {
			return off + int64(i), true
		}
		off += int64(n - len(sig) + 1)
	}
	return 0, false
}

// localHeader is a parsed local file header (APPNOTE 4.3.7).
type localHeader struct {
	m            *zipMember
	name         string
	modTime      time.Time
	dataStart    int64
	sizesUnknown bool // a data descriptor follows the data and the header has no sizes
	zip64        bool
}

func readLocalHeader(f io.ReaderAt, at, size int64) (*localHeader, error) {
	var b [30]byte
	if _, err := f.ReadAt(b[:], at); err != nil {
		return nil, err
	}
	nameLen := int64(binary.LittleEndian.Uint16(b[26:]))
	extraLen := int64(binary.LittleEndian.Uint16(b[28:]))
	ne := make([]byte, nameLen+extraLen)
	if _, err := f.ReadAt(ne, at+30); err != nil {
		return nil, err
	}
	m := &zipMember{
		flags:   binary.LittleEndian.Uint16(b[6:]),
		method:  binary.LittleEndian.Uint16(b[8:]),
		dosTime: binary.LittleEndian.Uint16(b[10:]),
		crc:     binary.LittleEndian.Uint32(b[14:]),
		csize:   uint64(binary.LittleEndian.Uint32(b[18:])),
		usize:   uint64(binary.LittleEndian.Uint32(b[22:])),
		extra:   ne[nameLen:],
	}
	h := &localHeader{
		m:         m,
		name:      string(ne[:nameLen]),
		modTime:   dosDateTime(binary.LittleEndian.Uint16(b[12:]), m.dosTime),
		dataStart: at + 30 + nameLen + extraLen,
	}
	// Zip64: the sizes that do not fit are in the 0x0001 extra field,
	// uncompressed size first.
	if m.usize == 0xFFFFFFFF || m.csize == 0xFFFFFFFF {
		if x, ok := zipExtra(m.extra, 0x0001); ok {
			h.zip64 = true
			if m.usize == 0xFFFFFFFF && len(x) >= 8 {
				m.usize, x = binary.LittleEndian.Uint64(x), x[8:]
			}
			if m.csize == 0xFFFFFFFF && len(x) >= 8 {
				m.csize = binary.LittleEndian.Uint64(x)
			}
		}
	}
	if m.flags&0x8 != 0 && m.csize == 0 {
		h.sizesUnknown = true
	}
	if !h.sizesUnknown && (m.csize > uint64(size) || h.dataStart+int64(m.csize) > size) {
		// Cut short: read what is there; the content check fails it.
		m.csize = uint64(max(size-h.dataStart, 0))
	}
	start, csize := h.dataStart, int64(m.csize)
	m.raw = func() (io.Reader, error) { return io.NewSectionReader(f, start, csize), nil }
	return h, nil
}

// next is where to look for the following header.
func (h *localHeader) next() int64 {
	if h.sizesUnknown {
		return h.dataStart
	}
	return h.dataStart + int64(h.m.csize)
}

func (h *localHeader) displayName() string {
	if u, ok := unicodePathField(h.m.extra); ok {
		return u
	}
	if h.m.flags&0x800 != 0 {
		return strings.ToValidUTF8(h.name, "\uFFFD")
	}
	return decodeName(h.name)
}

// dosDateTime converts an MS-DOS date and time; zero when the date is.
func dosDateTime(d, t uint16) time.Time {
	if d == 0 {
		return time.Time{}
	}
	return time.Date(int(d>>9)+1980, time.Month(d>>5&0xf), int(d&0x1f),
		int(t>>11), int(t>>5&0x3f), int(t&0x1f)*2, 0, time.UTC)
}

// describedDeflate reads a deflated member whose sizes and CRC come after
// it, in a data descriptor: deflate finds its own end, then the descriptor
// is checked.
type describedDeflate struct {
	f      io.ReaderAt
	h      *localHeader
	cr     *countingReader
	fr     io.ReadCloser
	crc    hash.Hash32
	n      uint64
	end    int64 // where the next header may start, once known
	err    error
	closed bool
}

func newDescribedDeflate(f io.ReaderAt, h *localHeader, size int64) *describedDeflate {
	cr := &countingReader{r: bufio.NewReader(io.NewSectionReader(f, h.dataStart, size-h.dataStart))}
	return &describedDeflate{f: f, h: h, cr: cr, fr: flate.NewReader(cr), crc: crc32.NewIEEE(), end: h.dataStart}
}

var errDescriptor = fmt.Errorf("%w: data descriptor does not match the member", extract.ErrCorrupt)

func (d *describedDeflate) Read(p []byte) (int, error) {
	if d.err != nil {
		return 0, d.err
	}
	n, err := d.fr.Read(p)
	d.crc.Write(p[:n])
	d.n += uint64(n)
	switch {
	case err == io.EOF:
		d.err = d.checkDescriptor()
		return n, d.err
	case err != nil:
		d.err = err
	}
	return n, err
}

// checkDescriptor reads the data descriptor after the deflate stream:
// an optional signature, the CRC-32, then the sizes (8 bytes each in
// zip64).
func (d *describedDeflate) checkDescriptor() error {
	at := d.h.dataStart + d.cr.n
	var b [24]byte
	n, _ := d.f.ReadAt(b[:], at)
	dd := b[:n]
	if bytes.HasPrefix(dd, []byte("PK\x07\x08")) {
		dd, at = dd[4:], at+4
	}
	width := 4
	if d.h.zip64 {
		width = 8
	}
	if len(dd) < 4+2*width {
		return fmt.Errorf("%w: data descriptor cut short", extract.ErrCorrupt)
	}
	crc := binary.LittleEndian.Uint32(dd)
	usize := uint64(binary.LittleEndian.Uint32(dd[4+width:]))
	if width == 8 {
		usize = binary.LittleEndian.Uint64(dd[4+width:])
	}
	d.end = at + int64(4+2*width)
	if crc != d.crc.Sum32() || usize != d.n {
		return errDescriptor
	}
	return io.EOF
}

func (d *describedDeflate) Close() error {
	if d.closed {
		return nil
	}
	d.closed = true
	return d.fr.Close()
}

// countingReader counts the bytes read through it. It is an
// io.ByteReader, so flate reads no further than its stream's end.
type countingReader struct {
	r *bufio.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func (c *countingReader) ReadByte() (byte, error) {
	b, err := c.r.ReadByte()
	if err == nil {
		c.n++
	}
	return b, err
}
