package legacy

import (
	"encoding/binary"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/trove-archive/trove/internal/archive"
)

// Properties are the document properties of a compound file's
// "\x05SummaryInformation" and "\x05DocumentSummaryInformation" streams
// (MS-OLEPS).
type Properties struct {
	Title, Subject, Author, Keywords, Comments string
	Template, LastAuthor, AppName              string
	Company, Manager, Category                 string
	Created, Modified, Printed                 time.Time
	Pages, Words                               int
}

// SummaryInformation property identifiers.
const (
	pidCodepage   = 1
	pidTitle      = 2
	pidSubject    = 3
	pidAuthor     = 4
	pidKeywords   = 5
	pidComments   = 6
	pidTemplate   = 7
	pidLastAuthor = 8
	pidPrinted    = 11
	pidCreated    = 12
	pidSaved      = 13
	pidPages      = 14
	pidWords      = 15
	pidAppName    = 18
	// DocumentSummaryInformation
	pidCategory = 2
	pidManager  = 14
	pidCompany  = 15
)

// Property types.
const (
	vtI2       = 2
	vtI4       = 3
	vtLPSTR    = 30
	vtLPWSTR   = 31
	vtFILETIME = 64
)

// propValue is one decoded property: a string, an int or a time.
type propValue struct {
	s string
	n int
	t time.Time
}

// parsePropertySet decodes the first section of a property set stream.
// It never fails: what cannot be read is left out.
func parsePropertySet(b []byte) map[uint32]propValue {
	out := map[uint32]propValue{}
	if len(b) < 48 || binary.LittleEndian.Uint16(b) != 0xFFFE {
		return out
	}
	if binary.LittleEndian.Uint32(b[24:]) == 0 {
		return out
	}
	sec := int(binary.LittleEndian.Uint32(b[44:]))
	if sec < 0 || sec+8 > len(b) {
		return out
	}
	s := b[sec:]
	size := int(binary.LittleEndian.Uint32(s))
	if size < 8 || size > len(s) {
		size = len(s)
	}
	s = s[:size]
	n := int(binary.LittleEndian.Uint32(s[4:]))
	if n < 0 || n > (len(s)-8)/8 {
		n = (len(s) - 8) / 8
	}
	type ent struct {
		id  uint32
		off int
	}
	ents := make([]ent, 0, n)
	var dec *encoding.Decoder
	for i := range n {
		id := binary.LittleEndian.Uint32(s[8+8*i:])
		off := int(binary.LittleEndian.Uint32(s[12+8*i:]))
		if off < 8 || off+4 > len(s) {
			continue
		}
		ents = append(ents, ent{id, off})
		if id == pidCodepage && binary.LittleEndian.Uint16(s[off:]) == vtI2 && off+6 <= len(s) {
			dec = codepage(int(binary.LittleEndian.Uint16(s[off+4:])))
		}
	}
	for _, e := range ents {
		v := s[e.off+4:]
		switch binary.LittleEndian.Uint16(s[e.off:]) {
		case vtI2:
			if len(v) >= 2 {
				out[e.id] = propValue{n: int(int16(binary.LittleEndian.Uint16(v)))}
			}
		case vtI4:
			if len(v) >= 4 {
				out[e.id] = propValue{n: int(int32(binary.LittleEndian.Uint32(v)))}
			}
		case vtLPSTR:
			if len(v) < 4 {
				continue
			}
			l := int(binary.LittleEndian.Uint32(v))
			if l < 0 || l > len(v)-4 {
				continue
			}
			raw := v[4 : 4+l]
			if i := strings.IndexByte(string(raw), 0); i >= 0 {
				raw = raw[:i]
			}
			out[e.id] = propValue{s: decodeString(raw, dec)}
		case vtLPWSTR:
			if len(v) < 4 {
				continue
			}
			l := int(binary.LittleEndian.Uint32(v))
			if l < 0 || l > (len(v)-4)/2 {
				continue
			}
			u := make([]uint16, 0, l)
			for i := range l {
				c := binary.LittleEndian.Uint16(v[4+2*i:])
				if c == 0 {
					break
				}
				u = append(u, c)
			}
			out[e.id] = propValue{s: string(utf16.Decode(u))}
		case vtFILETIME:
			if len(v) >= 8 {
				out[e.id] = propValue{t: filetime(binary.LittleEndian.Uint64(v))}
			}
		}
	}
	return out
}

// filetime converts 100-ns intervals since 1601 to a time; zero and
// implausible values (before 1980, after 2100) give the zero time. Edit
// durations stored as FILETIME fall out this way too.
func filetime(ft uint64) time.Time {
	const epochDiff = 116444736000000000 // 1601 to 1970 in 100 ns
	if ft < epochDiff {
		return time.Time{}
	}
	t := time.Unix(0, 0).Add(time.Duration((ft-epochDiff)/10000) * time.Millisecond).UTC()
	if t.Year() < 1980 || t.Year() > 2100 {
		return time.Time{}
	}
	return t
}

