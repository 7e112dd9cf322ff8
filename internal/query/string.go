package query

import (
	"strconv"
	"strings"
	"time"
)

// String renders n in the query language, in canonical form: implicit AND,
// no redundant parentheses, negation as -, dates as date:, after: or
// before:, field names in lower case. For any n returned by Parse,
// Parse(String(n)) returns a node equal to n, provided the rendering still
// fits in MaxLen. String(nil) is "".
func String(n Node) string {
	var b strings.Builder
	write(&b, n)
	return b.String()
}

func write(b *strings.Builder, n Node) {
	switch n := n.(type) {
	case And:
		for i, c := range n.Nodes {
			if i > 0 {
				b.WriteByte(' ')
			}
			if _, ok := c.(And); ok {
				group(b, c)
			} else {
				write(b, c)
			}
		}
	case Or:
		for i, c := range n.Nodes {
			if i > 0 {
				b.WriteString(" OR ")
			}
			switch c.(type) {
			case And, Or:
				group(b, c)
			default:
				write(b, c)
			}
		}
	case Not:
		var inner strings.Builder
		if t, ok := n.Node.(Term); ok {
			writeTerm(&inner, t, true)
		} else {
			write(&inner, n.Node)
		}
		s := inner.String()
		_, and := n.Node.(And)
		_, or := n.Node.(Or)
		b.WriteByte('-')
		if and || or || s == "" || s[0] == '-' {
			b.WriteString("(" + s + ")")
		} else {
			b.WriteString(s)
		}
	case Term:
		writeTerm(b, n, false)
	case Field:
		b.WriteString(n.Name + ":")
		if n.Phrase || needsQuotes(n.Value) {
			b.WriteString(`"` + n.Value + `"`)
		} else {
			b.WriteString(n.Value)
		}
	case DateRange:
		writeDate(b, n)
	}
}

func group(b *strings.Builder, n Node) {
	b.WriteByte('(')
	write(b, n)
	b.WriteByte(')')
}

// writeTerm renders t; negated says it follows a '-', where AND, OR and NOT
// are plain words.
func writeTerm(b *strings.Builder, t Term, negated bool) {
	switch {
	case t.Phrase:
		b.WriteString(`"` + t.Text + `"`)
	case t.Substring:
		b.WriteString("*" + t.Text + "*")
	case t.Prefix:
		b.WriteString(t.Text + "*")
	default:
		b.WriteString(t.Text)
		keyword := !negated && (t.Text == "AND" || t.Text == "OR" || t.Text == "NOT")
		i := strings.LastIndexByte(t.Text, '~')
		looksFuzzy := i >= 0 && allDigits(t.Text[i+1:])
		// A ~ keeps keywords and texts such as "a~1" from reading as
		// syntax; keywords are short enough for ~ to mean exact.
		if t.Fuzzy != 0 || keyword || looksFuzzy {
			b.WriteByte('~')
			if t.Fuzzy != defaultFuzzy(t.Text) {
				b.WriteString(strconv.Itoa(t.Fuzzy))
			}
		}
	}
}

// needsQuotes reports whether a field value would not read back as typed.
func needsQuotes(v string) bool {
	return v == "" || strings.ContainsAny(v, `"()`) || strings.ContainsFunc(v, isSep) ||
		strings.HasPrefix(v, "/") || strings.HasPrefix(v, `\`)
}

// granularity is how precisely a date boundary is written.
type granularity int

const (
	byYear granularity = iota
	byMonth
	byDay
)

// granularityOf returns the coarsest granularity t is aligned to.
func granularityOf(t time.Time) granularity {
	switch {
	case t.Month() == time.January && t.Day() == 1:
		return byYear
	case t.Day() == 1:
		return byMonth
	}
	return byDay
}

func formatDate(t time.Time, g granularity) string {
	switch g {
	case byYear:
		return t.Format("2006")
	case byMonth:
		return t.Format("2006-01")
	}
	return t.Format("2006-01-02")
}

// step moves t by n years, months or days.
func step(t time.Time, g granularity, n int) time.Time {
	switch g {
	case byYear:
		return t.AddDate(n, 0, 0)
	case byMonth:
		return t.AddDate(0, n, 0)
	}
	return t.AddDate(0, 0, n)
}

func writeDate(b *strings.Builder, r DateRange) {
	switch {
	case !r.From.IsZero() && !r.To.IsZero():
		g := max(granularityOf(r.From), granularityOf(r.To))
		b.WriteString("date:" + formatDate(r.From, g))
		if !step(r.From, g, 1).Equal(r.To) {
			b.WriteString(".." + formatDate(step(r.To, g, -1), g))
		}
	case !r.From.IsZero():
		g := granularityOf(r.From)
		if prev := step(r.From, g, -1); prev.Year() >= 1000 {
			b.WriteString("after:" + formatDate(prev, g))
		} else {
			b.WriteString("date:" + formatDate(r.From, g) + "..")
		}
	case !r.To.IsZero():
		g := granularityOf(r.To)
		if r.To.Year() <= 9999 {
			b.WriteString("before:" + formatDate(r.To, g))
		} else {
			b.WriteString("date:.." + formatDate(step(r.To, g, -1), g))
		}
	default:
		b.WriteString("date:..")
	}
}
