package archive

import (
	"regexp"
	"strings"
	"time"
)

// Dataset is one leak (or one part of a leak) as the archive publishes it.
type Dataset struct {
	ID          int64
	Slug        string
	Title       string
	Description string
	Countries   []string // ISO 3166-1 alpha-2, upper case
	Source      string   // source note
	Level       ReleaseLevel
	Created     time.Time
	Updated     time.Time
	// Embargo, when set, publishes the dataset at that time: from then on
	// it reads as public, whatever its level says.
	Embargo time.Time
	// OCRLangs are the tesseract languages OCR reads this dataset in
	// (e.g. "eng", "deu"); empty: English plus its countries' languages.
	OCRLangs []string

	// Counts, filled by catalog reads.
	Items  int64 // every item, including members of containers
	Bytes  int64 // sum of the sizes of top-level items
	Failed int64 // items whose extraction failed
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// ValidSlug reports whether s is a usable dataset slug: lower-case letters,
// digits and dashes, starting with a letter or digit, at most 63 characters.
func ValidSlug(s string) bool { return slugRE.MatchString(s) }

var countryRE = regexp.MustCompile(`^[A-Z]{2}$`)

// NormalizeCountries upper-cases codes and checks their shape (two letters).
// Full ISO 3166-1 validation against a country table comes with the
// country issue; this rejects what can never be a code.
func NormalizeCountries(in []string) ([]string, error) {
	var out []string
	for _, c := range in {
		for _, part := range strings.Split(c, ",") {
			part = strings.ToUpper(strings.TrimSpace(part))
			if part == "" {
				continue
			}
			if !countryRE.MatchString(part) {
				return nil, Errorf(EInvalid, "country %q: want an ISO 3166-1 alpha-2 code such as US or DE", part)
			}
			out = append(out, part)
		}
	}
	return out, nil
}

// Validate checks a dataset before it is stored.
func (d *Dataset) Validate() error {
	if !ValidSlug(d.Slug) {
		return Errorf(EInvalid, "slug %q: use lower-case letters, digits and dashes (at most 63)", d.Slug)
	}
	if !d.Level.Valid() {
		return Errorf(EInvalid, "release level %q: want private, limited or public", d.Level)
	}
	cs, err := NormalizeCountries(d.Countries)
	if err != nil {
		return err
	}
	d.Countries = cs
	return nil
}
