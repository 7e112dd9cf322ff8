package container

import (
	"archive/zip"
	"bytes"
	"compress/bzip2"
	"compress/flate"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"math"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/ulikunitz/xz/lzma"
)

// Zip extracts zip archives, including zip64, self-extracting stubs and
// the zip-based formats sniffed as application/zip (jar, ...).
//
// Members may be stored, deflated, bzip2, LZMA, zstd or xz compressed;
// other methods (implode, deflate64, PPMd, ...) fail the member with
// extract.ErrUnsupported. Traditional PKWARE encryption and WinZip AES
// are decrypted with the sink's passwords; a member no password opens
// fails with extract.ErrEncrypted. Every member's CRC-32 (or AES
// authentication code) and size are checked; a mismatch fails the member
// with extract.ErrCorrupt. Names not flagged UTF-8 are decoded from the
// archive's legacy code page (see charset.go) unless an Info-ZIP Unicode
// Path field gives them. A zip whose central directory cannot be read is
// read from its local headers instead (salvage.go) and still reported as
// corrupt.
type Zip struct {
	lim Limits
}

var _ extract.Extractor = (*Zip)(nil)

// NewZip returns the zip extractor.
func NewZip(limits Limits) *Zip { return &Zip{lim: limits.withDefaults()} }

// Name implements extract.Extractor.
func (*Zip) Name() string { return "zip" }

// MIMEs implements extract.Extractor.
func (*Zip) MIMEs() []string { return []string{extract.MIMEZip} }

