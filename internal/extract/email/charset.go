package email

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/transform"
)

// lookupCharset returns the encoding a MIME charset label names, or nil when
// the label is empty, unknown, or one that is better read as "UTF-8, else
// windows-1252" (us-ascii and utf-8: both are often wrong about 8-bit bytes).
func lookupCharset(label string) encoding.Encoding {
	label = strings.ToLower(strings.Trim(strings.TrimSpace(label), "\"' "))
	if i := strings.IndexByte(label, '*'); i >= 0 { // RFC 2231 language suffix
		label = label[:i]
	}
	label = strings.TrimSuffix(label, "_charset")
	switch label {
	case "", "us-ascii", "ascii", "ansi_x3.4-1968", "utf-8", "utf8", "x-unknown", "unknown", "unknown-8bit":
		return nil
	}
	if e := findCharset(label); e != nil {
		return e
	}
	if a, ok := charsetAliases[label]; ok {
		return findCharset(a)
	}
	// "iso8859-1", "iso_8859_15", "latin-1", "win-1251", "cp-1252", ...
	norm := strings.NewReplacer("_", "-", " ", "-").Replace(label)
	for _, p := range [][2]string{{"iso8859-", "iso-8859-"}, {"iso-8859", "iso-8859-"}, {"win-", "windows-"}, {"cp-", "windows-"}, {"latin-", "latin"}} {
		if rest, ok := strings.CutPrefix(norm, p[0]); ok {
			if e := findCharset(p[1] + strings.TrimPrefix(rest, "-")); e != nil {
				return e
			}
		}
	}
	return nil
}

func findCharset(label string) encoding.Encoding {
	if e, err := htmlindex.Get(label); err == nil && e != nil {
		return e
	}
	for _, idx := range []*ianaindex.Index{ianaindex.MIME, ianaindex.IANA} {
		if e, err := idx.Encoding(label); err == nil && e != nil {
			return e
		}
	}
	return nil
}

// charsetAliases maps names that mail software uses but the registries do
// not know (mostly Microsoft's) to registered ones.
var charsetAliases = map[string]string{
	"chinesebig5": "big5", "big5-hkscs": "big5", "x-x-big5": "big5", "cn-big5": "big5",
	"gb2312-80": "gbk", "x-gbk": "gbk", "cp936": "gbk", "chinese": "gbk", "euc-cn": "gbk", "x-euc-cn": "gbk",
	"ks-c-5601": "euc-kr", "ks_c_5601": "euc-kr", "ksc5601": "euc-kr", "cp949": "euc-kr", "uhc": "euc-kr", "x-windows-949": "euc-kr",
	"sjis": "shift_jis", "shift-jis": "shift_jis", "x-shift-jis": "shift_jis", "cp932": "shift_jis", "windows-31j": "shift_jis", "ms_kanji": "shift_jis",
	"x-euc-jp": "euc-jp", "eucjp": "euc-jp", "euckr": "euc-kr",
	"iso-2022-jp-2": "iso-2022-jp", "iso-2022-jp-3": "iso-2022-jp",
	"ansi": "windows-1252", "ansi-1252": "windows-1252", "x-ansi": "windows-1252", "iso-latin-1": "iso-8859-1", "latin-1": "iso-8859-1",
	"koi8": "koi8-r", "x-mac-roman": "macintosh", "mac": "macintosh",
	"unicode": "utf-16le", "ucs-2": "utf-16le",
}

// newDecoder returns a transformer from the named charset to UTF-8; unknown
// charsets decode valid UTF-8 as such and other bytes as windows-1252.
func newDecoder(label string) transform.Transformer {
	if e := lookupCharset(label); e != nil {
		return e.NewDecoder()
	}
	return utf8Fallback{}
}

// decodeBytes converts b from the named charset to a UTF-8 string.
func decodeBytes(b []byte, label string) string {
	if e := lookupCharset(label); e != nil {
		if out, err := e.NewDecoder().Bytes(b); err == nil {
			return string(out)
		}
	}
	return toUTF8(b)
}

// toUTF8 returns b as a string if it is valid UTF-8, else decodes its
// invalid bytes as windows-1252.
func toUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	out, _, err := transform.Bytes(utf8Fallback{}, b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(out)
}

// headerString converts raw header bytes to UTF-8: valid UTF-8 stays, other
// 8-bit text is read in the message's declared charset, else windows-1252.
func headerString(b []byte, charset string) string {
	if utf8.Valid(b) {
		return string(b)
	}
	if lookupCharset(charset) != nil {
		return decodeBytes(b, charset)
	}
	return toUTF8(b)
}

// utf8Fallback passes valid UTF-8 through and decodes every byte that is not
// part of a valid UTF-8 sequence as windows-1252.
type utf8Fallback struct{ transform.NopResetter }

func (utf8Fallback) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		c := src[nSrc]
		if c < utf8.RuneSelf {
			if nDst >= len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			dst[nDst] = c
			nDst++
			nSrc++
			continue
		}
		r, size := utf8.DecodeRune(src[nSrc:])
		if r == utf8.RuneError && size <= 1 {
			if !atEOF && !utf8.FullRune(src[nSrc:]) {
				return nDst, nSrc, transform.ErrShortSrc
			}
			r = charmap.Windows1252.DecodeByte(c)
			if nDst+utf8.RuneLen(r) > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			nDst += utf8.EncodeRune(dst[nDst:], r)
			nSrc++
			continue
		}
		if nDst+size > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		copy(dst[nDst:], src[nSrc:nSrc+size])
		nDst += size
		nSrc += size
	}
	return nDst, nSrc, nil
}
