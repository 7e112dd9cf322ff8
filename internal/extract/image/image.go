package image

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	_ "image/gif" // dimensions
	_ "image/jpeg"
	_ "image/png"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/ocr"
)

// Config says how images are read. The zero value reads metadata only.
type Config struct {
	// OCR, when set, reads the text in the image too.
	OCR *ocr.Engine
}

// Extractor handles JPEG, PNG, GIF, TIFF, BMP and WebP images.
type Extractor struct {
	cfg Config
}

var _ extract.Extractor = (*Extractor)(nil)

// New returns the image extractor; New() (or a zero Config) reads
// metadata only. At most one Config is used.
func New(cfg ...Config) *Extractor {
	e := &Extractor{}
	if len(cfg) > 0 {
		e.cfg = cfg[0]
	}
	return e
}

func (*Extractor) Name() string { return "image" }
func (*Extractor) MIMEs() []string {
	return []string{extract.MIMEJPEG, extract.MIMEPNG, extract.MIMEGIF, extract.MIMETIFF, extract.MIMEBMP, extract.MIMEWebP}
}

// maxMeta bounds how much of a file is read for metadata.
const maxMeta = 16 << 20

// minOCRSide is the smallest width and height worth reading by OCR:
// smaller images (icons, spacers, tracking pixels) hold no text.
const minOCRSide = 8

// Extract writes the image's metadata (EXIF, PNG text chunks, dimensions)
// and, with OCR configured, the text read in it after a blank line; then
// Meta.Extra["ocr"] names the engine ("tesseract 5.3.0 eng+deu").
//
// An OCR failure (tool missing, timeout, image tesseract rejects) is
// returned after the metadata has been written, wrapping the sentinel
// that says why: the ingest keeps the metadata and records the failure,
// and a later OCR pass (Ingester.Reextract) finds the image by it.
func (e *Extractor) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	f, err := os.Open(in.Path)
	if err != nil {
		return fmt.Errorf("image open: %w", err)
	}
	defer f.Close()
	head, err := io.ReadAll(io.LimitReader(f, maxMeta))
	if err != nil {
		return fmt.Errorf("image read: %w", err)
	}
	m := s.Meta()
	w, h := dimensions(head)
	if w > 0 && h > 0 {
		setExtra(m, "width", strconv.Itoa(w))
		setExtra(m, "height", strconv.Itoa(h))
	}
	var tags *Tags
	var texts []string
	switch in.Type.MIME {
	case extract.MIMEJPEG:
		tags = ParseJPEG(head)
	case extract.MIMETIFF:
		tags = ParseTIFF(head)
	case extract.MIMEPNG:
		tags, texts = parsePNG(head)
	case extract.MIMEWebP:
		tags = parseWebP(head)
	}
	var b strings.Builder
	if tags != nil {
		tags.apply(m)
		for _, kv := range tags.Lines() {
			b.WriteString(kv)
			b.WriteByte('\n')
		}
	}
	if x := ParseXMP(findXMP(head)); x != nil {
		x.apply(m)
		for _, kv := range x.Lines() {
			b.WriteString(kv)
			b.WriteByte('\n')
		}
	}
	for _, t := range texts {
		b.WriteString(t)
		b.WriteByte('\n')
	}
	if _, err = io.WriteString(s, b.String()); err != nil {
		return err
	}
	if e.cfg.OCR == nil || (w > 0 && h > 0 && (w < minOCRSide || h < minOCRSide)) {
		return nil
	}
	pw := &prefixWriter{w: s}
	if b.Len() > 0 {
		pw.prefix = []byte("\n")
	}
	if _, err := e.cfg.OCR.Image(ctx, in.Path, pw); err != nil {
		return fmt.Errorf("image ocr: %w", err)
	}
	setExtra(m, "ocr", e.cfg.OCR.Describe())
	return nil
}

// prefixWriter writes prefix before the first bytes, if any come.
type prefixWriter struct {
	w      io.Writer
	prefix []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	if len(b) > 0 && len(p.prefix) > 0 {
		if _, err := p.w.Write(p.prefix); err != nil {
			return 0, err
		}
		p.prefix = nil
	}
	return p.w.Write(b)
}

