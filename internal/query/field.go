package query

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/trove-archive/trove/internal/archive"
)

// Date filter names; they parse to DateRange, not Field.
const (
	filterDate   = "date"
	filterAfter  = "after"
	filterBefore = "before"
)

// fieldNames lists every name:value filter, in the order errors list them.
var fieldNames = []string{FieldDataset, FieldType, FieldFrom, FieldTo, FieldSubject,
	FieldFilename, FieldExt, FieldLang, FieldCountry, FieldHas, filterDate, filterAfter, filterBefore}

// splitField splits a word of the form name:value where name is ASCII
// letters. Words whose value starts with a slash or a backslash, such as
// http://example.org or C:\Users, are text, not fields.
func splitField(w string) (name, value string, ok bool) {
	i := strings.IndexByte(w, ':')
	if i <= 0 {
		return "", "", false
	}
	name, value = w[:i], w[i+1:]
	for j := 0; j < len(name); j++ {
		if c := name[j] | 0x20; c < 'a' || c > 'z' {
			return "", "", false
		}
	}
	if strings.HasPrefix(value, "/") || strings.HasPrefix(value, `\`) {
		return "", "", false
	}
	return name, value, true
}

// field parses the filter in word t, split into name and value. An empty
// value may be given as a phrase right after the colon: subject:"a b".
func (p *parser) field(t token, name, value string) (Node, error) {
	key := strings.ToLower(name)
	if !slices.Contains(fieldNames, key) {
		return nil, p.errorf(t.pos, "unknown field %s: (%s)", name, suggestField(key))
	}
	pos := t.pos + len(name) + 1 // where the value starts
	exact := true                // pos+i is the offset of value[i]
	quoted := false
	if value == "" {
		if nt := p.peek(); nt.kind == tPhrase && nt.pos == t.end {
			p.next()
			value, quoted, pos, exact = collapseSpace(nt.text), true, nt.pos, false
		}
	}
	if value == "" {
		return nil, p.errorf(pos, "%s: needs a value", key)
	}
	at := func(i int) int {
		if exact {
			return pos + i
		}
		return pos
	}
	if err := p.leaf(t.pos); err != nil {
		return nil, err
	}
	switch key {
	case filterDate, filterAfter, filterBefore:
		return p.date(key, value, at)
	case FieldDataset:
		v := strings.ToLower(value)
		if !archive.ValidSlug(v) {
			return nil, p.errorf(pos, "bad dataset %q: a slug is lower-case letters, digits and dashes", value)
		}
		return Field{Name: key, Value: v}, nil
	case FieldType:
		v := strings.ToLower(value)
		if !slices.Contains(archive.Kinds, archive.Kind(v)) {
			return nil, p.errorf(pos, "bad type %q: use one of %s", value, kindList())
		}
		return Field{Name: key, Value: v}, nil
	case FieldExt:
		v := strings.ToLower(strings.TrimLeft(value, "."))
		if v == "" || strings.ContainsFunc(v, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !strings.ContainsRune(".-_+", r)
		}) {
			return nil, p.errorf(pos, "bad extension %q: use letters and digits, such as ext:pdf", value)
		}
		return Field{Name: key, Value: v}, nil
	case FieldLang:
		v := strings.ToLower(strings.ReplaceAll(value, "_", "-"))
		if !langRE.MatchString(v) {
			return nil, p.errorf(pos, "bad language %q: use a code such as en, de or pt-br", value)
		}
		return Field{Name: key, Value: v}, nil
	case FieldCountry:
		v := strings.ToUpper(value)
		if len(v) != 2 || v[0] < 'A' || v[0] > 'Z' || v[1] < 'A' || v[1] > 'Z' {
			return nil, p.errorf(pos, "bad country %q: use a two-letter code such as US or DE", value)
		}
		return Field{Name: key, Value: v}, nil
	case FieldHas:
		if !strings.EqualFold(value, "attachment") {
			return nil, p.errorf(pos, "bad has:%s: the only choice is has:attachment", value)
		}
		return Field{Name: key, Value: "attachment"}, nil
	}
	// from, to, subject, filename: text.
	if !hasWordChar(value) {
		return nil, p.errorf(pos, "%s: needs a value with letters or digits", key)
	}
	return Field{Name: key, Value: value, Phrase: quoted}, nil
}

// langRE is the shape of a BCP 47 language tag: en, de-ch, zh-hant-tw.
var langRE = regexp.MustCompile(`^[a-z]{2,8}(-[a-z0-9]{1,8})*$`)

func kindList() string {
	s := make([]string, len(archive.Kinds))
	for i, k := range archive.Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// suggestField says which field an unknown name probably meant, or lists
// them all.
func suggestField(name string) string {
	best, bestDist := "", 3
	limit := 1
	if len(name) > 4 {
		limit = 2
	}
	for _, f := range fieldNames {
		if len(name) > len(f)+limit {
			continue // too far apart, and keeps the work small
		}
		if d := editDistance(name, f); d <= limit && d < bestDist {
			best, bestDist = f, d
		}
	}
	if best == "" && len(name) >= 3 {
		for _, f := range fieldNames {
			if len(f) >= 3 && (strings.HasPrefix(f, name) || strings.HasPrefix(name, f)) {
				best = f
				break
			}
		}
	}
	if best != "" {
		return fmt.Sprintf("did you mean %s:?", best)
	}
	return fmt.Sprintf("fields are %s:; to search for text with a colon, put it in quotes",
		strings.Join(fieldNames, ":, "))
}

// editDistance is the optimal string alignment distance between a and b:
// insertions, deletions, substitutions and swaps of neighbours, per byte.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// date parses the value of date:, after: or before:. at maps an offset in
// value to one in the query, for errors.
func (p *parser) date(key, value string, at func(int) int) (Node, error) {
	const form = "use YYYY, YYYY-MM or YYYY-MM-DD with years 1000 to 9999"
	switch key {
	case filterAfter:
		_, end, ok := parsePeriod(value)
		if !ok {
			return nil, p.errorf(at(0), "bad date %q: %s", value, form)
		}
		if end.Year() > 9999 {
			return nil, p.errorf(at(0), "bad date: nothing is after %s", value)
		}
		return DateRange{From: end}, nil
	case filterBefore:
		start, _, ok := parsePeriod(value)
		if !ok {
			return nil, p.errorf(at(0), "bad date %q: %s", value, form)
		}
		return DateRange{To: start}, nil
	}
	from, to, isRange := strings.Cut(value, "..")
	if !isRange {
		start, end, ok := parsePeriod(value)
		if !ok {
			return nil, p.errorf(at(0), "bad date %q: %s, or a range such as 2019-01..2019-06", value, form)
		}
		return DateRange{From: start, To: end}, nil
	}
	if from == "" && to == "" {
		return nil, p.errorf(at(0), "bad date range %q: give a date on at least one side of ..", value)
	}
	var r DateRange
	if from != "" {
		start, _, ok := parsePeriod(from)
		if !ok {
			return nil, p.errorf(at(0), "bad date %q: %s", from, form)
		}
		r.From = start
	}
	if to != "" {
		_, end, ok := parsePeriod(to)
		if !ok {
			return nil, p.errorf(at(len(from)+2), "bad date %q: %s", to, form)
		}
		r.To = end
	}
	if !r.From.IsZero() && !r.To.IsZero() && !r.From.Before(r.To) {
		return nil, p.errorf(at(0), "bad date range %q: it ends before it starts", value)
	}
	return r, nil
}

// parsePeriod parses YYYY, YYYY-MM or YYYY-MM-DD (month and day may have one
// digit) into the first day of that period and the first day after it.
func parsePeriod(s string) (start, end time.Time, ok bool) {
	parts := strings.Split(s, "-")
	if len(parts) > 3 || len(parts[0]) != 4 || !allDigits(parts[0]) {
		return start, end, false
	}
	y, _ := strconv.Atoi(parts[0])
	if y < 1000 {
		return start, end, false
	}
	m, d := 1, 1
	if len(parts) > 1 {
		if m, ok = smallNumber(parts[1], 12); !ok {
			return start, end, false
		}
	}
	if len(parts) > 2 {
		if d, ok = smallNumber(parts[2], 31); !ok {
			return start, end, false
		}
	}
	start = time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if start.Day() != d { // February 30th
		return start, end, false
	}
	switch len(parts) {
	case 1:
		end = start.AddDate(1, 0, 0)
	case 2:
		end = start.AddDate(0, 1, 0)
	default:
		end = start.AddDate(0, 0, 1)
	}
	return start, end, true
}

// smallNumber parses one or two digits between 1 and limit.
func smallNumber(s string, limit int) (int, bool) {
	if len(s) < 1 || len(s) > 2 || !allDigits(s) {
		return 0, false
	}
	n, _ := strconv.Atoi(s)
	return n, n >= 1 && n <= limit
}
