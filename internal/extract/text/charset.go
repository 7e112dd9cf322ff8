package text

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Charset names DetectCharset returns.
const (
	UTF8        = "utf-8"
	UTF16LE     = "utf-16le"
	UTF16BE     = "utf-16be"
	Windows1252 = "windows-1252"
	EBCDIC      = "ibm037" // EBCDIC (US/Canada); close enough to IBM500 for text
)

// detectLen is the prefix DetectCharset is given by Decode.
const detectLen = 64 << 10

// DetectCharset guesses the charset of text from its first bytes: a
// byte-order mark, UTF-16 by its zero bytes, valid UTF-8 (a rune cut off at
// the end of head is fine, and so are stray bytes among more valid
// multi-byte sequences), Cyrillic single-byte charsets, EBCDIC by its space and letter bytes, else
// windows-1252 (which decodes every printable Latin-1 byte the same way).
func DetectCharset(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		return UTF8
	case bytes.HasPrefix(head, []byte("\xFF\xFE")):
		return UTF16LE
	case bytes.HasPrefix(head, []byte("\xFE\xFF")):
		return UTF16BE
	}
	if cs := utf16Guess(head); cs != "" {
		return cs
	}
	if mostlyUTF8(head) {
		return UTF8
	}
	if isEBCDIC(head) {
		return EBCDIC
	}
	if cs := cyrillicGuess(head); cs != "" {
		return cs
	}
	return Windows1252
}

// Cyrillic single-byte charsets, tried when high bytes dominate the
// letters of a text that is not UTF-8.
var cyrillic = []struct {
	name string
	cm   *charmap.Charmap
}{
	{"windows-1251", charmap.Windows1251},
	{"koi8-r", charmap.KOI8R},
	{"ibm866", charmap.CodePage866},
}

// cyrillicGuess tells Russian (and close) text in windows-1251, KOI8-R or
// CP866 apart from Western text: in Western text bytes above 0x7F are
// accents inside mostly-ASCII words; in Cyrillic text they are the
// letters, and decoded with the right table the ten most frequent Russian
// letters make up over half of them.
func cyrillicGuess(b []byte) string {
	high, ascii := 0, 0
	for _, c := range b {
		switch {
		case c >= 0x80:
			high++
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
			ascii++
		}
	}
	if high < 16 || high < ascii {
		return ""
	}
	best, bestScore := "", 0.5
	for _, c := range cyrillic {
		frequent, letters := 0, 0
		for _, x := range b {
			if x < 0x80 {
				continue
			}
			r := c.cm.DecodeByte(x)
			if r < 0x400 || r > 0x4FF {
				continue
			}
			letters++
			if strings.ContainsRune("оеаинтсрвлОЕАИНТСРВЛ", r) {
				frequent++
			}
		}
		if letters*10 < high*8 {
			continue
		}
		if score := float64(frequent) / float64(letters); score > bestScore {
			best, bestScore = c.name, score
		}
	}
	return best
}

// utf16Guess recognises UTF-16 without a BOM: mostly-ASCII text has a
// zero in every other byte.
func utf16Guess(b []byte) string {
	n := min(len(b), 1024) &^ 1
	if n < 16 {
		return ""
	}
	even, odd := 0, 0
	for i := 0; i < n; i += 2 {
		if b[i] == 0 {
			even++
		}
		if b[i+1] == 0 {
			odd++
		}
	}
	half := n / 2
	switch {
	case odd*10 >= half*7 && even*20 < half:
		return UTF16LE
	case even*10 >= half*7 && odd*20 < half:
		return UTF16BE
	}
	return ""
}

// mostlyUTF8 reports whether b is UTF-8 with at most a few stray bytes:
// at least as many valid multi-byte sequences as invalid bytes (text in
// windows-1252 rarely forms valid sequences). Decoding then reads the
// strays as windows-1252.
func mostlyUTF8(b []byte) bool {
	if validUTF8Prefix(b) {
		return true
	}
	valid, invalid := 0, 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			if !utf8.FullRune(b[i:]) {
				break // cut off at the end
			}
			invalid++
		} else {
			valid++
		}
		i += n
	}
	return valid > 0 && valid >= invalid
}

func validUTF8Prefix(b []byte) bool {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				b = b[:i]
			}
			break
		}
	}
	return utf8.Valid(b)
}

// isEBCDIC: spaces are 0x40 and letters and digits lie above 0x80, so
// EBCDIC text is mostly high bytes with many '@'; no ASCII or Latin-1 text
// looks like that.
func isEBCDIC(b []byte) bool {
	if len(b) < 64 {
		return false
	}
	space, alnum := 0, 0
	for _, c := range b {
		switch {
		case c == 0x40:
			space++
		case c >= 0x81 && c <= 0xA9, c >= 0xC1 && c <= 0xF9:
			alnum++
		}
	}
	return space*10 >= len(b) && (space+alnum)*10 >= len(b)*7
}

