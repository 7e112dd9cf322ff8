package legacy

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"unicode/utf16"

	"github.com/trove-archive/trove/internal/extract"
)

// A compound file (MS-CFB) reader, just enough to read a few named streams
// of the root storage: the property sets and PowerPoint's document stream.
// Every chain walk is bounded by the number of sectors in the file, so a
// looping or overlong chain ends in extract.ErrCorrupt.

var cfbMagic = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")

const (
	cfbMaxSect    = 0xFFFFFFFA
	cfbEndOfChain = 0xFFFFFFFE
	cfbFree       = 0xFFFFFFFF
)

var errCFB = fmt.Errorf("compound file: %w", extract.ErrCorrupt)

type cfbEntry struct {
	name               string
	typ                byte // 1 storage, 2 stream, 5 root
	left, right, child uint32
	start              uint32
	size               int64
}

type cfbFile struct {
	r          io.ReaderAt
	size       int64
	ssz        int64
	nsect      int64 // sectors in the file
	fat        []uint32
	minifat    []uint32
	dir        []cfbEntry
	miniCutoff int64
	mini       []byte // the mini stream, loaded on first use
	miniLoaded bool
}

// openCFB reads the header, the FAT, the mini FAT and the directory.
func openCFB(r io.ReaderAt, size int64) (*cfbFile, error) {
	var h [512]byte
	if _, err := r.ReadAt(h[:], 0); err != nil || !bytes.HasPrefix(h[:], cfbMagic) {
		return nil, fmt.Errorf("%w: no compound file header", errCFB)
	}
	shift := binary.LittleEndian.Uint16(h[0x1E:])
	if shift != 9 && shift != 12 {
		return nil, fmt.Errorf("%w: sector shift %d", errCFB, shift)
	}
	c := &cfbFile{r: r, size: size, ssz: 1 << shift}
	c.nsect = (size + c.ssz - 1) / c.ssz
	c.miniCutoff = int64(binary.LittleEndian.Uint32(h[0x38:]))
	if c.miniCutoff != 4096 {
		c.miniCutoff = 4096
	}
	perSect := c.ssz / 4
	// FAT sector list: 109 in the header, then the DIFAT chain.
	var fatSects []uint32
	for i := range 109 {
		s := binary.LittleEndian.Uint32(h[0x4C+4*i:])
		if s < cfbMaxSect {
			fatSects = append(fatSects, s)
		}
	}
	buf := make([]byte, c.ssz)
	difat := binary.LittleEndian.Uint32(h[0x44:])
	for n := int64(0); difat < cfbMaxSect; n++ {
		if n > c.nsect {
			return nil, fmt.Errorf("%w: DIFAT chain loops", errCFB)
		}
		if err := c.sector(difat, buf); err != nil {
			return nil, err
		}
		for i := range perSect - 1 {
			if s := binary.LittleEndian.Uint32(buf[4*i:]); s < cfbMaxSect {
				fatSects = append(fatSects, s)
			}
		}
		difat = binary.LittleEndian.Uint32(buf[c.ssz-4:])
	}
	if int64(len(fatSects)) > c.nsect {
		return nil, fmt.Errorf("%w: more FAT sectors than sectors", errCFB)
	}
	c.fat = make([]uint32, 0, int64(len(fatSects))*perSect)
	for _, s := range fatSects {
		if err := c.sector(s, buf); err != nil {
			return nil, err
		}
		for i := range perSect {
			c.fat = append(c.fat, binary.LittleEndian.Uint32(buf[4*i:]))
		}
	}
	dirBytes, err := c.chain(binary.LittleEndian.Uint32(h[0x30:]), -1, 64<<20)
	if err != nil {
		return nil, err
	}
	for off := 0; off+128 <= len(dirBytes); off += 128 {
		e := dirBytes[off : off+128]
		nl := int(binary.LittleEndian.Uint16(e[64:]))
		var name []uint16
		if nl >= 2 && nl <= 64 {
			for i := 0; i < nl-2; i += 2 {
				name = append(name, binary.LittleEndian.Uint16(e[i:]))
			}
		}
		sz := int64(binary.LittleEndian.Uint64(e[120:]))
		if shift == 9 {
			sz &= 0xFFFFFFFF // version 3: the high half may hold junk
		}
		c.dir = append(c.dir, cfbEntry{
			name:  string(utf16.Decode(name)),
			typ:   e[66],
			left:  binary.LittleEndian.Uint32(e[68:]),
			right: binary.LittleEndian.Uint32(e[72:]),
			child: binary.LittleEndian.Uint32(e[76:]),
			start: binary.LittleEndian.Uint32(e[116:]),
			size:  sz,
		})
	}
	if len(c.dir) == 0 || c.dir[0].typ != 5 {
		return nil, fmt.Errorf("%w: no root entry", errCFB)
	}
	if n := binary.LittleEndian.Uint32(h[0x40:]); n > 0 {
		mf, err := c.chain(binary.LittleEndian.Uint32(h[0x3C:]), -1, 64<<20)
		if err != nil {
			return nil, err
		}
		c.minifat = make([]uint32, len(mf)/4)
		for i := range c.minifat {
			c.minifat[i] = binary.LittleEndian.Uint32(mf[4*i:])
		}
	}
	return c, nil
}

