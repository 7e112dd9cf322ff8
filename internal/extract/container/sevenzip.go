package container

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"strings"

	"github.com/bodgit/sevenzip"
	"github.com/trove-archive/trove/internal/extract"
)

// SevenZip extracts 7z archives with github.com/bodgit/sevenzip (every
// coder it knows: copy, deflate, bzip2, LZMA, LZMA2, PPMd, brotli, LZ4,
// zstd, delta, the BCJ filters, AES).
//
// Passwords: the archive is first opened without one. An encrypted header
// is then tried with each of the sink's passwords; none working returns an
// error wrapping extract.ErrEncrypted. Encrypted content behind a plain
// header is found out when a member fails to decode: SevenZip then checks
// the sink's passwords by decoding that member to the end, and goes on with
// the first that works; a member no password opens fails with
// extract.ErrEncrypted. The library does not check member CRCs; SevenZip
// does, and a mismatch fails the member with extract.ErrCorrupt.
//
// Multi-volume archives (name.7z.001, .002, ...) are the archive cut in
// pieces: with the further volumes in Input.Volumes (the ingest finds them
// beside the first), SevenZip reads the pieces as one file. The first
// volume alone fails with "multi-volume archive: other volumes not
// present" (extract.ErrCorrupt).
type SevenZip struct {
	lim Limits
}

var _ extract.Extractor = (*SevenZip)(nil)

// NewSevenZip returns the 7z extractor.
func NewSevenZip(limits Limits) *SevenZip { return &SevenZip{lim: limits.withDefaults()} }

// Name implements extract.Extractor.
func (*SevenZip) Name() string { return "7z" }

// MIMEs implements extract.Extractor.
func (*SevenZip) MIMEs() []string { return []string{extract.MIMESevenZip} }

// Extract implements extract.Extractor.
func (z *SevenZip) Extract(ctx context.Context, in extract.Input, s extract.Sink) (err error) {
	r := newRun("7z", s, z.lim)
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
	a := &szArchive{f: f, size: st.Size(), passwords: s.Passwords()}
	if len(in.Volumes) > 0 {
		j, err := joinVolumes(f, st.Size(), in.Volumes)
		if err != nil {
			return r.errorf("%w", err)
		}
		defer j.Close()
		a.f, a.size = j, j.size
	}
	cur, err := a.first()
	if err != nil {
		switch {
		case szEmpty(a.f, a.size):
			s.Expect(0)
			return nil
		case errors.Is(err, extract.ErrEncrypted):
			s.Meta().Encrypted = true
			return r.errorf("header: %w", err)
		case strings.HasSuffix(strings.ToLower(in.Name), ".001") && len(in.Volumes) == 0:
			return r.errorf("%w: multi-volume archive: other volumes not present", extract.ErrCorrupt)
		}
		return r.corrupt("read header", err)
	}
	if a.pw[cur] != "" {
		s.Meta().Encrypted = true // the header was
	}
	if len(cur.File) > z.lim.MaxMembers {
		return r.tooMany(len(cur.File))
	}
	n := 0
	for _, zf := range cur.File {
		if szRegular(zf) {
			n++
		}
	}
	s.Expect(n)

	// A folder (a solid block) is one compressed stream: once it failed to
	// decode, or to decrypt, its later members fail the same way, and
	// trying each would decode the block from its start again and again.
	broken := map[int]error{}
	for i, zf := range cur.File {
		if err := r.entry(ctx); err != nil {
			return err
		}
		if !szRegular(zf) {
			continue
		}
		info := extract.ChildInfo{Name: displayName(zf.Name), ModTime: zf.Modified}
		if zf.UncompressedSize > uint64(z.lim.MaxMemberBytes) {
			return r.tooBig(info, zf.UncompressedSize)
		}
		if err, ok := broken[zf.Stream]; ok && zf.UncompressedSize > 0 {
			s.ChildFailed(info, err)
			continue
		}
		readErr, stop := a.stream(ctx, r, info, cur.File[i])
		if stop != nil {
			return stop
		}
		if readErr == nil {
			continue
		}
		// The member failed. If its folder is encrypted, another password
		// may open it.
		if !a.encrypted(cur, i, readErr) {
			s.ChildFailed(info, readErr)
			if !errors.Is(readErr, errSzCRC) && !errors.Is(readErr, errSzSize) {
				broken[zf.Stream] = r.errorf("member: %w: its solid block failed to decode earlier", extract.ErrCorrupt)
			}
			continue
		}
		s.Meta().Encrypted = true
		next, ok := a.findPassword(cur, i, z.lim)
		if !ok {
			err := r.errorf("member: %w", extract.ErrEncrypted)
			s.ChildFailed(info, err)
			broken[zf.Stream] = err
			continue
		}
		cur = next
		readErr, stop = a.stream(ctx, r, info, cur.File[i])
		if stop != nil {
			return stop
		}
		if readErr != nil {
			s.ChildFailed(info, readErr)
		}
	}
	return nil
}

