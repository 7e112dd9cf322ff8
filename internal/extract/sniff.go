package extract

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"
	"unicode/utf16"
)

// SniffLen is how many leading bytes Sniff looks at; pass at least this
// many when the file is longer.
const SniffLen = 8 << 10

// oleLen is how much of a compound file SniffFile hands to the head
// fallback when it cannot walk the directory.
const oleLen = 64 << 10

// Sniff decides the type of a file from its first bytes (up to SniffLen
// are used). The file name's extension only breaks ties where the content
// is ambiguous: plain text versus CSV, JSON, XML, HTML or mail, and
// container formats whose members lie beyond head (OOXML, OLE2). Sniff
// never fails: it returns MIMEOctet when it cannot tell, and also for
// empty input.
func Sniff(head []byte, name string) Type {
	return typeOf(sniff(head, Ext(name)))
}

// SniffFile sniffs the file at path like Sniff, and reads further where the
// first bytes cannot decide: a zip's central directory (OOXML and
// OpenDocument members), a compound file's directory (Word, Excel,
// PowerPoint, Outlook) and, for a mailbox, whether a second message
// follows the first. name is the file's declared name (path may be a blob
// in a store).
func SniffFile(path, name string) (Type, error) {
	f, err := os.Open(path)
	if err != nil {
		return Type{}, fmt.Errorf("sniff open: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Type{}, fmt.Errorf("sniff stat: %w", err)
	}
	size := fi.Size()
	head := make([]byte, min(size, SniffLen))
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return Type{}, fmt.Errorf("sniff read: %w", err)
	}
	head = head[:n]
	ext := Ext(name)
	mime := sniff(head, ext)
	switch {
	case bytes.HasPrefix(head, zipLocal) || bytes.HasPrefix(head, zipEmpty) || bytes.HasPrefix(head, zipSpan):
		if m := zipFileKind(f, size); m != "" {
			mime = m
		}
	case bytes.HasPrefix(head, oleMagic):
		if m, ok := oleKind(f, size, ext); ok {
			mime = m
		} else if size > int64(len(head)) {
			big := make([]byte, min(size, oleLen))
			n, _ := f.ReadAt(big, 0)
			mime = sniff(big[:n], ext)
		}
	case mime == MIMEEmail && size > int64(len(head)) && bytes.HasPrefix(head, []byte("From ")):
		if moreMessages(f) {
			mime = MIMEMbox
		}
	case mime == MIMEOctet && hasZipEnd(f, size):
		// a zip after a prefix: a self-extractor's stub, padding
		if m := zipFileKind(f, size); m != "" {
			mime = m
		}
	}
	return typeOf(mime), nil
}

func typeOf(mime string) Type { return Type{MIME: mime, Kind: KindOf(mime)} }

// Ext returns the extension of a file name in lower case without the dot
// ("gz" for "a.tar.gz"), or "" when it has none.
func Ext(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 {
		return ""
	}
	return strings.ToLower(name[i+1:])
}

// Magic numbers.
var (
	zipLocal = []byte("PK\x03\x04")
	zipEmpty = []byte("PK\x05\x06")
	zipSpan  = []byte("PK\x07\x08PK\x03\x04")
	oleMagic = []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	bomUTF8  = []byte("\xEF\xBB\xBF")
)

type magic struct {
	prefix string
	mime   string
}

var magics = []magic{
	{"%PDF-", MIMEPDF},
	{"!BDN", MIMEPST},
	{"\x1F\x8B\x08", MIMEGzip},
	{"\xFD7zXZ\x00", MIMEXz},
	{"7z\xBC\xAF\x27\x1C", MIMESevenZip},
	{"Rar!\x1A\x07\x00", MIMERar},
	{"Rar!\x1A\x07\x01\x00", MIMERar},
	{"\xFF\xD8\xFF", MIMEJPEG},
	{"\x89PNG\r\n\x1A\n", MIMEPNG},
	{"GIF87a", MIMEGIF},
	{"GIF89a", MIMEGIF},
	{"II*\x00", MIMETIFF},
	{"MM\x00*", MIMETIFF},
	{"II+\x00", MIMETIFF}, // BigTIFF
	{"fLaC", MIMEFLAC},
	{"OggS\x00", MIMEOgg},
	// EBML (WebM and Matroska): sniffMedia reads the DocType.
}

// sniffers are more recognisers, consulted after the binary magic numbers
// and before text; a file of this package that adds formats registers its
// own with registerSniffer from an init function.
var sniffers []func(head []byte, ext string) string

// sniff returns the MIME type of head; ext is the lower-case declared
// extension.
func sniff(head []byte, ext string) string {
	if len(head) == 0 {
		return MIMEOctet
	}
	if m := sniffBinary(head, ext); m != "" {
		return m
	}
	for _, f := range sniffers {
		if m := f(head, ext); m != "" {
			return m
		}
	}
	if bytes.Contains(head[:min(len(head), 1024)], []byte("%PDF-")) {
		// A PDF after some junk (a BOM, a mail gateway's banner), unless
		// the PDF is a message's unencoded attachment.
		if s, ok := textView(head); !ok || sniffMail(s, ext) == "" {
			return MIMEPDF
		}
	}
	return sniffText(head, ext)
}

