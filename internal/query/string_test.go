package query_test

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/query"
)

func TestString(t *testing.T) {
	tests := []struct{ q, want string }{
		{"", ""},
		{"a AND b", "a b"},
		{"NOT a", "-a"},
		{"NOT (a OR b)", "-(a OR b)"},
		{"NOT (a b)", "-(a b)"},
		{"a b OR c", "a b OR c"},
		{"(a b) OR c", "(a b) OR c"},
		{"((a))", "a"},
		{"a OR (b OR c)", "a OR b OR c"},
		{"(a OR (b c)) d", "a OR (b c) d"},
		{`"  exact   phrase "`, `"exact phrase"`},
		{"*sub", "*sub*"},
		{"bank**", "bank*"},
		{"word~1", "word~"},
		{"word~2", "word~2"},
		{"word~0", "word"},
		{"cat~", "cat"},
		{"cat~1", "cat~1"},
		{"OR~", "OR~"},
		{"-OR", "-OR"},
		{"a~1~", "a~1~"},
		{"abcd~1~0", "abcd~1~0"},
		{"NOT NOT a", "-(-a)"},
		{"NOT --x", "-(--x)"},
		{"FROM:Alice", "from:Alice"},
		{`subject:"a  b"`, `subject:"a b"`},
		{`type:"pdf"`, "type:pdf"},
		{"ext:.PDF", "ext:pdf"},
		{"lang:pt_BR", "lang:pt-br"},
		{"country:de", "country:DE"},
		{"date:2019", "date:2019"},
		{"date:2019-01-01..2019-12-31", "date:2019"},
		{"date:2019-01..2019-06", "date:2019-01..2019-06"},
		{"date:2019-01-01..2019-06-30", "date:2019-01..2019-06"},
		{"date:2019..2019-01", "date:2019-01"},
		{"date:2019..2020", "date:2019..2020"},
		{"date:2019-03-05", "date:2019-03-05"},
		{"date:2019-3-5..2019-04", "date:2019-03-05..2019-04-30"},
		{"date:2019..", "after:2018"},
		{"date:..2019", "before:2020"},
		{"after:2019-12", "after:2019"},
		{"after:2019-01-31", "after:2019-01"},
		{"before:2020-03-01", "before:2020-03"},
		{"date:..9999", "date:..9999"},
		{"date:1000..", "date:1000.."},
		{"-date:2019", "-date:2019"},
		{"a -(b OR c) -\"d e\" -type:pdf", `a -(b OR c) -"d e" -type:pdf`},
	}
	for _, tt := range tests {
		n, err := query.Parse(tt.q)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.q, err)
			continue
		}
		if got := query.String(n); got != tt.want {
			t.Errorf("String(Parse(%q)) = %q, want %q", tt.q, got, tt.want)
		}
	}
}

// TestRoundTrip checks that every query in the tables reads back as itself
// from its canonical form.
func TestRoundTrip(t *testing.T) {
	for _, tt := range parseTests {
		roundTrip(t, tt.q)
	}
}

// roundTrip parses q and, if it is valid, checks that String renders a query
// that parses to the same node and renders the same again.
func roundTrip(t *testing.T, q string) {
	t.Helper()
	n, err := query.Parse(q)
	if err != nil {
		return
	}
	s := query.String(n)
	if len(s) > query.MaxLen {
		return // the canonical form of a query near the limit may be longer
	}
	n2, err := query.Parse(s)
	if err != nil {
		t.Fatalf("Parse(%q) ok, but its String %q: %v", q, s, err)
	}
	if !reflect.DeepEqual(n, n2) {
		t.Fatalf("round trip of %q through %q:\n got %#v\nwant %#v", q, s, n2, n)
	}
	if s2 := query.String(n2); s2 != s {
		t.Fatalf("String not stable for %q: %q, then %q", q, s, s2)
	}
}

// TestStringHandBuilt covers nodes Parse never returns but an engine's tests
// might build.
func TestStringHandBuilt(t *testing.T) {
	tests := []struct {
		n    query.Node
		want string
	}{
		{nil, ""},
		{query.And{Nodes: []query.Node{w("a"), query.And{Nodes: []query.Node{w("b"), w("c")}}}}, "a (b c)"},
		{query.Or{Nodes: []query.Node{w("a"), query.Or{Nodes: []query.Node{w("b"), w("c")}}}}, "a OR (b OR c)"},
		{query.Field{Name: "from", Value: "Alice Smith"}, `from:"Alice Smith"`},
		{query.DateRange{}, "date:.."},
		{query.DateRange{From: time.Date(2019, 5, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2019, 5, 3, 0, 0, 0, 0, time.UTC)}, "date:2019-05-01..2019-05-02"},
		{w("OR"), "OR~"},
		{query.Not{Node: w("OR")}, "-OR"},
	}
	for _, tt := range tests {
		if got := query.String(tt.n); got != tt.want {
			t.Errorf("String(%#v) = %q, want %q", tt.n, got, tt.want)
		}
	}
}

// TestRoundTripRandom glues together pieces of the language, which reaches
// deeper valid queries than byte-level fuzzing does, and checks each one the
// way FuzzParse does.
func TestRoundTripRandom(t *testing.T) {
	pieces := []string{
		"(", ")", "(", ")", "OR", "AND", "NOT", "-", "-(", `"`, `"a b"`, `""`,
		"a", "bb", "word", "or", "OR~", "-OR", "*", "~", "~2", "word~", "word~1", "cat~2", "a~1~",
		"bank*", "*sub*", "*sub", "foo~*", "--x", "e-mail", ",", "...", "12:30",
		"from:alice", `from:"Alice Smith"`, "from:", "subject:", `"q r"`, "type:pdf", "TYPE:Email",
		"ext:.PDF", "lang:pt_BR", "country:de", "has:attachment", "dataset:panama",
		"date:2019", "date:2019-03..2019-06", "date:2019..", "date:..2019-02-28", "after:2019-12-31",
		"before:2020", "date:1000..", "date:..9999", "Müller", "東京都", "ソニー", "http://x.org",
	}
	seps := []string{" ", " ", " ", ""}
	r := rand.New(rand.NewPCG(1, 2))
	valid := 0
	for range 20000 {
		var b strings.Builder
		for range 1 + r.IntN(12) {
			b.WriteString(pieces[r.IntN(len(pieces))])
			b.WriteString(seps[r.IntN(len(seps))])
		}
		q := b.String()
		n, err := query.Parse(q)
		if err != nil {
			var qe *query.Error
			if !errors.As(err, &qe) || qe.Pos < 0 || qe.Pos > len(q) {
				t.Fatalf("Parse(%q): %v", q, err)
			}
			continue
		}
		valid++
		checkShape(t, q, n)
		roundTrip(t, q)
	}
	t.Logf("%d of 20000 valid", valid)
	if valid < 2000 {
		t.Errorf("only %d of 20000 random queries were valid", valid)
	}
}