func (c *cfbFile) sector(s uint32, buf []byte) error {
	off := (int64(s) + 1) * c.ssz
	if int64(s) >= c.nsect || off+int64(len(buf)) > c.size+c.ssz {
		return fmt.Errorf("%w: sector %d beyond the end", errCFB, s)
	}
	n, err := c.r.ReadAt(buf, off)
	if err != nil && !(errors.Is(err, io.EOF) && n > 0) {
		return fmt.Errorf("%w: read sector %d: %v", errCFB, s, err)
	}
	clear(buf[n:]) // a short last sector
	return nil
}

// chain reads a chain of regular sectors from start: size bytes, or the
// whole chain when size < 0. More than max bytes is extract.ErrTooLarge.
func (c *cfbFile) chain(start uint32, size, max int64) ([]byte, error) {
	if size > max {
		return nil, fmt.Errorf("compound file stream of %d bytes: %w", size, extract.ErrTooLarge)
	}
	var out []byte
	if size > 0 {
		out = make([]byte, 0, min(size, c.size)+c.ssz)
	}
	buf := make([]byte, c.ssz)
	s := start
	for n := int64(0); s < cfbMaxSect; n++ {
		if n > c.nsect {
			return nil, fmt.Errorf("%w: sector chain loops", errCFB)
		}
		if size >= 0 && int64(len(out)) >= size {
			break
		}
		if err := c.sector(s, buf); err != nil {
			return nil, err
		}
		out = append(out, buf...)
		if int64(len(out)) > max {
			return nil, fmt.Errorf("compound file stream: %w", extract.ErrTooLarge)
		}
		if int64(s) >= int64(len(c.fat)) {
			return nil, fmt.Errorf("%w: sector %d not in the FAT", errCFB, s)
		}
		s = c.fat[s]
	}
	if size >= 0 {
		if int64(len(out)) < size {
			return nil, fmt.Errorf("%w: stream shorter than its size", errCFB)
		}
		out = out[:size]
	}
	return out, nil
}

// find returns the named stream of the root storage, or nil when there
// is none.
func (c *cfbFile) find(name string) *cfbEntry {
	seen := map[uint32]bool{}
	stack := []uint32{c.dir[0].child}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if id >= uint32(len(c.dir)) || seen[id] {
			continue
		}
		seen[id] = true
		e := &c.dir[id]
		if e.name == name && e.typ == 2 {
			return e
		}
		stack = append(stack, e.left, e.right)
	}
	return nil
}

// names lists the names of the root storage's children.
func (c *cfbFile) names() []string {
	var out []string
	seen := map[uint32]bool{}
	stack := []uint32{c.dir[0].child}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if id >= uint32(len(c.dir)) || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, c.dir[id].name)
		stack = append(stack, c.dir[id].left, c.dir[id].right)
	}
	return out
}

// read returns the bytes of a stream, at most max (else extract.ErrTooLarge).
func (c *cfbFile) read(e *cfbEntry, max int64) ([]byte, error) {
	if e.size < 0 || e.size > c.size {
		return nil, fmt.Errorf("%w: stream size %d", errCFB, e.size)
	}
	if e.size >= c.miniCutoff {
		return c.chain(e.start, e.size, max)
	}
	if e.size > max {
		return nil, fmt.Errorf("compound file stream: %w", extract.ErrTooLarge)
	}
	if !c.miniLoaded {
		c.miniLoaded = true
		root := c.dir[0]
		if root.size > 0 {
			m, err := c.chain(root.start, root.size, 256<<20)
			if err != nil {
				return nil, err
			}
			c.mini = m
		}
	}
	out := make([]byte, 0, e.size)
	s := e.start
	for n := 0; s < cfbMaxSect && int64(len(out)) < e.size; n++ {
		if n > len(c.minifat) {
			return nil, fmt.Errorf("%w: mini chain loops", errCFB)
		}
		off := int64(s) * 64
		if off+64 > int64(len(c.mini)) || int(s) >= len(c.minifat) {
			return nil, fmt.Errorf("%w: mini sector %d beyond the mini stream", errCFB, s)
		}
		out = append(out, c.mini[off:off+64]...)
		s = c.minifat[s]
	}
	if int64(len(out)) < e.size {
		return nil, fmt.Errorf("%w: mini stream shorter than its size", errCFB)
	}
	return out[:e.size], nil
}