func sniffBinary(head []byte, ext string) string {
	for _, m := range magics {
		if bytes.HasPrefix(head, []byte(m.prefix)) {
			return m.mime
		}
	}
	switch {
	case bytes.HasPrefix(head, zipLocal), bytes.HasPrefix(head, zipEmpty), bytes.HasPrefix(head, zipSpan):
		return zipHeadKind(head, ext)
	case bytes.HasPrefix(head, oleMagic):
		return oleHeadKind(head, ext)
	case bytes.HasPrefix(head, []byte("!<arch>\n")):
		return MIMEOctet // ar (and .deb): no extractor; its text members must not pass for text
	case isBIFF(head):
		return MIMEXLS // Excel 2 to 4 worksheet, before OLE2
	case isBzip2(head):
		return MIMEBzip2
	case len(head) >= 12 && string(head[:4]) == "RIFF":
		switch string(head[8:12]) {
		case "WAVE":
			return MIMEWAV
		case "AVI ":
			return MIMEAVI
		case "WEBP":
			return MIMEWebP
		}
	case isBMP(head):
		return MIMEBMP
	case len(head) >= 10 && string(head[:3]) == "ID3" && head[3] >= 2 && head[3] <= 4 && head[4] != 0xFF:
		return MIMEMP3
	case isTar(head):
		return MIMETar
	}
	if m := isoMedia(head); m != "" {
		if sub := isoSubtype(head); sub != "" {
			return sub // QuickTime, M4A, 3GPP (sniff_media.go)
		}
		return m
	}
	if isMP3Frames(head) {
		return MIMEMP3
	}
	return ""
}

func isBzip2(b []byte) bool {
	if len(b) < 10 || string(b[:3]) != "BZh" || b[3] < '1' || b[3] > '9' {
		return false
	}
	blk := string(b[4:10])
	return blk == "\x31\x41\x59\x26\x53\x59" || blk == "\x17\x72\x45\x38\x50\x90"
}

// isBIFF recognises the BOF record of a bare BIFF2-4 worksheet.
func isBIFF(b []byte) bool {
	if len(b) < 8 || b[0] != 0x09 || (b[1] != 0x00 && b[1] != 0x02 && b[1] != 0x04) {
		return false
	}
	n := binary.LittleEndian.Uint16(b[2:])
	typ := binary.LittleEndian.Uint16(b[6:])
	return n >= 4 && n <= 16 && (typ == 0x10 || typ == 0x20 || typ == 0x40 || typ == 0x100)
}

func isBMP(b []byte) bool {
	if len(b) < 18 || b[0] != 'B' || b[1] != 'M' {
		return false
	}
	if binary.LittleEndian.Uint32(b[6:10]) != 0 { // reserved
		return false
	}
	switch binary.LittleEndian.Uint32(b[14:18]) { // DIB header size
	case 12, 16, 40, 52, 56, 64, 108, 124:
		return true
	}
	return false
}

// isTar recognises a tar header block by its ustar magic or, for old V7
// archives, by a valid header checksum.
func isTar(b []byte) bool {
	if len(b) < 512 {
		return false
	}
	if string(b[257:262]) == "ustar" && (b[262] == 0 || b[262] == ' ') {
		return true
	}
	if b[0] == 0 { // no name
		return false
	}
	chk := bytes.TrimRight(bytes.TrimLeft(b[148:156], " "), " \x00")
	if len(chk) == 0 {
		return false
	}
	want := 0
	for _, c := range chk {
		if c < '0' || c > '7' {
			return false
		}
		want = want*8 + int(c-'0')
	}
	sum := 0
	for i, c := range b[:512] {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int(c)
	}
	return sum == want
}

// isoMedia recognises ISO base media files (MP4, QuickTime, 3GP, M4A).
// HEIF and AVIF images share the box structure but have no MIME type here.
func isoMedia(b []byte) string {
	if len(b) < 12 {
		return ""
	}
	switch string(b[4:8]) {
	case "ftyp":
		switch string(b[8:12]) {
		case "heic", "heix", "hevc", "hevx", "heim", "heis", "mif1", "msf1", "avif", "avis", "crx ":
			return ""
		}
		return MIMEMP4
	case "moov", "mdat", "wide":
		if b[0] == 0 {
			return MIMEMP4
		}
	}
	return ""
}

// isMP3Frames recognises MPEG audio without an ID3 tag: a valid frame
// header at the start followed by a second one where the first frame ends.
func isMP3Frames(b []byte) bool {
	n := mp3FrameLen(b)
	if n == 0 {
		return false
	}
	if len(b) < n+4 {
		return false
	}
	return mp3FrameLen(b[n:]) != 0
}

