package country

import (
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
)

// Check validates codes (already normalised by archive.NormalizeCountries:
// two upper-case letters) against the table. An unknown code is an
// archive.EInvalid error that names it and suggests close matches, e.g.
// "country UK is not an ISO 3166-1 code; did you mean GB (United Kingdom)?".
func Check(codes []string) error {
	for _, c := range codes {
		if Valid(c) {
			continue
		}
		msg := "country " + strings.ToUpper(c) + " is not an ISO 3166-1 alpha-2 code"
		if s := Suggest(c); len(s) > 0 {
			parts := make([]string, len(s))
			for i, x := range s {
				parts[i] = x.Code + " (" + x.Name + ")"
			}
			msg += "; did you mean " + strings.Join(parts, " or ") + "?"
		} else {
			msg += "; trove countries list shows them all"
		}
		return archive.Errorf(archive.EInvalid, "%s", msg)
	}
	return nil
}

// Suggest lists up to three countries that an unknown code or name may
// mean: an alpha-3 code, a name or other spelling in any language of the
// table (UK → GB), then English names starting with the input, then
// codes one letter away whose name starts with the input's first letter.
func Suggest(in string) []Country {
	in = strings.TrimSpace(in)
	if in == "" {
		return nil
	}
	var out []Country
	add := func(c Country) {
		if len(out) < 3 && !slices.ContainsFunc(out, func(x Country) bool { return x.Code == c.Code }) {
			out = append(out, c)
		}
	}
	if c, ok := Lookup(in); ok {
		add(c)
	}
	if c, ok := ByCode3(in); ok {
		add(c)
	}
	all := load().all
	for _, c := range all {
		if nameMatches(c, in) {
			add(c)
		}
	}
	for _, c := range all {
		if hasPrefixFold(c.Name, in) {
			add(c)
		}
	}
	if utf8.RuneCountInString(in) == 2 {
		up := strings.ToUpper(in)
		for _, c := range all {
			if (c.Code[0] == up[0]) != (c.Code[1] == up[1]) && hasPrefixFold(c.Name, up[:1]) {
				add(c)
			}
		}
	}
	return out
}

func nameMatches(c Country, in string) bool {
	eq := func(s string) bool { return strings.EqualFold(s, in) }
	if eq(c.Name) || eq(c.Official) || slices.ContainsFunc(c.Native, eq) || slices.ContainsFunc(c.AltSpellings, eq) {
		return true
	}
	for _, n := range c.Names {
		if eq(n) {
			return true
		}
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
