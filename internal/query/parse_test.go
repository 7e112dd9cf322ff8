package query_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/query"
)

func w(s string) query.Term      { return query.Term{Text: s} }
func phrase(s string) query.Term { return query.Term{Text: s, Phrase: true} }
func and(n ...query.Node) query.And {
	return query.And{Nodes: n}
}
func or(n ...query.Node) query.Or { return query.Or{Nodes: n} }
func not(n query.Node) query.Not  { return query.Not{Node: n} }
func field(name, value string) query.Field {
	return query.Field{Name: name, Value: value}
}
func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// parseTests are valid queries and what they parse to. FuzzParse starts
// from them.
var parseTests = []struct {
	q    string
	want query.Node
}{
	// Empty queries match everything.
	{"", nil},
	{"   \t\n", nil},
	{", ; ... -- ! ?", nil},
	{"(,)", nil},
	{"a (,)", w("a")},

	// Words and AND.
	{"panama", w("panama")},
	{"panama papers", and(w("panama"), w("papers"))},
	{"panama AND papers", and(w("panama"), w("papers"))},
	{"a and b", and(w("a"), w("and"), w("b"))},
	{"a , b", and(w("a"), w("b"))},
	{"a - b", and(w("a"), w("b"))},
	{"e-mail", w("e-mail")},
	{"--x", w("--x")},
	{"12:30", w("12:30")},
	{"O'Brien", w("O'Brien")},
	{"alice@example.org", w("alice@example.org")},
	{"http://example.org/a?b=c", w("http://example.org/a?b=c")},
	{`C:\Users\bob`, w(`C:\Users\bob`)},

	// Phrases.
	{`"exact phrase"`, phrase("exact phrase")},
	{`"  exact   phrase "`, phrase("exact phrase")},
	{`"one"`, phrase("one")},
	{`"OR"`, phrase("OR")},
	{`""`, nil},
	{`"a"b`, and(phrase("a"), w("b"))},
	{`a"b c"`, and(w("a"), phrase("b c"))},

	// OR, NOT, -.
	{"a OR b", or(w("a"), w("b"))},
	{"a OR b OR c", or(w("a"), w("b"), w("c"))},
	{"a or b", and(w("a"), w("or"), w("b"))},
	{"NOT a", not(w("a"))},
	{"-a", not(w("a"))},
	{"a -b", and(w("a"), not(w("b")))},
	{"a AND -b", and(w("a"), not(w("b")))},
	{`-"a b"`, not(phrase("a b"))},
	{"-(a OR b)", not(or(w("a"), w("b")))},
	{"NOT (a b)", not(and(w("a"), w("b")))},
	{"NOT from:alice", not(field("from", "alice"))},
	{"-type:pdf", not(field("type", "pdf"))},
	{"NOT NOT a", not(not(w("a")))},
	{"NOT -a", not(not(w("a")))},
	{"-OR", not(w("OR"))},
	{"-NOT", not(w("NOT"))},
	{"a OR ,", w("a")},
	{"NOT ,", nil},
	{"-(a OR -b)", not(or(w("a"), not(w("b"))))},

	// Precedence: OR binds tighter than AND.
	{"a b OR c", and(w("a"), or(w("b"), w("c")))},
	{"a OR b c OR d", and(or(w("a"), w("b")), or(w("c"), w("d")))},
	{"a OR b AND c", and(or(w("a"), w("b")), w("c"))},
	{"NOT a OR b", or(not(w("a")), w("b"))},

	// Groups: nested, flattened, collapsed.
	{"(a OR b) c", and(or(w("a"), w("b")), w("c"))},
	{"(a b) OR c", or(and(w("a"), w("b")), w("c"))},
	{"((a))", w("a")},
	{"a (b (c d))", and(w("a"), w("b"), w("c"), w("d"))},
	{"a OR (b OR c)", or(w("a"), w("b"), w("c"))},
	{"(a OR (b c)) d", and(or(w("a"), and(w("b"), w("c"))), w("d"))},
	{"f(x)", and(w("f"), w("x"))},

	// Prefix and substring.
	{"bank*", query.Term{Text: "bank", Prefix: true}},
	{"bank**", query.Term{Text: "bank", Prefix: true}},
	{"*sub*", query.Term{Text: "sub", Substring: true}},
	{"*sub", query.Term{Text: "sub", Substring: true}},
	{"**sub**", query.Term{Text: "sub", Substring: true}},
	{"-bank*", not(query.Term{Text: "bank", Prefix: true})},
	{"*", nil},
	{"foo~*", query.Term{Text: "foo~", Prefix: true}},
	{"*from:alice*", query.Term{Text: "from:alice", Substring: true}},
	{"OR*", query.Term{Text: "OR", Prefix: true}},

	// Fuzzy.
	{"cat~", w("cat")},
	{"word~", query.Term{Text: "word", Fuzzy: 1}},
	{"müller~", query.Term{Text: "müller", Fuzzy: 1}},
	{"document~", query.Term{Text: "document", Fuzzy: 2}},
	{"cat~1", query.Term{Text: "cat", Fuzzy: 1}},
	{"cat~2", query.Term{Text: "cat", Fuzzy: 2}},
	{"word~0", w("word")},
	{"word~~", query.Term{Text: "word", Fuzzy: 1}},
	{"a~b", w("a~b")},
	{"~foo", w("~foo")},
	{"a~1~", w("a~1")},
	{"OR~", w("OR")},
	{"~2", nil},

	// Fields.
	{"dataset:panama-papers", field("dataset", "panama-papers")},
	{"DATASET:Panama", field("dataset", "panama")},
	{"type:PDF", field("type", "pdf")},
	{`type:"email"`, field("type", "email")},
	{"from:alice@example.org", field("from", "alice@example.org")},
	{"From:Alice", field("from", "Alice")},
	{"to:bob", field("to", "bob")},
	{`subject:"quarterly report"`, query.Field{Name: "subject", Value: "quarterly report", Phrase: true}},
	{`subject:"  quarterly   report "`, query.Field{Name: "subject", Value: "quarterly report", Phrase: true}},
	{"subject:report", field("subject", "report")},
	{"filename:invoice_2019.pdf", field("filename", "invoice_2019.pdf")},
	{"from:a:b", field("from", "a:b")},
	{"ext:.PDF", field("ext", "pdf")},
	{"ext:tar.gz", field("ext", "tar.gz")},
	{"lang:EN", field("lang", "en")},
	{"lang:pt_BR", field("lang", "pt-br")},
	{"country:de", field("country", "DE")},
	{"has:attachment", field("has", "attachment")},
	{"HAS:Attachment", field("has", "attachment")},
	{`from:"Alice Smith" subject:x`, and(query.Field{Name: "from", Value: "Alice Smith", Phrase: true}, field("subject", "x"))},
	{`type:"pdf "x`, and(field("type", "pdf"), w("x"))},
	{"from:alice -has:attachment", and(field("from", "alice"), not(field("has", "attachment")))},
	{"type:pdf OR type:word", or(field("type", "pdf"), field("type", "word"))},

	// Dates.
	{"date:2019", query.DateRange{From: day(2019, 1, 1), To: day(2020, 1, 1)}},
	{"date:2019-03", query.DateRange{From: day(2019, 3, 1), To: day(2019, 4, 1)}},
	{"date:2019-12", query.DateRange{From: day(2019, 12, 1), To: day(2020, 1, 1)}},
	{"date:2019-03-05", query.DateRange{From: day(2019, 3, 5), To: day(2019, 3, 6)}},
	{"date:2019-3-5", query.DateRange{From: day(2019, 3, 5), To: day(2019, 3, 6)}},
	{"date:2020-02-29", query.DateRange{From: day(2020, 2, 29), To: day(2020, 3, 1)}},
	{"date:2019-01..2019-06", query.DateRange{From: day(2019, 1, 1), To: day(2019, 7, 1)}},
	{"date:2019..2019", query.DateRange{From: day(2019, 1, 1), To: day(2020, 1, 1)}},
	{"date:2019..", query.DateRange{From: day(2019, 1, 1)}},
	{"date:..2019-06", query.DateRange{To: day(2019, 7, 1)}},
	{`date:"2019"`, query.DateRange{From: day(2019, 1, 1), To: day(2020, 1, 1)}},
	{"after:2019-01-01", query.DateRange{From: day(2019, 1, 2)}},
	{"after:2019", query.DateRange{From: day(2020, 1, 1)}},
	{"after:2019-02", query.DateRange{From: day(2019, 3, 1)}},
	{"before:2020", query.DateRange{To: day(2020, 1, 1)}},
	{"before:2020-03-15", query.DateRange{To: day(2020, 3, 15)}},
	{"date:1000..", query.DateRange{From: day(1000, 1, 1)}},
	{"date:..9999", query.DateRange{To: day(10000, 1, 1)}},
	{"after:2019 before:2020-06", and(query.DateRange{From: day(2020, 1, 1)}, query.DateRange{To: day(2020, 6, 1)})},
	{"-date:2019", not(query.DateRange{From: day(2019, 1, 1), To: day(2020, 1, 1)})},

	// Unicode.
	{"Müller", w("Müller")},
	{"Москва Путин", and(w("Москва"), w("Путин"))},
	{"Αθήνα", w("Αθήνα")},
	{"القاهرة", w("القاهرة")},
	{"東京都", query.Term{Text: "東京都", CJK: true}},
	{"東京都の会議", query.Term{Text: "東京都の会議", CJK: true}},
	{"ソニー", query.Term{Text: "ソニー", CJK: true}},
	{"서울", query.Term{Text: "서울", CJK: true}},
	{`"東京 大阪"`, query.Term{Text: "東京 大阪", Phrase: true, CJK: true}},
	{"東京*", query.Term{Text: "東京", Prefix: true, CJK: true}},
	{"Tokyo東京", query.Term{Text: "Tokyo東京", CJK: true}},
	{"a\u3000b", and(w("a"), w("b"))}, // ideographic space
	{"é", w("é")},

	// Everything at once.
	{`panama (offshore OR shell*) -"press release" from:mossfon.com type:email date:2014..2015 has:attachment`,
		and(w("panama"), or(w("offshore"), query.Term{Text: "shell", Prefix: true}), not(phrase("press release")),
			field("from", "mossfon.com"), field("type", "email"),
			query.DateRange{From: day(2014, 1, 1), To: day(2016, 1, 1)}, field("has", "attachment"))},
}