// codepage returns a decoder for a Windows code page, or nil for UTF-8 and
// ones not known (decoded as Windows-1252 if not valid UTF-8).
func codepage(cp int) *encoding.Decoder {
	var e encoding.Encoding
	switch cp {
	case 65001:
		return nil
	case 932:
		e = japanese.ShiftJIS
	case 936:
		e = simplifiedchinese.GBK
	case 949:
		e = korean.EUCKR
	case 950:
		e = traditionalchinese.Big5
	case 874:
		e = charmap.Windows874
	case 1250, 1251, 1252, 1253, 1254, 1255, 1256, 1257, 1258:
		e = []encoding.Encoding{charmap.Windows1250, charmap.Windows1251, charmap.Windows1252,
			charmap.Windows1253, charmap.Windows1254, charmap.Windows1255, charmap.Windows1256,
			charmap.Windows1257, charmap.Windows1258}[cp-1250]
	case 10000:
		e = charmap.Macintosh
	case 437:
		e = charmap.CodePage437
	case 850:
		e = charmap.CodePage850
	case 866:
		e = charmap.CodePage866
	default:
		return charmap.Windows1252.NewDecoder()
	}
	return e.NewDecoder()
}

func decodeString(b []byte, dec *encoding.Decoder) string {
	if dec == nil {
		if utf8.Valid(b) {
			return string(b)
		}
		dec = charmap.Windows1252.NewDecoder()
	}
	s, err := dec.Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}

// ReadProperties reads the property set streams of the compound file at
// path. A file that is no compound file, or has no property sets, gives
// zero Properties and no error; only failing to open the file is an error.
func ReadProperties(path string) (Properties, error) {
	f, err := os.Open(path)
	if err != nil {
		return Properties{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Properties{}, err
	}
	c, err := openCFB(f, st.Size())
	if err != nil {
		return Properties{}, nil
	}
	return c.properties(), nil
}

func (c *cfbFile) properties() Properties {
	var p Properties
	if e := c.find("\x05SummaryInformation"); e != nil {
		if b, err := c.read(e, 4<<20); err == nil {
			p.summary(parsePropertySet(b))
		}
	}
	if e := c.find("\x05DocumentSummaryInformation"); e != nil {
		if b, err := c.read(e, 4<<20); err == nil {
			m := parsePropertySet(b)
			p.Category = clean(m[pidCategory].s)
			p.Manager = clean(m[pidManager].s)
			p.Company = clean(m[pidCompany].s)
		}
	}
	return p
}

func (p *Properties) summary(m map[uint32]propValue) {
	p.Title = clean(m[pidTitle].s)
	p.Subject = clean(m[pidSubject].s)
	p.Author = clean(m[pidAuthor].s)
	p.Keywords = clean(m[pidKeywords].s)
	p.Comments = clean(m[pidComments].s)
	p.Template = clean(m[pidTemplate].s)
	p.LastAuthor = clean(m[pidLastAuthor].s)
	p.AppName = clean(m[pidAppName].s)
	p.Created = m[pidCreated].t
	p.Modified = m[pidSaved].t
	p.Printed = m[pidPrinted].t
	p.Pages = max(m[pidPages].n, 0)
	p.Words = max(m[pidWords].n, 0)
}

// clean trims a property and drops control characters.
func clean(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r' || r == '\n' || r == '\t':
			return ' '
		case r < 0x20 || r == 0x7F:
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(strings.ToValidUTF8(s, "\uFFFD"))
}

// fill copies the properties into m, keeping what m already has.
func (p Properties) fill(m *archive.Meta) {
	set := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	set(&m.Title, p.Title)
	set(&m.Subject, p.Subject)
	set(&m.Author, p.Author)
	set(&m.Keywords, p.Keywords)
	set(&m.Creator, p.AppName)
	if m.Created.IsZero() {
		m.Created = p.Created
	}
	if m.Modified.IsZero() {
		m.Modified = p.Modified
	}
	if m.Pages == 0 {
		m.Pages = p.Pages
	}
	extra := func(k, v string) {
		if v == "" {
			return
		}
		if m.Extra == nil {
			m.Extra = map[string]string{}
		}
		if _, ok := m.Extra[k]; !ok {
			m.Extra[k] = v
		}
	}
	extra("description", p.Comments)
	extra("last_modified_by", p.LastAuthor)
	extra("template", p.Template)
	extra("company", p.Company)
	extra("manager", p.Manager)
	extra("category", p.Category)
	if p.Words > 0 {
		extra("words", strconv.Itoa(p.Words))
	}
}