func mp3FrameLen(b []byte) int {
	if len(b) < 4 || b[0] != 0xFF || b[1]&0xE0 != 0xE0 {
		return 0
	}
	version := (b[1] >> 3) & 3 // 0: 2.5, 2: 2, 3: 1
	layer := (b[1] >> 1) & 3   // 1: III, 2: II, 3: I
	bri := int(b[2] >> 4)
	sri := int((b[2] >> 2) & 3)
	pad := int((b[2] >> 1) & 1)
	if version == 1 || layer == 0 || bri == 0 || bri == 15 || sri == 3 {
		return 0
	}
	var kbps = [2][3][15]int{
		{ // MPEG-1: layer I, II, III
			{0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
			{0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
			{0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
		},
		{ // MPEG-2 and 2.5
			{0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
			{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
			{0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
		},
	}
	rates := [4][3]int{{11025, 12000, 8000}, {}, {22050, 24000, 16000}, {44100, 48000, 32000}}
	v := 1
	if version == 3 {
		v = 0
	}
	l := 3 - int(layer) // 0: I, 1: II, 2: III
	br := kbps[v][l][bri] * 1000
	sr := rates[version][sri]
	switch {
	case l == 0:
		return (12*br/sr + pad) * 4
	case l == 2 && v == 1:
		return 72*br/sr + pad
	default:
		return 144*br/sr + pad
	}
}

// ---- zip ----

type zipEntry struct {
	name   string
	method uint16
	data   []byte // the (possibly partial) compressed bytes present in head
}

// zipHeadEntries walks the local file headers present in head. complete
// reports whether it reached the central directory.
func zipHeadEntries(head []byte) (entries []zipEntry, complete bool) {
	off := 0
	if bytes.HasPrefix(head, zipSpan) {
		off = 4
	}
	for len(entries) < 1000 {
		if off+4 <= len(head) {
			switch string(head[off : off+4]) {
			case "PK\x01\x02", "PK\x05\x06", "PK\x06\x06":
				return entries, true
			}
		}
		if off+30 > len(head) || string(head[off:off+4]) != string(zipLocal) {
			return entries, false
		}
		h := head[off:]
		flags := binary.LittleEndian.Uint16(h[6:])
		method := binary.LittleEndian.Uint16(h[8:])
		csize := int(binary.LittleEndian.Uint32(h[18:]))
		nlen := int(binary.LittleEndian.Uint16(h[26:]))
		xlen := int(binary.LittleEndian.Uint16(h[28:]))
		if 30+nlen > len(h) {
			return entries, false
		}
		e := zipEntry{name: string(h[30 : 30+nlen]), method: method}
		start := off + 30 + nlen + xlen
		if start > len(head) {
			entries = append(entries, e)
			return entries, false
		}
		rest := head[start:]
		switch {
		case flags&8 != 0 && csize == 0, csize == 0xFFFFFFFF:
			// Size unknown here (data descriptor or zip64): the next
			// header is the next local signature, found by search.
			i := bytes.Index(rest, zipLocal)
			if j := bytes.Index(rest, []byte("PK\x01\x02")); j >= 0 && (i < 0 || j < i) {
				i = j
			}
			if i < 0 {
				e.data = rest
				entries = append(entries, e)
				return entries, false
			}
			e.data = rest[:i]
			off = start + i
		default:
			e.data = rest[:min(csize, len(rest))]
			if csize > len(rest) {
				entries = append(entries, e)
				return entries, false
			}
			off = start + csize
			// skip a data descriptor if one follows
			if flags&8 != 0 && off+4 <= len(head) && string(head[off:off+4]) == "PK\x07\x08" {
				off += 16
			}
		}
		entries = append(entries, e)
	}
	return entries, false
}

// ODF mimetype prefixes and the OOXML main part content types.
var (
	odfKinds = []magic{
		{"application/vnd.oasis.opendocument.text", MIMEODT},
		{"application/vnd.oasis.opendocument.spreadsheet", MIMEODS},
		{"application/vnd.oasis.opendocument.presentation", MIMEODP},
	}
	ooxmlKinds = []magic{
		{"wordprocessingml.document.main+xml", MIMEDOCX},
		{"wordprocessingml.template.main+xml", MIMEDOCX},
		{"ms-word.document.macroEnabled.main+xml", MIMEDOCX},
		{"ms-word.template.macroEnabledTemplate.main+xml", MIMEDOCX},
		{"spreadsheetml.sheet.main+xml", MIMEXLSX},
		{"spreadsheetml.template.main+xml", MIMEXLSX},
		{"ms-excel.sheet.macroEnabled.main+xml", MIMEXLSX},
		{"ms-excel.sheet.binary.macroEnabled.main", MIMEXLSX},
		{"ms-excel.template.macroEnabled.main+xml", MIMEXLSX},
		{"presentationml.presentation.main+xml", MIMEPPTX},
		{"presentationml.slideshow.main+xml", MIMEPPTX},
		{"presentationml.template.main+xml", MIMEPPTX},
		{"ms-powerpoint.presentation.macroEnabled.main+xml", MIMEPPTX},
		{"ms-powerpoint.slideshow.macroEnabled.main+xml", MIMEPPTX},
		{"ms-powerpoint.template.macroEnabled.main+xml", MIMEPPTX},
	}
)

// zipNamesKind decides among the zip-based formats by member names.
// It returns "" when the names are not enough.
func zipNamesKind(names []string) string {
	ooxml := false
	for _, n := range names {
		if n == "[Content_Types].xml" || n == "_rels/.rels" {
			ooxml = true
		}
	}
	if !ooxml {
		return ""
	}
	for _, n := range names {
		switch {
		case strings.HasPrefix(n, "word/"):
			return MIMEDOCX
		case strings.HasPrefix(n, "xl/"):
			return MIMEXLSX
		case strings.HasPrefix(n, "ppt/"):
			return MIMEPPTX
		}
	}
	return ""
}

func odfKind(mimetype []byte) string {
	s := string(bytes.TrimSpace(mimetype))
	for _, k := range odfKinds {
		if strings.HasPrefix(s, k.prefix) {
			return k.mime
		}
	}
	return ""
}

func contentTypesKind(xml []byte) string {
	for _, k := range ooxmlKinds {
		if bytes.Contains(xml, []byte(k.prefix)) {
			return k.mime
		}
	}
	return ""
}

// zipByExt maps the extensions of zip-based document formats to their
// types, for a zip whose head does not tell.
var zipByExt = map[string]string{
	"docx": MIMEDOCX, "docm": MIMEDOCX, "dotx": MIMEDOCX, "dotm": MIMEDOCX,
	"xlsx": MIMEXLSX, "xlsm": MIMEXLSX, "xltx": MIMEXLSX, "xltm": MIMEXLSX, "xlsb": MIMEXLSX,
	"pptx": MIMEPPTX, "pptm": MIMEPPTX, "ppsx": MIMEPPTX, "ppsm": MIMEPPTX, "potx": MIMEPPTX, "potm": MIMEPPTX,
	"odt": MIMEODT, "ott": MIMEODT, "ods": MIMEODS, "ots": MIMEODS, "odp": MIMEODP, "otp": MIMEODP,
}

func zipHeadKind(head []byte, ext string) string {
	entries, complete := zipHeadEntries(head)
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.name
	}
	if len(entries) > 0 && entries[0].name == "mimetype" && entries[0].method == 0 {
		if m := odfKind(entries[0].data); m != "" {
			return m
		}
		return MIMEZip // another OpenDocument or an EPUB
	}
	if m := zipNamesKind(names); m != "" {
		return m
	}
	for _, e := range entries {
		if e.name != "[Content_Types].xml" {
			continue
		}
		data := e.data
		if e.method == 8 {
			data, _ = io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(e.data)), 1<<20))
		}
		if m := contentTypesKind(data); m != "" {
			return m
		}
	}
	if !complete {
		if m, ok := zipByExt[ext]; ok {
			return m
		}
	}
	return MIMEZip
}

// hasZipEnd reports whether the end of central directory record of a zip
// is among the last bytes of r.
func hasZipEnd(r io.ReaderAt, size int64) bool {
	n := min(size, 22+65535)
	buf := make([]byte, n)
	if _, err := r.ReadAt(buf, size-n); err != nil {
		return false
	}
	return bytes.Contains(buf, zipEmpty)
}

// zipFileKind reads a zip's central directory; "" when it cannot.
func zipFileKind(r io.ReaderAt, size int64) string {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return ""
	}
	names := make([]string, len(zr.File))
	for i, f := range zr.File {
		names[i] = f.Name
	}
	for _, f := range zr.File {
		if f.Name != "mimetype" {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			break
		}
		b, _ := io.ReadAll(io.LimitReader(rc, 256))
		rc.Close()
		if m := odfKind(b); m != "" {
			return m
		}
		return MIMEZip
	}
	if m := zipNamesKind(names); m != "" {
		return m
	}
	return MIMEZip
}

// ---- OLE2 compound files ----

// oleByExt breaks the tie when the directory cannot be read.
var oleByExt = map[string]string{
	"doc": MIMEDOC, "dot": MIMEDOC, "xls": MIMEXLS, "xlt": MIMEXLS, "xla": MIMEXLS,
	"ppt": MIMEPPT, "pps": MIMEPPT, "pot": MIMEPPT, "msg": MIMEMSG, "wps": MIMEWorks,
}

// encryptedByExt maps the extensions of OOXML formats, whose encrypted
// form is a compound file holding an EncryptedPackage stream (MS-OFFCRYPTO).
var encryptedByExt = map[string]string{
	"docx": MIMEDOCX, "docm": MIMEDOCX, "dotx": MIMEDOCX,
	"xlsx": MIMEXLSX, "xlsm": MIMEXLSX, "xltx": MIMEXLSX, "xlsb": MIMEXLSX,
	"pptx": MIMEPPTX, "pptm": MIMEPPTX, "ppsx": MIMEPPTX, "potx": MIMEPPTX,
}

func oleEncrypted(names []string) bool {
	return slices.Contains(names, "EncryptedPackage") && slices.Contains(names, "EncryptionInfo")
}

func oleHeadKind(head []byte, ext string) string {
	if m, ok := oleKind(bytes.NewReader(head), int64(len(head)), ext); ok {
		return m
	}
	if m, ok := encryptedByExt[ext]; ok && bytes.Contains(head, utf16le("EncryptedPackage")) {
		return m
	}
	// The directory is beyond head: look for stream names anywhere.
	u16 := utf16le
	switch {
	case bytes.Contains(head, u16("__substg1.0_")), bytes.Contains(head, u16("__properties_version1.0")):
		return MIMEMSG
	case bytes.Contains(head, u16("WordDocument")):
		return MIMEDOC
	case bytes.Contains(head, u16("PowerPoint Document")):
		return MIMEPPT
	case bytes.Contains(head, u16("Workbook")), bytes.Contains(head, u16("Book\x00")):
		return MIMEXLS
	}
	if m, ok := oleByExt[ext]; ok {
		return m
	}
	return MIMEOLE
}

// utf16le encodes an ASCII string as UTF-16LE.
func utf16le(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for _, c := range []byte(s) {
		b = append(b, c, 0)
	}
	return b
}

// oleKind reads the directory of a compound file (MS-CFB) and decides by
// the names of the root storage's children. ok is false when the
// directory cannot be read; m is MIMEOLE for other compound files.
func oleKind(r io.ReaderAt, size int64, ext string) (m string, ok bool) {
	var h [512]byte
	if _, err := r.ReadAt(h[:], 0); err != nil || !bytes.HasPrefix(h[:], oleMagic) {
		return "", false
	}
	shift := binary.LittleEndian.Uint16(h[0x1E:])
	if shift != 9 && shift != 12 {
		return "", false
	}
	ssz := int64(1) << shift
	perFAT := ssz / 4
	const (
		endOfChain = 0xFFFFFFFE
		maxSect    = 0xFFFFFFFA
	)
	// FAT sector list: 109 in the header, then the DIFAT chain.
	var fat []uint32
	for i := range 109 {
		s := binary.LittleEndian.Uint32(h[0x4C+4*i:])
		if s >= maxSect {
			break
		}
		fat = append(fat, s)
	}
	difat := binary.LittleEndian.Uint32(h[0x44:])
	buf := make([]byte, ssz)
	for n := 0; difat < maxSect && n < 4096; n++ {
		if _, err := r.ReadAt(buf, (int64(difat)+1)*ssz); err != nil {
			break
		}
		for i := range perFAT - 1 {
			s := binary.LittleEndian.Uint32(buf[4*i:])
			if s < maxSect {
				fat = append(fat, s)
			}
		}
		difat = binary.LittleEndian.Uint32(buf[ssz-4:])
	}
	next := func(s uint32) uint32 {
		i := int64(s) / perFAT
		if i >= int64(len(fat)) {
			return endOfChain
		}
		var b [4]byte
		if _, err := r.ReadAt(b[:], (int64(fat[i])+1)*ssz+(int64(s)%perFAT)*4); err != nil {
			return endOfChain
		}
		return binary.LittleEndian.Uint32(b[:])
	}
	type entry struct {
		name               string
		typ                byte
		left, right, child uint32
	}
	var dir []entry
	s := binary.LittleEndian.Uint32(h[0x30:])
	for n := 0; s < maxSect && n < 1024; n++ {
		if (int64(s)+1)*ssz+ssz > size {
			break
		}
		if _, err := r.ReadAt(buf, (int64(s)+1)*ssz); err != nil {
			break
		}
		for off := int64(0); off+128 <= ssz; off += 128 {
			e := buf[off : off+128]
			nl := int(binary.LittleEndian.Uint16(e[64:]))
			var name []uint16
			if nl >= 2 && nl <= 64 {
				for i := 0; i < nl-2; i += 2 {
					name = append(name, binary.LittleEndian.Uint16(e[i:]))
				}
			}
			dir = append(dir, entry{
				name:  string(utf16.Decode(name)),
				typ:   e[66],
				left:  binary.LittleEndian.Uint32(e[68:]),
				right: binary.LittleEndian.Uint32(e[72:]),
				child: binary.LittleEndian.Uint32(e[76:]),
			})
		}
		s = next(s)
	}
	if len(dir) == 0 || dir[0].typ != 5 {
		return "", false
	}
	var names []string
	seen := map[uint32]bool{}
	stack := []uint32{dir[0].child}
	for len(stack) > 0 && len(seen) < 100000 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if id >= uint32(len(dir)) || seen[id] {
			continue
		}
		seen[id] = true
		names = append(names, dir[id].name)
		stack = append(stack, dir[id].left, dir[id].right)
	}
	if len(names) == 0 {
		return "", false
	}
	if oleEncrypted(names) {
		// an encrypted OOXML package: its extension says which
		if m, ok := encryptedByExt[ext]; ok {
			return m, true
		}
		return MIMEOLE, true
	}
	has := func(f func(string) bool) bool { return slices.ContainsFunc(names, f) }
	eq := func(want ...string) func(string) bool {
		return func(n string) bool { return slices.Contains(want, n) }
	}
	switch {
	case has(func(n string) bool {
		return strings.HasPrefix(n, "__substg1.0_") || n == "__properties_version1.0"
	}):
		return MIMEMSG, true
	case has(eq("WordDocument")):
		return MIMEDOC, true
	case has(eq("PowerPoint Document")):
		return MIMEPPT, true
	case has(eq("Workbook", "Book", "WORKBOOK", "BOOK")):
		return MIMEXLS, true
	case has(eq("CONTENTS")) && (has(eq("SPELLING")) || has(eq("MatOST")) || ext == "wps"):
		return MIMEWorks, true // Microsoft Works word processor
	}
	return MIMEOLE, true
}

