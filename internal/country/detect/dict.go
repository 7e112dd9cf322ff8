package detect

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/unicode/norm"

	"github.com/trove-archive/trove/internal/country"
)

// languages whose country names (world-countries translations) are
// matched, besides English and each country's own languages.
var languages = []string{"fra", "deu", "spa", "por", "ita", "rus", "ara", "zho", "jpn", "kor"}

// ambiguous lists country names (folded) that are also common words,
// given names, US states or other places: they count only as weak
// evidence (KindAmbiguous). Measured on the labelled sample of the tests.
var ambiguous = map[string]bool{
	"chad": true, "jordan": true, "georgia": true, "niger": true, "turkey": true,
	"guinea": true, "réunion": true, "reunion": true, "la réunion": true, "la reunion": true, "jersey": true, "chile": true, "panama": true,
	"cuba": true, "israel": true, "lebanon": true, "america": true,
	"granada": true, "monaco": true, "malta": true, "dominica": true, "man": true,
	"guernsey": true, "victoria": true, "togo": true, "того": true, "عمان": true, "中非": true,
}

// exclusions are phrases that contain a country name or demonym but do not
// refer to the country; they are matched (longest first) and ignored.
var exclusions = []string{
	"New Mexico", "New Jersey", "New Guinea", "New South Wales", "New England",
	"Latin America", "Latin American", "South America", "South American", "North America",
	"North American", "Central America", "Central American", "Americas",
	"Indian Ocean", "American Indian", "Indian Ocean Territory", "West Indies", "West Indian",
	"Guinea Pig", "Guinea Pigs", "Turkish Delight", "French Fries", "French Toast", "French Press",
	"Swiss Cheese", "Swiss Army", "Danish Pastry", "Dutch Oven", "Chinese Checkers", "Chinese Whispers",
	"German Shepherd", "Great Dane", "Brazil Nut", "Brazil Nuts", "Jordan River", "Michael Jordan",
	"Air Jordan", "Georgia Tech", "Panama Hat", "Panama Canal", "Chile Pepper", "China Cup", "Fine China",
	"Turkey Sandwich", "Egyptian Cotton", "Persian Cat", "Spanish Flu", "Arabic Numerals",
}

// extraNames are English names in common use that world-countries lacks
// (it has Türkiye only).
var extraNames = map[string]string{"Turkey": "TR"}

// strongAbbrev are upper-case abbreviations that count as full names.
var strongAbbrev = map[string]bool{"USA": true, "UK": true, "UAE": true}

// phrase is what the scanner looks a folded run of words up with.
type phrase struct {
	entry
	word   bool // a whole phrase: entry applies
	prefix bool // a proper prefix of a longer phrase: read on
}

type entry struct {
	cc    string // "" for an exclusion
	kind  string
	cap   bool // the text must start with an upper-case letter
	exact string
}

type dict struct {
	words    map[string]entry // folded phrase (words joined by a space) → entry
	prefixes map[string]bool  // proper word prefixes of multi-word phrases
	// phrases is words and prefixes in one map, for one lookup per word
	// while scanning.
	phrases map[string]phrase
	// exclFirst holds the first words of the multi-word exclusions: a
	// lower-case word starts a lookup only when it is one of them ("new
	// Mexico"), since no lower-case phrase is evidence.
	exclFirst map[string]bool
	// first2 has bit n set for the first words of phrases n bytes long
	// that start with the letters a-z a-z (index (a-'a')*26 + b-'a'):
	// most capitalised words (The, John, March) are rejected without a
	// map lookup.
	first2 [26 * 26]uint64
	// exclLen has bit n set for the lengths n of the words of exclFirst
	// that start with an (ASCII, lower-case) letter: most lower-case
	// words are rejected without a lookup.
	exclLen [utf8.RuneSelf]uint64
	// callingCode marks the country calling codes (1 to 999) that have a
	// country among their regions: a number whose prefix has none is
	// not parsed.
	callingCode [1000]bool
	// alpha2 holds the valid codes by their two upper-case letters
	// ((a-'A')*26 + b-'A'), "" for none: IBANs start with one.
	alpha2  [26 * 26]string
	stems   map[string]entry // Cyrillic stems of names, for inflected forms
	cjk     map[string]entry // names in Han, kana or Hangul
	cjkMax  int              // runes
	tlds    map[string]string
	generic map[string]bool
}

