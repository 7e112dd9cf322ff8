package container

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/ulikunitz/xz"
)

// newXzReader returns a reader of the xz stream in r, after checking the
// dictionary its first block asks for: the decoder allocates it whole, up
// front (4 GiB for a 60-byte hostile file), so a window larger than
// Limits.MaxWindowBytes fails with extract.ErrTooLarge. Later blocks of a
// multi-block stream are not checked; their own headers come only with
// the data.
func newXzReader(r io.Reader, lim Limits) (io.Reader, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(12 + 1024)
	if dict, ok := xzDictSize(head); ok && dict > lim.MaxWindowBytes {
		return nil, fmt.Errorf("%w: xz dictionary of %d bytes, limit %d", extract.ErrTooLarge, dict, lim.MaxWindowBytes)
	}
	return xz.NewReader(br)
}

// xzDictSize reads the LZMA2 dictionary size from the first block header
// of an xz stream (xz file format 1.1.0, sections 3.1 and 5.3.1).
func xzDictSize(b []byte) (int64, bool) {
	const streamHeader = 12
	if len(b) < streamHeader+2 || b[streamHeader] == 0 {
		return 0, false // no block (an index follows)
	}
	h := b[streamHeader:]
	size := (int(h[0]) + 1) * 4
	if len(h) < size {
		return 0, false
	}
	h = h[:size-4] // without the CRC-32
	flags := h[1]
	p := 2
	uvarint := func() (uint64, bool) {
		if p >= len(h) {
			return 0, false
		}
		v, n := binary.Uvarint(h[p:])
		if n <= 0 {
			return 0, false
		}
		p += n
		return v, true
	}
	for _, bit := range []byte{0x40, 0x80} { // compressed, uncompressed size
		if flags&bit != 0 {
			if _, ok := uvarint(); !ok {
				return 0, false
			}
		}
	}
	for range int(flags&3) + 1 {
		id, ok1 := uvarint()
		n, ok2 := uvarint()
		if !ok1 || !ok2 || uint64(len(h)-p) < n {
			return 0, false
		}
		if id == 0x21 && n == 1 { // LZMA2
			code := h[p] & 0x3F
			switch {
			case code > 40:
				return 0, false
			case code == 40:
				return 1<<32 - 1, true
			}
			return int64(2|code&1) << (code/2 + 11), true
		}
		p += int(n)
	}
	return 0, false
}
