package extract

import (
	"bytes"
	"encoding/binary"
	"slices"

	"github.com/trove-archive/trove/internal/archive"
)

// More audio, video and database types (see sniffMedia).
const (
	MIMEQuickTime = "video/quicktime"
	MIMEMatroska  = "video/x-matroska"
	MIMEAudioMP4  = "audio/mp4" // .m4a, .m4b
	MIME3GPP      = "video/3gpp"
	MIMEAAC       = "audio/aac" // ADTS stream
	MIMEMPEG      = "video/mpeg"
	MIMEMP2T      = "video/mp2t"
	MIMEAIFF      = "audio/aiff"
	MIMEAU        = "audio/basic"
	MIMEAMR       = "audio/amr"
	MIMEFLV       = "video/x-flv"
	MIMEASF       = "video/x-ms-asf"
	MIMEWMA       = "audio/x-ms-wma"
	MIMEWMV       = "video/x-ms-wmv"

	MIMESQLite = "application/vnd.sqlite3"
	MIMEAccess = "application/x-msaccess"
	MIMEDBF    = "application/x-dbf"
)

func init() {
	// EBML is not in magics: sniffMedia reads the DocType to tell
	// Matroska from WebM. ISO media subtypes come from isoSubtype, which
	// sniffBinary calls.
	registerSniffer(sniffMedia, map[string]archive.Kind{
		MIMEQuickTime: archive.KindVideo, MIMEMatroska: archive.KindVideo, MIME3GPP: archive.KindVideo,
		MIMEMPEG: archive.KindVideo, MIMEMP2T: archive.KindVideo, MIMEFLV: archive.KindVideo,
		MIMEASF: archive.KindVideo, MIMEWMV: archive.KindVideo,
		MIMEAudioMP4: archive.KindAudio, MIMEAAC: archive.KindAudio, MIMEAIFF: archive.KindAudio,
		MIMEAU: archive.KindAudio, MIMEAMR: archive.KindAudio, MIMEWMA: archive.KindAudio,
		MIMESQLite: archive.KindSpreadsheet, MIMEAccess: archive.KindSpreadsheet, MIMEDBF: archive.KindSpreadsheet,
	})
	also := func(ext string, mimes ...string) {
		extFamily[ext] = append(slices.Clone(extFamily[ext]), mimes...)
	}
	also("mov", MIMEQuickTime)
	also("qt", MIMEQuickTime, MIMEMP4)
	also("m4a", MIMEAudioMP4)
	also("m4b", MIMEAudioMP4)
	also("3gp", MIME3GPP)
	also("3g2", MIME3GPP)
	also("mkv", MIMEMatroska)
	also("mka", MIMEMatroska)
	also("mk3d", MIMEMatroska, MIMEWebM)
	also("aac", MIMEAAC, MIMEMP3) // an ID3 tag before ADTS sniffs as MP3
	for _, e := range []string{"mpg", "mpeg", "m1v", "m2v", "vob"} {
		also(e, MIMEMPEG)
	}
	also("m2ts", MIMEMP2T)
	also("mts", MIMEMP2T)
	for _, e := range []string{"aif", "aiff", "aifc"} {
		also(e, MIMEAIFF)
	}
	also("au", MIMEAU)
	also("snd", MIMEAU)
	also("amr", MIMEAMR)
	also("flv", MIMEFLV)
	for _, e := range []string{"asf", "wma", "wmv"} {
		also(e, MIMEASF, MIMEWMA, MIMEWMV)
	}
	for _, e := range []string{"sqlite", "sqlite3", "db3"} {
		also(e, MIMESQLite)
	}
	also("mdb", MIMEAccess)
	also("accdb", MIMEAccess)
	also("dbf", MIMEDBF)
}

const ebmlMagic = "\x1A\x45\xDF\xA3"

var asfGUID = []byte("\x30\x26\xB2\x75\x8E\x66\xCF\x11\xA6\xD9\x00\xAA\x00\x62\xCE\x6C")

