package outlook

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"
)

// codepages maps Windows code page numbers (PidTagInternetCodepage,
// PidTagMessageCodepage, RTF \ansicpg) to decoders and IANA names.
var codepages = map[int]struct {
	enc  encoding.Encoding
	name string
}{
	437: {charmap.CodePage437, "ibm437"}, 850: {charmap.CodePage850, "ibm850"},
	852: {charmap.CodePage852, "ibm852"}, 866: {charmap.CodePage866, "ibm866"},
	874:  {charmap.Windows874, "windows-874"},
	932:  {japanese.ShiftJIS, "shift_jis"},
	936:  {simplifiedchinese.GBK, "gbk"},
	949:  {korean.EUCKR, "euc-kr"},
	950:  {traditionalchinese.Big5, "big5"},
	1250: {charmap.Windows1250, "windows-1250"}, 1251: {charmap.Windows1251, "windows-1251"},
	1252: {charmap.Windows1252, "windows-1252"}, 1253: {charmap.Windows1253, "windows-1253"},
	1254: {charmap.Windows1254, "windows-1254"}, 1255: {charmap.Windows1255, "windows-1255"},
	1256: {charmap.Windows1256, "windows-1256"}, 1257: {charmap.Windows1257, "windows-1257"},
	1258:  {charmap.Windows1258, "windows-1258"},
	10000: {charmap.Macintosh, "macintosh"},
	20866: {charmap.KOI8R, "koi8-r"}, 21866: {charmap.KOI8U, "koi8-u"},
	28591: {charmap.ISO8859_1, "iso-8859-1"}, 28592: {charmap.ISO8859_2, "iso-8859-2"},
	28593: {charmap.ISO8859_3, "iso-8859-3"}, 28594: {charmap.ISO8859_4, "iso-8859-4"},
	28595: {charmap.ISO8859_5, "iso-8859-5"}, 28596: {charmap.ISO8859_6, "iso-8859-6"},
	28597: {charmap.ISO8859_7, "iso-8859-7"}, 28598: {charmap.ISO8859_8, "iso-8859-8"},
	28599: {charmap.ISO8859_9, "iso-8859-9"}, 28603: {charmap.ISO8859_13, "iso-8859-13"},
	28605: {charmap.ISO8859_15, "iso-8859-15"},
	50220: {japanese.ISO2022JP, "iso-2022-jp"}, 50221: {japanese.ISO2022JP, "iso-2022-jp"},
	50222: {japanese.ISO2022JP, "iso-2022-jp"},
	51932: {japanese.EUCJP, "euc-jp"}, 51936: {simplifiedchinese.GBK, "gb2312"},
	51949: {korean.EUCKR, "euc-kr"}, 52936: {simplifiedchinese.HZGB2312, "hz-gb-2312"},
	54936: {simplifiedchinese.GB18030, "gb18030"},
	65001: {unicode.UTF8, "utf-8"},
}

// rtfCharsets maps RTF \fcharset values to code pages.
var rtfCharsets = map[int]int{
	0: 1252, 77: 10000, 128: 932, 129: 949, 134: 936, 136: 950, 161: 1253, 162: 1254,
	163: 1258, 177: 1255, 178: 1256, 186: 1257, 204: 1251, 222: 874, 238: 1250,
}

// decode8 decodes 8-bit text in code page cp; an unknown code page reads
// valid UTF-8 as such and anything else as windows-1252.
func decode8(b []byte, cp int) string {
	if c, ok := codepages[cp]; ok {
		if s, err := c.enc.NewDecoder().Bytes(b); err == nil {
			return string(s)
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	s, _ := charmap.Windows1252.NewDecoder().Bytes(b)
	return string(s)
}

// decode16 decodes UTF-16LE text, dropping a trailing NUL and an odd byte.
func decode16(b []byte) string {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	for len(u) > 0 && u[len(u)-1] == 0 {
		u = u[:len(u)-1]
	}
	return string(utf16.Decode(u))
}

// cleanString trims NULs and surrounding space from a property string.
func cleanString(s string) string {
	return strings.TrimSpace(strings.TrimRight(s, "\x00"))
}
