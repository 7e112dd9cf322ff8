package query_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/query"
)

// FuzzParse checks that Parse never panics, that its errors point inside the
// query, and that whatever it accepts keeps the documented shape and reads
// back as itself from String. Seeds: the table tests, plus testdata/fuzz.
func FuzzParse(f *testing.F) {
	for _, tt := range parseTests {
		f.Add(tt.q)
	}
	for _, tt := range errorTests {
		f.Add(tt.q)
	}
	f.Fuzz(func(t *testing.T, q string) {
		n, err := query.Parse(q)
		if err != nil {
			var qe *query.Error
			if !errors.As(err, &qe) {
				t.Fatalf("Parse(%q): %T %v, want *query.Error", q, err, err)
			}
			if qe.Pos < 0 || qe.Pos > len(q) {
				t.Fatalf("Parse(%q): error %v points outside the query", q, err)
			}
			if n != nil {
				t.Fatalf("Parse(%q): node with error", q)
			}
			if c := qe.Caret(); !strings.HasSuffix(c, "^") {
				t.Fatalf("Caret for %q: %q", q, c)
			}
			return
		}
		checkShape(t, q, n)
		roundTrip(t, q)
	})
}

// checkShape checks the promises ast.go makes about parsed nodes.
func checkShape(t *testing.T, q string, n query.Node) {
	t.Helper()
	leaves := 0
	query.Walk(n, func(n query.Node) bool {
		switch n := n.(type) {
		case query.And:
			if len(n.Nodes) < 2 {
				t.Fatalf("Parse(%q): And with %d nodes", q, len(n.Nodes))
			}
			for _, c := range n.Nodes {
				if _, ok := c.(query.And); ok || c == nil {
					t.Fatalf("Parse(%q): And holds %#v", q, c)
				}
			}
		case query.Or:
			if len(n.Nodes) < 2 {
				t.Fatalf("Parse(%q): Or with %d nodes", q, len(n.Nodes))
			}
			for _, c := range n.Nodes {
				if _, ok := c.(query.Or); ok || c == nil {
					t.Fatalf("Parse(%q): Or holds %#v", q, c)
				}
			}
		case query.Not:
			if n.Node == nil {
				t.Fatalf("Parse(%q): Not of nil", q)
			}
		case query.Term:
			leaves++
			flags := 0
			for _, set := range []bool{n.Phrase, n.Prefix, n.Substring, n.Fuzzy > 0} {
				if set {
					flags++
				}
			}
			switch {
			case flags > 1, n.Fuzzy < 0, n.Fuzzy > 2:
				t.Fatalf("Parse(%q): term %#v", q, n)
			case !strings.ContainsFunc(n.Text, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }):
				t.Fatalf("Parse(%q): term without letters or digits %#v", q, n)
			case n.Substring && len([]rune(n.Text)) < 3:
				t.Fatalf("Parse(%q): short substring %#v", q, n)
			}
		case query.Field:
			leaves++
			switch n.Name {
			case query.FieldType:
				if !slices.Contains(archive.Kinds, archive.Kind(n.Value)) {
					t.Fatalf("Parse(%q): %#v", q, n)
				}
			case query.FieldDataset:
				if !archive.ValidSlug(n.Value) {
					t.Fatalf("Parse(%q): %#v", q, n)
				}
			case query.FieldHas:
				if n.Value != "attachment" {
					t.Fatalf("Parse(%q): %#v", q, n)
				}
			case query.FieldCountry, query.FieldLang, query.FieldExt:
				if n.Value == "" || n.Phrase {
					t.Fatalf("Parse(%q): %#v", q, n)
				}
			case query.FieldFrom, query.FieldTo, query.FieldSubject, query.FieldFilename:
				if strings.TrimSpace(n.Value) != n.Value || n.Value == "" {
					t.Fatalf("Parse(%q): %#v", q, n)
				}
			default:
				t.Fatalf("Parse(%q): unknown field %#v", q, n)
			}
		case query.DateRange:
			leaves++
			switch {
			case n.From.IsZero() && n.To.IsZero(),
				!n.From.IsZero() && !n.To.IsZero() && !n.From.Before(n.To),
				n.From.Location() != n.To.Location():
				t.Fatalf("Parse(%q): %#v", q, n)
			}
		default:
			t.Fatalf("Parse(%q): unexpected node %#v", q, n)
		}
		return true
	})
	if leaves > query.MaxTerms {
		t.Fatalf("Parse(%q): %d terms", q, leaves)
	}
}
