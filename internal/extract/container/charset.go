package container

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Archives written on DOS and Windows (and by many Unix tools) record
// member names in the code page of the machine that made them, with no
// label. The zip format's default is CP437; in practice Russian archives
// use CP866 or KOI8-R, Japanese ones Shift-JIS (CP932), Chinese ones GBK
// (CP936). nameCharset picks one code page for all the names of an archive
// by scoring how plausible each candidate decoding looks; CP437 wins ties,
// as the zip specification says. Known limit: Korean (CP949) names are not
// among the candidates and may come out as Chinese or Cyrillic.

// legacyCharset is a candidate code page for names.
type legacyCharset struct {
	name  string
	enc   encoding.Encoding
	score func(b []byte) (float64, bool) // plausibility; false: not valid in this code page
}

var legacyCharsets = []legacyCharset{
	{"cp437", charmap.CodePage437, singleByteScorer(charmap.CodePage437)},
	{"shift_jis", japanese.ShiftJIS, scoreShiftJIS},
	{"gbk", simplifiedchinese.GBK, scoreGBK},
	{"cp866", charmap.CodePage866, singleByteScorer(charmap.CodePage866)},
	{"koi8-r", charmap.KOI8R, singleByteScorer(charmap.KOI8R)},
	{"windows-1251", charmap.Windows1251, singleByteScorer(charmap.Windows1251)},
}

// nameDecoder turns names that are not valid UTF-8 into UTF-8, using the
// one code page chosen for the archive.
type nameDecoder struct {
	cs *legacyCharset
}

// newNameDecoder chooses the code page that best explains raw, the names of
// one archive that are not valid UTF-8.
func newNameDecoder(raw []string) nameDecoder {
	if len(raw) == 0 {
		return nameDecoder{cs: &legacyCharsets[0]}
	}
	all := []byte(strings.Join(raw, "/"))
	best := &legacyCharsets[0]
	bestScore, _ := best.score(all)
	for i := 1; i < len(legacyCharsets); i++ {
		cs := &legacyCharsets[i]
		score, ok := cs.score(all)
		if !ok || score <= bestScore || !decodesCleanly(cs.enc, raw) {
			continue
		}
		best, bestScore = cs, score
	}
	return nameDecoder{cs: best}
}

// decode decodes name from the archive's code page.
func (d nameDecoder) decode(name string) string {
	s, err := d.cs.enc.NewDecoder().String(name)
	if err != nil || !utf8.ValidString(s) {
		return strings.ToValidUTF8(name, "\uFFFD")
	}
	return s
}

// decodeName decodes a single name on its own (tar, where names come one
// at a time): valid UTF-8 stays as it is.
func decodeName(name string) string {
	if utf8.ValidString(name) {
		return name
	}
	return newNameDecoder([]string{name}).decode(name)
}

// decodesCleanly reports whether every name decodes without replacement
// characters or private-use code points.
func decodesCleanly(enc encoding.Encoding, raw []string) bool {
	for _, n := range raw {
		s, err := enc.NewDecoder().String(n)
		if err != nil {
			return false
		}
		for _, r := range s {
			if r == utf8.RuneError || (r >= 0xE000 && r <= 0xF8FF) || unicode.IsControl(r) {
				return false
			}
		}
	}
	return true
}

// singleByteScorer scores a single-byte code page by the text it decodes to.
func singleByteScorer(cm *charmap.Charmap) func([]byte) (float64, bool) {
	return func(b []byte) (float64, bool) {
		var sb strings.Builder
		for _, c := range b {
			sb.WriteRune(cm.DecodeByte(c))
		}
		return scoreText(sb.String()), true
	}
}

// cyrillicFreq is the frequency of Russian letters, per mille of text.
var cyrillicFreq = map[rune]float64{
	'о': 109.7, 'е': 84.5, 'а': 80.1, 'и': 73.5, 'н': 67, 'т': 62.6, 'с': 54.7,
	'р': 47.3, 'в': 45.4, 'л': 44, 'к': 34.9, 'м': 32.1, 'д': 29.8, 'п': 28.1,
	'у': 26.2, 'я': 20.1, 'ы': 19, 'ь': 17.4, 'г': 17, 'з': 16.5, 'б': 15.9,
	'ч': 14.4, 'й': 12.1, 'х': 9.7, 'ж': 9.4, 'ш': 7.3, 'ю': 6.4, 'ц': 4.8,
	'щ': 3.6, 'э': 3.2, 'ф': 2.6, 'ъ': 0.4, 'ё': 0.4,
	'і': 15, 'ї': 6, 'є': 4, 'ґ': 0.5, // Ukrainian
}

