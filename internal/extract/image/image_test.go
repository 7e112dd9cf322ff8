package image_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	goimage "image"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/image"
	"github.com/trove-archive/trove/internal/extract/ocr"
	"github.com/trove-archive/trove/internal/extract/ocr/ocrtest"
)

type sink struct {
	bytes.Buffer
	meta archive.Meta
}

func (s *sink) Meta() *archive.Meta                                       { return &s.meta }
func (s *sink) Expect(int)                                                {}
func (s *sink) Child(context.Context, extract.ChildInfo, io.Reader) error { return nil }
func (s *sink) ChildFailed(extract.ChildInfo, error)                      {}
func (s *sink) Passwords() []string                                       { return nil }

// exifTIFF builds a little-endian TIFF with IFD0 (description, make,
// model), an EXIF IFD (date taken) and a GPS IFD.
func exifTIFF(desc string, lat, lon [3]uint32, latRef, lonRef string) []byte {
	type entry struct {
		tag, typ uint16
		count    uint32
		data     []byte
	}
	var buf bytes.Buffer
	le := binary.LittleEndian
	asciiE := func(tag uint16, s string) entry { return entry{tag, 2, uint32(len(s) + 1), append([]byte(s), 0)} }
	rat := func(tag uint16, v [3]uint32) entry {
		b := make([]byte, 24)
		for i, x := range v {
			le.PutUint32(b[i*8:], x)
			le.PutUint32(b[i*8+4:], 1)
		}
		return entry{tag, 5, 3, b}
	}
	// Layout: header(8) IFD0 at 8, then EXIF IFD, GPS IFD, then data area.
	ifd0 := []entry{asciiE(0x010E, desc), asciiE(0x010F, "Canon"), asciiE(0x0110, "EOS 5D"), {0x8769, 4, 1, nil}, {0x8825, 4, 1, nil}}
	exif := []entry{asciiE(0x9003, "2017:10:01 13:02:09")}
	gps := []entry{asciiE(1, latRef), rat(2, lat), asciiE(3, lonRef), rat(4, lon)}
	size := func(es []entry) int { return 2 + 12*len(es) + 4 }
	off0 := 8
	offExif := off0 + size(ifd0)
	offGPS := offExif + size(exif)
	data := offGPS + size(gps)
	ifd0[3].data = le.AppendUint32(nil, uint32(offExif))
	ifd0[4].data = le.AppendUint32(nil, uint32(offGPS))
	var area bytes.Buffer
	write := func(es []entry) {
		binary.Write(&buf, le, uint16(len(es)))
		for _, e := range es {
			binary.Write(&buf, le, e.tag)
			binary.Write(&buf, le, e.typ)
			binary.Write(&buf, le, e.count)
			if len(e.data) <= 4 {
				v := make([]byte, 4)
				copy(v, e.data)
				buf.Write(v)
			} else {
				binary.Write(&buf, le, uint32(data+area.Len()))
				area.Write(e.data)
			}
		}
		buf.Write([]byte{0, 0, 0, 0})
	}
	buf.WriteString("II")
	binary.Write(&buf, le, uint16(42))
	binary.Write(&buf, le, uint32(off0))
	write(ifd0)
	write(exif)
	write(gps)
	buf.Write(area.Bytes())
	return buf.Bytes()
}