// ---- text ----

// textView returns head as UTF-8-compatible bytes for classification:
// without a BOM, UTF-16 decoded, 8-bit text as it is (its ASCII
// structure is what matters). ok is false for binary data.
func textView(head []byte) (b []byte, ok bool) {
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		head = head[3:]
	case bytes.HasPrefix(head, []byte("\xFF\xFE")) && !bytes.HasPrefix(head, []byte("\xFF\xFE\x00\x00")):
		return decodeUTF16(head[2:], binary.LittleEndian)
	case bytes.HasPrefix(head, []byte("\xFE\xFF")):
		return decodeUTF16(head[2:], binary.BigEndian)
	default:
		if order := utf16Guess(head); order != nil {
			return decodeUTF16(head, order)
		}
	}
	if len(head) == 0 {
		return head, true
	}
	bad, nul := 0, 0
	for _, c := range head {
		switch {
		case c == 0:
			nul++
			bad++
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' && c != 0x1B:
			bad++
		case c == 0x7F:
			bad++
		}
	}
	if nul*1000 > len(head) || bad*100 > len(head) {
		return nil, false
	}
	return head, true
}

// controlRatio is the share of bytes in b that plain text does not hold.
func controlRatio(b []byte) float64 {
	bad := 0
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' || c == 0x7F {
			bad++
		}
	}
	return float64(bad) / float64(max(len(b), 1))
}