func TestParse(t *testing.T) {
	for _, tt := range parseTests {
		got, err := query.Parse(tt.q)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.q, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q)\n got %#v\nwant %#v", tt.q, got, tt.want)
		}
	}
}

// errorTests are invalid queries, where the error points and what it says.
var errorTests = []struct {
	q   string
	pos int
	msg string
}{
	{`"abc`, 0, "unclosed quote"},
	{`foo "bar`, 4, "unclosed quote"},
	{`subject:"quarterly report`, 8, "unclosed quote"},
	{`"a" "b`, 4, "unclosed quote"},
	{"(a b", 0, "unclosed ("},
	{"a (b (c)", 2, "unclosed ("},
	{"a b)", 3, "unmatched )"},
	{")", 0, "unmatched )"},
	{"(a))", 3, "unmatched )"},
	{"()", 0, "empty group"},
	{"a ( )", 2, "empty group"},
	{"-()", 1, "empty group"},
	{"OR a", 0, "OR needs a term on each side"},
	{"a OR", 2, "OR needs a term on each side"},
	{"a OR OR b", 2, "OR needs a term on each side"},
	{"(OR a)", 1, "OR needs a term on each side"},
	{"a (b OR)", 5, "OR needs a term on each side"},
	{"a AND OR b", 2, "AND needs a term on each side"},
	{"a OR AND b", 2, "OR needs a term on each side"},
	{"AND a", 0, "AND needs a term on each side"},
	{"a AND", 2, "AND needs a term on each side"},
	{"a AND AND b", 2, "AND needs a term on each side"},
	{"NOT", 0, "NOT needs a term after it"},
	{"a NOT", 2, "NOT needs a term after it"},
	{"(a NOT)", 3, "NOT needs a term after it"},
	{"NOT OR a", 0, "NOT needs a term after it"},
	{"form:alice", 0, "unknown field form: (did you mean from:?)"},
	{"a Form:alice", 2, "unknown field Form: (did you mean from:?)"},
	{"tpye:pdf", 0, "did you mean type:?"},
	{"file:x", 0, "did you mean filename:?"},
	{"language:de", 0, "did you mean lang:?"},
	{"kind:pdf", 0, "fields are dataset:, type:, from:, to:, subject:, filename:, ext:, lang:, country:, has:, date:, after:, before:"},
	{"Re: hello", 0, "put it in quotes"},
	{strings.Repeat("x", 4000) + ":y", 0, "fields are"}, // once slow: edit distance over 4000 letters
	{"-foo:bar", 1, "unknown field foo:"},
	{"type:docx", 5, `bad type "docx": use one of pdf, email, word, spreadsheet, presentation, image, archive, text, html, csv, audio, video, folder, other`},
	{`type:"p d f"`, 5, `bad type "p d f"`},
	{"from:", 5, "from: needs a value"},
	{"from: alice", 5, "from: needs a value"},
	{`subject:""`, 8, "subject: needs a value"},
	{`subject:" "`, 8, "subject: needs a value"},
	{"from:(alice)", 5, "from: needs a value"},
	{"from:,", 5, "from: needs a value with letters or digits"},
	{"has:attachments", 4, "the only choice is has:attachment"},
	{"country:USA", 8, "bad country"},
	{"lang:e", 5, "bad language"},
	{"ext:.", 4, "bad extension"},
	{"ext:a:b", 4, "bad extension"},
	{"dataset:Foo_Bar", 8, "bad dataset"},
	{"date:2019-13", 5, `bad date "2019-13"`},
	{"date:2019-02-30", 5, "bad date"},
	{"date:2019-02-29", 5, "bad date"},
	{"date:19", 5, "bad date"},
	{"date:0999", 5, "bad date"},
	{"date:2019-1-1-1", 5, "bad date"},
	{"date:2019..2019-13", 11, `bad date "2019-13"`},
	{"date:2019-06..2019-01", 5, "ends before it starts"},
	{"date:..", 5, "at least one side"},
	{"date:2019..2020..2021", 11, "bad date"},
	{`date:"2019..x"`, 5, "bad date"},
	{"after:9999", 6, "nothing is after 9999"},
	{"after:2019-12-32", 6, "bad date"},
	{"before:x", 7, "bad date"},
	{"word~3", 4, "fuzzy distance 3"},
	{"word~99999999999999999999999", 4, "fuzzy distance"},
	{"*foo~", 0, "both fuzzy (~) and a wildcard (*)"},
	{"foo*~1", 0, "both fuzzy"},
	{"*ab*", 0, "needs at least 3 characters"},
	{"a *ab", 2, "needs at least 3 characters"},
	{"a \xff", 2, "invalid UTF-8"},
	{strings.Repeat("a ", 2049), 4096, "longer than 4096 bytes"},
	{strings.Repeat("(", 33) + "a" + strings.Repeat(")", 33), 32, "nested deeper than 32"},
	{strings.Repeat("NOT ", 33) + "a", 128, "nested deeper than 32"},
	{strings.Repeat("-(", 33) + "a" + strings.Repeat(")", 33), 65, "nested deeper than 32"},
	{strings.Repeat("a ", 257), 512, "more than 256 terms"},
	{strings.Repeat("type:pdf ", 257), 2304, "more than 256 terms"},
}

