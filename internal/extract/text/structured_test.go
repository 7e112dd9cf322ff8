package text_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/extract/text"
)

func TestWriteCSV(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		comma rune
		want  string
	}{
		{"header", "Name,Email\nAlice,a@b.org\nBob,b@b.org\n", ',',
			"Name: Alice\tEmail: a@b.org\nName: Bob\tEmail: b@b.org\n"},
		{"bom crlf", "\xEF\xBB\xBFName,Email\r\nAlice,a@b.org\r\n", ',', "Name: Alice\tEmail: a@b.org\n"},
		{"multi-line cell", "Name,Note\nAlice,\"line one\nline two\"\nBob,x\n", ',',
			"Name: Alice\tNote: line one line two\nName: Bob\tNote: x\n"},
		{"quoted delimiter", "a,b\n\"x, y\",\"say \"\"hi\"\"\"\n", ',', "a: x, y\tb: say \"hi\"\n"},
		{"no header", "1,Alice,a@b.org\n2,Bob,b@b.org\n", ',', "1\tAlice\ta@b.org\n2\tBob\tb@b.org\n"},
		{"empty cells", "a,b,c\n1,,3\n,,\n", ',', "a: 1\tc: 3\n"},
		{"ragged", "a,b\n1,2,3\n4\n", ',', "a: 1\tb: 2\t3\na: 4\n"},
		{"semicolon", "Stadt;Land\nMünchen;Deutschland\n", ';', "Stadt: München\tLand: Deutschland\n"},
		{"tsv", "id\tname\n7\tG\u00e9rard\n", '\t', "id: 7\tname: Gérard\n"},
		{"only header", "Name,Email\n", ',', "Name\tEmail\n"},
		{"bare quotes", "a,b\nsay \"hi\" there,2\n", ',', "a: say \"hi\" there\tb: 2\n"},
		{"unterminated quote", "a,b\n1,\"open\n2,3\n", ',', "a: 1\tb: open 2,3\n"},
		{"windows-1252", "Name,City\nJos\xe9,K\xf6ln\n", ',', "Name: José\tCity: Köln\n"},
		{"default comma", "a,b\n1,2\n", 0, "a: 1\tb: 2\n"},
		{"bad delimiter", "a\"b\n", '"', "a\"b\n"},
		{"empty", "", ',', ""},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if err := text.WriteCSV(&out, strings.NewReader(tt.in), tt.comma); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if out.String() != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, out.String(), tt.want)
		}
	}
}

// A cell longer than the parser may hold: the rest goes out as plain text
// from the start of its record.
func TestWriteCSVHugeCell(t *testing.T) {
	huge := strings.Repeat("x", 9<<20)
	in := "a,b\n1,2\n3,\"" + huge + "\nmore,rows\n"
	var out bytes.Buffer
	if err := text.WriteCSV(&out, strings.NewReader(in), ','); err != nil {
		t.Fatal(err)
	}
	want := "a: 1\tb: 2\n3,\"" + huge + "\nmore,rows\n"
	if out.String() != want {
		t.Errorf("got %d bytes starting %.40q, want %d bytes", out.Len(), out.String(), len(want))
	}
}

func TestWriteJSON(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"object", `{"name": "Alice", "age": 31, "admin": true, "tags": ["a", "b"], "boss": null}`,
			"name: Alice\nage: 31\ntags:\na\nb\n"},
		{"nested", `{"user": {"name": "Bob", "mail": {"to": "x@y.z"}}, "n": [1, {"k": "v"}]}`,
			"user:\nname: Bob\nmail:\nto: x@y.z\nn:\n1\nk: v\n"},
		{"array of strings", `["one", "two\nlines", ""]`, "one\ntwo lines\n"},
		{"escapes", `{"q": "say \"hi\" \u00e9 \ud83d\ude00"}`, "q: say \"hi\" é 😀\n"},
		{"json lines", "{\"a\": \"x\"}\n{\"a\": \"y\"}\n", "a: x\na: y\n"},
		{"scalar", `"just a string"`, "just a string\n"},
		{"malformed later", `{"a": "ok", "b": nope, "c": "lost"}`, "a: ok\nb: nope, \"c\": \"lost\"}"},
		{"truncated", `{"a": "ok", "b": "cut`, "a: ok\nb: \"cut"},
		{"not json", "hello world", "hello world"},
		{"empty", "", ""},
		{"surrogates", `["\ud83d\ude00", "\ud83d", "\ude00x", "\ud83d\u0041"]`, "😀\n\ufffd\n\ufffdx\n\ufffdA\n"},
		{"numbers", `[-1.5e3, 0, 12345678901234567890123]`, "-1.5e3\n0\n12345678901234567890123\n"},
		{"bad number", `[1.2.3]`, "\n1.2.3]"},
		{"bad escape", `{"a": "x\qy"}`, "a: \"x\\qy\"}"},
		{"mismatch", `{"a": [1}`, "a:\n1\n\n}"},
		{"trailing comma", `[1,]`, "1\n\n]"},
		{"missing colon", `{"a" "b"}`, "a \"b\"}"},
		{"empty key", `{"": "v"}`, "v\n"},
		{"unclosed", `{"a": 1`, "a: 1\n\n"},
		{"utf-16", "\xFF\xFE{\x00\"\x00a\x00\"\x00:\x00\"\x00\xe9\x00\"\x00}\x00", "a: é\n"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if err := text.WriteJSON(&out, strings.NewReader(tt.in)); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if out.String() != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, out.String(), tt.want)
		}
	}
}

func TestWriteXML(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"elements", `<?xml version="1.0"?><doc><title>Report</title><p>First para.</p><p>Second.</p></doc>`,
			"Report First para. Second.\n"},
		{"pretty", "<doc>\n  <a>one</a>\n  <b>two three</b>\n</doc>\n", "one\ntwo three\n"},
		{"attributes", `<r xmlns="urn:x" xmlns:xsi="urn:y" xsi:schemaLocation="urn:x x.xsd"><person name="Alice" role="admin"/></r>`,
			"Alice admin\n"},
		{"entities", `<a>Fish &amp; chips &eacute; &#233; &nbsp;x</a>`, "Fish & chips é é x\n"},
		{"cdata and comments", `<a><!-- hidden --><![CDATA[<raw> text]]></a>`, "<raw> text\n"},
		{"inline", `<p>Some <b>bold</b> text</p>`, "Some bold text\n"},
		{"doctype", "<?xml version=\"1.0\"?>\n<!DOCTYPE task PUBLIC \"-//OASIS//DTD DITA Task//EN\" \"task.dtd\">\n<task><title>Tika</title></task>", "Tika\n"},
		{"declared latin-1", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xe9</a>", "café\n"},
		{"mislabelled utf-8", "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>caf\xc3\xa9</a>", "café\n"},
		{"declared shift_jis", "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><a>\x93\xfa\x96\x7b</a>", "日本\n"},
		{"utf-16 bom", "\xFF\xFE<\x00a\x00>\x00\xe9\x00<\x00/\x00a\x00>\x00", "é\n"},
		{"unclosed", "<a><b>text", "text\n"},
		{"lenient", "<a>good</a><b x=>bad</b>", "good bad\n"},
		{"malformed", "<a>good</a><1bad>x</1bad>", "good\n<1bad>x</1bad>"},
		{"not xml", "plain", "plain\n"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		if err := text.WriteXML(&out, strings.NewReader(tt.in)); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if out.String() != tt.want {
			t.Errorf("%s:\n got %q\nwant %q", tt.name, out.String(), tt.want)
		}
	}
}