// utf16Guess recognises UTF-16 without a BOM by its zero bytes: mostly
// ASCII text has a zero in every other byte.
func utf16Guess(b []byte) binary.ByteOrder {
	n := min(len(b), 512) &^ 1
	if n < 16 {
		return nil
	}
	even, odd := 0, 0
	for i := 0; i < n; i += 2 {
		if b[i] == 0 {
			even++
		}
		if b[i+1] == 0 {
			odd++
		}
	}
	half := n / 2
	switch {
	case odd*10 >= half*7 && even*20 < half:
		return binary.LittleEndian
	case even*10 >= half*7 && odd*20 < half:
		return binary.BigEndian
	}
	return nil
}

func decodeUTF16(b []byte, order binary.ByteOrder) ([]byte, bool) {
	u := make([]uint16, len(b)/2)
	for i := range u {
		u[i] = order.Uint16(b[2*i:])
	}
	s := []byte(string(utf16.Decode(u)))
	bad := 0
	for _, c := range s {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
			bad++
		}
	}
	return s, bad*100 <= len(s)
}

func sniffText(head []byte, ext string) string {
	s, ok := textView(head)
	if !ok {
		// Damaged markup (stray binary inside) is still markup.
		t := bytes.TrimLeft(bytes.TrimPrefix(head, bomUTF8), " \t\r\n")
		if len(t) > 0 && t[0] == '<' && controlRatio(head) <= 0.1 {
			if m := sniffMarkup(t[:min(len(t), SniffLen)], ext); m != "" {
				return m
			}
		}
		return MIMEOctet
	}
	if len(s) > SniffLen {
		s = s[:SniffLen]
	}
	t := bytes.TrimLeft(s, " \t\r\n\f\v")
	if len(t) == 0 {
		if len(s) == 0 {
			return MIMEOctet
		}
		return MIMEText
	}
	if bytes.HasPrefix(t, []byte(`{\rtf`)) {
		return MIMERTF
	}
	if t[0] == '<' {
		if m := sniffMarkup(t, ext); m != "" {
			return m
		}
	}
	if m := sniffMail(s, ext); m != "" {
		return m
	}
	if (t[0] == '{' || t[0] == '[') && looksJSON(t) {
		return MIMEJSON
	}
	switch CSVDelimiter(s) {
	case ',', ';', '|':
		return MIMECSV
	case '\t':
		return MIMETSV
	}
	if hasHTMLMarker(t[:min(len(t), 1024)]) {
		return MIMEHTML
	}
	switch ext {
	case "csv":
		return MIMECSV
	case "tsv", "tab":
		return MIMETSV
	case "json", "geojson", "jsonl", "ndjson":
		if t[0] == '{' || t[0] == '[' {
			return MIMEJSON
		}
	case "html", "htm", "xhtml", "shtml":
		if bytes.IndexByte(t, '<') >= 0 {
			return MIMEHTML
		}
	case "eml":
		if headerName(firstLine(t)) != "" {
			return MIMEEmail
		}
	case "mbox", "mbx":
		if bytes.HasPrefix(t, []byte("From ")) {
			return MIMEMbox
		}
	}
	return MIMEText
}