func TestParseErrors(t *testing.T) {
	for _, tt := range errorTests {
		n, err := query.Parse(tt.q)
		var qe *query.Error
		if !errors.As(err, &qe) {
			t.Errorf("Parse(%.40q) = %#v, %v; want *query.Error", tt.q, n, err)
			continue
		}
		if n != nil {
			t.Errorf("Parse(%.40q) returned a node with its error", tt.q)
		}
		if qe.Pos != tt.pos || !strings.Contains(qe.Msg, tt.msg) {
			t.Errorf("Parse(%.40q): pos %d, %q; want pos %d, %q", tt.q, qe.Pos, qe.Msg, tt.pos, tt.msg)
		}
		if qe.Query != tt.q {
			t.Errorf("Parse(%.40q): error holds query %.40q", tt.q, qe.Query)
		}
	}
}

func TestLimits(t *testing.T) {
	ok := []string{
		strings.Repeat("a", query.MaxLen),
		strings.Repeat("(", 32) + "a" + strings.Repeat(")", 32),
		strings.Repeat("NOT ", 32) + "a",
		strings.Repeat("-(", 32) + "a" + strings.Repeat(")", 32),
		strings.Repeat("a ", 256),
		strings.Repeat("a , ", 256), // dropped punctuation does not count
	}
	for _, q := range ok {
		if _, err := query.Parse(q); err != nil {
			t.Errorf("Parse(%.40q…): %v", q, err)
		}
	}
}

