package outlook

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"

	"github.com/trove-archive/trove/internal/extract"
)

// A small reader of compound files (MS-CFB), enough for .msg files: the
// header, the FAT (with its DIFAT chain), the mini FAT and mini stream,
// and the directory. Every sector number and size is checked against the
// file size, and every chain walk is bounded by the number of sectors the
// FAT can name, so a loop or an out-of-range pointer ends in an error
// wrapping extract.ErrCorrupt, never in a hang or a panic.

const (
	cfbMaxRegSect  = 0xFFFFFFFA
	cfbEndOfChain  = 0xFFFFFFFE
	cfbFreeSect    = 0xFFFFFFFF
	cfbNoStream    = 0xFFFFFFFF
	cfbHeaderSize  = 512
	cfbDirEntry    = 128
	cfbMiniSector  = 64
	cfbTypeStorage = 1
	cfbTypeStream  = 2
	cfbTypeRoot    = 5
)

var cfbMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

var errCFB = fmt.Errorf("compound file: %w", extract.ErrCorrupt)

func cfbErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errCFB}, a...)...)
}

// cfbEntry is one directory entry.
type cfbEntry struct {
	name               string
	typ                byte
	left, right, child uint32
	start              uint32
	size               uint64
}

// cfbFile is an opened compound file.
type cfbFile struct {
	r          io.ReaderAt
	size       int64
	ssz        int64 // sector size
	nsect      uint32
	fat        []uint32
	minifat    []uint32
	miniCutoff uint64
	dir        []cfbEntry
	mini       []byte // the mini stream, loaded on first use
	miniLoaded bool
	miniErr    error
}

// openCFB reads the header, FAT, mini FAT and directory of a compound file.
func openCFB(r io.ReaderAt, size int64) (*cfbFile, error) {
	var h [cfbHeaderSize]byte
	if size < cfbHeaderSize {
		return nil, cfbErr("file of %d bytes is shorter than the header", size)
	}
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, cfbErr("read header: %v", err)
	}
	if !bytes.Equal(h[:8], cfbMagic) {
		return nil, cfbErr("no compound file signature")
	}
	le := binary.LittleEndian
	shift := le.Uint16(h[0x1E:])
	if shift != 9 && shift != 12 {
		return nil, cfbErr("sector shift %d", shift)
	}
	if ms := le.Uint16(h[0x20:]); ms != 6 {
		return nil, cfbErr("mini sector shift %d", ms)
	}
	f := &cfbFile{r: r, size: size, ssz: int64(1) << shift}
	// Sectors the file holds (the header occupies one sector's room in
	// version 4 files too).
	n := size/f.ssz - 1
	if size%f.ssz != 0 {
		n++ // a short last sector: reads of it may come up short
	}
	if n < 0 {
		n = 0
	}
	if n > cfbMaxRegSect {
		n = cfbMaxRegSect
	}
	f.nsect = uint32(n)
	f.miniCutoff = uint64(le.Uint32(h[0x38:]))
	perSect := f.ssz / 4

	// FAT sectors: 109 listed in the header, the rest in the DIFAT chain.
	numFAT := le.Uint32(h[0x2C:])
	if int64(numFAT) > int64(f.nsect)+1 {
		return nil, cfbErr("%d FAT sectors in a file of %d sectors", numFAT, f.nsect)
	}
	var fatSects []uint32
	for i := range 109 {
		s := le.Uint32(h[0x4C+4*i:])
		if s > cfbMaxRegSect {
			continue
		}
		fatSects = append(fatSects, s)
	}
	difat := le.Uint32(h[0x44:])
	buf := make([]byte, f.ssz)
	for steps := uint32(0); difat <= cfbMaxRegSect; steps++ {
		if steps > f.nsect {
			return nil, cfbErr("DIFAT chain loops")
		}
		if err := f.readSector(difat, buf); err != nil {
			return nil, err
		}
		for i := range perSect - 1 {
			if s := le.Uint32(buf[4*i:]); s <= cfbMaxRegSect {
				fatSects = append(fatSects, s)
			}
		}
		difat = le.Uint32(buf[f.ssz-4:])
	}
	if int64(len(fatSects)) > int64(f.nsect)+1 {
		return nil, cfbErr("%d FAT sectors in a file of %d sectors", len(fatSects), f.nsect)
	}
	// Entries past the last sector of the file can name nothing: read no
	// more FAT sectors than it takes to cover the file.
	if need := (int64(f.nsect) + perSect - 1) / perSect; int64(len(fatSects)) > need {
		fatSects = fatSects[:need]
	}
	f.fat = make([]uint32, 0, int64(len(fatSects))*perSect)
	for _, s := range fatSects {
		if err := f.readSector(s, buf); err != nil {
			return nil, err
		}
		for i := range perSect {
			f.fat = append(f.fat, le.Uint32(buf[4*i:]))
		}
	}

	// Directory.
	dirData, err := f.readChain(le.Uint32(h[0x30:]), -1)
	if err != nil {
		return nil, fmt.Errorf("directory: %w", err)
	}
	for off := 0; off+cfbDirEntry <= len(dirData); off += cfbDirEntry {
		f.dir = append(f.dir, parseEntry(dirData[off:off+cfbDirEntry], shift == 9))
	}
	if len(f.dir) == 0 || f.dir[0].typ != cfbTypeRoot {
		return nil, cfbErr("no root entry")
	}

	// Mini FAT.
	if mf := le.Uint32(h[0x3C:]); mf <= cfbMaxRegSect {
		data, err := f.readChain(mf, -1)
		if err != nil {
			return nil, fmt.Errorf("mini FAT: %w", err)
		}
		f.minifat = make([]uint32, len(data)/4)
		for i := range f.minifat {
			f.minifat[i] = le.Uint32(data[4*i:])
		}
	}
	return f, nil
}