// sniffMedia recognises the audio, video and database formats of this
// file by their magic numbers; "" when it does not know head.
func sniffMedia(head []byte, ext string) string {
	switch {
	case bytes.HasPrefix(head, []byte("SQLite format 3\x00")):
		return MIMESQLite
	case len(head) >= 20 && string(head[:4]) == "\x00\x01\x00\x00" &&
		(string(head[4:20]) == "Standard Jet DB\x00" || string(head[4:20]) == "Standard ACE DB\x00"):
		return MIMEAccess
	case bytes.HasPrefix(head, []byte(ebmlMagic)):
		if ebmlDocType(head) == "matroska" {
			return MIMEMatroska
		}
		return MIMEWebM
	case bytes.HasPrefix(head, asfGUID):
		switch ext {
		case "wma":
			return MIMEWMA
		case "wmv":
			return MIMEWMV
		}
		return MIMEASF
	case len(head) >= 12 && string(head[:4]) == "FORM" && (string(head[8:12]) == "AIFF" || string(head[8:12]) == "AIFC"):
		return MIMEAIFF
	case len(head) >= 24 && string(head[:4]) == ".snd" && binary.BigEndian.Uint32(head[4:]) >= 24:
		return MIMEAU
	case bytes.HasPrefix(head, []byte("#!AMR\n")), bytes.HasPrefix(head, []byte("#!AMR-WB\n")):
		return MIMEAMR
	case len(head) >= 9 && string(head[:4]) == "FLV\x01" && head[4]&0xFA == 0 && binary.BigEndian.Uint32(head[5:]) == 9:
		return MIMEFLV
	case len(head) >= 5 && string(head[:3]) == "\x00\x00\x01" && (head[3] == 0xBA || head[3] == 0xB3):
		if head[3] == 0xBA && head[4]&0xC0 != 0x40 && head[4]&0xF0 != 0x20 { // MPEG-2 or MPEG-1 pack header
			return ""
		}
		return MIMEMPEG
	case isTransportStream(head):
		return MIMEMP2T
	case isADTS(head):
		return MIMEAAC
	case isDBF(head):
		return MIMEDBF
	}
	return isoSubtype(head)
}

// isoSubtype tells QuickTime, M4A and 3GP apart from other ISO media by
// the major brand of the ftyp box; "" for other files and plain MP4.
//
// isoMedia answers MIMEMP4 for all of them before registered sniffers
// run, so this refines nothing until sniffBinary consults it.
func isoSubtype(b []byte) string {
	if len(b) < 12 || string(b[4:8]) != "ftyp" {
		return ""
	}
	switch brand := string(b[8:12]); {
	case brand == "qt  ":
		return MIMEQuickTime
	case brand == "M4A " || brand == "M4B " || brand == "M4P ":
		return MIMEAudioMP4
	case brand[:3] == "3gp" || brand[:3] == "3g2" || brand == "3ge6" || brand == "3ge7":
		return MIME3GPP
	}
	return ""
}

// ebmlDocType reads the DocType of an EBML header ("matroska", "webm"),
// or "" when head does not hold it.
func ebmlDocType(b []byte) string {
	if !bytes.HasPrefix(b, []byte(ebmlMagic)) {
		return ""
	}
	size, n := ebmlVint(b[4:])
	if n == 0 {
		return ""
	}
	p := 4 + n
	end := len(b)
	if size >= 0 && p+size < end {
		end = p + size
	}
	for p+3 <= end {
		if b[p] != 0x42 { // every EBML header element ID is 0x42xx
			return ""
		}
		id := b[p+1]
		sz, n := ebmlVint(b[p+2 : end])
		if n == 0 || sz < 0 {
			return ""
		}
		p += 2 + n
		if p+sz > end {
			return ""
		}
		if id == 0x82 {
			return string(bytes.TrimRight(b[p:p+sz], "\x00"))
		}
		p += sz
	}
	return ""
}

