package pdf

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// dateLayouts are the forms pdfinfo prints dates in: ISO 8601 with
// -isodates (the zone as Z, ±hh or ±hh:mm), else asctime with a zone name.
var dateLayouts = []string{
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05Z07",
	"2006-01-02T15:04:05",
	"Mon Jan _2 15:04:05 2006 MST",
	"Mon Jan _2 15:04:05 2006",
}

// parseDate parses a date as pdfinfo prints it, or a raw PDF date string
// (D:YYYYMMDDHHmmSSOHH'mm', ISO 32000-1 §7.9.4) that poppler could not decode.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, false
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return parseRawDate(s)
}

var rawDateRE = regexp.MustCompile(`^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:([Zz+\-])(?:(\d{2})'?(?:(\d{2})'?)?)?)?$`)

func parseRawDate(s string) (time.Time, bool) {
	g := rawDateRE.FindStringSubmatch(s)
	if g == nil {
		return time.Time{}, false
	}
	num := func(i, def int) int {
		if g[i] == "" {
			return def
		}
		n, _ := strconv.Atoi(g[i])
		return n
	}
	loc := time.UTC
	if g[7] == "+" || g[7] == "-" {
		off := num(8, 0)*3600 + num(9, 0)*60
		if g[7] == "-" {
			off = -off
		}
		loc = time.FixedZone("", off)
	}
	mon, day := num(2, 1), num(3, 1)
	if mon < 1 || mon > 12 || day < 1 || day > 31 {
		return time.Time{}, false
	}
	return time.Date(num(1, 0), time.Month(mon), day, num(4, 0), num(5, 0), num(6, 0), 0, loc), true
}

// pdfDocHigh maps the PDFDocEncoding codes 0x80–0xA0 whose characters are not
// the Latin-1 ones (ISO 32000-1, Annex D, Table D.2) to their byte.
var pdfDocHigh = map[rune]byte{
	'\u2022': 0x80, '\u2020': 0x81, '\u2021': 0x82, '\u2026': 0x83, '\u2014': 0x84,
	'\u2013': 0x85, '\u0192': 0x86, '\u2044': 0x87, '\u2039': 0x88, '\u203A': 0x89,
	'\u2212': 0x8A, '\u2030': 0x8B, '\u201E': 0x8C, '\u201C': 0x8D, '\u201D': 0x8E,
	'\u2018': 0x8F, '\u2019': 0x90, '\u201A': 0x91, '\u2122': 0x92, '\uFB01': 0x93,
	'\uFB02': 0x94, '\u0141': 0x95, '\u0152': 0x96, '\u0160': 0x97, '\u0178': 0x98,
	'\u017D': 0x99, '\u0131': 0x9A, '\u0142': 0x9B, '\u0153': 0x9C, '\u0161': 0x9D,
	'\u017E': 0x9E, '\u20AC': 0xA0,
}

// repairMojibake undoes a common producer bug: UTF-8 bytes stored in an Info
// string without the UTF-16 marker, which readers decode as PDFDocEncoding
// ("DelacrÃ©taz"). If every character maps back to one PDFDocEncoding byte
// and those bytes are valid UTF-8 with at least one multi-byte sequence, the
// UTF-8 reading is returned; otherwise s is returned unchanged.
func repairMojibake(s string) string {
	b := make([]byte, 0, len(s))
	high := false
	for _, r := range s {
		switch c, ok := pdfDocHigh[r]; {
		case ok:
			b = append(b, c)
			high = true
		case r < 0x80:
			b = append(b, byte(r))
		case r >= 0xA1 && r <= 0xFF && r != 0xAD:
			b = append(b, byte(r))
			high = true
		default:
			return s
		}
	}
	if !high || !utf8.Valid(b) {
		return s
	}
	return string(b)
}
