// Package detect finds the countries a document is about, with the
// evidence for each: country names and demonyms (in English, French,
// German, Spanish, Portuguese, Italian, Russian, Arabic and Chinese, and
// the countries' own languages), phone numbers written with an
// international prefix, IBANs, country-code top-level domains of email
// addresses and URLs, and GPS positions. Assign applies the thresholds
// documented in docs/countries.md. The input is untrusted: detection is a
// single pass over the text with map lookups, never one expression per
// country, and bounded (MaxText).
package detect

import (
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/geo"
)

// Evidence kinds.
const (
	KindName    = "name"
	KindDemonym = "demonym"
	KindPhone   = "phone"
	KindIBAN    = "iban"
	KindTLD     = "tld"
	KindGPS     = "gps"
	KindAddress = "address" // a country named in a place field of the metadata (XMP)
	// KindAmbiguous is a capitalised country name that is also a common
	// word or given name (Chad, Jordan, Georgia, Turkey, Guinea, ...).
	KindAmbiguous = "ambiguous"
)

// MaxText is how much of a document's text is scanned; the evidence of a
// longer document comes from its first MaxText bytes.
const MaxText = 16 << 20

// maxSnippet bounds the Text of an evidence.
const maxSnippet = 64

// Evidence is one reason to think a document is about Country.
type Evidence struct {
	Country string // ISO 3166-1 alpha-2
	Kind    string
	Text    string // the matched text (the first occurrence), short
	Count   int
}

// Collector gathers evidence from a document's text, given in pieces, and
// metadata. It is not safe for concurrent use.
type Collector struct {
	d *dict
	// ev holds the evidence counted per country and kind; evText the
	// kinds counted per text too (names, demonyms, hosts), so that a
	// lookup with the matched bytes allocates nothing.
	ev      map[evKey]*Evidence
	evText  map[evKey]map[string]*Evidence
	scanned int
	lat     float64
	lon     float64
	hasGPS  bool

	// Buffers reused from piece to piece.
	ws     []word
	key    []byte
	host   []byte
	cjkEnd []int
	// phones caches libphonenumber's verdict on the numbers seen in this
	// document (signature blocks repeat one number many times), keyed by
	// the digits and the places the number may be cut.
	phones map[string]phoneHit
}

type evKey struct{ country, kind string }

// New starts collecting evidence for one document.
func New() *Collector {
	return &Collector{d: loadDict(), ev: map[evKey]*Evidence{}, evText: map[evKey]map[string]*Evidence{}}
}

// Detect is New, Text and Meta in one call.
func Detect(text []byte, m *archive.Meta) []Evidence {
	c := New()
	c.Text(text)
	c.Meta(m)
	return c.Evidence()
}

// add counts one piece of evidence; text is copied only when it is new.
func (c *Collector) add(country, kind string, text []byte) {
	if len(text) > maxSnippet {
		text = text[:truncLen(text, maxSnippet)]
	}
	// Names count per country and spelling; other kinds per country and
	// kind (the first text is kept), so that 500 phone numbers make one
	// evidence with Count 500.
	k := evKey{country, kind}
	if kind == KindName || kind == KindAmbiguous || kind == KindDemonym || kind == KindTLD {
		m := c.evText[k]
		if e, ok := m[string(text)]; ok {
			e.Count++
			return
		}
		if m == nil {
			m = map[string]*Evidence{}
			c.evText[k] = m
		}
		e := &Evidence{Country: country, Kind: kind, Text: string(text), Count: 1}
		m[e.Text] = e
		return
	}
	if e, ok := c.ev[k]; ok {
		e.Count++
		return
	}
	c.ev[k] = &Evidence{Country: country, Kind: kind, Text: string(text), Count: 1}
}

// Text scans a piece of the document's text. Pieces are scanned
// independently: a name cut in two by a piece boundary is missed.
func (c *Collector) Text(b []byte) {
	if c.scanned >= MaxText {
		return
	}
	if len(b) > MaxText-c.scanned {
		b = b[:MaxText-c.scanned]
	}
	c.scanned += len(b)
	c.scan(b, true)
}

// Meta adds the evidence of a document's metadata: GPS position (images,
// videos), XMP place names, email addresses, title and subject.
func (c *Collector) Meta(m *archive.Meta) {
	if m == nil {
		return
	}
	if lat, lon, ok := Position(m); ok {
		c.lat, c.lon, c.hasGPS = lat, lon, true
		if cc, ok := geo.CountryAt(lat, lon); ok {
			c.add(cc, KindGPS, []byte(strconv.FormatFloat(lat, 'f', 4, 64)+","+strconv.FormatFloat(lon, 'f', 4, 64)))
		}
	}
	if v := m.Extra["xmp_country"]; v != "" {
		c.place(v)
	}
	if e := m.Email; e != nil {
		for _, list := range [][]string{{e.From}, e.To, e.Cc} {
			for _, a := range list {
				c.scanDomains([]byte(a))
			}
		}
	}
	for _, s := range []string{m.Title, m.Subject} {
		if s != "" {
			c.scan([]byte(s), false)
		}
	}
}