// dimensions reads the width and height from an image's header: Go's
// decoders for JPEG, PNG and GIF, the headers of BMP and WebP here.
func dimensions(b []byte) (int, int) {
	if cfg, _, err := image.DecodeConfig(bytes.NewReader(b)); err == nil {
		return cfg.Width, cfg.Height
	}
	switch {
	case len(b) >= 26 && b[0] == 'B' && b[1] == 'M':
		// BITMAPCOREHEADER (12 bytes) has 16-bit sizes; the later ones 32-bit, height negative when top-down
		if binary.LittleEndian.Uint32(b[14:]) == 12 {
			return int(binary.LittleEndian.Uint16(b[18:])), int(binary.LittleEndian.Uint16(b[20:]))
		}
		w, h := int32(binary.LittleEndian.Uint32(b[18:])), int32(binary.LittleEndian.Uint32(b[22:]))
		if h < 0 && h != -1<<31 {
			h = -h
		}
		return int(max(w, 0)), int(max(h, 0))
	case len(b) >= 30 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		c := b[12:]
		switch string(c[:4]) {
		case "VP8 ": // lossy: frame tag (3), start code (3), then 14-bit sizes
			if len(c) >= 8+10 {
				return int(binary.LittleEndian.Uint16(c[14:]) & 0x3fff), int(binary.LittleEndian.Uint16(c[16:]) & 0x3fff)
			}
		case "VP8L": // lossless: signature byte, then 14-bit sizes minus one
			if len(c) >= 8+5 {
				v := binary.LittleEndian.Uint32(c[9:])
				return int(v&0x3fff) + 1, int(v>>14&0x3fff) + 1
			}
		case "VP8X": // extended: flags (4), then 24-bit canvas sizes minus one
			if len(c) >= 8+10 {
				u24 := func(p []byte) int { return int(p[0]) | int(p[1])<<8 | int(p[2])<<16 }
				return u24(c[12:]) + 1, u24(c[15:]) + 1
			}
		}
	}
	return 0, 0
}

// parseWebP finds the EXIF chunk of an extended WebP file and parses it.
func parseWebP(b []byte) *Tags {
	if len(b) < 12 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WEBP" {
		return nil
	}
	for i := 12; i+8 <= len(b); {
		n := int(binary.LittleEndian.Uint32(b[i+4:]))
		if n < 0 || i+8+n > len(b) || i+8+n < i {
			return nil
		}
		if string(b[i:i+4]) == "EXIF" {
			data := b[i+8 : i+8+n]
			return ParseTIFF(bytes.TrimPrefix(data, []byte("Exif\x00\x00")))
		}
		i += 8 + n + n%2
	}
	return nil
}

func setExtra(m *archive.Meta, k, v string) {
	if v == "" {
		return
	}
	if m.Extra == nil {
		m.Extra = map[string]string{}
	}
	m.Extra[k] = v
}

// Tags are the EXIF fields trove keeps.
type Tags struct {
	Description, Make, Model, Software, Artist, Copyright, UserComment string
	DateTime, DateTimeOriginal                                         string
	Lat, Lon                                                           float64
	HasGPS                                                             bool
}

// Lines renders the tags as searchable "Name: value" lines.
func (t *Tags) Lines() []string {
	var out []string
	add := func(k, v string) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, k+": "+v)
		}
	}
	add("Description", t.Description)
	add("User comment", t.UserComment)
	add("Camera", strings.TrimSpace(t.Make+" "+t.Model))
	add("Software", t.Software)
	add("Artist", t.Artist)
	add("Copyright", t.Copyright)
	add("Taken", t.DateTimeOriginal)
	if t.HasGPS {
		add("GPS", fmt.Sprintf("%.6f, %.6f", t.Lat, t.Lon))
	}
	return out
}

func (t *Tags) apply(m *archive.Meta) {
	if m.Title == "" {
		m.Title = strings.TrimSpace(t.Description)
	}
	if m.Author == "" {
		m.Author = strings.TrimSpace(t.Artist)
	}
	if m.Creator == "" {
		m.Creator = strings.TrimSpace(t.Software)
	}
	if ts, ok := exifTime(t.DateTimeOriginal); ok {
		m.Created = ts
	}
	if ts, ok := exifTime(t.DateTime); ok {
		m.Modified = ts
	}
	setExtra(m, "camera_make", strings.TrimSpace(t.Make))
	setExtra(m, "camera_model", strings.TrimSpace(t.Model))
	if t.HasGPS {
		setExtra(m, "gps_lat", strconv.FormatFloat(t.Lat, 'f', 6, 64))
		setExtra(m, "gps_lon", strconv.FormatFloat(t.Lon, 'f', 6, 64))
	}
}