// ebmlVint decodes an EBML variable-size integer: its value (-1 when
// unknown or huge) and its length in bytes (0 when invalid).
func ebmlVint(b []byte) (int, int) {
	if len(b) == 0 || b[0] == 0 {
		return 0, 0
	}
	n := 1
	for mask := byte(0x80); b[0]&mask == 0; mask >>= 1 {
		n++
	}
	if len(b) < n {
		return 0, 0
	}
	v := uint64(b[0] & (0xFF >> n))
	for _, c := range b[1:n] {
		v = v<<8 | uint64(c)
	}
	if v >= 1<<31 {
		return -1, n
	}
	return int(v), n
}

// isTransportStream recognises an MPEG transport stream by its sync byte
// every 188 bytes (192 for M2TS with its 4-byte time code).
func isTransportStream(b []byte) bool {
	for _, pk := range []struct{ off, size int }{{0, 188}, {4, 192}} {
		n := 0
		for i := pk.off; i < len(b); i += pk.size {
			if b[i] != 0x47 {
				n = -1
				break
			}
			n++
		}
		if n >= 5 {
			return true
		}
	}
	return false
}

// isADTS recognises raw AAC: an ADTS frame header followed by another
// where the first frame ends.
func isADTS(b []byte) bool {
	n := adtsFrameLen(b)
	if n == 0 || len(b) < n+7 {
		return false
	}
	return adtsFrameLen(b[n:]) != 0
}

func adtsFrameLen(b []byte) int {
	if len(b) < 7 || b[0] != 0xFF || b[1]&0xF6 != 0xF0 {
		return 0
	}
	if (b[2]>>2)&0x0F >= 13 { // sampling frequency index
		return 0
	}
	n := int(b[3]&3)<<11 | int(b[4])<<3 | int(b[5]>>5)
	if n < 7 {
		return 0
	}
	return n
}

// isDBF recognises a dBase/FoxPro table by a consistent header: a known
// version byte, a valid last-update date, field descriptors of known
// types that add up to the record length, and the header terminator
// where the header length says.
func isDBF(b []byte) bool {
	if len(b) < 65 {
		return false
	}
	switch b[0] {
	case 0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x32, 0x43, 0x63, 0x7B, 0x83, 0x8B, 0x8E, 0xCB, 0xF5, 0xFB:
	default:
		return false
	}
	if b[2] < 1 || b[2] > 12 || b[3] < 1 || b[3] > 31 {
		return false
	}
	hdr := int(binary.LittleEndian.Uint16(b[8:]))
	rec := int(binary.LittleEndian.Uint16(b[10:]))
	if hdr < 65 || rec < 2 {
		return false
	}
	plain, long, fields := 1, 1, 0
	p := 32
	for ; p+32 <= len(b) && p < hdr && b[p] != 0x0D; p += 32 {
		d := b[p : p+32]
		name := bytes.TrimRight(d[:11], "\x00")
		if len(name) == 0 || bytes.IndexByte(name, 0) >= 0 {
			return false
		}
		for _, c := range name {
			if c < 0x20 || c == 0x7F {
				return false
			}
		}
		if !bytes.ContainsRune([]byte("CNFLDMBGPITY@O+0VQW"), rune(d[11])) || d[16] == 0 && d[17] == 0 {
			return false
		}
		plain += int(d[16])
		long += int(d[16])
		if d[11] == 'C' {
			long += int(d[17]) << 8 // Clipper and FoxPro: long character fields
		}
		fields++
	}
	if fields == 0 || p >= len(b) || b[p] != 0x0D {
		return false
	}
	// Visual FoxPro reserves 263 bytes after the terminator.
	if hdr != p+1 && hdr != p+1+263 && hdr != p+2 {
		return false
	}
	return plain == rec || long == rec
}