// Extract implements extract.Extractor.
func (z *Zip) Extract(ctx context.Context, in extract.Input, s extract.Sink) (err error) {
	r := newRun("zip", s, z.lim)
	defer r.recover(&err)

	f, err := os.Open(in.Path)
	if err != nil {
		return r.errorf("%w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return r.errorf("%w", err)
	}
	// A zip cut into pieces (NAME.zip.001, ...): the pieces read as one.
	var ra io.ReaderAt = f
	size := st.Size()
	if len(in.Volumes) > 0 {
		j, err := joinVolumes(f, size, in.Volumes)
		if err != nil {
			return r.errorf("%w", err)
		}
		defer j.Close()
		ra, size = j, j.size
	}
	// archive/zip allocates every entry of the directory: refuse a count
	// past the limit before it does.
	if n, ok := zipEntryCount(ra, size); ok && n > uint64(z.lim.MaxMembers) {
		return r.tooMany(int(min(n, math.MaxInt32)))
	}
	zr, err := zip.NewReader(ra, size)
	if err != nil && !(errors.Is(err, zip.ErrInsecurePath) && zr != nil) {
		// (Names like "../x" are fine here: they are never used as paths.)
		return z.salvage(ctx, r, ra, size, err)
	}
	if len(zr.File) > z.lim.MaxMembers {
		return r.tooMany(len(zr.File))
	}

	names := zipNames(zr.File)
	n := 0
	for _, zf := range zr.File {
		if zipRegular(zf) {
			n++
			if zf.Flags&0x1 != 0 {
				s.Meta().Encrypted = true
			}
		}
	}
	s.Expect(n)

	pw := &passwordList{list: s.Passwords()}
	for i, zf := range zr.File {
		if err := r.entry(ctx); err != nil {
			return err
		}
		if !zipRegular(zf) {
			continue
		}
		info := extract.ChildInfo{Name: displayName(names[i]), ModTime: zipModTime(zf)}
		if zf.UncompressedSize64 > uint64(z.lim.MaxMemberBytes) {
			return r.tooBig(info, zf.UncompressedSize64)
		}
		rc, err := openZipMember(memberOf(zf), pw, z.lim)
		if err != nil {
			s.ChildFailed(info, r.memberError(err))
			continue
		}
		err = r.emit(ctx, info, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// zipEntryCount reads the number of entries from the end of central
// directory record, or its zip64 form.
func zipEntryCount(f io.ReaderAt, size int64) (uint64, bool) {
	n := min(size, 22+65535)
	buf := make([]byte, n)
	if _, err := f.ReadAt(buf, size-n); err != nil && err != io.EOF {
		return 0, false
	}
	i := bytes.LastIndex(buf, []byte("PK\x05\x06"))
	if i < 0 || len(buf)-i < 22 {
		return 0, false
	}
	count := uint64(binary.LittleEndian.Uint16(buf[i+10:]))
	if count != 0xFFFF || i < 20 || !bytes.HasPrefix(buf[i-20:], []byte("PK\x06\x07")) {
		return count, true
	}
	var z64 [40]byte
	off := int64(binary.LittleEndian.Uint64(buf[i-20+8:]))
	if off < 0 || off > size-int64(len(z64)) {
		return count, true
	}
	if _, err := f.ReadAt(z64[:], off); err != nil || !bytes.HasPrefix(z64[:], []byte("PK\x06\x06")) {
		return count, true
	}
	return binary.LittleEndian.Uint64(z64[32:]), true
}

// zipRegular reports whether an entry is a regular file (not a directory,
// symbolic link, device, ...).
func zipRegular(f *zip.File) bool {
	if strings.HasSuffix(f.Name, `\`) && f.UncompressedSize64 == 0 {
		return false // a directory written with a DOS separator
	}
	return f.Mode().IsRegular()
}

// zipModTime returns the member's modification time, zero when unset.
func zipModTime(f *zip.File) time.Time {
	if f.Modified.Year() < 1980 { // MS-DOS date 0: not recorded
		return time.Time{}
	}
	return f.Modified
}

// zipNames returns the display names of files, in UTF-8. Names flagged
// UTF-8 are used as they are. When every unflagged name is valid UTF-8
// the archive is taken as UTF-8 too (many tools omit the flag); when one
// of them is not, the archive was written in a legacy code page and all
// its unflagged non-ASCII names are decoded from the code page that best
// explains them. An Info-ZIP Unicode Path field (0x7075) wins over both.
func zipNames(files []*zip.File) []string {
	var legacy []string
	utf8Only := true
	for _, f := range files {
		if f.Flags&0x800 != 0 || isASCII(f.Name) {
			continue
		}
		legacy = append(legacy, f.Name)
		if !utf8.ValidString(f.Name) {
			utf8Only = false
		}
	}
	var dec nameDecoder
	if !utf8Only {
		dec = newNameDecoder(legacy)
	}
	names := make([]string, len(files))
	for i, f := range files {
		switch u, ok := unicodePathField(f.Extra); {
		case ok:
			names[i] = u
		case f.Flags&0x800 != 0 || isASCII(f.Name):
			names[i] = strings.ToValidUTF8(f.Name, "\uFFFD")
		case utf8Only:
			names[i] = f.Name
		default:
			names[i] = dec.decode(f.Name)
		}
	}
	return names
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// zipExtra returns the data of the first extra field with the given id.
func zipExtra(extra []byte, id uint16) ([]byte, bool) {
	for len(extra) >= 4 {
		tag := binary.LittleEndian.Uint16(extra)
		size := int(binary.LittleEndian.Uint16(extra[2:]))
		extra = extra[4:]
		if size > len(extra) {
			return nil, false
		}
		if tag == id {
			return extra[:size], true
		}
		extra = extra[size:]
	}
	return nil, false
}

// unicodePathField returns the name from an Info-ZIP Unicode Path extra field.
// The field carries the CRC-32 of the header name it translates, but
// writers get it wrong often enough that, like libarchive, unicodePath
// does not check it.
func unicodePathField(extra []byte) (string, bool) {
	b, ok := zipExtra(extra, 0x7075)
	if !ok || len(b) < 6 || b[0] != 1 {
		return "", false
	}
	name := string(b[5:])
	if !utf8.ValidString(name) {
		return "", false
	}
	return name, true
}

// Compression methods (APPNOTE 4.4.5).
const (
	zipStore   = 0
	zipDeflate = 8
	zipBzip2   = 12
	zipLZMA    = 14
	zipZstd    = 93
	zipXz      = 95
	zipAES     = 99 // WinZip AES; the real method is in the 0x9901 field
)

// zipMember is what decoding a member needs, whether it comes from the
// central directory or (salvage.go) from a local header.
type zipMember struct {
	flags, method uint16
	crc           uint32
	csize, usize  uint64
	dosTime       uint16 // MS-DOS time: the password check byte with a data descriptor
	extra         []byte
	raw           func() (io.Reader, error) // the stored bytes, from their start
}

func memberOf(f *zip.File) *zipMember {
	return &zipMember{
		flags: f.Flags, method: f.Method, crc: f.CRC32,
		csize: f.CompressedSize64, usize: f.UncompressedSize64,
		dosTime: f.ModifiedTime, extra: f.Extra, raw: f.OpenRaw,
	}
}

// openZipMember returns a reader of the member's content that fails with
// extract.ErrCorrupt at the end if the size or checksum is wrong.
func openZipMember(m *zipMember, pw *passwordList, lim Limits) (io.ReadCloser, error) {
	method := m.method
	var ae *aesField
	if method == zipAES {
		a, err := parseAESField(m)
		if err != nil {
			return nil, err
		}
		ae, method = a, a.method
	}
	if !zipMethodKnown(method) {
		return nil, fmt.Errorf("compression method %d: %w", method, extract.ErrUnsupported)
	}
	if m.flags&0x1 == 0 {
		raw, err := m.raw()
		if err != nil {
			return nil, err
		}
		return newZipContent(m, raw, method, true, lim)
	}
	if m.flags&0x40 != 0 {
		return nil, fmt.Errorf("PKWARE strong encryption: %w", extract.ErrEncrypted)
	}
	return openEncrypted(m, ae, method, pw, lim)
}

func zipMethodKnown(m uint16) bool {
	switch m {
	case zipStore, zipDeflate, zipBzip2, zipLZMA, zipZstd, zipXz:
		return true
	}
	return false
}

// newZipContent decompresses src (the member's stored bytes, decrypted)
// and checks the result against the central directory.
func newZipContent(m *zipMember, src io.Reader, method uint16, checkCRC bool, lim Limits) (io.ReadCloser, error) {
	c := &zipContent{
		src:   src,
		size:  m.usize,
		crc:   m.crc,
		check: checkCRC,
		h:     crc32.NewIEEE(),
	}
	switch method {
	case zipStore:
		c.r = src
	case zipDeflate:
		fr := flate.NewReader(src)
		c.r, c.closer = fr, fr
	case zipBzip2:
		c.r = bzip2.NewReader(src)
	case zipLZMA:
		r, err := newZipLZMA(src, m.usize, m.flags&0x2 != 0)
		if err != nil {
			return nil, err
		}
		c.r = r
	case zipZstd:
		d, err := zstd.NewReader(src,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxMemory(uint64(lim.MaxWindowBytes)),
			zstd.WithDecoderMaxWindow(uint64(lim.MaxWindowBytes)))
		if err != nil {
			return nil, err
		}
		rc := d.IOReadCloser()
		c.r, c.closer = rc, rc
	case zipXz:
		r, err := newXzReader(src, lim)
		if err != nil {
			return nil, err
		}
		c.r = r
	default:
		return nil, fmt.Errorf("compression method %d: %w", method, extract.ErrUnsupported)
	}
	return c, nil
}

// newZipLZMA reads LZMA as zip stores it (APPNOTE 5.8.8): a 4-byte header
// (version, properties size) and the 5 properties bytes, then the raw
// stream. It hands the decoder the classic .lzma header: the size the
// central directory declares, or "unknown" when flag bit 1 says an
// end-of-stream marker ends the data; and a dictionary no larger than that
// size (a decoder never looks back further than what it has written), so
// a header cannot make it allocate gigabytes for a small member.
func newZipLZMA(src io.Reader, size uint64, eos bool) (io.Reader, error) {
	var h [4]byte
	if _, err := io.ReadFull(src, h[:]); err != nil {
		return nil, fmt.Errorf("lzma header: %w", err)
	}
	if n := binary.LittleEndian.Uint16(h[2:]); n != 5 {
		return nil, fmt.Errorf("lzma header: %d properties bytes, want 5", n)
	}
	var hdr [13]byte
	if _, err := io.ReadFull(src, hdr[:5]); err != nil {
		return nil, fmt.Errorf("lzma header: %w", err)
	}
	dict := binary.LittleEndian.Uint32(hdr[1:])
	binary.LittleEndian.PutUint32(hdr[1:], uint32(min(uint64(dict), max(size, lzma.MinDictCap))))
	if eos {
		size = 1<<64 - 1
	}
	binary.LittleEndian.PutUint64(hdr[5:], size)
	return lzma.NewReader(io.MultiReader(bytes.NewReader(hdr[:]), src))
}

var (
	errZipCRC  = fmt.Errorf("%w: crc-32 mismatch", extract.ErrCorrupt)
	errZipSize = fmt.Errorf("%w: size differs from the central directory", extract.ErrCorrupt)
)

// zipContent is a member's decompressed content, checked at its end.
type zipContent struct {
	r      io.Reader
	src    io.Reader // what r decompresses: read to its end too, for AES to check its code
	closer io.Closer
	size   uint64
	n      uint64
	crc    uint32
	check  bool // check the CRC (not for WinZip AE-2, whose CRC is 0)
	h      hash.Hash32
	err    error
}

func (c *zipContent) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.r.Read(p)
	c.n += uint64(n)
	c.h.Write(p[:n])
	if c.n > c.size {
		c.err = errZipSize
		return n, c.err
	}
	switch {
	case err == io.EOF:
		// A decompressor stops at the end of its stream; what follows in
		// src (the AES authentication code) must still be read.
		_, srcErr := io.Copy(io.Discard, c.src)
		switch {
		case srcErr != nil:
			c.err = srcErr
		case c.n != c.size:
			c.err = errZipSize
		case c.check && c.h.Sum32() != c.crc:
			c.err = errZipCRC
		default:
			c.err = io.EOF
		}
		return n, c.err
	case err != nil:
		c.err = err
	}
	return n, err
}

func (c *zipContent) Close() error {
	if c.closer != nil {
		return c.closer.Close()
	}
	return nil
}