// cyrillicWeight scores a Cyrillic letter by how common it is: 1 for the
// dozen most frequent, down to 0.3 for the rarest.
func cyrillicWeight(r rune) float64 {
	f := cyrillicFreq[unicode.ToLower(r)]
	return 0.3 + 0.7*min(1, f/30)
}

// scoreText rates how much s looks like real names: letters score, symbols
// and box drawing (the usual signs of a wrong code page) cost, and so do
// upper case after lower case and scripts mixed inside a word.
func scoreText(s string) float64 {
	var score float64
	var prev rune
	for _, r := range s {
		switch {
		case r < 0x80:
		case r >= 0x400 && r <= 0x4FF:
			score += cyrillicWeight(r)
		case (r >= 0xC0 && r <= 0x17F) && r != 0xD7 && r != 0xF7:
			score += 0.8
		case unicode.IsLetter(r):
			score += 0.2
		case r >= 0x2500 && r <= 0x25FF:
			score--
		default:
			score -= 0.5
		}
		if unicode.IsLower(prev) && unicode.IsUpper(r) {
			score -= 1.5
		}
		if unicode.IsLetter(prev) && unicode.IsLetter(r) && cyrillic(prev) != cyrillic(r) {
			score--
		}
		prev = r
	}
	return score
}

func cyrillic(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }

// Double-byte code pages are scored on their bytes: a pair in the block of
// the most common characters (JIS level 1 kanji and kana, GB2312 level 1
// hanzi) scores high, rarer blocks low, undefined or user-defined codes
// rule the code page out.
const cjkCommon = 1.6

func scoreShiftJIS(b []byte) (float64, bool) {
	var score float64
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c < 0x80:
			continue
		case c >= 0xA1 && c <= 0xDF: // half-width katakana
			score -= 0.2
			continue
		case (c >= 0x81 && c <= 0x9F) || (c >= 0xE0 && c <= 0xFC):
		default:
			return 0, false
		}
		if i+1 >= len(b) {
			return 0, false
		}
		t := b[i+1]
		if t < 0x40 || t == 0x7F || t > 0xFC {
			return 0, false
		}
		i++
		// A trail byte that is an ASCII letter may as well be the rest of a
		// Latin word after an accented letter ("\x8Eger" is "Ärger" in
		// CP437): such pairs count half.
		w := 1.0
		if (t >= 'A' && t <= 'Z') || (t >= 'a' && t <= 'z') {
			w = 0.5
		}
		switch {
		case c == 0x81:
			score += 0.5 * w
		case c == 0x82 && t >= 0x9F: // hiragana
			score += cjkCommon * w
		case c == 0x82: // full-width digits and latin
			score += w
		case c == 0x83 && t <= 0x96: // katakana
			score += cjkCommon * w
		case c >= 0x88 && c <= 0x98: // JIS level 1 kanji
			score += cjkCommon * w
		case (c >= 0x99 && c <= 0x9F) || (c >= 0xE0 && c <= 0xEA): // level 2
			score += 0.5 * w
		case c >= 0xF0 && c <= 0xF9: // user-defined
			return 0, false
		}
	}
	return score, true
}

func scoreGBK(b []byte) (float64, bool) {
	var score float64
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c < 0x80:
			continue
		case c == 0x80 || c == 0xFF:
			return 0, false
		}
		if i+1 >= len(b) {
			return 0, false
		}
		t := b[i+1]
		if t < 0x40 || t == 0x7F || t == 0xFF {
			return 0, false
		}
		i++
		gb := t >= 0xA1 // inside the GB2312 grid
		switch {
		case gb && c >= 0xB0 && c <= 0xD7: // level 1 hanzi
			score += cjkCommon
		case gb && c >= 0xD8 && c <= 0xF7: // level 2 hanzi
			score += 0.5
		case gb && c == 0xA3: // full-width ASCII
			score++
		case gb && (c == 0xA1 || c == 0xA2 || c == 0xA4 || c == 0xA5):
			score += 0.5
		case gb && ((c >= 0xAA && c <= 0xAF) || c >= 0xF8): // user-defined
			return 0, false
		}
	}
	return score, true
}
