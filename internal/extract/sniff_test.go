package extract_test

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
)

// ---- fixtures built in the test ----

type member struct {
	name   string
	body   []byte
	stored bool
}

// mkZip returns a zip holding members in order.
func mkZip(tb testing.TB, ms ...member) []byte {
	tb.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, m := range ms {
		h := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
		if m.stored {
			h.Method = zip.Store
		}
		f, err := w.CreateHeader(h)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := f.Write(m.body); err != nil {
			tb.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func ooxml(tb testing.TB, dir, mainType string) []byte {
	ct := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Override PartName="/` + dir + `/main.xml" ContentType="application/vnd.openxmlformats-officedocument.` + mainType + `"/></Types>`
	return mkZip(tb,
		member{name: "[Content_Types].xml", body: []byte(ct)},
		member{name: "_rels/.rels", body: []byte("<Relationships/>")},
		member{name: dir + "/main.xml", body: []byte("<x/>")},
	)
}

func odf(tb testing.TB, kind string) []byte {
	return mkZip(tb,
		member{name: "mimetype", body: []byte("application/vnd.oasis.opendocument." + kind), stored: true},
		member{name: "content.xml", body: []byte("<office:document-content/>")},
	)
}

// noise returns n bytes that compress badly.
func noise(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// mkOLE returns a compound file (MS-CFB, 512-byte sectors) whose root
// storage holds streams with the given names. pad empty sectors come
// before the directory, to push it beyond the sniffed head.
func mkOLE(pad int, names ...string) []byte {
	const ss = 512
	dirSectors := (len(names) + 1 + 3) / 4
	nsect := 1 + pad + dirSectors // FAT, padding, directory
	file := make([]byte, ss*(1+nsect))
	h := file[:ss]
	copy(h, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	le := binary.LittleEndian
	le.PutUint16(h[0x18:], 0x3E)
	le.PutUint16(h[0x1A:], 3)
	le.PutUint16(h[0x1C:], 0xFFFE)
	le.PutUint16(h[0x1E:], 9)
	le.PutUint16(h[0x20:], 6)
	le.PutUint32(h[0x2C:], 1)             // FAT sectors
	le.PutUint32(h[0x30:], uint32(1+pad)) // first directory sector
	le.PutUint32(h[0x38:], 4096)
	le.PutUint32(h[0x3C:], 0xFFFFFFFE)
	le.PutUint32(h[0x44:], 0xFFFFFFFE)
	for i := range 109 {
		le.PutUint32(h[0x4C+4*i:], 0xFFFFFFFF)
	}
	le.PutUint32(h[0x4C:], 0) // FAT in sector 0
	fat := file[ss : 2*ss]
	for i := range ss / 4 {
		le.PutUint32(fat[4*i:], 0xFFFFFFFF)
	}
	le.PutUint32(fat[0:], 0xFFFFFFFD)
	for i := 1; i <= pad; i++ {
		le.PutUint32(fat[4*i:], 0xFFFFFFFE)
	}
	for i := range dirSectors {
		s := 1 + pad + i
		next := uint32(s + 1)
		if i == dirSectors-1 {
			next = 0xFFFFFFFE
		}
		le.PutUint32(fat[4*s:], next)
	}
	dir := file[ss*(2+pad):]
	entry := func(i int, name string, typ byte, right, child uint32) {
		e := dir[128*i : 128*(i+1)]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			le.PutUint16(e[2*j:], c)
		}
		le.PutUint16(e[64:], uint16(2*len(u)+2))
		e[66] = typ
		le.PutUint32(e[68:], 0xFFFFFFFF)
		le.PutUint32(e[72:], right)
		le.PutUint32(e[76:], child)
	}
	child := uint32(0xFFFFFFFF)
	if len(names) > 0 {
		child = 1
	}
	entry(0, "Root Entry", 5, 0xFFFFFFFF, child)
	for i, n := range names {
		right := uint32(i + 2)
		if i == len(names)-1 {
			right = 0xFFFFFFFF
		}
		entry(i+1, n, 2, right, 0xFFFFFFFF)
	}
	return file
}

func mkTar(tb testing.TB, format tar.Format) []byte {
	tb.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	body := []byte("hello tar\n")
	if err := w.WriteHeader(&tar.Header{Name: "a.txt", Mode: 0o644, Size: int64(len(body)), Format: format}); err != nil {
		tb.Fatal(err)
	}
	w.Write(body)
	w.Close()
	return b.Bytes()
}

// v7tar strips the ustar magic from a tar header and fixes its checksum.
func v7tar(tb testing.TB) []byte {
	b := mkTar(tb, tar.FormatUSTAR)
	clear(b[257:265])
	copy(b[148:156], "        ")
	sum := 0
	for _, c := range b[:512] {
		sum += int(c)
	}
	copy(b[148:156], []byte(string(strconvOctal(sum))+"\x00 "))
	return b
}

func strconvOctal(n int) []byte {
	s := []byte("000000")
	for i := 5; i >= 0; i-- {
		s[i] = byte('0' + n%8)
		n /= 8
	}
	return s
}

func gz(b []byte) []byte {
	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	w.Write(b)
	w.Close()
	return out.Bytes()
}

func img(tb testing.TB, enc func(*bytes.Buffer, image.Image) error) []byte {
	tb.Helper()
	m := image.NewRGBA(image.Rect(0, 0, 8, 8))
	m.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	if err := enc(&b, m); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

func bmp() []byte {
	b := make([]byte, 58)
	copy(b, "BM")
	binary.LittleEndian.PutUint32(b[2:], 58)
	binary.LittleEndian.PutUint32(b[10:], 54)
	binary.LittleEndian.PutUint32(b[14:], 40)
	return b
}

// mp3Frames returns MPEG-1 layer III frames (128 kbit/s, 44.1 kHz): 417 bytes each.
func mp3Frames(n int) []byte {
	var b []byte
	for range n {
		f := make([]byte, 417)
		copy(f, "\xFF\xFB\x90\x00")
		b = append(b, f...)
	}
	return b
}

func utf16Bytes(s string, bom bool, big bool) []byte {
	var b []byte
	if bom {
		if big {
			b = append(b, 0xFE, 0xFF)
		} else {
			b = append(b, 0xFF, 0xFE)
		}
	}
	for _, c := range utf16.Encode([]rune(s)) {
		if big {
			b = binary.BigEndian.AppendUint16(b, c)
		} else {
			b = binary.LittleEndian.AppendUint16(b, c)
		}
	}
	return b
}

const (
	mailHead = "Return-Path: <a@example.org>\nReceived: from mx by mx2; Mon, 1 Jan 2018 10:00:00 +0000\n" +
		"Message-ID: <1@example.org>\nDate: Mon, 1 Jan 2018 10:00:00 +0000\nFrom: A <a@example.org>\n" +
		"To: b@example.org\nSubject: hello\n\nBody text.\n"
	envelope = "From a@example.org  Mon Jan  1 10:00:00 2018\n"
)

func TestSniff(t *testing.T) {
	csvText := "Name,Email,Phone\nAlice,a@b.org,555-1234\nBob,b@b.org,555-9876\n\"Carol, Jr\",\"c@b.org\",\"555\n0000\"\n"
	tests := []struct {
		name string
		head []byte
		file string
		want string
	}{
		{"empty", nil, "a.txt", extract.MIMEOctet},
		{"pdf", []byte("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj"), "a.bin", extract.MIMEPDF},
		{"pdf after bom", []byte("\xEF\xBB\xBF%PDF-1.3\n"), "a", extract.MIMEPDF},
		{"pdf after junk", append(bytes.Repeat([]byte{0}, 600), "%PDF-1.4\n"...), "a", extract.MIMEPDF},
		{"pdf named doc", []byte("%PDF-1.4\n"), "report.doc", extract.MIMEPDF},
		{"docx", ooxml(t, "word", "wordprocessingml.document.main+xml"), "a.bin", extract.MIMEDOCX},
		{"xlsx", ooxml(t, "xl", "spreadsheetml.sheet.main+xml"), "a.bin", extract.MIMEXLSX},
		{"pptx", ooxml(t, "ppt", "presentationml.presentation.main+xml"), "a.bin", extract.MIMEPPTX},
		{"xlsx named xls", ooxml(t, "xl", "spreadsheetml.sheet.main+xml"), "a.xls", extract.MIMEXLSX},
		{"ooxml by content types", mkZip(t,
			member{name: "[Content_Types].xml", body: []byte(`<Override ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/>`)},
			member{name: "docProps/core.xml", body: noise(20 << 10), stored: true}), "a", extract.MIMEPPTX},
		{"odt", odf(t, "text"), "a", extract.MIMEODT},
		{"ods", odf(t, "spreadsheet"), "a", extract.MIMEODS},
		{"odp", odf(t, "presentation"), "a", extract.MIMEODP},
		{"odg is a zip", odf(t, "graphics"), "a.odg", extract.MIMEZip},
		{"zip", mkZip(t, member{name: "a.txt", body: []byte("hello")}, member{name: "word/x.txt", body: []byte("no rels")}), "a.docx", extract.MIMEZip},
		{"empty zip", mkZip(t), "a", extract.MIMEZip},
		{"zip head cut, docx name", mkZip(t, member{name: "big.bin", body: noise(20 << 10), stored: true})[:extract.SniffLen], "a.docx", extract.MIMEDOCX},
		{"zip head cut, other name", mkZip(t, member{name: "big.bin", body: noise(20 << 10), stored: true})[:extract.SniffLen], "a.zip", extract.MIMEZip},
		{"doc", mkOLE(0, "\x01CompObj", "WordDocument", "1Table"), "a", extract.MIMEDOC},
		{"xls", mkOLE(0, "Workbook", "\x05SummaryInformation"), "a", extract.MIMEXLS},
		{"xls biff5", mkOLE(0, "Book"), "a", extract.MIMEXLS},
		{"ppt", mkOLE(0, "Current User", "PowerPoint Document", "Pictures"), "a", extract.MIMEPPT},
		{"msg", mkOLE(0, "__nameid_version1.0", "__substg1.0_0037001F", "__properties_version1.0"), "a", extract.MIMEMSG},
		{"other ole", mkOLE(0, "VisioDocument"), "a.doc", extract.MIMEOLE},
		{"ole dir beyond head, by name", mkOLE(20, "WordDocument")[:extract.SniffLen], "a.xls", extract.MIMEXLS},
		{"ole dir beyond head, no name", mkOLE(20, "WordDocument")[:extract.SniffLen], "a", extract.MIMEOLE},
		{"encrypted docx", mkOLE(0, "EncryptionInfo", "EncryptedPackage"), "a.docx", extract.MIMEDOCX},
		{"pst", []byte("!BDN\x00\x00\x00\x00SM"), "a", extract.MIMEPST},
		{"gzip", gz([]byte("hello")), "a", extract.MIMEGzip},
		{"bzip2", []byte("BZh91AY&SY\x00\x00"), "a", extract.MIMEBzip2},
		{"xz", []byte("\xFD7zXZ\x00\x00\x04"), "a", extract.MIMEXz},
		{"7z", []byte("7z\xBC\xAF\x27\x1C\x00\x04"), "a", extract.MIMESevenZip},
		{"rar4", []byte("Rar!\x1A\x07\x00\xCF\x90"), "a", extract.MIMERar},
		{"rar5", []byte("Rar!\x1A\x07\x01\x00\x33\x92"), "a", extract.MIMERar},
		{"tar ustar", mkTar(t, tar.FormatUSTAR), "a", extract.MIMETar},
		{"tar gnu", mkTar(t, tar.FormatGNU), "a", extract.MIMETar},
		{"tar v7", v7tar(t), "a", extract.MIMETar},
		{"jpeg", img(t, func(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) }), "a.png", extract.MIMEJPEG},
		{"png", img(t, func(b *bytes.Buffer, m image.Image) error { return png.Encode(b, m) }), "a", extract.MIMEPNG},
		{"gif", img(t, func(b *bytes.Buffer, m image.Image) error { return gif.Encode(b, m, nil) }), "a", extract.MIMEGIF},
		{"tiff le", []byte("II*\x00\x08\x00\x00\x00"), "a", extract.MIMETIFF},
		{"tiff be", []byte("MM\x00*\x00\x00\x00\x08"), "a", extract.MIMETIFF},
		{"bmp", bmp(), "a", extract.MIMEBMP},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), "a", extract.MIMEWebP},
		{"wav", []byte("RIFF\x24\x00\x00\x00WAVEfmt "), "a", extract.MIMEWAV},
		{"avi", []byte("RIFF\x24\x00\x00\x00AVI LIST"), "a", extract.MIMEAVI},
		{"mp3 id3", []byte("ID3\x03\x00\x00\x00\x00\x00\x0ATIT2"), "a", extract.MIMEMP3},
		{"mp3 frames", mp3Frames(3), "a", extract.MIMEMP3},
		{"flac", []byte("fLaC\x00\x00\x00\x22"), "a", extract.MIMEFLAC},
		{"ogg", []byte("OggS\x00\x02\x00\x00"), "a", extract.MIMEOgg},
		{"mp4", []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00"), "a", extract.MIMEMP4},
		{"mov", []byte("\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00"), "a", extract.MIMEQuickTime},
		{"heic is no video", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), "a", extract.MIMEOctet},
		{"webm", []byte("\x1A\x45\xDF\xA3\x9F\x42\x86\x81\x01"), "a", extract.MIMEWebM},
		{"rtf", []byte(`{\rtf1\ansi\deff0 {\fonttbl}Hello}`), "a.txt", extract.MIMERTF},
		{"html doctype", []byte("\xEF\xBB\xBF  <!DOCTYPE html><html><body>x"), "a", extract.MIMEHTML},
		{"html upper", []byte("<HTML><HEAD><TITLE>x</TITLE>"), "a.txt", extract.MIMEHTML},
		{"html after comment", []byte("<!-- licence -->\n<html>"), "a", extract.MIMEHTML},
		{"html fragment", []byte(`<div class="x"><p>hi</p></div>`), "a", extract.MIMEHTML},
		{"html script first", []byte("<script>var a = 1;</script><p>x"), "a", extract.MIMEHTML},
		{"xhtml", []byte(`<?xml version="1.0"?><!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "x"><html xmlns="http://www.w3.org/1999/xhtml">`), "a.xml", extract.MIMEHTML},
		{"xhtml no doctype", []byte(`<?xml version="1.0"?>` + "\n" + `<html xmlns="http://www.w3.org/1999/xhtml">`), "a", extract.MIMEHTML},
		{"xml", []byte(`<?xml version="1.0" encoding="UTF-8"?><kml xmlns="x"><Document>`), "a.txt", extract.MIMEXML},
		{"xml title root", []byte(`<?xml version="1.0"?><title>a</title>`), "a", extract.MIMEXML},
		{"xml no decl", []byte(`<ONIXMessage release="3.0"><Header>`), "a", extract.MIMEXML},
		{"xml doctype", []byte("<?xml version=\"1.0\"?>\n<!DOCTYPE task PUBLIC \"-//OASIS//DTD DITA Task//EN\" \"task.dtd\">\n<task>"), "a", extract.MIMEXML},
		{"utf16 html bom", utf16Bytes("<html><body>hi</body></html>", true, false), "a", extract.MIMEHTML},
		{"utf16be text bom", utf16Bytes("hello world, plain text here", true, true), "a", extract.MIMEText},
		{"utf16le no bom", utf16Bytes("Just some plain text in UTF-16 without a BOM.\n", false, false), "a", extract.MIMEText},
		{"json object", []byte(`{"name": "Alice", "tags": ["a", "b"], "n": 1.5, "ok": true}`), "a", extract.MIMEJSON},
		{"json array cut", []byte(`[{"id": 1, "text": "one"}, {"id": 2, "text": "tw`), "a", extract.MIMEJSON},
		{"json lines", []byte("{\"a\":1}\n{\"a\":2}\n"), "a", extract.MIMEJSON},
		{"not json", []byte("[citation needed] is a phrase"), "a", extract.MIMEText},
		{"brace prose", []byte("{ this is a note }\n"), "a.json", extract.MIMEJSON},
		{"eml", []byte(mailHead), "a", extract.MIMEEmail},
		{"eml named txt", []byte(mailHead), "note.txt", extract.MIMEEmail},
		{"eml with envelope", []byte(envelope + mailHead), "a.eml", extract.MIMEEmail},
		{"eml with envelope no ext", []byte(envelope + mailHead), "a", extract.MIMEEmail},
		{"eml two headers", []byte("From: a@b\nSubject: hi\n\nbody"), "a", extract.MIMEEmail},
		{"one header is text", []byte("Subject: hi\n\nbody"), "a", extract.MIMEText},
		{"one header eml ext", []byte("Subject: hi\n\nbody"), "a.eml", extract.MIMEEmail},
		{"mbox", []byte(envelope + mailHead + "\n" + envelope + mailHead), "a", extract.MIMEMbox},
		{"mbox crlf", []byte(strings.ReplaceAll(envelope+mailHead+"\n"+envelope+mailHead, "\n", "\r\n")), "a", extract.MIMEMbox},
		{"mbox one message", []byte(envelope + mailHead), "a.mbox", extract.MIMEMbox},
		{"emlx", []byte("1234\n" + mailHead), "a.emlx", extract.MIMEEmail},
		{"csv", []byte(csvText), "a", extract.MIMECSV},
		{"csv bom crlf", []byte("\xEF\xBB\xBF" + strings.ReplaceAll(csvText, "\n", "\r\n")), "a", extract.MIMECSV},
		{"csv semicolon", []byte("a;b;c\n1;2;3\n4;5;6\n"), "a", extract.MIMECSV},
		{"tsv", []byte("a\tb\tc\n1\t2\t3\n4\t5\t6\n"), "a", extract.MIMETSV},
		{"tsv named csv", []byte("a\tb\tc\n1\t2\t3\n4\t5\t6\n"), "a.csv", extract.MIMETSV},
		{"single column csv", []byte("name\nalice\nbob\n"), "a.csv", extract.MIMECSV},
		{"prose with commas", []byte("Hello, world.\nYes, indeed.\nWell, fine.\n"), "a", extract.MIMEText},
		{"indented code", []byte("func f() {\n\treturn 1\n\tx := 2\n}\n"), "a", extract.MIMEText},
		{"text", []byte("Just a note.\nNothing more.\n"), "a", extract.MIMEText},
		{"latin1 text", []byte("Caf\xe9 cr\xe8me br\xfbl\xe9e, na\xefve.\n"), "a", extract.MIMEText},
		{"whitespace", []byte("  \n\n"), "a", extract.MIMEText},
		{"binary", noise(4096), "a.txt", extract.MIMEOctet},
		{"zeros", make([]byte, 4096), "a.pdf", extract.MIMEOctet},
		{"ar", []byte("!<arch>\nfile.txt/       0           0     0     644     6         `\nhello\n"), "a.ar", extract.MIMEOctet},
		{"html name, text", []byte("plain words, <b>bold</b>"), "a.htm", extract.MIMEHTML},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			head := tt.head[:min(len(tt.head), extract.SniffLen)]
			got := extract.Sniff(head, tt.file)
			if got.MIME != tt.want {
				t.Errorf("Sniff(%q) = %s, want %s", tt.file, got.MIME, tt.want)
			}
			if got.Kind != extract.KindOf(tt.want) {
				t.Errorf("Kind = %s, want %s", got.Kind, extract.KindOf(tt.want))
			}
		})
	}
}

func TestSniffFile(t *testing.T) {
	dir := t.TempDir()
	bigMail := envelope + mailHead + strings.Repeat("A long body line to fill the first message.\n", 400)
	tests := []struct {
		name      string
		data      []byte
		file      string
		head, all string // Sniff on the head alone, SniffFile
	}{
		{"docx beyond head", mkZip(t,
			member{name: "media/big.bin", body: noise(20 << 10), stored: true},
			member{name: "[Content_Types].xml", body: []byte("<Types/>")},
			member{name: "word/document.xml", body: []byte("<w:document/>")}),
			"upload.bin", extract.MIMEZip, extract.MIMEDOCX},
		{"odt mimetype later", mkZip(t,
			member{name: "Thumbnails/thumb.png", body: noise(20 << 10), stored: true},
			member{name: "mimetype", body: []byte("application/vnd.oasis.opendocument.text"), stored: true}),
			"a", extract.MIMEZip, extract.MIMEODT},
		{"ole dir beyond head", mkOLE(40, "WordDocument", "1Table"), "a", extract.MIMEOLE, extract.MIMEDOC},
		{"msg dir beyond head", mkOLE(40, "__substg1.0_1000001F"), "a.doc", extract.MIMEDOC, extract.MIMEMSG},
		{"mbox beyond head", []byte(bigMail + "\n" + envelope + mailHead), "a", extract.MIMEEmail, extract.MIMEMbox},
		{"zip after prefix", append(bytes.Repeat([]byte{0x90}, 3000), mkZip(t, member{name: "a.txt", body: []byte("x")})...), "a.exe", extract.MIMEOctet, extract.MIMEZip},
		{"small text", []byte("hello"), "a.txt", extract.MIMEText, extract.MIMEText},
		{"empty", nil, "a.txt", extract.MIMEOctet, extract.MIMEOctet},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(dir, strings.Repeat("f", i+1))
			if err := os.WriteFile(p, tt.data, 0o600); err != nil {
				t.Fatal(err)
			}
			if got := extract.Sniff(tt.data[:min(len(tt.data), extract.SniffLen)], tt.file); got.MIME != tt.head {
				t.Errorf("Sniff = %s, want %s", got.MIME, tt.head)
			}
			got, err := extract.SniffFile(p, tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if got.MIME != tt.all {
				t.Errorf("SniffFile = %s, want %s", got.MIME, tt.all)
			}
		})
	}
	if _, err := extract.SniffFile(filepath.Join(dir, "missing"), "x"); err == nil {
		t.Error("SniffFile of a missing file: want an error")
	}
}

func TestExtLies(t *testing.T) {
	tests := []struct {
		mime, name string
		want       bool
	}{
		{extract.MIMEPDF, "report.doc", true},
		{extract.MIMEDOCX, "report.pdf", true},
		{extract.MIMEXLSX, "sheet.xls", true},
		{extract.MIMEXLSX, "sheet.CSV", true},
		{extract.MIMEJPEG, "photo.png", true},
		{extract.MIMEEmail, "mail.txt", true},
		{extract.MIMEEmail, "mail.msg", true},
		{extract.MIMEText, "notes.pdf", true},
		{extract.MIMEZip, "a.docx", true},
		{extract.MIMEPDF, "report.pdf", false},
		{extract.MIMEPDF, "REPORT.PDF", false},
		{extract.MIMECSV, "data.txt", false},
		{extract.MIMETSV, "data.csv", false},
		{extract.MIMEText, "data.csv", false},
		{extract.MIMEHTML, "page.htm", false},
		{extract.MIMEXML, "page.html", false},
		{extract.MIMEText, "feed.xml", false},
		{extract.MIMEMbox, "box.eml", false},
		{extract.MIMEEmail, "box.mbox", false},
		{extract.MIMERTF, "letter.doc", false},
		{extract.MIMEDOCX, "archive.zip", false},
		{extract.MIMEPDF, "README", false},
		{extract.MIMEPDF, "x.unknownext", false},
		{extract.MIMEOctet, "report.pdf", false},
		{extract.MIMEGzip, "backup.tar.gz", false},
		{extract.MIMETIFF, "raw.cr2", false},
		{extract.MIMEMP4, "song.m4a", false},
		{extract.MIMEOLE, "x.msg", false},
		{extract.MIMEDOC, "x.docx", true},
	}
	for _, tt := range tests {
		typ := extract.Type{MIME: tt.mime, Kind: extract.KindOf(tt.mime)}
		if got := extract.ExtLies(typ, tt.name); got != tt.want {
			t.Errorf("ExtLies(%s, %q) = %v, want %v", tt.mime, tt.name, got, tt.want)
		}
	}
}

func TestExt(t *testing.T) {
	for in, want := range map[string]string{
		"a.PDF": "pdf", "backup.tar.gz": "gz", "README": "", ".bashrc": "", "dir.d/file": "",
		`C:\docs\x.Docx`: "docx", "trailing.": "", "": "",
	} {
		if got := extract.Ext(in); got != want {
			t.Errorf("Ext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCSVDelimiter(t *testing.T) {
	tests := []struct {
		in   string
		want rune
	}{
		{"a,b,c\n1,2,3\n", ','},
		{"a\tb\n1\t2\n3\t4\n", '\t'},
		{"a;b;c\n1;2;3\n", ';'},
		{"a|b|c\n1|2|3\n", '|'},
		{"\"x, y\";b\n\"1, 2\";3\n", ';'},
		{"one line, only\n", 0},
		{"no delimiters\nat all\n", 0},
		{"a,b,c\n1,2\nx\ny\nz\n", 0},
	}
	for _, tt := range tests {
		if got := extract.CSVDelimiter([]byte(tt.in)); got != tt.want {
			t.Errorf("CSVDelimiter(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// clearCut maps extensions whose corpus files must sniff as one type.
var clearCut = map[string]string{
	"pdf": extract.MIMEPDF, "docx": extract.MIMEDOCX, "xlsx": extract.MIMEXLSX,
	"pptx": extract.MIMEPPTX, "odt": extract.MIMEODT, "zip": extract.MIMEZip,
	"7z": extract.MIMESevenZip, "rar": extract.MIMERar, "gz": extract.MIMEGzip,
	"png": extract.MIMEPNG, "jpg": extract.MIMEJPEG, "eml": extract.MIMEEmail,
	"mbox": extract.MIMEMbox, "rtf": extract.MIMERTF, "msg": extract.MIMEMSG,
	"doc": extract.MIMEDOC, "ppt": extract.MIMEPPT, "pst": extract.MIMEPST,
	"html": extract.MIMEHTML, "tar": extract.MIMETar, "mp3": extract.MIMEMP3,
}

// corpusExceptions are corpus files whose content is not what the
// extension says, on purpose.
var corpusExceptions = map[string]string{
	"tika/odf/testODTnotaZipFile.odt":        extract.MIMEText,  // "This is not a zip file!"
	"dkim/kitterman-2011-no-public-key.mbox": extract.MIMEEmail, // one message, no "From " line
	"tika/mail/single_mail.mbox":             extract.MIMEMbox,
}

// TestSniffCorpus sniffs every file of the shared corpus: files with a
// clear-cut extension must sniff as its type; a summary is logged.
func TestSniffCorpus(t *testing.T) {
	dir := corpus.Dir(t)
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	byMIME := map[string]int{}
	checked, lies := 0, 0
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	for sc.Scan() {
		rel, _, _ := strings.Cut(sc.Text(), "\t")
		typ, err := extract.SniffFile(filepath.Join(dir, rel), filepath.Base(rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		byMIME[typ.MIME]++
		if extract.ExtLies(typ, rel) {
			lies++
			t.Logf("extension lies: %s is %s", rel, typ.MIME)
		}
		want, ok := corpusExceptions[rel]
		if !ok {
			want, ok = clearCut[extract.Ext(rel)]
		}
		if !ok {
			continue
		}
		checked++
		if typ.MIME != want {
			t.Errorf("%s: sniffed %s, want %s", rel, typ.MIME, want)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var mimes []string
	for m := range byMIME {
		mimes = append(mimes, m)
	}
	sort.Strings(mimes)
	for _, m := range mimes {
		t.Logf("%6d %s", byMIME[m], m)
	}
	t.Logf("%d files checked against their extension; %d extensions lie", checked, lies)
	if checked < 700 {
		t.Errorf("only %d clear-cut files checked", checked)
	}
}

// benchKind maps the kinds of the generated leak corpus to MIME types.
var benchKind = map[string]string{
	"csv": extract.MIMECSV, "docx": extract.MIMEDOCX, "eml": extract.MIMEEmail,
	"html": extract.MIMEHTML, "jpg": extract.MIMEJPEG, "mbox": extract.MIMEMbox,
	"pdf": extract.MIMEPDF, "pdfscan": extract.MIMEPDF, "png": extract.MIMEPNG,
	"pngocr": extract.MIMEPNG, "targz": extract.MIMEGzip, "txt": extract.MIMEText,
	"xlsx": extract.MIMEXLSX, "zip": extract.MIMEZip,
}

// TestSniffBenchCorpus checks Sniff against the ground truth of a corpus
// generated by shared/bench/mkcorpus, when TROVE_BENCH_CORPUS names one
// (it is not part of the repository; the test skips otherwise).
func TestSniffBenchCorpus(t *testing.T) {
	dir := os.Getenv("TROVE_BENCH_CORPUS")
	if dir == "" {
		t.Skip("TROVE_BENCH_CORPUS not set")
	}
	f, err := os.Open(filepath.Join(dir, ".truth", "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var files, ok, wrongExt, wrongExtOK, corrupt int
	sc := bufio.NewScanner(f)
	sc.Scan()
	for sc.Scan() {
		c := strings.Split(sc.Text(), "\t")
		rel, kind, lying, damaged := c[0], c[1], c[3] == "true", c[4] != ""
		typ, err := extract.SniffFile(filepath.Join(dir, rel), filepath.Base(rel))
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		if damaged {
			corrupt++
			t.Logf("corrupt (%s) %s %s: sniffed %s", c[4], kind, rel, typ.MIME)
			continue
		}
		files++
		want := benchKind[kind]
		good := typ.MIME == want
		if good {
			ok++
		} else {
			t.Errorf("%s: sniffed %s, want %s (%s)", rel, typ.MIME, want, kind)
		}
		lies := extract.ExtLies(typ, rel)
		if lying {
			wrongExt++
			if good && lies {
				wrongExtOK++
			} else {
				t.Errorf("wrong extension %s: sniffed %s, ExtLies %v", rel, typ.MIME, lies)
			}
		} else if lies {
			t.Errorf("%s: ExtLies true for %s", rel, typ.MIME)
		}
	}
	t.Logf("%d/%d intact files sniffed as their real kind; %d/%d wrong extensions caught; %d corrupt files skipped",
		ok, files, wrongExtOK, wrongExt, corrupt)
}

func FuzzSniff(f *testing.F) {
	seeds := [][]byte{
		[]byte(mailHead), []byte(envelope + mailHead + "\n" + envelope + mailHead),
		[]byte("a,b\n1,2\n"), []byte(`{"a":[1,2]}`), []byte("<?xml version='1.0'?><a/>"),
		[]byte("<!-- x --><html>"), mkOLE(0, "WordDocument"), mkOLE(1, "Book"),
		odf(f, "text"), ooxml(f, "word", "wordprocessingml.document.main+xml"),
		mkTar(f, tar.FormatGNU), mp3Frames(2), bmp(), utf16Bytes("<html>", true, false),
	}
	if dir := corpus.Root(); dir != "" {
		for _, rel := range []string{"office/mscfb/test.msg", "tika/html/testHTML.html", "tika/text/testCSV.csv",
			"tika/archives/testZip_with_DataDescriptor.zip", "tika/av/testMP3id3v1.mp3", "tika/rtf/testRTFVarious.rtf"} {
			b, err := os.ReadFile(filepath.Join(dir, "corpus", rel))
			if err == nil {
				seeds = append(seeds, b[:min(len(b), extract.SniffLen)])
			}
		}
	}
	for _, s := range seeds {
		f.Add(s, "a.txt")
	}
	f.Fuzz(func(t *testing.T, head []byte, name string) {
		typ := extract.Sniff(head, name)
		if typ.MIME == "" {
			t.Fatal("empty MIME")
		}
		if typ.Kind != extract.KindOf(typ.MIME) {
			t.Fatalf("kind %s for %s", typ.Kind, typ.MIME)
		}
		if typ.Kind == archive.KindOther && !slices.Contains([]string{extract.MIMEOctet, extract.MIMEOLE}, typ.MIME) {
			t.Fatalf("%s has no kind", typ.MIME)
		}
		extract.ExtLies(typ, name)
		extract.CSVDelimiter(head)
	})
}