func parseEntry(e []byte, v3 bool) cfbEntry {
	le := binary.LittleEndian
	nl := int(le.Uint16(e[64:]))
	var name []uint16
	if nl > 64 {
		nl = 64
	}
	for i := 0; i+1 < nl; i += 2 {
		c := le.Uint16(e[i:])
		if c == 0 {
			break
		}
		name = append(name, c)
	}
	size := le.Uint64(e[120:])
	if v3 {
		size &= 0xFFFFFFFF // version 3 files may leave garbage in the high half
	}
	return cfbEntry{
		name:  string(utf16.Decode(name)),
		typ:   e[66],
		left:  le.Uint32(e[68:]),
		right: le.Uint32(e[72:]),
		child: le.Uint32(e[76:]),
		start: le.Uint32(e[116:]),
		size:  size,
	}
}

// readSector reads sector s into buf (len f.ssz); a sector past the end of
// the file is an error, a short last sector is padded with zeros.
func (f *cfbFile) readSector(s uint32, buf []byte) error {
	if s >= f.nsect {
		return cfbErr("sector %d beyond the end of the file (%d sectors)", s, f.nsect)
	}
	off := (int64(s) + 1) * f.ssz
	n, err := f.r.ReadAt(buf, off)
	if err != nil && !(errors.Is(err, io.EOF) && n > 0) {
		return cfbErr("read sector %d: %v", s, err)
	}
	clear(buf[n:])
	return nil
}

// chain returns the sectors of the FAT chain starting at start. want, when
// not negative, is the number of bytes the chain must hold; the chain is
// cut there.
func (f *cfbFile) chain(start uint32, want int64) ([]uint32, error) {
	var out []uint32
	s := start
	for s != cfbEndOfChain {
		if want >= 0 && int64(len(out))*f.ssz >= want {
			break
		}
		if s > cfbMaxRegSect || int(s) >= len(f.fat) || s >= f.nsect {
			return nil, cfbErr("chain runs to sector %#x (file has %d)", s, f.nsect)
		}
		if len(out) >= len(f.fat) {
			return nil, cfbErr("chain loops")
		}
		out = append(out, s)
		s = f.fat[s]
	}
	if want >= 0 && int64(len(out))*f.ssz < want {
		return nil, cfbErr("chain of %d sectors is shorter than its %d bytes", len(out), want)
	}
	return out, nil
}

// readChain reads a whole FAT chain (want bytes of it when want >= 0).
func (f *cfbFile) readChain(start uint32, want int64) ([]byte, error) {
	secs, err := f.chain(start, want)
	if err != nil {
		return nil, err
	}
	out := make([]byte, int64(len(secs))*f.ssz)
	for i, s := range secs {
		if err := f.readSector(s, out[int64(i)*f.ssz:int64(i+1)*f.ssz]); err != nil {
			return nil, err
		}
	}
	if want >= 0 {
		out = out[:want]
	}
	return out, nil
}

