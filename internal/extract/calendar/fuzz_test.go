package calendar_test

import (
	"bytes"
	"os"
	"testing"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract/calendar"
)

// FuzzWrite: any bytes give valid UTF-8 text and never panic.
func FuzzWrite(f *testing.F) {
	for _, p := range []string{"testdata/meetings.ics", "testdata/contacts.vcf"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("BEGIN:VCARD\nN;ENCODING=QUOTED-PRINTABLE:=\n=\nEND:VCARD"))
	f.Add([]byte("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART;TZID=\"/x\":99999999T999999\r\n \r\nEND:VCALENDAR"))
	f.Fuzz(func(t *testing.T, b []byte) {
		var out bytes.Buffer
		var m archive.Meta
		if _, err := calendar.Write(&out, &m, b); err != nil {
			t.Fatal(err)
		}
		if !utf8.Valid(out.Bytes()) || !utf8.ValidString(m.Title) {
			t.Errorf("invalid UTF-8 out of %q", b)
		}
	})
}
