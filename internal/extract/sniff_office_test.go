package extract

import (
	"testing"

	"github.com/trove-archive/trove/internal/archive"
)

func TestSniffOffice(t *testing.T) {
	for _, c := range []struct {
		head, name, mime string
		kind             archive.Kind
	}{
		{"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", "a.ics", MIMECalendar, archive.KindText},
		{"\xEF\xBB\xBF\r\n  begin:vcalendar\nVERSION:1.0\n", "", MIMECalendar, archive.KindText},
		{"BEGIN:VCARD\nVERSION:3.0\nFN:A\nEND:VCARD\n", "a.txt", MIMEVCard, archive.KindText},
		{"\xFFWPC\x10\x00\x00\x00\x01\x0A\x02\x01", "x", MIMEWordPerfect, archive.KindWord},
		{"BEGIN: nothing\n", "a.ics", MIMEText, archive.KindText},
	} {
		got := Sniff([]byte(c.head), c.name)
		if got.MIME != c.mime || got.Kind != c.kind {
			t.Errorf("%q: %+v, want %s %s", c.head, got, c.mime, c.kind)
		}
	}
	if ExtLies(Type{MIME: MIMEVCard}, "a.vcf") || !ExtLies(Type{MIME: MIMEPDF}, "a.wpd") {
		t.Errorf("extension families")
	}
}
