package pdf

import (
	"bytes"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2011-09-17T12:59:15Z", time.Date(2011, 9, 17, 12, 59, 15, 0, time.UTC), true},
		{"2011-09-19T13:19:57-04", time.Date(2011, 9, 19, 17, 19, 57, 0, time.UTC), true},
		{"2011-09-19T13:19:57+05:30", time.Date(2011, 9, 19, 7, 49, 57, 0, time.UTC), true},
		{"Tue Apr 28 09:06:56 2009 UTC", time.Date(2009, 4, 28, 9, 6, 56, 0, time.UTC), true},
		{"D:20240102030405+01'00'", time.Date(2024, 1, 2, 2, 4, 5, 0, time.UTC), true},
		{"D:2024", time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{"D:20241302", time.Time{}, false},
		{"", time.Time{}, false},
		{"yesterday", time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := parseDate(tt.in)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRepairMojibake(t *testing.T) {
	for in, want := range map[string]string{
		"Bertrand DelacrÃ©taz": "Bertrand Delacrétaz",
		"MaÅ‡gorzata":          "Małgorzata", // ł = C5 82; 0x82 is ‡ in PDFDocEncoding
		"café":                 "café",       // Latin-1 é alone is no UTF-8
		"plain":                "plain",
		"日本":                   "日本",
	} {
		if got := repairMojibake(in); got != want {
			t.Errorf("repairMojibake(%q) = %q, want %q", in, got, want)
		}
	}
}

func FuzzHTMLMeta(f *testing.F) {
	f.Add([]byte("<head>\n<title>A &amp; B</title>\n<meta name=\"Author\" content=\"Delacr\xc3\x83\xc2\xa9taz\"/>\n<meta name=\"CreationDate\" content=\"2011-09-19T13:19:57-04\"/>\n</head>\n<body>\n<pre>\none &lt;two&gt;\fthree\f</pre>\n</body>"))
	f.Add([]byte("<pre>\n&amp"))
	f.Fuzz(func(t *testing.T, out []byte) {
		var m archive.Meta
		var text bytes.Buffer
		mw := &metaWriter{w: &text}
		// Feed in two writes to exercise entities split across writes.
		half := len(out) / 2
		if _, err := mw.Write(out[:half]); err != nil {
			return
		}
		if _, err := mw.Write(out[half:]); err != nil {
			return
		}
		if err := mw.finish(&m); err != nil {
			t.Fatal(err)
		}
		if utf8.Valid(out) {
			for _, s := range []string{m.Title, m.Author, m.Creator, m.Producer, m.Subject, m.Keywords} {
				if !utf8.ValidString(s) {
					t.Errorf("invalid UTF-8 from valid input: %q", s)
				}
			}
		}
	})
}