func exifTime(s string) (time.Time, bool) {
	t, err := time.Parse("2006:01:02 15:04:05", strings.TrimSpace(strings.TrimRight(s, "\x00")))
	if err != nil || t.Year() < 1900 {
		return time.Time{}, false
	}
	return t, true
}

// ParseJPEG finds the EXIF APP1 segment of a JPEG and parses it; nil when
// there is none or it is unreadable.
func ParseJPEG(b []byte) *Tags {
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 {
		return nil
	}
	i := 2
	for i+4 <= len(b) {
		if b[i] != 0xFF {
			return nil
		}
		marker := b[i+1]
		if marker == 0xD9 || marker == 0xDA { // end of image, start of scan
			return nil
		}
		if marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7) || marker == 0xFF {
			i += 2
			if marker == 0xFF {
				i--
			}
			continue
		}
		n := int(binary.BigEndian.Uint16(b[i+2:]))
		if n < 2 || i+2+n > len(b) {
			return nil
		}
		seg := b[i+4 : i+2+n]
		if marker == 0xE1 && bytes.HasPrefix(seg, []byte("Exif\x00\x00")) {
			return ParseTIFF(seg[6:])
		}
		i += 2 + n
	}
	return nil
}

// EXIF tags (TIFF/EP, EXIF 2.3).
const (
	tagDescription      = 0x010E
	tagMake             = 0x010F
	tagModel            = 0x0110
	tagSoftware         = 0x0131
	tagDateTime         = 0x0132
	tagArtist           = 0x013B
	tagCopyright        = 0x8298
	tagExifIFD          = 0x8769
	tagGPSIFD           = 0x8825
	tagDateTimeOriginal = 0x9003
	tagUserComment      = 0x9286
	gpsLatRef           = 1
	gpsLat              = 2
	gpsLonRef           = 3
	gpsLon              = 4
)

type tiff struct {
	b    []byte
	bo   binary.ByteOrder
	seen map[uint32]bool
}

// ParseTIFF parses a TIFF header and its IFD0, EXIF and GPS IFDs.
func ParseTIFF(b []byte) *Tags {
	if len(b) < 8 {
		return nil
	}
	t := &tiff{b: b, seen: map[uint32]bool{}}
	switch string(b[:2]) {
	case "II":
		t.bo = binary.LittleEndian
	case "MM":
		t.bo = binary.BigEndian
	default:
		return nil
	}
	if t.bo.Uint16(b[2:]) != 42 {
		return nil
	}
	tags := &Tags{}
	var gps struct {
		latRef, lonRef string
		lat, lon       []float64
	}
	var walk func(off uint32, kind int)
	walk = func(off uint32, kind int) {
		if t.seen[off] || int(off)+2 > len(b) || len(t.seen) > 16 {
			return
		}
		t.seen[off] = true
		n := int(t.bo.Uint16(b[off:]))
		for e := 0; e < n && e < 1000; e++ {
			p := int(off) + 2 + e*12
			if p+12 > len(b) {
				return
			}
			tag, typ, count := t.bo.Uint16(b[p:]), t.bo.Uint16(b[p+2:]), t.bo.Uint32(b[p+4:])
			val := t.value(p+8, typ, count)
			switch {
			case kind == 2:
				switch tag {
				case gpsLatRef:
					gps.latRef = ascii(val)
				case gpsLonRef:
					gps.lonRef = ascii(val)
				case gpsLat:
					gps.lat = t.rationals(p+8, typ, count)
				case gpsLon:
					gps.lon = t.rationals(p+8, typ, count)
				}
			case tag == tagExifIFD:
				walk(t.bo.Uint32(b[p+8:]), 1)
			case tag == tagGPSIFD:
				walk(t.bo.Uint32(b[p+8:]), 2)
			case tag == tagDescription:
				tags.Description = ascii(val)
			case tag == tagMake:
				tags.Make = ascii(val)
			case tag == tagModel:
				tags.Model = ascii(val)
			case tag == tagSoftware:
				tags.Software = ascii(val)
			case tag == tagDateTime:
				tags.DateTime = ascii(val)
			case tag == tagArtist:
				tags.Artist = ascii(val)
			case tag == tagCopyright:
				tags.Copyright = ascii(val)
			case tag == tagDateTimeOriginal:
				tags.DateTimeOriginal = ascii(val)
			case tag == tagUserComment:
				tags.UserComment = userComment(val)
			}
		}
	}
	walk(t.bo.Uint32(b[4:]), 0)
	if len(gps.lat) == 3 && len(gps.lon) == 3 {
		tags.Lat = gps.lat[0] + gps.lat[1]/60 + gps.lat[2]/3600
		tags.Lon = gps.lon[0] + gps.lon[1]/60 + gps.lon[2]/3600
		if gps.latRef == "S" {
			tags.Lat = -tags.Lat
		}
		if gps.lonRef == "W" {
			tags.Lon = -tags.Lon
		}
		tags.HasGPS = tags.Lat >= -90 && tags.Lat <= 90 && tags.Lon >= -180 && tags.Lon <= 180
	}
	return tags
}

