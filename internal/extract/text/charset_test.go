package text_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"strings"
	"testing"
	"unicode/utf16"

	"golang.org/x/text/encoding/charmap"

	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract/text"
)

func utf16Bytes(s string, order binary.AppendByteOrder, bom bool) []byte {
	var b []byte
	if bom {
		b = order.AppendUint16(b, 0xFEFF)
	}
	for _, c := range utf16.Encode([]rune(s)) {
		b = order.AppendUint16(b, c)
	}
	return b
}

var (
	cp1251Privet = []byte("\xcf\xf0\xe8\xe2\xe5\xf2, \xec\xe8\xf0! \xdd\xf2\xee \xf2\xe5\xea\xf1\xf2 \xed\xe0 \xf0\xf3\xf1\xf1\xea\xee\xec \xff\xe7\xfb\xea\xe5, \xee\xed \xed\xe5 \xee\xf7\xe5\xed\xfc \xe4\xeb\xe8\xed\xed\xfb\xe9.")
	koi8Privet   = []byte("\xf0\xd2\xc9\xd7\xc5\xd4, \xcd\xc9\xd2! \xfc\xd4\xcf \xd4\xc5\xcb\xd3\xd4 \xce\xc1 \xd2\xd5\xd3\xd3\xcb\xcf\xcd \xd1\xda\xd9\xcb\xc5, \xcf\xce \xce\xc5 \xcf\xde\xc5\xce\xd8 \xc4\xcc\xc9\xce\xce\xd9\xca.")
	privet       = "Привет, мир! Это текст на русском языке, он не очень длинный."
)

func TestDetectCharset(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"ascii", []byte("plain ascii"), text.UTF8},
		{"utf-8", []byte("caf\xc3\xa9"), text.UTF8},
		{"utf-8 cut rune", []byte("caf\xc3"), text.UTF8},
		{"utf-8 bom", []byte("\xEF\xBB\xBFx"), text.UTF8},
		{"utf-16le bom", []byte("\xFF\xFEx\x00"), text.UTF16LE},
		{"utf-16be bom", []byte("\xFE\xFF\x00x"), text.UTF16BE},
		{"utf-16le", utf16Bytes("no byte order mark here", binary.LittleEndian, false), text.UTF16LE},
		{"utf-16be", utf16Bytes("no byte order mark here", binary.BigEndian, false), text.UTF16BE},
		{"latin-1", []byte("caf\xe9 cr\xe8me"), text.Windows1252},
		{"windows-1252", []byte("\x93quoted\x94"), text.Windows1252},
		{"ebcdic", ebcdic(t, strings.Repeat("The quick brown fox jumps over the lazy dog.\n", 4)), text.EBCDIC},
		{"mostly utf-8", []byte("caf\xc3\xa9, na\xc3\xafve, \xe9"), text.UTF8},
		{"windows-1251", cp1251Privet, "windows-1251"},
		{"koi8-r", koi8Privet, "koi8-r"},
		{"empty", nil, text.UTF8},
	}
	for _, tt := range tests {
		if got := text.DetectCharset(tt.in); got != tt.want {
			t.Errorf("%s: DetectCharset = %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestDecode(t *testing.T) {
	long := strings.Repeat("valid utf-8 ä\n", 10000) // > 64 KiB before the bad byte
	tests := []struct {
		name string
		in   []byte
		want string
	}{
		{"utf-8", []byte("caf\xc3\xa9"), "café"},
		{"utf-8 bom dropped", []byte("\xEF\xBB\xBFcaf\xc3\xa9"), "café"},
		{"utf-16le bom", utf16Bytes("naïve €", binary.LittleEndian, true), "naïve €"},
		{"utf-16be bom", utf16Bytes("naïve €", binary.BigEndian, true), "naïve €"},
		{"utf-16le no bom", utf16Bytes("a longer text without BOM", binary.LittleEndian, false), "a longer text without BOM"},
		{"windows-1252", []byte("\x93caf\xe9\x94 \x80"), "“café” €"},
		{"invalid utf-8 late", []byte(long + "caf\xe9 \x93x\x94"), long + "café “x”"},
		{"invalid utf-8 sequence", []byte("ok \xc3\xa9 then \xe2\x28 and \xf0\x9f\x98\x80"), "ok é then â( and 😀"},
		{"controls", []byte("a\x00b\x01c\td\fe\r\n"), "ab c\td\fe\r\n"},
		{"ebcdic", ebcdic(t, strings.Repeat("The quick brown fox jumps over the lazy dog.\n", 4)), strings.Repeat("The quick brown fox jumps over the lazy dog.\n", 4)},
		{"ebcdic nl", append(ebcdic(t, "The quick brown fox jumps over the lazy dog, and again: the quick brown fox."), 0x15), "The quick brown fox jumps over the lazy dog, and again: the quick brown fox.\n"},
		{"windows-1251", cp1251Privet, privet},
		{"koi8-r", koi8Privet, privet},
	}
	for _, tt := range tests {
		// a reader handing out one byte at a time exercises the cut runes
		for _, r := range []io.Reader{bytes.NewReader(tt.in), &oneByte{b: tt.in}} {
			got, err := io.ReadAll(text.Decode(r))
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if string(got) != tt.want {
				t.Errorf("%s: Decode = %.80q, want %.80q", tt.name, got, tt.want)
			}
		}
	}
}

func ebcdic(tb testing.TB, s string) []byte {
	b, err := charmap.CodePage037.NewEncoder().Bytes([]byte(s))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

type oneByte struct{ b []byte }

func (o *oneByte) Read(p []byte) (int, error) {
	if len(o.b) == 0 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	p[0] = o.b[0]
	o.b = o.b[1:]
	return 1, nil
}

// TestCharsetCorpus checks detection and decoding on Tika's charset test
// files; the expected charsets are those Tika's tests assert (IBM500 is
// read as its near twin IBM037).
func TestCharsetCorpus(t *testing.T) {
	tests := []struct {
		file, charset string
		contains      []string
	}{
		{"tika/text/testTXT_win-1252.txt", text.Windows1252, []string{"this is a “windows” encoding"}},
		{"tika/text/multi-language.txt", text.Windows1252, []string{"Port ABC pagamento de sucesso"}},
		{"tika/text/russian.cp866.txt", "ibm866", []string{"Однажды, в студеную зимнюю пору", "Лошадка, везущая хворосту воз."}},
		{"tika/text/english.cp500.txt", text.EBCDIC, []string{"IntelliStation POWER", "Support and services"}},
		{"tika/text/testTXTNonASCIIUTF8.txt", text.UTF8, []string{"The quick brown fox jumps over the lazy dog", "Der schnelle braune Fuchs springt über den faulen Hund"}},
		{"tika/text/testIgnoreCharset.txt", text.UTF8, []string{"ACTIVE AGE"}},
		{"tika/text/testMARKDOWN.md", text.UTF8, []string{"Café naïve résumé"}},
	}
	for _, tt := range tests {
		b, err := os.ReadFile(corpus.File(t, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		if got := text.DetectCharset(b); got != tt.charset {
			t.Errorf("%s: charset %s, want %s", tt.file, got, tt.charset)
		}
		out, err := io.ReadAll(text.Decode(bytes.NewReader(b)))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range tt.contains {
			if !strings.Contains(string(out), s) {
				t.Errorf("%s: text lacks %q", tt.file, s)
			}
		}
	}
}
