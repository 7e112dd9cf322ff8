package detect

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/trove-archive/trove/internal/country"
)

// Byte classes of the ASCII fast path.
const (
	clLetter = 1 << iota // A-Z, a-z
	clUpper              // A-Z
	clBreak              // ends a phrase: . \n ; ! ?
	clNumber             // may start a phone number or an IBAN: + 0 A-Z
	clDomain             // may start a host: @ : w W
)

var class = func() (t [utf8.RuneSelf]uint8) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] |= clLetter
		t[c-'a'+'A'] |= clLetter | clUpper | clNumber
	}
	for _, c := range ".\n;!?" {
		t[c] |= clBreak
	}
	t['+'] |= clNumber
	t['0'] |= clNumber
	for _, c := range "@:wW" {
		t[c] |= clDomain
	}
	return t
}()

// word is a run of letters in the text, [start, end) in bytes; cand marks
// a word that may start a name: its first letter is upper-case or of a
// script without case.
type word struct {
	start, end int
	cand       bool
}

// scan reads a piece of text once: it cuts it into words for the names
// (matchWords; Han, kana and Hangul runs by substring, scanCJK) and, with
// marks, looks at the bytes that may start a phone number, an IBAN or a
// host name (number, domain). ASCII is read through a table; only words
// that may start a name or an exclusion are lower-cased and looked up.
func (c *Collector) scan(b []byte, marks bool) {
	ws := c.ws[:0]
	// Numbers and hosts are read from their first byte; the text they
	// cover is not looked at again for another one (but is for words).
	numFrom, domFrom := 0, 0
	if !marks {
		numFrom, domFrom = len(b), len(b)
	}
	for i := 0; i < len(b); {
		ch := b[i]
		if ch < utf8.RuneSelf {
			cl := class[ch]
			if cl&clLetter == 0 {
				// A sentence or line break ends a phrase.
				if cl&clBreak != 0 && len(ws) > 0 {
					c.matchWords(b, ws)
					ws = ws[:0]
				}
				if cl&clNumber != 0 && i >= numFrom {
					if n := c.number(b, i); n > 0 {
						numFrom = i + n
					}
				}
				if cl&clDomain != 0 && i >= domFrom {
					if end := c.domain(b, i); end >= 0 {
						domFrom = end
					}
				}
				i++
				continue
			}
			j := i + 1
			for j < len(b) && b[j] < utf8.RuneSelf && class[b[j]]&clLetter != 0 {
				j++
			}
			if j < len(b) && b[j] >= utf8.RuneSelf {
				j = wordEnd(b, j)
			}
			// An IBAN (DE89…) or a host (www.) starts a word, never
			// within one.
			if cl&clNumber != 0 && j-i == 2 && i >= numFrom {
				if n := c.number(b, i); n > 0 {
					numFrom = i + n
				}
			}
			if cl&clDomain != 0 && j-i == 3 && i >= domFrom {
				if end := c.domain(b, i); end >= 0 {
					domFrom = end
				}
			}
			ws = append(ws, word{i, j, cl&clUpper != 0})
			i = j
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case isCJK(r):
			j := i + n
			for j < len(b) {
				r2, n2 := utf8.DecodeRune(b[j:])
				if !isCJK(r2) {
					break
				}
				j += n2
			}
			c.scanCJK(b[i:j])
			if len(ws) > 0 {
				c.matchWords(b, ws)
				ws = ws[:0]
			}
			i = j
		case isWordRune(r):
			j := wordEnd(b, i+n)
			ws = append(ws, word{i, j, unicode.IsUpper(r) || !hasCase(r)})
			i = j
		default:
			i += n
		}
	}
	if len(ws) > 0 {
		c.matchWords(b, ws)
	}
	c.ws = ws[:0]
}