func jpegWithExif(t *testing.T, tiff []byte) []byte {
	t.Helper()
	var j bytes.Buffer
	if err := jpeg.Encode(&j, goimage.NewGray(goimage.Rect(0, 0, 8, 6)), nil); err != nil {
		t.Fatal(err)
	}
	b := j.Bytes()
	seg := append([]byte("Exif\x00\x00"), tiff...)
	app1 := []byte{0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	out := append([]byte{}, b[:2]...)
	out = append(out, app1...)
	out = append(out, seg...)
	return append(out, b[2:]...)
}

func extractFile(t *testing.T, path, mime string) *sink {
	t.Helper()
	s := &sink{}
	if err := image.New().Extract(context.Background(), extract.Input{Name: filepath.Base(path), Path: path, Type: extract.Type{MIME: mime}}, s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestEXIF(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "photo.jpg")
	b := jpegWithExif(t, exifTIFF("operation frosted cobra 9758", [3]uint32{52, 31, 12}, [3]uint32{13, 24, 36}, "N", "W"))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	s := extractFile(t, p, extract.MIMEJPEG)
	for _, want := range []string{"Description: operation frosted cobra 9758", "Camera: Canon EOS 5D", "Taken: 2017:10:01 13:02:09", "GPS: 52.520000, -13.410000"} {
		if !strings.Contains(s.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, s.String())
		}
	}
	if s.meta.Created.Year() != 2017 || s.meta.Extra["width"] != "8" || s.meta.Extra["gps_lon"] != "-13.410000" {
		t.Errorf("meta = %+v", s.meta)
	}
}

func TestCorpusGPS(t *testing.T) {
	p := corpus.File(t, "tika/images/testJPEG_GEO.jpg")
	s := extractFile(t, p, extract.MIMEJPEG)
	// Tika asserts latitude 12.54321 and longitude -54.1234.
	if s.meta.Extra["gps_lat"] != "12.543210" || s.meta.Extra["gps_lon"] != "-54.123400" {
		t.Errorf("GPS = %s, %s; want 12.543210, -54.123400", s.meta.Extra["gps_lat"], s.meta.Extra["gps_lon"])
	}
	if s.meta.Extra["width"] != "3888" && s.meta.Extra["width"] != "" {
		t.Logf("width %s", s.meta.Extra["width"])
	}
}

func FuzzEXIF(f *testing.F) {
	f.Add(exifTIFF("x", [3]uint32{1, 2, 3}, [3]uint32{4, 5, 6}, "S", "E"))
	if root := corpus.Root(); root != "" {
		for _, n := range []string{"testJPEG_GEO.jpg", "testJPEG_EXIF.jpg", "testTIFF.tif"} {
			if b, err := os.ReadFile(filepath.Join(root, "corpus", "tika", "images", n)); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		image.ParseTIFF(b)
		image.ParseJPEG(b)
	})
}

// photoWithText is a JPEG of rendered text carrying EXIF.
func photoWithText(t *testing.T, lines ...string) string {
	t.Helper()
	ocrtest.NeedTools(t, "tesseract", "pdftoppm")
	b := ocrtest.JPEG(ocrtest.Render(t, 150, lines...))
	seg := append([]byte("Exif\x00\x00"), exifTIFF("operation frosted cobra 9758", [3]uint32{52, 31, 12}, [3]uint32{13, 24, 36}, "N", "W")...)
	app1 := []byte{0xFF, 0xE1, byte((len(seg) + 2) >> 8), byte(len(seg) + 2)}
	out := append(append(append([]byte{}, b[:2]...), app1...), seg...)
	p := filepath.Join(t.TempDir(), "scan.jpg")
	if err := os.WriteFile(p, append(out, b[2:]...), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func extractOCR(t *testing.T, eng *ocr.Engine, path, mime string) (*sink, error) {
	t.Helper()
	s := &sink{}
	err := image.New(image.Config{OCR: eng}).Extract(context.Background(), extract.Input{Name: filepath.Base(path), Path: path, Type: extract.Type{MIME: mime}}, s)
	return s, err
}

func TestOCR(t *testing.T) {
	p := photoWithText(t, "Operation violet pinnacle 9993", "Quarterly archive report")
	s, err := extractOCR(t, ocr.New(ocr.Config{}), p, extract.MIMEJPEG)
	if err != nil {
		t.Fatal(err)
	}
	text := s.String()
	if !strings.HasPrefix(text, "Description: operation frosted cobra 9758\n") {
		t.Errorf("text does not start with the EXIF lines:\n%s", text)
	}
	if miss := ocrtest.Missing(text, "Operation violet pinnacle 9993", "Quarterly archive report"); len(miss) > 0 {
		t.Errorf("OCR text lacks %q:\n%s", miss, text)
	}
	if got := s.meta.Extra["ocr"]; !strings.HasPrefix(got, "tesseract ") || !strings.HasSuffix(got, " eng") {
		t.Errorf(`Extra["ocr"] = %q, want "tesseract <version> eng"`, got)
	}
	if s.meta.Created.Year() != 2017 || s.meta.Extra["gps_lat"] == "" {
		t.Errorf("EXIF metadata lost: %+v", s.meta)
	}
	// Without OCR: the metadata only, no OCR mark.
	s = extractFile(t, p, extract.MIMEJPEG)
	if len(ocrtest.Missing(s.String(), "violet", "pinnacle")) != 2 || s.meta.Extra["ocr"] != "" {
		t.Errorf("no OCR configured, yet text %q, meta %v", s.String(), s.meta.Extra)
	}
}

// TestOCRFailureKeepsMetadata: when OCR fails, the EXIF text and metadata
// are in the sink and the error says why.
func TestOCRFailureKeepsMetadata(t *testing.T) {
	p := photoWithText(t, "Operation violet pinnacle 9993")
	for _, tc := range []struct {
		name string
		cfg  ocr.Config
		want error
	}{
		{"tool missing", ocr.Config{Tesseract: filepath.Join(t.TempDir(), "no-tesseract")}, extract.ErrToolMissing},
		{"timeout", ocr.Config{Timeout: 5 * time.Millisecond}, extract.ErrTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := extractOCR(t, ocr.New(tc.cfg), p, extract.MIMEJPEG)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if !strings.Contains(s.String(), "Camera: Canon EOS 5D") || s.meta.Extra["gps_lon"] != "-13.410000" || s.meta.Created.IsZero() {
				t.Errorf("metadata lost: text %q, meta %+v", s.String(), s.meta)
			}
			if s.meta.Extra["ocr"] != "" {
				t.Errorf(`Extra["ocr"] = %q after a failed OCR`, s.meta.Extra["ocr"])
			}
		})
	}
}

// TestOCRFormats: BMP and WebP get their dimensions and their text; a
// tiny image is not handed to OCR at all.
func TestOCRFormats(t *testing.T) {
	ocrtest.NeedTools(t, "tesseract", "pdftoppm")
	page := ocrtest.Render(t, 150, "Harbour lantern meeting")
	w, h := strconv.Itoa(page.Bounds().Dx()), strconv.Itoa(page.Bounds().Dy())
	eng := ocr.New(ocr.Config{})
	dir := t.TempDir()
	for name, tc := range map[string]struct {
		data []byte
		mime string
	}{
		"page.bmp":  {ocrtest.BMP(page), extract.MIMEBMP},
		"page.webp": {ocrtest.WebP(page), extract.MIMEWebP},
		"page.tif":  {ocrtest.TIFF(page, page), extract.MIMETIFF},
		"page.gif":  {ocrtest.GIF(page), extract.MIMEGIF},
	} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, tc.data, 0o644); err != nil {
			t.Fatal(err)
		}
		s, err := extractOCR(t, eng, p, tc.mime)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if miss := ocrtest.Missing(s.String(), "Harbour lantern meeting"); len(miss) > 0 {
			t.Errorf("%s: OCR text %q lacks %q", name, s.String(), miss)
		}
		if name != "page.tif" && (s.meta.Extra["width"] != w || s.meta.Extra["height"] != h) {
			t.Errorf("%s: size %sx%s, want %sx%s", name, s.meta.Extra["width"], s.meta.Extra["height"], w, h)
		}
	}
	tiny := filepath.Join(dir, "tiny.jpg")
	if err := os.WriteFile(tiny, jpegWithExif(t, exifTIFF("x", [3]uint32{1, 2, 3}, [3]uint32{4, 5, 6}, "N", "E")), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := ocr.New(ocr.Config{Tesseract: filepath.Join(dir, "no-tesseract")})
	if _, err := extractOCR(t, missing, tiny, extract.MIMEJPEG); err != nil {
		t.Errorf("an 8x6 image went to OCR: %v", err)
	}
}

func TestCorpusOCR(t *testing.T) {
	ocrtest.NeedTools(t, "tesseract")
	p := corpus.File(t, "tika/images/testOCR.jpg")
	s, err := extractOCR(t, ocr.New(ocr.Config{}), p, extract.MIMEJPEG)
	if err != nil {
		t.Fatal(err)
	}
	if miss := ocrtest.Missing(s.String(), "Apache Tika OCR Testing"); len(miss) > 0 {
		t.Errorf("text %q lacks %q", s.String(), miss)
	}
	// A WebP and a BMP of the corpus: dimensions from their headers.
	for name, size := range map[string][2]string{"testWEBP.webp": {"150", "150"}, "testBMP.bmp": {"100", "75"}} {
		s := extractFile(t, corpus.File(t, "tika/images/"+name), map[bool]string{true: extract.MIMEWebP, false: extract.MIMEBMP}[strings.HasSuffix(name, ".webp")])
		if s.meta.Extra["width"] != size[0] || s.meta.Extra["height"] != size[1] {
			t.Errorf("%s: %sx%s, want %sx%s", name, s.meta.Extra["width"], s.meta.Extra["height"], size[0], size[1])
		}
	}
}