// loadMini reads the mini stream (the root entry's stream) once.
func (f *cfbFile) loadMini() error {
	if !f.miniLoaded {
		f.miniLoaded = true
		root := f.dir[0]
		if root.size > uint64(f.size) {
			f.miniErr = cfbErr("mini stream of %d bytes in a file of %d", root.size, f.size)
		} else if root.size > 0 {
			f.mini, f.miniErr = f.readChain(root.start, int64(root.size))
		}
	}
	return f.miniErr
}

// open returns a reader of the stream of entry id.
func (f *cfbFile) open(id uint32) (io.Reader, int64, error) {
	if int(id) >= len(f.dir) {
		return nil, 0, cfbErr("no entry %d", id)
	}
	e := f.dir[id]
	if e.typ != cfbTypeStream {
		return nil, 0, cfbErr("entry %q is not a stream", e.name)
	}
	if e.size > uint64(f.size) {
		return nil, 0, cfbErr("stream %q of %d bytes in a file of %d", e.name, e.size, f.size)
	}
	size := int64(e.size)
	if size == 0 {
		return bytes.NewReader(nil), 0, nil
	}
	if e.size < f.miniCutoff {
		b, err := f.readMini(e.start, size)
		if err != nil {
			return nil, 0, fmt.Errorf("stream %q: %w", e.name, err)
		}
		return bytes.NewReader(b), size, nil
	}
	secs, err := f.chain(e.start, size)
	if err != nil {
		return nil, 0, fmt.Errorf("stream %q: %w", e.name, err)
	}
	return &chainReader{f: f, secs: secs, left: size}, size, nil
}

// readMini reads size bytes of the mini stream chain starting at start.
func (f *cfbFile) readMini(start uint32, size int64) ([]byte, error) {
	if err := f.loadMini(); err != nil {
		return nil, err
	}
	out := make([]byte, 0, size)
	s := start
	for int64(len(out)) < size {
		if int(s) >= len(f.minifat) {
			return nil, cfbErr("mini chain runs to sector %#x (mini FAT has %d)", s, len(f.minifat))
		}
		if len(out)/cfbMiniSector > len(f.minifat) {
			return nil, cfbErr("mini chain loops")
		}
		off := int64(s) * cfbMiniSector
		if off+cfbMiniSector > int64(len(f.mini)) {
			return nil, cfbErr("mini sector %d beyond the mini stream", s)
		}
		n := min(size-int64(len(out)), cfbMiniSector)
		out = append(out, f.mini[off:off+n]...)
		s = f.minifat[s]
	}
	return out, nil
}

// readAll reads a whole stream, at most max bytes.
func (f *cfbFile) readAll(id uint32, max int64) ([]byte, error) {
	r, size, err := f.open(id)
	if err != nil {
		return nil, err
	}
	if size > max {
		return nil, fmt.Errorf("stream %q: %w: %d bytes", f.dir[id].name, extract.ErrTooLarge, size)
	}
	b := make([]byte, size)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, err
	}
	return b, nil
}

// chainReader streams a regular (non-mini) stream sector by sector.
type chainReader struct {
	f    *cfbFile
	secs []uint32
	left int64
	buf  []byte
}

func (c *chainReader) Read(p []byte) (int, error) {
	if len(c.buf) == 0 {
		if c.left <= 0 || len(c.secs) == 0 {
			return 0, io.EOF
		}
		b := make([]byte, c.f.ssz)
		if err := c.f.readSector(c.secs[0], b); err != nil {
			return 0, err
		}
		c.secs = c.secs[1:]
		n := min(c.left, c.f.ssz)
		c.buf = b[:n]
		c.left -= n
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

// children lists the entries of storage id (the root is 0), in directory
// tree order. Loops and out-of-range pointers are skipped.
func (f *cfbFile) children(id uint32) []uint32 {
	if int(id) >= len(f.dir) {
		return nil
	}
	var out []uint32
	seen := map[uint32]bool{id: true}
	var stack []uint32
	push := func(x uint32) {
		if x != cfbNoStream && int(x) < len(f.dir) && !seen[x] {
			seen[x] = true
			stack = append(stack, x)
		}
	}
	push(f.dir[id].child)
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		out = append(out, x)
		push(f.dir[x].right)
		push(f.dir[x].left)
	}
	return out
}