// htmlTags are element names that start an HTML document or fragment.
var htmlTags = map[string]bool{
	"html": true, "head": true, "body": true, "script": true, "style": true, "title": true,
	"meta": true, "link": true, "base": true, "div": true, "p": true, "table": true, "h1": true,
	"h2": true, "h3": true, "h4": true, "h5": true, "h6": true, "a": true, "b": true, "i": true,
	"u": true, "br": true, "hr": true, "font": true, "iframe": true, "span": true, "center": true,
	"form": true, "img": true, "ul": true, "ol": true, "li": true, "pre": true, "tr": true,
	"td": true, "nav": true, "header": true, "footer": true, "section": true, "article": true,
	"main": true, "noscript": true, "frameset": true, "strong": true, "em": true, "blockquote": true,
}

// sniffMarkup classifies text starting with '<': HTML, XML or "" (not
// markup after all).
func sniffMarkup(t []byte, ext string) string {
	xmlDecl := false
	comment := false
	for range 64 {
		t = bytes.TrimLeft(t, " \t\r\n\f")
		switch {
		case len(t) == 0:
			return markupByDefault(xmlDecl, comment, ext)
		case hasPrefixFold(t, "<?xml"):
			xmlDecl = true
			if t = skipPast(t, "?>"); t == nil {
				return MIMEXML
			}
		case bytes.HasPrefix(t, []byte("<?")):
			if t = skipPast(t, "?>"); t == nil {
				return markupByDefault(xmlDecl, comment, ext)
			}
		case bytes.HasPrefix(t, []byte("<!--")):
			comment = true
			if t = skipPast(t[4:], "-->"); t == nil {
				return markupByDefault(xmlDecl, comment, ext)
			}
		case hasPrefixFold(t, "<!doctype"):
			root := bytes.TrimLeft(t[9:], " \t\r\n")
			if hasPrefixFold(root, "html") && (len(root) == 4 || !isNameByte(root[4])) {
				return MIMEHTML
			}
			return MIMEXML
		case t[0] == '<' && len(t) > 1 && isNameStart(t[1]):
			i := 1
			for i < len(t) && isNameByte(t[i]) {
				i++
			}
			tag := strings.ToLower(string(t[1:i]))
			if tag == "html" || (!xmlDecl && htmlTags[tag]) {
				return MIMEHTML
			}
			return MIMEXML
		default:
			if xmlDecl || comment {
				return markupByDefault(xmlDecl, comment, ext)
			}
			return ""
		}
	}
	return markupByDefault(xmlDecl, comment, ext)
}

func markupByDefault(xmlDecl, comment bool, ext string) string {
	switch {
	case xmlDecl:
		return MIMEXML
	case ext == "html" || ext == "htm" || ext == "xhtml":
		return MIMEHTML
	case ext == "xml":
		return MIMEXML
	case comment:
		return MIMEHTML
	}
	return ""
}

