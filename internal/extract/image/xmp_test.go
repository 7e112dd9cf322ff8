package image

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/corpus"
)

// A packet in the shape phones and Lightroom write: attributes on
// rdf:Description, and lists in rdf:Alt / rdf:Seq / rdf:Bag.
const samplePacket = `<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/" xmlns:exif="http://ns.adobe.com/exif/1.0/"
 xmp:CreatorTool="Adobe Lightroom 6.0" xmp:CreateDate="2019-03-05T14:22:10+01:00" photoshop:City="Rostock"
 exif:GPSLatitude="54,5.3N" exif:GPSLongitude="12,8.1E">
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">Harbour at night</rdf:li></rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>Jane Photographer</rdf:li></rdf:Seq></dc:creator>
<dc:subject><rdf:Bag><rdf:li>police</rdf:li><rdf:li>harbour</rdf:li></rdf:Bag></dc:subject>
<photoshop:Country>Germany</photoshop:Country>
</rdf:Description></rdf:RDF></x:xmpmeta>
<?xpacket end="w"?>`

func TestXMP(t *testing.T) {
	// Anywhere in a file: after a JPEG APP1 header here.
	file := append([]byte("\xFF\xD8\xFF\xE1\x10\x00http://ns.adobe.com/xap/1.0/\x00"), samplePacket...)
	x := ParseXMP(findXMP(file))
	if x == nil {
		t.Fatal("no XMP found")
	}
	if x.Title != "Harbour at night" || x.Creator != "Jane Photographer" || x.Keywords != "police; harbour" ||
		x.CreatorTool != "Adobe Lightroom 6.0" || x.City != "Rostock" || x.Country != "Germany" || x.GPSLat != "54,5.3N" {
		t.Errorf("parsed %+v", x)
	}
	if want := time.Date(2019, 3, 5, 13, 22, 10, 0, time.UTC); !x.CreateDate.Equal(want) {
		t.Errorf("CreateDate %v, want %v", x.CreateDate, want)
	}
	var m archive.Meta
	m.Author = "EXIF Artist" // EXIF wins where it has a value
	x.apply(&m)
	if m.Title != "Harbour at night" || m.Author != "EXIF Artist" || m.Extra["xmp_city"] != "Rostock" || m.Created.IsZero() {
		t.Errorf("meta %+v", m)
	}
	lines := strings.Join(x.Lines(), "\n")
	if !strings.Contains(lines, "Location: Rostock, Germany") || !strings.Contains(lines, "Keywords: police; harbour") {
		t.Errorf("lines %q", lines)
	}
	if ParseXMP(findXMP([]byte("no packet here"))) != nil {
		t.Error("found XMP in plain bytes")
	}
	// A truncated packet: no end tag, nothing found.
	if findXMP([]byte(samplePacket[:200])) != nil {
		t.Error("found a truncated packet")
	}
}

func FuzzXMP(f *testing.F) {
	f.Add([]byte(samplePacket))
	f.Add([]byte("<x:xmpmeta><rdf:RDF><rdf:Description a:title='x'/></rdf:RDF></x:xmpmeta>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		x := ParseXMP(findXMP(b))
		if x == nil {
			return
		}
		var m archive.Meta
		x.apply(&m)
		for _, l := range x.Lines() {
			if len(l) > 1<<20 {
				t.Fatalf("line of %d bytes", len(l))
			}
		}
	})
}

// TestXMPCorpus: Lightroom's keywords in a real photo (Tika's test file)
// become the item's keywords.
func TestXMPCorpus(t *testing.T) {
	b, err := os.ReadFile(corpus.File(t, "tika/images/testJPEG_EXIF.jpg"))
	if err != nil {
		t.Fatal(err)
	}
	x := ParseXMP(findXMP(b))
	if x == nil || x.Keywords != "canon-55-250; moscow-birds; serbor" || x.CreatorTool != "Adobe Photoshop Lightroom" {
		t.Errorf("parsed %+v", x)
	}
}