func TestErrorMessage(t *testing.T) {
	_, err := query.Parse("panama (papers")
	if got, want := err.Error(), "query: unclosed ( at 7"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got := archive.ErrorCode(err); got != archive.EInvalid {
		t.Errorf("ErrorCode = %q, want %q", got, archive.EInvalid)
	}
	if got, want := archive.ErrorMessage(err), "query: unclosed ( at 7"; got != want {
		t.Errorf("ErrorMessage = %q, want %q", got, want)
	}
}

func TestCaret(t *testing.T) {
	long := strings.Repeat("word ", 40) + `"open` + strings.Repeat(" word", 40)
	tests := []struct {
		q    string
		want string
	}{
		{`subject:"quarterly report`, "subject:\"quarterly report\n        ^"},
		{"a OR", "a OR\n  ^"},
		{"form:x", "form:x\n^"},
		{"(a\tb", "(a b\n^"},
		{`東京 "x`, "東京 \"x\n     ^"},
		{"Müller (", "Müller (\n       ^"},
		{"date:2019..2019-13", "date:2019..2019-13\n           ^"},
		{"a \xff", "a \ufffd\n  ^"},
		{long, "… word word word word word word word \"open word word word word word word…\n" +
			strings.Repeat(" ", 37) + "^"},
	}
	for _, tt := range tests {
		_, err := query.Parse(tt.q)
		var qe *query.Error
		if !errors.As(err, &qe) {
			t.Errorf("Parse(%.40q): %v, want an error", tt.q, err)
			continue
		}
		if got := qe.Caret(); got != tt.want {
			t.Errorf("Caret for %.40q:\n%s\nwant\n%s", tt.q, got, tt.want)
		}
	}
	// The end of a long query.
	qe := &query.Error{Query: strings.Repeat("x", 100), Pos: 100, Msg: "test"}
	if got, want := qe.Caret(), "…"+strings.Repeat("x", 71)+"\n"+strings.Repeat(" ", 72)+"^"; got != want {
		t.Errorf("Caret at the end:\n%s\nwant\n%s", got, want)
	}
}

func TestWalk(t *testing.T) {
	n, err := query.Parse(`a -(b OR c) from:x date:2019`)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	query.Walk(n, func(n query.Node) bool {
		seen = append(seen, reflect.TypeOf(n).Name())
		_, isNot := n.(query.Not)
		return !isNot
	})
	if got, want := strings.Join(seen, " "), "And Term Not Field DateRange"; got != want {
		t.Errorf("Walk visited %s, want %s", got, want)
	}
	query.Walk(nil, func(query.Node) bool { t.Error("visited nil"); return true })
}

func TestTerms(t *testing.T) {
	n, err := query.Parse(`a -b (c OR -(d -e)) "f g" from:x NOT NOT h *sub*`)
	if err != nil {
		t.Fatal(err)
	}
	want := []query.Term{w("a"), w("c"), w("e"), phrase("f g"), w("h"), {Text: "sub", Substring: true}}
	if got := query.Terms(n); !reflect.DeepEqual(got, want) {
		t.Errorf("Terms = %#v\nwant %#v", got, want)
	}
	if got := query.Terms(nil); got != nil {
		t.Errorf("Terms(nil) = %#v", got)
	}
}