func hasHTMLMarker(b []byte) bool {
	l := bytes.ToLower(b)
	return bytes.Contains(l, []byte("<html")) || bytes.Contains(l, []byte("<!doctype html"))
}

func hasPrefixFold(b []byte, p string) bool {
	return len(b) >= len(p) && strings.EqualFold(string(b[:len(p)]), p)
}

// skipPast returns b after the first sep, or nil if sep is absent.
func skipPast(b []byte, sep string) []byte {
	i := bytes.Index(b, []byte(sep))
	if i < 0 {
		return nil
	}
	return b[i+len(sep):]
}

func isNameStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c >= 0x80
}

func isNameByte(c byte) bool {
	return isNameStart(c) || c >= '0' && c <= '9' || c == '-' || c == '.' || c == ':'
}

// looksJSON reports whether t parses as JSON up to its end (which may cut
// a value short).
func looksJSON(t []byte) bool {
	d := json.NewDecoder(bytes.NewReader(t))
	n := 0
	for n < 10000 {
		_, err := d.Token()
		switch {
		case err == nil:
			n++
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return n >= 2
		default:
			return false
		}
	}
	return true
}

// ---- mail ----

// mailHeaders are the header fields that mark a message (RFC 5322 and
// common transport fields).
var mailHeaders = map[string]bool{
	"from": true, "to": true, "cc": true, "bcc": true, "subject": true, "date": true,
	"message-id": true, "received": true, "return-path": true, "mime-version": true,
	"delivered-to": true, "reply-to": true, "sender": true, "in-reply-to": true,
	"references": true, "x-mailer": true, "dkim-signature": true, "thread-topic": true,
	"newsgroups": true, "x-originating-ip": true, "authentication-results": true,
}

// sniffMail recognises a message (optionally after one mbox "From "
// envelope line) and a mailbox; "" otherwise.
func sniffMail(s []byte, ext string) string {
	lines := bytes.SplitAfter(s, []byte("\n"))
	i := 0
	envelope := isEnvelope(lines[0])
	if envelope {
		i = 1
	} else if ext == "emlx" && isDigits(bytes.TrimSpace(lines[0])) {
		i = 1 // Apple Mail: the message's byte count comes first
	}
	known, fields := 0, 0
	for ; i < len(lines) && i < 500; i++ {
		l := bytes.TrimRight(lines[i], "\r\n")
		if len(l) == 0 {
			break
		}
		if l[0] == ' ' || l[0] == '\t' {
			if fields == 0 {
				return ""
			}
			continue
		}
		name := headerName(l)
		if name == "" {
			break
		}
		fields++
		if mailHeaders[name] {
			known++
		}
	}
	switch {
	case envelope && fields > 0 && (ext == "mbox" || ext == "mbx" || secondMessage(s)):
		return MIMEMbox
	case known >= 2:
		return MIMEEmail
	}
	return ""
}

// isEnvelope recognises an mbox "From " separator line: "From " and a
// sender, usually followed by a date.
func isEnvelope(l []byte) bool {
	if !bytes.HasPrefix(l, []byte("From ")) {
		return false
	}
	f := bytes.Fields(l[5:])
	return len(f) >= 1 && !bytes.HasSuffix(f[0], []byte(":"))
}

// secondMessage reports whether s holds another envelope line, after an
// empty line and followed by a header field.
func secondMessage(s []byte) bool {
	for off := 0; ; {
		i := bytes.Index(s[off:], []byte("\nFrom "))
		if i < 0 {
			return false
		}
		at := off + i + 1
		off = at
		if at < 2 || (s[at-2] != '\n' && !(s[at-2] == '\r' && at >= 3 && s[at-3] == '\n')) {
			continue
		}
		line, rest, ok := bytes.Cut(s[at:], []byte("\n"))
		if !ok || !isEnvelope(line) {
			continue
		}
		if headerName(firstLine(rest)) != "" {
			return true
		}
	}
}

// moreMessages reads on (up to 1 MiB) for a second message of a mailbox
// whose first message fills the sniffed head.
func moreMessages(r io.ReaderAt) bool {
	buf := make([]byte, 1<<20)
	n, _ := r.ReadAt(buf, 0)
	return secondMessage(buf[:n])
}

// headerName returns the lower-case field name of a header line
// ("subject" for "Subject: hi"), or "" if l is not one.
func headerName(l []byte) string {
	i := bytes.IndexByte(l, ':')
	if i <= 0 || i > 76 {
		return ""
	}
	for _, c := range l[:i] {
		if c <= ' ' || c > '~' {
			return ""
		}
	}
	return strings.ToLower(string(l[:i]))
}

func firstLine(b []byte) []byte {
	l, _, _ := bytes.Cut(b, []byte("\n"))
	return bytes.TrimRight(l, "\r")
}

func isDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// ---- CSV ----

// CSVDelimiter returns the field delimiter of delimited text (',', '\t',
// ';' or '|'), judged by consistent field counts over the first records
// of head, or 0 when head does not look delimited.
func CSVDelimiter(head []byte) rune {
	head = bytes.TrimPrefix(head, bomUTF8)
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	// Drop a last line cut short by the end of head.
	if i := bytes.LastIndexByte(head, '\n'); i >= 0 && i < len(head)-1 && bytes.Count(head, []byte("\n")) >= 2 {
		head = head[:i+1]
	}
	var best rune
	bestScore := 0
	for _, d := range []rune{',', '\t', ';', '|'} {
		if bytes.IndexRune(head, d) < 0 {
			continue
		}
		if score := delimScore(head, d); score > bestScore {
			best, bestScore = d, score
		}
	}
	return best
}