var typeSize = map[uint16]int{1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1, 9: 4, 10: 8}

// value returns the bytes of an entry's value, inline or at its offset.
func (t *tiff) value(p int, typ uint16, count uint32) []byte {
	sz, ok := typeSize[typ]
	if !ok || count > 1<<20 {
		return nil
	}
	n := sz * int(count)
	if n <= 4 {
		return t.b[p : p+n]
	}
	off := int(t.bo.Uint32(t.b[p:]))
	if off < 0 || off+n > len(t.b) || off+n < off {
		return nil
	}
	return t.b[off : off+n]
}

func (t *tiff) rationals(p int, typ uint16, count uint32) []float64 {
	if typ != 5 || count != 3 {
		return nil
	}
	v := t.value(p, typ, count)
	if len(v) != 24 {
		return nil
	}
	out := make([]float64, 3)
	for i := range out {
		num, den := t.bo.Uint32(v[i*8:]), t.bo.Uint32(v[i*8+4:])
		if den == 0 {
			return nil
		}
		out[i] = float64(num) / float64(den)
	}
	return out
}

// ascii decodes an EXIF ASCII value (often really UTF-8 or Latin-1).
func ascii(v []byte) string {
	v = bytes.TrimRight(v, "\x00 ")
	if i := bytes.IndexByte(v, 0); i >= 0 {
		v = v[:i]
	}
	if utf8.Valid(v) {
		return string(v)
	}
	r := make([]rune, len(v))
	for i, c := range v {
		r[i] = rune(c)
	}
	return string(r)
}

// userComment decodes EXIF UserComment: an 8-byte character code, then text.
func userComment(v []byte) string {
	if len(v) < 8 {
		return ""
	}
	code, text := string(v[:8]), v[8:]
	switch {
	case strings.HasPrefix(code, "UNICODE"):
		if len(text)%2 == 1 {
			text = text[:len(text)-1]
		}
		r := make([]rune, 0, len(text)/2)
		for i := 0; i+1 < len(text); i += 2 {
			r = append(r, rune(binary.BigEndian.Uint16(text[i:])))
		}
		return strings.TrimRight(string(r), "\x00 ")
	default:
		return ascii(text)
	}
}

// parsePNG reads an eXIf chunk and tEXt/iTXt text chunks.
func parsePNG(b []byte) (*Tags, []string) {
	const sig = "\x89PNG\r\n\x1a\n"
	if !bytes.HasPrefix(b, []byte(sig)) {
		return nil, nil
	}
	var tags *Tags
	var texts []string
	for i := len(sig); i+8 <= len(b); {
		n := int(binary.BigEndian.Uint32(b[i:]))
		typ := string(b[i+4 : i+8])
		if n < 0 || i+12+n > len(b) {
			break
		}
		data := b[i+8 : i+8+n]
		switch typ {
		case "eXIf":
			tags = ParseTIFF(data)
		case "tEXt":
			if k, v, ok := bytes.Cut(data, []byte{0}); ok {
				texts = append(texts, ascii(k)+": "+ascii(v))
			}
		case "iTXt":
			// keyword\0 compression-flag compression-method lang\0 translated\0 text
			parts := bytes.SplitN(data, []byte{0}, 2)
			if len(parts) == 2 && len(parts[1]) > 2 && parts[1][0] == 0 {
				rest := bytes.SplitN(parts[1][2:], []byte{0}, 3)
				if len(rest) == 3 && utf8.Valid(rest[2]) {
					texts = append(texts, ascii(parts[0])+": "+string(rest[2]))
				}
			}
		case "IEND":
			return tags, texts
		}
		i += 12 + n
	}
	return tags, texts
}