// genericTLDs are country-code domains used mostly without regard to the
// country (.co, .io, .tv, .me, .ai, ...): they are not evidence.
var genericTLDs = []string{"ac", "ad", "ag", "ai", "am", "as", "bz", "cc", "cd", "cf", "co", "cx", "dj", "fm", "ga", "gg", "gl", "gq", "gs", "im", "io", "la", "li", "ly", "me", "ml", "ms", "nu", "sh", "so", "st", "sx", "tk", "tm", "to", "tv", "vc", "vg", "ws"}

func buildDict() *dict {
	d := &dict{
		words: map[string]entry{}, prefixes: map[string]bool{}, stems: map[string]entry{},
		cjk: map[string]entry{}, tlds: map[string]string{}, generic: map[string]bool{},
	}
	for _, t := range genericTLDs {
		d.generic[t] = true
	}
	keys := map[string]map[string]string{} // key → cc → kind
	cjk := map[string]map[string]bool{}
	exact := map[string]string{}
	addKey := func(k, cc, kind string) {
		if keys[k] == nil {
			keys[k] = map[string]string{}
		}
		if old, ok := keys[k][cc]; !ok || old == KindDemonym {
			keys[k][cc] = kind
		}
	}
	addName := func(name, cc, kind string) {
		name = strings.TrimSpace(name)
		if name == "" {
			return
		}
		if isCJK(firstRune(name)) {
			if utf8.RuneCountInString(name) >= 2 {
				if cjk[name] == nil {
					cjk[name] = map[string]bool{}
				}
				cjk[name][cc] = true
			}
			return
		}
		for _, v := range variants(name) {
			k := foldPhrase(v)
			if k == "" || utf8.RuneCountInString(k) < 4 && !strings.Contains(k, " ") && firstRune(k) < 0x250 {
				continue // Latin: too short to be safe (Iran, Peru and Oman are 4)
			}
			addKey(k, cc, kind)
		}
	}
	for _, c := range country.All() {
		for _, n := range append([]string{c.Name, c.Official}, c.Native...) {
			addName(n, c.Code, KindName)
		}
		for _, l := range languages {
			if n, ok := c.Names[l]; ok {
				addName(n, c.Code, KindName)
			}
		}
		for _, a := range c.AltSpellings {
			if isUpperAbbrev(a) {
				exact[a] = c.Code
				continue
			}
			addName(a, c.Code, KindName)
		}
		for _, dm := range c.Demonyms {
			addName(dm, c.Code, KindDemonym)
			if !strings.HasSuffix(dm, "s") {
				addName(dm+"s", c.Code, KindDemonym) // plural (English, French)
			}
		}
		for _, t := range c.TLDs {
			t = strings.TrimPrefix(strings.ToLower(t), ".")
			// .fr is France's, though Saint Martin uses it too.
			if _, taken := d.tlds[t]; !taken || t == strings.ToLower(c.Code) {
				d.tlds[t] = c.Code
			}
		}
	}
	for n, cc := range extraNames {
		addName(n, cc, KindName)
	}
	for k, ccs := range keys {
		if len(ccs) != 1 {
			continue // two countries share the word (Congo, Korea): no evidence
		}
		for cc, kind := range ccs {
			if kind == KindName && ambiguous[k] {
				kind = KindAmbiguous
			}
			d.words[k] = entry{cc: cc, kind: kind, cap: true}
		}
	}
	for k, cc := range exact {
		kind := KindAmbiguous
		if strongAbbrev[k] {
			kind = KindName
		}
		d.words[strings.ToLower(k)] = entry{cc: cc, kind: kind, exact: k}
	}
	for _, x := range exclusions {
		d.words[foldPhrase(x)] = entry{}
	}
	for k, e := range d.words {
		ws := strings.Split(k, " ")
		for i := 1; i < len(ws); i++ {
			d.prefixes[strings.Join(ws[:i], " ")] = true
		}
		// Russian inflects names: Германия, Германии, Германию.
		if e.cc != "" && len(ws) == 1 && isCyrillic(firstRune(k)) {
			if s := cyrStem(k); utf8.RuneCountInString(s) >= 4 {
				if old, ok := d.stems[s]; ok && old.cc != e.cc {
					d.stems[s] = entry{} // shared stem: ignore
				} else {
					d.stems[s] = e
				}
			}
		}
	}
	d.phrases = make(map[string]phrase, len(d.words)+len(d.prefixes))
	for k, e := range d.words {
		d.phrases[k] = phrase{entry: e, word: true}
	}
	for k := range d.prefixes {
		p := d.phrases[k]
		p.prefix = true
		d.phrases[k] = p
	}
	for k := range d.phrases {
		w, _, _ := strings.Cut(k, " ")
		if i, ok := first2Index(w); ok {
			d.first2[i] |= 1 << len(w)
		}
	}
	d.exclFirst = map[string]bool{}
	for _, x := range exclusions {
		if ws := strings.Split(foldPhrase(x), " "); len(ws) > 1 {
			d.exclFirst[ws[0]] = true
			if f := ws[0][0]; f < utf8.RuneSelf {
				if len(ws[0]) >= 64 {
					panic("detect: exclusion word too long: " + ws[0])
				}
				d.exclLen[f] |= 1 << len(ws[0])
			}
		}
	}
	for code := 1; code < len(d.callingCode); code++ {
		d.callingCode[code] = slices.ContainsFunc(phonenumbers.GetRegionCodesForCountryCode(code), country.Valid)
	}
	for a := byte('A'); a <= 'Z'; a++ {
		for b := byte('A'); b <= 'Z'; b++ {
			if cc := string([]byte{a, b}); country.Valid(cc) {
				d.alpha2[int(a-'A')*26+int(b-'A')] = cc
			}
		}
	}
	for k, ccs := range cjk {
		if len(ccs) != 1 {
			continue
		}
		for cc := range ccs {
			kind := KindName
			if ambiguous[k] {
				kind = KindAmbiguous
			}
			d.cjk[k] = entry{cc: cc, kind: kind}
		}
		d.cjkMax = max(d.cjkMax, utf8.RuneCountInString(k))
	}
	return d
}