// delimScore is 0 unless d splits head into at least two records of a
// consistent width of two fields or more; then it grows with width and
// records.
func delimScore(head []byte, d rune) int {
	r := csv.NewReader(bytes.NewReader(head))
	r.Comma = d
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	counts := map[int]int{}
	records, emptyFirst, spaced := 0, 0, 0
	for records < 50 {
		rec, err := r.Read()
		if err != nil {
			break
		}
		records++
		counts[len(rec)]++
		if len(rec) > 1 && rec[0] == "" {
			emptyFirst++
		}
		for _, f := range rec[1:] {
			if strings.HasPrefix(f, " ") {
				spaced++
			}
		}
	}
	if records < 2 {
		return 0
	}
	width, n := 0, 0
	for w, c := range counts {
		if c > n || c == n && w > width {
			width, n = w, c
		}
	}
	if width < 2 || n*10 < records*9 {
		return 0
	}
	// Prose: commas followed by a space; indented code: tabs first.
	if (d == ',' || d == ';') && spaced*2 > records*(width-1) {
		return 0
	}
	if d == '\t' && emptyFirst*2 > records {
		return 0
	}
	return n * width
}

// ---- extension check ----

var (
	textFamily = []string{MIMEText, MIMECSV, MIMETSV, MIMEJSON, MIMEXML, MIMEHTML}
	zipFamily  = []string{MIMEZip, MIMEDOCX, MIMEXLSX, MIMEPPTX, MIMEODT, MIMEODS, MIMEODP}
)

// extFamily lists, per extension, the sniffed types the extension fairly
// names. Extensions not listed never lie.
var extFamily = map[string][]string{}

func init() {
	add := func(mimes []string, exts ...string) {
		for _, e := range exts {
			extFamily[e] = mimes
		}
	}
	add(textFamily, "txt", "text", "log")
	add([]string{MIMECSV, MIMETSV, MIMEText}, "csv", "tsv", "tab")
	add([]string{MIMEJSON, MIMEText}, "json", "geojson", "jsonl", "ndjson")
	add([]string{MIMEXML, MIMEText, MIMEHTML}, "xml", "xsd", "xsl", "xslt", "rss", "atom", "kml", "gpx", "rdf", "svg", "plist")
	add([]string{MIMEHTML, MIMEXML, MIMEText}, "html", "htm", "xhtml", "shtml")
	add([]string{MIMEEmail, MIMEMbox}, "eml", "mbox", "mbx", "emlx")
	add([]string{MIMEEmail, MIMEHTML}, "mht", "mhtml")
	add([]string{MIMEMSG, MIMEOLE}, "msg")
	add([]string{MIMEPST}, "pst", "ost")
	add([]string{MIMEPDF}, "pdf")
	add([]string{MIMERTF}, "rtf")
	add([]string{MIMEDOC, MIMEOLE, MIMERTF}, "doc", "dot")
	add([]string{MIMEXLS, MIMEOLE}, "xls", "xlt", "xla")
	add([]string{MIMEPPT, MIMEOLE}, "ppt", "pps", "pot")
	for e, m := range zipByExt {
		add([]string{m}, e)
	}
	add(zipFamily, "zip", "jar", "war", "ear", "apk", "epub", "xpi", "kmz", "odg", "odb", "odf",
		"otg", "vsdx", "xps", "oxps", "sxw", "sxc", "sxi", "pages", "numbers", "key", "ipa", "nupkg", "whl", "cbz")
	add([]string{MIMESevenZip}, "7z")
	add([]string{MIMERar}, "rar", "cbr")
	add([]string{MIMEGzip}, "gz", "tgz", "gzip")
	add([]string{MIMEBzip2}, "bz2", "tbz", "tbz2")
	add([]string{MIMEXz}, "xz", "txz")
	add([]string{MIMETar}, "tar")
	add([]string{MIMEJPEG}, "jpg", "jpeg", "jpe", "jfif")
	add([]string{MIMEPNG}, "png")
	add([]string{MIMEGIF}, "gif")
	add([]string{MIMETIFF}, "tif", "tiff", "dng", "cr2", "nef", "arw")
	add([]string{MIMEBMP}, "bmp", "dib")
	add([]string{MIMEWebP}, "webp")
	add([]string{MIMEMP3}, "mp3")
	add([]string{MIMEWAV}, "wav")
	add([]string{MIMEFLAC}, "flac")
	add([]string{MIMEOgg}, "ogg", "oga", "ogv", "opus")
	add([]string{MIMEMP4}, "mp4", "m4a", "m4v", "m4b", "mov", "3gp", "3g2")
	add([]string{MIMEWebM}, "webm", "mkv", "mka")
	add([]string{MIMEAVI}, "avi")
}

// ExtLies reports whether the extension of name names another format than
// the sniffed type t: a PDF named .doc, a DOCX named .pdf, an XLSX named
// .xls, a JPEG named .png, a message named .txt. Harmless mismatches are
// not lies: CSV or XML in a .txt, an .htm holding XHTML, a mailbox named
// .eml, a DOCX named .zip. A name without an extension, an extension this
// package does not know, and content it could not identify never lie.
func ExtLies(t Type, name string) bool {
	fam, ok := extFamily[Ext(name)]
	if !ok || t.MIME == "" || t.MIME == MIMEOctet {
		return false
	}
	return !slices.Contains(fam, t.MIME)
}