// wordEnd returns the end of the word that goes on at j.
func wordEnd(b []byte, j int) int {
	for j < len(b) {
		if ch := b[j]; ch < utf8.RuneSelf {
			if class[ch]&clLetter == 0 {
				break
			}
			j++
			continue
		}
		r, n := utf8.DecodeRune(b[j:])
		if !isWordRune(r) || isCJK(r) {
			break
		}
		j += n
	}
	return j
}

// maxExclWords is the most words an exclusion may have.
const maxExclWords = 3

// matchWords looks up the phrases starting at each word that may start a
// name, longest match first. A lower-case word is no evidence, and starts
// a lookup only for an exclusion that would hide a capitalised name after
// it ("new Mexico").
func (c *Collector) matchWords(b []byte, ws []word) {
	for i := 0; i < len(ws); {
		if !ws[i].cand {
			if c.lowerExclusion(b, ws, i) {
				if p, n := c.longest(b, ws[i:]); n > 0 && p.cc == "" {
					i += n
					continue
				}
			}
			i++
			continue
		}
		best, bestN := c.longest(b, ws[i:])
		if bestN == 0 {
			if e, ok := c.inflected(b[ws[i].start:ws[i].end]); ok {
				best, bestN = e, 1
			}
		}
		if bestN == 0 {
			i++
			continue
		}
		text := b[ws[i].start:ws[i+bestN-1].end]
		phrase := ws[i : i+bestN]
		i += bestN
		if best.cc == "" {
			continue // an exclusion
		}
		if best.exact != "" && string(text) != best.exact {
			continue
		}
		if best.cap && best.kind == KindAmbiguous && !allCapitalised(b, phrase) {
			continue
		}
		c.add(best.cc, best.kind, text)
	}
}

// lowerExclusion reports whether the lower-case word ws[i] is the first
// word of an exclusion and a word that may start a name follows it
// closely enough to be part of one.
func (c *Collector) lowerExclusion(b []byte, ws []word, i int) bool {
	follows := false
	for k := i + 1; k < len(ws) && k < i+maxExclWords; k++ {
		if ws[k].cand {
			follows = true
			break
		}
	}
	if !follows {
		return false
	}
	w := b[ws[i].start:ws[i].end]
	if f := w[0]; f < utf8.RuneSelf && (len(w) >= 64 || c.d.exclLen[f]&(1<<len(w)) == 0) {
		return false
	}
	c.key = appendLower(c.key[:0], w)
	return c.d.exclFirst[string(c.key)]
}

// longest returns the entry of the longest phrase that starts at ws[0],
// and its number of words (0 if none).
func (c *Collector) longest(b []byte, ws []word) (entry, int) {
	d := c.d
	k := c.key[:0]
	best, bestN := entry{}, 0
	for n := 1; n <= len(ws); n++ {
		if n > 1 {
			k = append(k, ' ')
		}
		k = appendLower(k, b[ws[n-1].start:ws[n-1].end])
		if n == 1 {
			if i, ok := first2Index(string(k)); ok && d.first2[i]&(1<<len(k)) == 0 {
				break
			}
		}
		p, ok := d.phrases[string(k)]
		if !ok {
			break
		}
		if p.word {
			best, bestN = p.entry, n
		}
		if !p.prefix {
			break
		}
	}
	c.key = k
	return best, bestN
}

// allCapitalised reports whether every word of more than three letters
// of a phrase starts with an upper-case letter (scripts without case
// pass): La Réunion, not "la réunion". The first word is known to.
func allCapitalised(b []byte, ws []word) bool {
	for _, w := range ws[1:] {
		r, _ := utf8.DecodeRune(b[w.start:w.end])
		if utf8.RuneCount(b[w.start:w.end]) > 3 && !unicode.IsUpper(r) && hasCase(r) {
			return false
		}
	}
	return true
}