// szEmpty reports whether the file is an empty archive: a signature
// header announcing no header at all, which the library rejects.
func szEmpty(f io.ReaderAt, size int64) bool {
	if size != 32 {
		return false
	}
	var b [32]byte
	if _, err := f.ReadAt(b[:], 0); err != nil {
		return false
	}
	return bytes.HasPrefix(b[:], []byte{'7', 'z', 0xbc, 0xaf, 0x27, 0x1c}) && allZero(b[12:28])
}

// szRegular reports whether an entry is a regular file.
func szRegular(f *sevenzip.File) bool {
	return f.FileInfo().Mode().IsRegular() && !strings.HasSuffix(f.Name, "/")
}

// szArchive is one 7z file, opened with one password or another.
//
// A *sevenzip.Reader must not open the same encrypted folder twice:
// deriving a key the first time (github.com/bodgit/sevenzip v1.6.5,
// internal/aes7z calculateKey) appends to the salt slice and so overwrites
// the IV that follows it in the parsed header, and a second open of that
// folder decrypts garbage. Readers are therefore cheap and single-use here:
// one to probe, one to verify a password, a fresh one to stream with.
type szArchive struct {
	f         io.ReaderAt
	size      int64
	passwords []string
	pw        map[*sevenzip.Reader]string // the password each reader was opened with
	probed    map[int]bool                // folder -> encrypted, as probed
}

// open opens the archive with password.
func (a *szArchive) open(password string) (*sevenzip.Reader, error) {
	var zr *sevenzip.Reader
	err := try(func() (err error) {
		zr, err = sevenzip.NewReaderWithPassword(a.f, a.size, password)
		return err
	})
	if err != nil {
		return nil, err
	}
	if a.pw == nil {
		a.pw = map[*sevenzip.Reader]string{}
	}
	a.pw[zr] = password
	return zr, nil
}

// first opens the archive without a password, else (the header being
// encrypted) with the first password that decrypts the header.
func (a *szArchive) first() (*sevenzip.Reader, error) {
	zr, err := a.open("")
	if err == nil || !szEncrypted(err) {
		return zr, err
	}
	for _, p := range a.passwords {
		if zr, err := a.open(p); err == nil {
			return zr, nil
		}
	}
	return nil, fmt.Errorf("%w: %w", extract.ErrEncrypted, err)
}

func szEncrypted(err error) bool {
	var re *sevenzip.ReadError
	return errors.As(err, &re) && re.Encrypted
}

// stream hands member f to the sink through run.stream.
func (a *szArchive) stream(ctx context.Context, r *run, info extract.ChildInfo, f *sevenzip.File) (readErr, stop error) {
	m := newSzMember(f)
	defer m.Close()
	return r.stream(ctx, info, m)
}

