package extract

import "testing"

func TestSniffMedia(t *testing.T) {
	tests := []struct {
		name string
		head string
		ext  string
		want string
	}{
		{"sqlite", "SQLite format 3\x00\x10\x00\x01\x01", "", MIMESQLite},
		{"mdb", "\x00\x01\x00\x00Standard Jet DB\x00\x00\x00", "", MIMEAccess},
		{"accdb", "\x00\x01\x00\x00Standard ACE DB\x00\x02\x00", "", MIMEAccess},
		{"matroska", "\x1A\x45\xDF\xA3\x01\x00\x00\x00\x00\x00\x00\x23\x42\x86\x81\x01\x42\xF7\x81\x01\x42\x82\x88matroska", "", MIMEMatroska},
		{"webm", "\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01\x42\x82\x84webm", "", MIMEWebM},
		{"ebml without doctype", "\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01", "", MIMEWebM},
		{"aiff", "FORM\x00\x00\x0f\x2eAIFFCOMM", "", MIMEAIFF},
		{"au", ".snd\x00\x00\x00\x1c\x00\x00\x0f\x00\x00\x00\x00\x03\x00\x00\xac\x44\x00\x00\x00\x02", "", MIMEAU},
		{"amr", "#!AMR\n\x04\x00", "", MIMEAMR},
		{"flv", "FLV\x01\x05\x00\x00\x00\x09\x00\x00\x00\x00", "", MIMEFLV},
		{"wma", "\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9\x00\xAA\x00\x62\xCE\x6C", "wma", MIMEWMA},
		{"asf", "\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9\x00\xAA\x00\x62\xCE\x6C", "", MIMEASF},
		{"mpeg-ps", "\x00\x00\x01\xBA\x44\x00\x04\x00\x04\x01", "", MIMEMPEG},
		{"mpeg-video", "\x00\x00\x01\xB3\x14\x00\xF0\x13", "", MIMEMPEG},
		{"adts", "\xFF\xF1\x50\x80\x01\x1F\xFC" + string(make([]byte, 1)) + "\xFF\xF1\x50\x80\x01\x1F\xFC", "", MIMEAAC},
		{"not sqlite", "SQLite format 2", "", MIMEText},
	}
	for _, tt := range tests {
		if got := Sniff([]byte(tt.head), "x."+tt.ext).MIME; got != tt.want {
			t.Errorf("%s: %s, want %s", tt.name, got, tt.want)
		}
	}
	ts := make([]byte, 188*6)
	for i := 0; i < len(ts); i += 188 {
		ts[i] = 0x47
	}
	if got := Sniff(ts, "").MIME; got != MIMEMP2T {
		t.Errorf("transport stream: %s", got)
	}
	for brand, want := range map[string]string{"qt  ": MIMEQuickTime, "M4A ": MIMEAudioMP4, "3gp5": MIME3GPP, "isom": ""} {
		if got := isoSubtype([]byte("\x00\x00\x00\x14ftyp" + brand)); got != want {
			t.Errorf("brand %q: %q", brand, got)
		}
	}
	if KindOf(MIMESQLite) != "spreadsheet" || KindOf(MIMEMatroska) != "video" || KindOf(MIMEAAC) != "audio" {
		t.Error("kinds")
	}
	if ExtLies(Type{MIME: MIMEMatroska}, "a.mkv") || !ExtLies(Type{MIME: MIMESQLite}, "a.mkv") {
		t.Error("ExtLies")
	}
}