// inflected finds Russian case forms (Германии) by their stem, and
// Arabic names behind a one-letter proclitic (و, ب, ل, ف, ك).
func (c *Collector) inflected(w []byte) (entry, bool) {
	r, n := utf8.DecodeRune(w)
	switch {
	case isCyrillic(r):
		if !unicode.IsUpper(r) {
			return entry{}, false
		}
		var buf [64]byte
		low := appendLower(buf[:0], w)
		for k := 0; k < 3; k++ {
			if e, ok := c.d.stems[string(low)]; ok && e.cc != "" {
				return e, true
			}
			lr, ln := utf8.DecodeLastRune(low)
			if !strings.ContainsRune(cyrEndings, lr) {
				break
			}
			low = low[:len(low)-ln]
		}
	case unicode.IsUpper(r) && len(w) > 6 && w[len(w)-1] == 's':
		// German genitive: Deutschlands, Frankreichs.
		var buf [64]byte
		low := appendLower(buf[:0], w[:len(w)-1])
		if e, ok := c.d.words[string(low)]; ok && e.kind == KindName {
			return e, true
		}
	case unicode.Is(unicode.Arabic, r) && strings.ContainsRune("وبلفك", r) && len(w) > n+4:
		if e, ok := c.d.words[string(w[n:])]; ok && e.cc != "" {
			return e, true
		}
	}
	return entry{}, false
}

func (c *Collector) scanCJK(run []byte) {
	d := c.d
	for i := 0; i < len(run); {
		matched := 0
		// Longest first: 印度尼西亚 (Indonesia) before 印度 (India).
		ends := c.cjkEnd[:0]
		for j, k := i, 0; j < len(run) && k < d.cjkMax; k++ {
			_, n := utf8.DecodeRune(run[j:])
			j += n
			ends = append(ends, j)
		}
		c.cjkEnd = ends
		for k := len(ends) - 1; k >= 1; k-- {
			if e, ok := d.cjk[string(run[i:ends[k]])]; ok {
				c.add(e.cc, e.kind, run[i:ends[k]])
				matched = ends[k] - i
				break
			}
		}
		if matched == 0 {
			_, n := utf8.DecodeRune(run[i:])
			matched = n
		}
		i += matched
	}
}