// encrypted reports whether member i of zr failed because its folder is
// encrypted (and the password wrong). The library says so when decoding
// fails; a folder that is only stored under AES decodes garbage without
// an error, so when it does not say, the member is decoded under a
// different password too: an encrypted folder decodes differently.
func (a *szArchive) encrypted(zr *sevenzip.Reader, i int, readErr error) bool {
	if szEncrypted(readErr) {
		return true
	}
	folder := zr.File[i].Stream
	if v, ok := a.probed[folder]; ok {
		return v
	}
	v := a.probe(zr, i)
	if a.probed == nil {
		a.probed = map[int]bool{}
	}
	a.probed[folder] = v
	return v
}

func (a *szArchive) probe(zr *sevenzip.Reader, i int) bool {
	x, err := a.open(a.pw[zr])
	if err != nil {
		return false
	}
	y, err := a.open(a.pw[zr] + "\x00probe")
	if err != nil || len(x.File) <= i || len(y.File) <= i {
		return false
	}
	hx, errX := szHead(x.File[i])
	hy, errY := szHead(y.File[i])
	if szEncrypted(errX) || szEncrypted(errY) {
		return true
	}
	return !bytes.Equal(hx, hy)
}

// szHead returns the first bytes of a member.
func szHead(f *sevenzip.File) ([]byte, error) {
	buf := make([]byte, 64)
	var n int
	err := try(func() error {
		rc, err := f.Open()
		if err != nil {
			return err
		}
		defer rc.Close()
		n, err = io.ReadFull(rc, buf)
		if err == io.ErrUnexpectedEOF || err == io.EOF {
			err = nil
		}
		return err
	})
	return buf[:n], err
}

// findPassword returns a fresh reader whose password decodes member i of
// cur to the end with the right size and checksum.
func (a *szArchive) findPassword(cur *sevenzip.Reader, i int, lim Limits) (*sevenzip.Reader, bool) {
	for _, p := range a.passwords {
		if p == a.pw[cur] {
			continue
		}
		zr, err := a.open(p)
		if err != nil || len(zr.File) <= i {
			continue
		}
		m := newSzMember(zr.File[i])
		err = try(func() error {
			_, err := io.Copy(io.Discard, io.LimitReader(m, lim.MaxMemberBytes+1))
			return err
		})
		m.Close()
		if err != nil || m.n != zr.File[i].UncompressedSize {
			continue
		}
		if fresh, err := a.open(p); err == nil {
			return fresh, true
		}
	}
	return nil, false
}

var (
	errSzCRC  = fmt.Errorf("%w: crc-32 mismatch", extract.ErrCorrupt)
	errSzSize = fmt.Errorf("%w: size differs from the header", extract.ErrCorrupt)
)

// szMember reads a member, opening it on first read, and checks its size
// and CRC-32 at the end.
type szMember struct {
	f   *sevenzip.File
	rc  io.ReadCloser
	h   hash.Hash32
	n   uint64
	err error
}

func newSzMember(f *sevenzip.File) *szMember {
	return &szMember{f: f, h: crc32.NewIEEE()}
}

func (m *szMember) Read(p []byte) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	if m.rc == nil {
		rc, err := m.f.Open()
		if err != nil {
			m.err = err
			return 0, err
		}
		m.rc = rc
	}
	n, err := m.rc.Read(p)
	m.h.Write(p[:n])
	m.n += uint64(n)
	if m.n > m.f.UncompressedSize {
		m.err = errSzSize
		return n, m.err
	}
	switch {
	case err == io.EOF:
		switch {
		case m.n != m.f.UncompressedSize:
			m.err = errSzSize
		case m.f.CRC32 != 0 && m.h.Sum32() != m.f.CRC32:
			m.err = errSzCRC
		default:
			m.err = io.EOF
		}
		return n, m.err
	case err != nil:
		m.err = err
	}
	return n, err
}

func (m *szMember) Close() error {
	if m.rc == nil {
		return nil
	}
	err := try(m.rc.Close)
	m.rc = nil
	return err
}