// place looks a place name (XMP Country) up as a country name or code.
func (c *Collector) place(v string) {
	v = strings.TrimSpace(v)
	if len(v) > 100 {
		return
	}
	if cc := c.d.placeName(v); cc != "" {
		c.add(cc, KindAddress, []byte(v))
	}
}

// Position returns the GPS position in a document's metadata (EXIF or
// QuickTime/MP4 location as gps_lat/gps_lon, else XMP), if valid.
func Position(m *archive.Meta) (lat, lon float64, ok bool) {
	if m == nil || m.Extra == nil {
		return 0, 0, false
	}
	for _, k := range [][2]string{{"gps_lat", "gps_lon"}, {"xmp_gps_lat", "xmp_gps_lon"}} {
		la, err1 := strconv.ParseFloat(strings.TrimSpace(m.Extra[k[0]]), 64)
		lo, err2 := strconv.ParseFloat(strings.TrimSpace(m.Extra[k[1]]), 64)
		if err1 == nil && err2 == nil && la >= -90 && la <= 90 && lo >= -180 && lo <= 180 && !(la == 0 && lo == 0) {
			return la, lo, true
		}
	}
	return 0, 0, false
}

// GPS returns the position Meta found, if any.
func (c *Collector) GPS() (lat, lon float64, ok bool) { return c.lat, c.lon, c.hasGPS }

// Evidence returns what was collected, by country, then kind, then text.
func (c *Collector) Evidence() []Evidence {
	out := make([]Evidence, 0, len(c.ev)+len(c.evText))
	for _, e := range c.ev {
		out = append(out, *e)
	}
	for _, m := range c.evText {
		for _, e := range m {
			out = append(out, *e)
		}
	}
	slices.SortFunc(out, func(a, b Evidence) int {
		if c := strings.Compare(a.Country, b.Country); c != 0 {
			return c
		}
		if c := strings.Compare(a.Kind, b.Kind); c != 0 {
			return c
		}
		return strings.Compare(a.Text, b.Text)
	})
	return out
}

// Weights of the evidence kinds; a country is assigned to a document when
// the sum reaches Threshold. Strong evidence (GPS, IBAN, phone number,
// place in XMP) assigns on its own; so does an unambiguous country name.
// A name that is also a common word or given name (Chad, Jordan,
// Georgia, Turkey, ...), a demonym, or a ccTLD counts once each and needs
// corroboration from another kind or another domain.
const (
	Threshold    = 2
	weightStrong = 2
	weightName   = 2
	weightWeak   = 1
	// maxTLD caps what domains add: two distinct domains in a country's
	// TLD assign it.
	maxTLD = 2
)

// Assign groups evidence by country and marks the countries whose evidence
// passes the threshold.
func Assign(ev []Evidence) []archive.DocumentCountry {
	type acc struct {
		dc                 archive.DocumentCountry
		strong, name       bool
		ambiguous, demonym bool
		tlds               int
	}
	by := map[string]*acc{}
	var order []string
	for _, e := range ev {
		a := by[e.Country]
		if a == nil {
			a = &acc{dc: archive.DocumentCountry{Country: e.Country}}
			by[e.Country] = a
			order = append(order, e.Country)
		}
		switch e.Kind {
		case KindGPS, KindIBAN, KindPhone, KindAddress:
			a.strong = true
		case KindName:
			a.name = true
		case KindAmbiguous:
			a.ambiguous = true
		case KindDemonym:
			a.demonym = true
		case KindTLD:
			a.tlds++
		}
		a.dc.Evidence = append(a.dc.Evidence, archive.CountryEvidence{Kind: e.Kind, Text: e.Text, Count: e.Count})
	}
	slices.Sort(order)
	out := make([]archive.DocumentCountry, 0, len(order))
	for _, cc := range order {
		a := by[cc]
		score := 0
		if a.strong {
			score += weightStrong
		}
		if a.name {
			score += weightName
		}
		if a.ambiguous {
			score += weightWeak
		}
		if a.demonym {
			score += weightWeak
		}
		score += min(a.tlds, maxTLD) * weightWeak
		a.dc.Assigned = score >= Threshold
		out = append(out, a.dc)
	}
	return out
}

// Assigned returns the codes of the assigned countries.
func Assigned(dcs []archive.DocumentCountry) []string {
	var out []string
	for _, d := range dcs {
		if d.Assigned {
			out = append(out, d.Country)
		}
	}
	return out
}

// truncLen returns the length of b cut to at most n bytes at a rune
// boundary.
func truncLen(b []byte, n int) int {
	if len(b) <= n {
		return len(b)
	}
	for n > 0 && !isRuneStart(b[n]) {
		n--
	}
	return n
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

var dictOnce = sync.OnceValue(buildDict)

func loadDict() *dict { return dictOnce() }
