package text_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract/text"
)

// corpusSeeds adds the corpus files matching pattern (relative to the
// corpus) as seeds, when the corpus is present.
func corpusSeeds(f *testing.F, pattern string) {
	root := corpus.Root()
	if root == "" {
		return
	}
	files, _ := filepath.Glob(filepath.Join(root, "corpus", pattern))
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil && len(b) <= 64<<10 {
			f.Add(b)
		}
	}
}

// checkOut: the output is UTF-8 without NUL bytes.
func checkOut(t *testing.T, out []byte) {
	t.Helper()
	if !utf8.Valid(out) {
		t.Fatalf("output is not UTF-8: %q", out)
	}
	if bytes.IndexByte(out, 0) >= 0 {
		t.Fatalf("output holds NUL: %q", out)
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"caf\xc3\xa9", "caf\xe9", "\xFF\xFEa\x00", "\xFE\xFF\x00a", "\xEF\xBB\xBFx", "a\x00b", "\xe2\x28\xa1"} {
		f.Add([]byte(s))
	}
	f.Add(cp1251Privet)
	f.Add(koi8Privet)
	corpusSeeds(f, "tika/text/*.txt")
	f.Fuzz(func(t *testing.T, in []byte) {
		text.DetectCharset(in)
		var out bytes.Buffer
		if _, err := out.ReadFrom(text.Decode(bytes.NewReader(in))); err != nil {
			t.Fatal(err)
		}
		checkOut(t, out.Bytes())
	})
}

func FuzzWriteCSV(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "a,\"b\nc\",d\n", "\"unterminated\n", "a;b\r\n1;2", "x\"y\"z,\"\"\"\n"} {
		f.Add([]byte(s))
	}
	corpusSeeds(f, "tika/text/*.csv")
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, comma := range []rune{',', '\t', ';'} {
			var out bytes.Buffer
			if err := text.WriteCSV(&out, bytes.NewReader(in), comma); err != nil {
				t.Fatal(err)
			}
			checkOut(t, out.Bytes())
		}
	})
}

func FuzzWriteJSON(f *testing.F) {
	for _, s := range []string{`{"a": [1, "x", {"b": null}]}`, `["\ud83d\ude00", "\u0041"]`, "{\"a\":1}\n{\"a\":2}", `{"a": "cut`, `[1,]`, `-`, `"\u12"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		if err := text.WriteJSON(&out, bytes.NewReader(in)); err != nil {
			t.Fatal(err)
		}
		checkOut(t, out.Bytes())
	})
}

func FuzzWriteXML(f *testing.F) {
	for _, s := range []string{`<?xml version="1.0" encoding="ISO-8859-1"?><a x="1">t&amp;</a>`, "<a><b>x", "<!DOCTYPE x [<!ENTITY e 'v'>]><x>&e;</x>", "<a><![CDATA[x]]></a>"} {
		f.Add([]byte(s))
	}
	corpusSeeds(f, "tika/text/*.xml")
	corpusSeeds(f, "tika/text/*.kml")
	corpusSeeds(f, "tika/text/*.dita")
	f.Fuzz(func(t *testing.T, in []byte) {
		var out bytes.Buffer
		if err := text.WriteXML(&out, bytes.NewReader(in)); err != nil {
			t.Fatal(err)
		}
		checkOut(t, out.Bytes())
	})
}