// Decode returns a reader of the UTF-8 text in r. The charset is judged by
// DetectCharset on the first 64 KiB; a BOM is dropped. For UTF-8, bytes
// that turn out not to be UTF-8 later on are read as windows-1252. NUL
// bytes are dropped and other control characters except tab, newline,
// carriage return and form feed become spaces.
func Decode(r io.Reader) io.Reader {
	br := bufio.NewReaderSize(r, detectLen)
	head, _ := br.Peek(detectLen)
	return decodeAs(br, DetectCharset(head))
}

// decode is Decode that also tells the charset it chose.
func decode(r io.Reader) (io.Reader, string) {
	br := bufio.NewReaderSize(r, detectLen)
	head, _ := br.Peek(detectLen)
	cs := DetectCharset(head)
	return decodeAs(br, cs), cs
}

// decodeAs decodes r from the named charset (a WHATWG or IANA label).
// An unknown label falls back to detection.
func decodeAs(r io.Reader, cs string) io.Reader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	skipBOM := func(bom string) {
		if b, _ := br.Peek(len(bom)); string(b) == bom {
			br.Discard(len(bom))
		}
	}
	switch strings.ToLower(cs) {
	case UTF8, "utf8", "us-ascii", "ascii":
		skipBOM("\xEF\xBB\xBF")
		return transform.NewReader(br, &byteDecoder{utf8: true, table: &win1252})
	case UTF16LE:
		skipBOM("\xFF\xFE")
		return utf16Reader(br, unicode.LittleEndian)
	case UTF16BE:
		skipBOM("\xFE\xFF")
		return utf16Reader(br, unicode.BigEndian)
	case "utf-16", "utf16":
		if b, _ := br.Peek(2); string(b) == "\xFE\xFF" {
			br.Discard(2)
			return utf16Reader(br, unicode.BigEndian)
		}
		skipBOM("\xFF\xFE")
		return utf16Reader(br, unicode.LittleEndian)
	case Windows1252, "iso-8859-1", "latin1", "latin-1", "iso8859-1", "cp1252":
		return transform.NewReader(br, &byteDecoder{table: &win1252})
	case EBCDIC, "ibm500", "cp500", "cp037", "ebcdic":
		return transform.NewReader(br, &byteDecoder{table: &ebcdic})
	}
	enc, err := htmlindex.Get(cs)
	if err != nil {
		if enc, err = ianaindex.IANA.Encoding(cs); err != nil || enc == nil {
			head, _ := br.Peek(detectLen)
			return decodeAs(br, DetectCharset(head))
		}
	}
	return transform.NewReader(br, transform.Chain(enc.NewDecoder(), &byteDecoder{utf8: true, table: &win1252}))
}

func utf16Reader(r io.Reader, order unicode.Endianness) io.Reader {
	var e encoding.Encoding = unicode.UTF16(order, unicode.IgnoreBOM)
	return transform.NewReader(r, transform.Chain(e.NewDecoder(), &byteDecoder{utf8: true, table: &win1252}))
}

// Byte tables of the single-byte charsets, with control characters
// cleaned: NUL maps to -1 (dropped), other controls to a space.
var win1252, ebcdic [256]rune

func init() {
	for i := range 256 {
		win1252[i] = clean(charmap.Windows1252.DecodeByte(byte(i)))
		ebcdic[i] = clean(charmap.CodePage037.DecodeByte(byte(i)))
	}
	// EBCDIC NL (0x15) is the line end of EBCDIC text.
	ebcdic[0x15] = '\n'
}

func clean(r rune) rune {
	switch {
	case r == 0:
		return -1
	case r == '\t' || r == '\n' || r == '\r' || r == '\f':
		return r
	case r < 0x20 || r == 0x7F:
		return ' '
	}
	return r
}

// byteDecoder is a transform.Transformer to UTF-8. With utf8 set it passes
// valid UTF-8 through and decodes each invalid byte by table; otherwise
// every byte goes through table.
type byteDecoder struct {
	utf8  bool
	table *[256]rune
}

func (d *byteDecoder) Reset() {}

func (d *byteDecoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		var r rune
		size := 1
		switch {
		case c < 0x80 && d.utf8:
			r = d.table[c] // ASCII: the table only cleans controls
		case d.utf8:
			r, size = utf8.DecodeRune(src[nSrc:])
			if r == utf8.RuneError && size == 1 {
				if !atEOF && !utf8.FullRune(src[nSrc:]) {
					return nDst, nSrc, transform.ErrShortSrc
				}
				r = d.table[c]
			}
		default:
			r = d.table[c]
		}
		switch {
		case r < 0:
			nSrc += size
			continue
		case r < utf8.RuneSelf:
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = byte(r)
			nDst++
		default:
			if nDst+utf8.RuneLen(r) > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			nDst += utf8.EncodeRune(dst[nDst:], r)
		}
		nSrc += size
	}
	return nDst, nSrc, nil
}