// first2Index returns the index in first2 of a folded word: its first two
// bytes are a-z and it is shorter than 64 bytes.
func first2Index(w string) (int, bool) {
	if len(w) < 2 || len(w) >= 64 || w[0] < 'a' || w[0] > 'z' || w[1] < 'a' || w[1] > 'z' {
		return 0, false
	}
	return int(w[0]-'a')*26 + int(w[1]-'a'), true
}

// variants returns a name and its form without diacritics.
func variants(s string) []string {
	out := []string{s}
	if t := stripMarks(s); t != s {
		out = append(out, t)
	}
	return out
}

func stripMarks(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return norm.NFC.String(b.String())
}

// foldPhrase lower-cases s and joins its words with single spaces, the
// way scan sees text.
func foldPhrase(s string) string {
	var ws []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			ws = append(ws, string(cur))
			cur = cur[:0]
		}
	}
	for _, r := range s {
		if isWordRune(r) {
			cur = append(cur, unicode.ToLower(r))
		} else {
			flush()
		}
	}
	flush()
	return strings.Join(ws, " ")
}

func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z'
	}
	return unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

func isUpperAbbrev(s string) bool {
	if len(s) < 2 || len(s) > 4 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func isCJK(r rune) bool {
	if r < 0x2E80 {
		return false
	}
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) || r == 'ー'
}

func isCyrillic(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }

// cyrEndings are the case endings stripped from Russian words.
const cyrEndings = "аяуюеиыойьм"

// cyrStem removes a final vowel or soft sign from a Russian name
// (Германия → Германи), the part its inflected forms share.
func cyrStem(s string) string {
	r, n := utf8.DecodeLastRuneInString(s)
	if strings.ContainsRune("аяйьоеиы", r) {
		s = s[:len(s)-n]
	}
	return s
}

// placeName resolves a metadata place (XMP Country): a name in any of
// the languages, or an alpha-2 or alpha-3 code.
func (d *dict) placeName(v string) string {
	if e, ok := d.words[foldPhrase(v)]; ok && e.cc != "" {
		return e.cc
	}
	if e, ok := d.cjk[v]; ok {
		return e.cc
	}
	if c, ok := country.Lookup(v); ok && len(v) == 2 {
		return c.Code
	}
	if c, ok := country.ByCode3(v); ok && len(v) == 3 {
		return c.Code
	}
	return ""
}
