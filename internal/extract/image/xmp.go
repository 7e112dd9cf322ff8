package image

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// maxXMP bounds the XMP packet read (Adobe's limit for a JPEG segment is
// 64 KB; extended XMP is not read).
const maxXMP = 1 << 20

// XMP is what trove reads of an XMP packet (Adobe's RDF/XML metadata that
// cameras, phones and editors embed in JPEG, PNG, TIFF, WebP and more).
type XMP struct {
	Title, Description, Creator, Rights, Keywords string
	CreateDate, ModifyDate                        time.Time
	CreatorTool, City, State, Country             string
	GPSLat, GPSLon                                string // as written, e.g. "48,51.4N"
}

// findXMP returns the XMP packet in b, if any: the bytes from <x:xmpmeta
// (or a bare <rdf:RDF) to its end tag.
func findXMP(b []byte) []byte {
	start := bytes.Index(b, []byte("<x:xmpmeta"))
	end := []byte("</x:xmpmeta>")
	if start < 0 {
		start = bytes.Index(b, []byte("<rdf:RDF"))
		end = []byte("</rdf:RDF>")
	}
	if start < 0 {
		return nil
	}
	n := bytes.Index(b[start:], end)
	if n < 0 || n > maxXMP {
		return nil
	}
	return b[start : start+n+len(end)]
}

// ParseXMP reads the properties trove uses from an XMP packet. Values may
// be attributes of rdf:Description or elements, plain or in rdf:Alt,
// rdf:Seq and rdf:Bag lists (items joined with "; "). Malformed XML ends
// the reading; what was read until then is kept.
func ParseXMP(packet []byte) *XMP {
	if len(packet) == 0 {
		return nil
	}
	x := &XMP{}
	set := func(local, v string) {
		v = strings.TrimSpace(v)
		if v == "" {
			return
		}
		add := func(p *string) {
			if *p == "" {
				*p = v
			} else if !strings.Contains(*p, v) && len(*p) < 4096 {
				*p += "; " + v
			}
		}
		switch local {
		case "title":
			add(&x.Title)
		case "description":
			add(&x.Description)
		case "creator":
			add(&x.Creator)
		case "rights":
			add(&x.Rights)
		case "subject":
			add(&x.Keywords)
		case "CreateDate", "DateCreated", "DateTimeOriginal":
			if t, ok := xmpTime(v); ok && x.CreateDate.IsZero() {
				x.CreateDate = t
			}
		case "ModifyDate":
			if t, ok := xmpTime(v); ok {
				x.ModifyDate = t
			}
		case "CreatorTool":
			add(&x.CreatorTool)
		case "City":
			add(&x.City)
		case "State":
			add(&x.State)
		case "Country":
			add(&x.Country)
		case "GPSLatitude":
			x.GPSLat = v
		case "GPSLongitude":
			x.GPSLon = v
		}
	}
	d := xml.NewDecoder(bytes.NewReader(packet))
	d.Strict = false
	var stack []string // local names of open elements that hold a value
	var text strings.Builder
	for depth := 0; depth < 100000; depth++ {
		tok, err := d.Token()
		if err == io.EOF || err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			for _, a := range t.Attr {
				set(a.Name.Local, a.Value)
			}
			name := t.Name.Local
			switch name {
			case "Alt", "Seq", "Bag", "li", "RDF", "Description", "xmpmeta":
				// containers: values belong to the property above
			default:
				stack = append(stack, name)
			}
			text.Reset()
			if len(stack) > 64 {
				return x
			}
		case xml.CharData:
			if text.Len() < 1<<16 {
				text.Write(t)
			}
		case xml.EndElement:
			if len(stack) > 0 {
				set(stack[len(stack)-1], text.String())
				if t.Name.Local == stack[len(stack)-1] {
					stack = stack[:len(stack)-1]
				}
			}
			text.Reset()
		}
	}
	return x
}

func xmpTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// apply fills the metadata fields EXIF left empty, and Extra["xmp_*"].
func (x *XMP) apply(m *archive.Meta) {
	if x == nil {
		return
	}
	if m.Title == "" {
		m.Title = x.Title
	}
	if m.Author == "" {
		m.Author = x.Creator
	}
	if m.Subject == "" {
		m.Subject = x.Description
	}
	if m.Keywords == "" {
		m.Keywords = x.Keywords
	}
	if m.Creator == "" {
		m.Creator = x.CreatorTool
	}
	if m.Created.IsZero() {
		m.Created = x.CreateDate
	}
	if m.Modified.IsZero() {
		m.Modified = x.ModifyDate
	}
	for k, v := range map[string]string{"xmp_rights": x.Rights, "xmp_city": x.City, "xmp_state": x.State,
		"xmp_country": x.Country, "xmp_gps_lat": x.GPSLat, "xmp_gps_lon": x.GPSLon} {
		if v != "" {
			setExtra(m, k, v)
		}
	}
}

// Lines is the searchable text of the packet.
func (x *XMP) Lines() []string {
	if x == nil {
		return nil
	}
	var out []string
	for _, kv := range [][2]string{{"Title", x.Title}, {"Description", x.Description}, {"Creator", x.Creator},
		{"Rights", x.Rights}, {"Keywords", x.Keywords}, {"Software", x.CreatorTool},
		{"Location", joinNonEmpty(", ", x.City, x.State, x.Country)}} {
		if kv[1] != "" {
			out = append(out, kv[0]+": "+kv[1])
		}
	}
	return out
}

func joinNonEmpty(sep string, parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, sep)
}
