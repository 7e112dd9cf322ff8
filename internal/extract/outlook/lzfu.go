package outlook

import (
	"encoding/binary"
	"fmt"

	"github.com/trove-archive/trove/internal/extract"
)

// Compressed RTF (MS-OXRTFCP), the form of PidTagRtfCompressed: a 16-byte
// header, then LZ77 runs against a 4096-byte ring dictionary that starts
// out holding a fixed RTF prelude.

const (
	lzfuCompressed   = 0x75465A4C // "LZFu"
	lzfuUncompressed = 0x414C454D // "MELA"
	lzfuDictSize     = 4096
)

const lzfuPrelude = "{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman " +
	"\\fswiss \\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier" +
	"{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"

var errRTF = fmt.Errorf("compressed RTF: %w", extract.ErrCorrupt)

// decompressRTF returns the RTF held in a PidTagRtfCompressed value, at
// most max bytes of it (more is an error wrapping extract.ErrBomb). The
// CRC is not checked: a damaged body still yields what it can, and a
// short or damaged stream returns what was decoded with an error.
func decompressRTF(src []byte, max int) ([]byte, error) {
	if len(src) < 16 {
		return nil, fmt.Errorf("%w: %d bytes, shorter than the header", errRTF, len(src))
	}
	le := binary.LittleEndian
	compSize := le.Uint32(src[0:])
	rawSize := le.Uint32(src[4:])
	kind := le.Uint32(src[8:])
	body := src[16:]
	// compSize counts the bytes after its own field.
	if n := uint64(compSize); n >= 12 && n-12 < uint64(len(body)) {
		body = body[:n-12]
	}
	if int64(rawSize) > int64(max) {
		return nil, fmt.Errorf("compressed RTF: %w: declares %d bytes, limit %d", extract.ErrBomb, rawSize, max)
	}
	switch kind {
	case lzfuUncompressed:
		if int(rawSize) < len(body) {
			body = body[:rawSize]
		}
		return append([]byte(nil), body...), nil
	case lzfuCompressed:
	default:
		return nil, fmt.Errorf("%w: unknown compression type %#x", errRTF, kind)
	}
	var dict [lzfuDictSize]byte
	copy(dict[:], lzfuPrelude)
	w := len(lzfuPrelude)
	out := make([]byte, 0, min(int(rawSize), 4*len(body)+64))
	put := func(c byte) {
		out = append(out, c)
		dict[w] = c
		w = (w + 1) % lzfuDictSize
	}
	for i := 0; i < len(body); {
		ctrl := body[i]
		i++
		for bit := 0; bit < 8; bit++ {
			if len(out) > int(rawSize) {
				return out[:rawSize], nil
			}
			if ctrl&(1<<bit) == 0 {
				if i >= len(body) {
					return out, fmt.Errorf("%w: ends inside a run", errRTF)
				}
				put(body[i])
				i++
				continue
			}
			if i+1 >= len(body) {
				return out, fmt.Errorf("%w: ends inside a reference", errRTF)
			}
			ref := int(body[i])<<8 | int(body[i+1])
			i += 2
			off, n := ref>>4, ref&0xF+2
			if off == w {
				return out, nil // the end marker
			}
			if len(out)+n > max {
				return out, fmt.Errorf("compressed RTF: %w: over %d bytes", extract.ErrBomb, max)
			}
			for k := 0; k < n; k++ {
				put(dict[(off+k)%lzfuDictSize])
			}
		}
	}
	if len(out) > int(rawSize) {
		out = out[:rawSize]
	}
	return out, nil
}
