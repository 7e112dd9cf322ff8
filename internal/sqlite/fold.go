package sqlite

import (
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

var diacritics = runes.Remove(runes.In(unicode.Mn))

func foldDiacritics(s string) string {
	t := transform.Chain(norm.NFD, diacritics, norm.NFC)
	out, _, err := transform.String(t, s)
	if err != nil {
		return s
	}
	return out
}