func appendLower(dst, w []byte) []byte {
	for i := 0; i < len(w); {
		if c := w[i]; c < utf8.RuneSelf {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			dst = append(dst, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(w[i:])
		dst = utf8.AppendRune(dst, unicode.ToLower(r))
		i += n
	}
	return dst
}

// hasCase reports whether r's script distinguishes upper and lower case.
func hasCase(r rune) bool { return unicode.ToUpper(r) != unicode.ToLower(r) }

// number looks for a phone number with an international prefix (+NN or
// 00NN) at i, checked with libphonenumber's metadata, or an IBAN, checked
// with its mod-97 checksum, and returns the bytes it used (0 for none).
// Only '+', "00" after a space or bracket, and two capital letters and
// two digits are looked at closer.
func (c *Collector) number(b []byte, i int) int {
	switch ch := b[i]; {
	case ch == '+' && i+1 < len(b) && isDigit(b[i+1]) && !prevIsWord(b, i):
		return c.phone(b, i, i+1)
	case ch == '0' && i+2 < len(b) && b[i+1] == '0' && b[i+2] >= '1' && b[i+2] <= '9' && (i == 0 || b[i-1] == ' ' || b[i-1] == '(' || b[i-1] == ':' || b[i-1] == '\t' || b[i-1] == '\n'):
		return c.phone(b, i, i+2)
	case ch >= 'A' && ch <= 'Z' && i+3 < len(b) && b[i+1] >= 'A' && b[i+1] <= 'Z' && isDigit(b[i+2]) && isDigit(b[i+3]) && !prevIsWord(b, i):
		return c.iban(b, i)
	}
	return 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func prevIsWord(b []byte, i int) bool {
	if i == 0 {
		return false
	}
	c := b[i-1]
	return isDigit(c) || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_' || c >= utf8.RuneSelf
}

// maxPhoneDigits is one more than the longest number read (15 digits,
// E.164): a run of 17 digits is part of something longer.
const maxPhoneDigits = 17

// phoneHit is libphonenumber's verdict on a run of digits: the number of
// leading digits that make a valid number (0: none) and its region.
type phoneHit struct {
	n      int
	region string
}

// maxPhoneCache bounds the numbers remembered per document.
const maxPhoneCache = 4096

// phone reads a number starting at start whose digits begin at digits,
// and returns the bytes it used (0 if it is not a valid number).
func (c *Collector) phone(b []byte, start, digits int) int {
	var dsBuf [maxPhoneDigits]byte
	var endsBuf [maxPhoneDigits]int // byte offset after each digit
	ds, ends := dsBuf[:0], endsBuf[:0]
	j := digits
	for ; j < len(b) && j-start < 32 && len(ds) < maxPhoneDigits; j++ {
		ch := b[j]
		switch {
		case isDigit(ch):
			ds = append(ds, ch)
			ends = append(ends, j+1)
		case ch == ' ' || ch == '-' || ch == '.' || ch == '(' || ch == ')' || ch == '/':
			if j+1 < len(b) && (b[j+1] == ' ' && ch == ' ') {
				goto done
			}
		default:
			goto done
		}
	}
done:
	if len(ds) < 8 {
		return 0
	}
	if e := ends[len(ends)-1]; e < len(b) && (b[e] >= 'A' && b[e] <= 'Z' || b[e] >= 'a' && b[e] <= 'z') {
		return 0 // glued to a word
	}
	if len(ds) == maxPhoneDigits {
		return 0 // part of a longer number
	}
	// libphonenumber takes the calling code from the first one to three
	// digits; without one that has a country, no cut of the run is valid.
	if !c.d.hasCallingCode(ds) {
		return 0
	}
	// The verdict depends on the digits and where the run may be cut:
	// between groups only.
	var keyBuf [2 * maxPhoneDigits]byte
	key := keyBuf[:0]
	for n := 1; n <= len(ds); n++ {
		key = append(key, ds[n-1])
		if n < len(ds) && ends[n-1] < len(b) && !isDigit(b[ends[n-1]]) {
			key = append(key, ' ')
		}
	}
	hit, ok := c.phones[string(key)]
	if !ok {
		hit = validPhone(b, ds, ends)
		if c.phones == nil {
			c.phones = map[string]phoneHit{}
		}
		if len(c.phones) < maxPhoneCache {
			c.phones[string(key)] = hit
		}
	}
	if hit.n == 0 {
		return 0
	}
	c.add(hit.region, KindPhone, bytes.TrimSpace(b[start:ends[hit.n-1]]))
	return ends[hit.n-1] - start
}

// hasCallingCode reports whether the digits start with a country calling
// code of a country, the way libphonenumber reads it (the shortest code
// that exists).
func (d *dict) hasCallingCode(ds []byte) bool {
	if ds[0] == '0' {
		return false
	}
	code := 0
	for i := 0; i < 3 && i < len(ds); i++ {
		code = code*10 + int(ds[i]-'0')
		if regions := phonenumbers.GetRegionCodesForCountryCode(code); len(regions) > 0 {
			return d.callingCode[code]
		}
	}
	return false
}

// validPhone asks libphonenumber about the whole run of digits first, then
// without trailing groups that may be something else ("+49 30 1234567 12
// items").
func validPhone(b, ds []byte, ends []int) phoneHit {
	for n := len(ds); n >= 8; n-- {
		if n < len(ds) && (ends[n-1] >= len(b) || isDigit(b[ends[n-1]])) {
			continue // cut only between groups
		}
		if n > 15 {
			continue
		}
		num, err := phonenumbers.Parse("+"+string(ds[:n]), "")
		if err != nil {
			continue
		}
		// IsValidNumber, without looking the region up twice.
		region := phonenumbers.GetRegionCodeForNumber(num)
		if !phonenumbers.IsValidNumberForRegion(num, region) {
			continue
		}
		if !country.Valid(region) {
			return phoneHit{}
		}
		return phoneHit{n: n, region: region}
	}
	return phoneHit{}
}

// iban reads an IBAN at i: written in one block or in groups of four
// separated by single spaces.
func (c *Collector) iban(b []byte, i int) int {
	cc := c.d.alpha2[int(b[i]-'A')*26+int(b[i+1]-'A')]
	if cc == "" {
		return 0
	}
	var alnumBuf [34]byte
	var endsBuf [34]int
	alnum, ends := alnumBuf[:0], endsBuf[:0]
	j := i
	for j < len(b) && len(alnum) < 34 {
		ch := b[j]
		if isDigit(ch) || ch >= 'A' && ch <= 'Z' {
			alnum = append(alnum, ch)
			j++
			ends = append(ends, j)
			continue
		}
		if ch == ' ' && j+1 < len(b) && (isDigit(b[j+1]) || b[j+1] >= 'A' && b[j+1] <= 'Z') && len(alnum)%4 == 0 {
			j++
			continue
		}
		break
	}
	for n := len(alnum); n >= 15; n-- {
		end := ends[n-1]
		if end < len(b) && (isDigit(b[end]) || b[end] >= 'A' && b[end] <= 'Z' || b[end] >= 'a' && b[end] <= 'z') {
			continue // not at a boundary
		}
		if validIBAN(alnum[:n]) {
			c.add(cc, KindIBAN, b[i:end])
			return end - i
		}
	}
	return 0
}

// validIBAN checks the ISO 13616 checksum: move the first four characters
// to the end, letters to numbers (A=10), and the number mod 97 must be 1.
func validIBAN(s []byte) bool {
	if len(s) < 15 || len(s) > 34 || !isDigit(s[2]) || !isDigit(s[3]) {
		return false
	}
	// Piecewise mod 97 (the number has up to 68 digits).
	rem := 0
	for k := range s {
		ch := s[(k+4)%len(s)]
		if isDigit(ch) {
			rem = (rem*10 + int(ch-'0')) % 97
		} else {
			rem = (rem*100 + int(ch-'A') + 10) % 97
		}
	}
	return rem == 1
}

// scanDomains finds the host names in b (an email address of the
// metadata).
func (c *Collector) scanDomains(b []byte) {
	for i := 0; i < len(b); i++ {
		if ch := b[i]; ch < utf8.RuneSelf && class[ch]&clDomain != 0 {
			if end := c.domain(b, i); end >= 0 {
				i = max(i, end-1)
			}
		}
	}
}

// domain looks for the host name of an email address (user@host) or a URL
// (scheme://host, www.host) at i and takes its country-code TLD. It
// returns the end of the host, or -1 if none starts at i.
func (c *Collector) domain(b []byte, i int) int {
	var start int
	switch ch := b[i]; {
	case ch == '@' && i > 0 && isHostByte(b[i-1]):
		start = i + 1
	case ch == ':' && i+2 < len(b) && b[i+1] == '/' && b[i+2] == '/':
		start = i + 3
	case (ch == 'w' || ch == 'W') && i+4 < len(b) && (b[i+1]|0x20) == 'w' && (b[i+2]|0x20) == 'w' && b[i+3] == '.' && !prevIsWord(b, i):
		start = i
	default:
		return -1
	}
	end := start
	for end < len(b) && end-start < 253 && isHostByte(b[end]) {
		end++
	}
	host := b[start:end]
	for len(host) > 0 && (host[len(host)-1] == '.' || host[len(host)-1] == '-') {
		host = host[:len(host)-1]
	}
	dot := bytes.LastIndexByte(host, '.')
	if dot <= 0 || len(host)-dot-1 != 2 {
		return end
	}
	var tld [2]byte
	tld[0], tld[1] = host[dot+1]|0x20, host[dot+2]|0x20
	if c.d.generic[string(tld[:])] {
		return end
	}
	if cc, ok := c.d.tlds[string(tld[:])]; ok {
		c.host = appendLower(c.host[:0], host)
		c.add(cc, KindTLD, c.host)
	}
	return end
}

func isHostByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '.' || c == '-'
}
