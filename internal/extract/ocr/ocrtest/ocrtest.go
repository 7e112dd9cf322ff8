// Package ocrtest makes test fixtures for OCR: text rendered into images
// of every format tesseract reads (PNG, JPEG, GIF, multi-page TIFF, BMP,
// lossless WebP), and PDFs with text pages, scanned (image-only) pages or
// both. Text is rendered by poppler from a PDF written here, so the glyphs
// are real Helvetica.
package ocrtest

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/extract/tool"
)

// NeedTools skips the test when a tool is not installed, and fails it when
// the environment variable CI is set (CI must run these tests).
func NeedTools(tb testing.TB, tools ...string) {
	tb.Helper()
	for _, name := range tools {
		if _, err := exec.LookPath(name); err != nil {
			if os.Getenv("CI") != "" {
				tb.Fatalf("%s not installed; CI must have it (tesseract-ocr, poppler-utils)", name)
			}
			tb.Skipf("%s not installed (apt-get install tesseract-ocr poppler-utils)", name)
		}
	}
}

// Page is one page of a PDF made by PDF: lines of Helvetica text, or a
// scan (an image covering the page, stored as a gray JPEG, no text layer).
type Page struct {
	Lines []string
	Scan  image.Image
}

const (
	fontSize = 28
	leading  = 40
	pageW    = 612
)

// PDF writes a minimal PDF 1.4 file with the given pages.
func PDF(pages ...Page) []byte {
	var objs []string
	add := func(s string) int { objs = append(objs, s); return len(objs) }
	add("<< /Type /Catalog /Pages 2 0 R >>")
	add("") // pages, filled in below
	font := add("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
	var kids []string
	for _, p := range pages {
		var content, res string
		h := 72 + leading*len(p.Lines)
		if p.Scan != nil {
			var jb bytes.Buffer
			if err := jpeg.Encode(&jb, gray(p.Scan), &jpeg.Options{Quality: 90}); err != nil {
				panic(err)
			}
			b := p.Scan.Bounds()
			h = pageW * b.Dy() / b.Dx()
			img := add(fmt.Sprintf("<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n%s\nendstream",
				b.Dx(), b.Dy(), jb.Len(), jb.Bytes()))
			content = fmt.Sprintf("q %d 0 0 %d 0 0 cm /Im0 Do Q", pageW, h)
			res = fmt.Sprintf("/XObject << /Im0 %d 0 R >>", img)
		} else {
			var s strings.Builder
			for i, l := range p.Lines {
				fmt.Fprintf(&s, "BT /F1 %d Tf 36 %d Td (%s) Tj ET\n", fontSize, h-36-fontSize-leading*i, escape(l))
			}
			content = s.String()
			res = fmt.Sprintf("/Font << /F1 %d 0 R >>", font)
		}
		c := add(fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content), content))
		pg := add(fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Resources << %s >> /Contents %d 0 R >>", pageW, h, res, c))
		kids = append(kids, fmt.Sprintf("%d 0 R", pg))
	}
	objs[1] = fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids))
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offs {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// escape writes s as the bytes of a PDF literal string in WinAnsi
// encoding (Latin-1 letters as themselves; other runes as '?').
func escape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\' || r == '(' || r == ')':
			b.WriteByte('\\')
			b.WriteByte(byte(r))
		case r < 256:
			b.WriteByte(byte(r))
		default:
			b.WriteByte('?')
		}
	}
	return b.String()
}

// Render draws lines of text with poppler (pdftoppm) at dpi and returns the
// page in gray.
func Render(tb testing.TB, dpi int, lines ...string) *image.Gray {
	tb.Helper()
	NeedTools(tb, "pdftoppm")
	dir := tb.TempDir()
	src := filepath.Join(dir, "text.pdf")
	if err := os.WriteFile(src, PDF(Page{Lines: lines}), 0o644); err != nil {
		tb.Fatal(err)
	}
	err := tool.Run(context.Background(), tool.Cmd{Name: "pdftoppm",
		Args: []string{"-r", fmt.Sprint(dpi), "-gray", "-png", "-singlefile", src, filepath.Join(dir, "page")},
		Read: []string{src}, Write: []string{dir}})
	if err != nil {
		tb.Fatalf("render: %v", err)
	}
	f, err := os.Open(filepath.Join(dir, "page.png"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		tb.Fatal(err)
	}
	return gray(img)
}

func gray(img image.Image) *image.Gray {
	if g, ok := img.(*image.Gray); ok {
		return g
	}
	b := img.Bounds()
	g := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			g.Set(x, y, img.At(x, y))
		}
	}
	return g
}

// PNG encodes img as PNG.
func PNG(img image.Image) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// JPEG encodes img as JPEG.
func JPEG(img image.Image) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 90}); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// GIF encodes a gray image as GIF with a 256-gray palette.
func GIF(img *image.Gray) []byte {
	pal := make(color.Palette, 256)
	for i := range pal {
		pal[i] = color.Gray{Y: uint8(i)}
	}
	p := image.NewPaletted(img.Bounds(), pal)
	w := img.Bounds().Dx()
	for y := 0; y < img.Bounds().Dy(); y++ { // index = gray level
		copy(p.Pix[y*p.Stride:y*p.Stride+w], img.Pix[y*img.Stride:y*img.Stride+w])
	}
	var b bytes.Buffer
	if err := gif.Encode(&b, p, nil); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// TIFF encodes gray images as the pages of one uncompressed little-endian
// TIFF (150 dpi).
func TIFF(pages ...*image.Gray) []byte {
	le := binary.LittleEndian
	var b bytes.Buffer
	b.WriteString("II*\x00")
	b.Write([]byte{0, 0, 0, 0}) // offset of the first IFD, patched
	link := 4                   // where the offset of the next IFD goes
	for _, img := range pages {
		w, h := img.Bounds().Dx(), img.Bounds().Dy()
		data := b.Len()
		for y := 0; y < h; y++ {
			b.Write(img.Pix[y*img.Stride : y*img.Stride+w])
		}
		if b.Len()%2 == 1 {
			b.WriteByte(0)
		}
		type entry struct {
			tag, typ uint16
			val      uint32
		}
		const n = 12
		ifd := b.Len()
		res := ifd + 2 + n*12 + 4 // the resolution rational follows the IFD
		es := []entry{
			{256, 4, uint32(w)}, {257, 4, uint32(h)}, {258, 3, 8}, {259, 3, 1}, {262, 3, 1},
			{273, 4, uint32(data)}, {277, 3, 1}, {278, 4, uint32(h)}, {279, 4, uint32(w * h)},
			{282, 5, uint32(res)}, {283, 5, uint32(res)}, {296, 3, 2},
		}
		binary.Write(&b, le, uint16(len(es)))
		for _, e := range es {
			binary.Write(&b, le, e.tag)
			binary.Write(&b, le, e.typ)
			binary.Write(&b, le, uint32(1))
			binary.Write(&b, le, e.val)
		}
		next := b.Len()
		b.Write([]byte{0, 0, 0, 0})
		binary.Write(&b, le, uint32(150))
		binary.Write(&b, le, uint32(1))
		out := b.Bytes()
		le.PutUint32(out[link:], uint32(ifd))
		link = next
	}
	return b.Bytes()
}

// BMP encodes a gray image as a 24-bit Windows bitmap.
func BMP(img *image.Gray) []byte {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	row := (3*w + 3) &^ 3
	le := binary.LittleEndian
	var b bytes.Buffer
	b.WriteString("BM")
	binary.Write(&b, le, uint32(54+row*h))
	binary.Write(&b, le, uint32(0))
	binary.Write(&b, le, uint32(54))
	for _, v := range []any{uint32(40), int32(w), int32(h), uint16(1), uint16(24), uint32(0), uint32(row * h), int32(5906), int32(5906), uint32(0), uint32(0)} {
		binary.Write(&b, le, v)
	}
	line := make([]byte, row)
	for y := h - 1; y >= 0; y-- {
		for x := 0; x < w; x++ {
			v := img.Pix[y*img.Stride+x]
			line[3*x], line[3*x+1], line[3*x+2] = v, v, v
		}
		b.Write(line)
	}
	return b.Bytes()
}

// WebP encodes a gray image, thresholded to black and white, as a lossless
// WebP (VP8L) whose prefix codes are all "simple" ones: each pixel costs
// three bits (green, red, blue; alpha is the single symbol 255).
func WebP(img *image.Gray) []byte {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	var bw bitWriter
	bw.bits(w-1, 14)
	bw.bits(h-1, 14)
	bw.bits(0, 1)   // alpha not used
	bw.bits(0, 3)   // version
	bw.bits(0, 1)   // no transform
	bw.bits(0, 1)   // no color cache
	bw.bits(0, 1)   // no meta prefix codes
	two := func() { // symbols 0 and 255, one bit each
		bw.bits(1, 1) // simple code
		bw.bits(1, 1) // two symbols
		bw.bits(0, 1) // first symbol in 1 bit
		bw.bits(0, 1) // symbol 0
		bw.bits(255, 8)
	}
	two()         // green
	two()         // red
	two()         // blue
	bw.bits(1, 1) // alpha: simple, one symbol, 8 bits: 255
	bw.bits(0, 1)
	bw.bits(1, 1)
	bw.bits(255, 8)
	bw.bits(1, 1) // distance: simple, one symbol, 1 bit: 0
	bw.bits(0, 1)
	bw.bits(0, 1)
	bw.bits(0, 1)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := 0
			if img.Pix[y*img.Stride+x] >= 128 {
				v = 1
			}
			bw.bits(v|v<<1|v<<2, 3) // green, red, blue
		}
	}
	data := append([]byte{0x2f}, bw.flush()...)
	le := binary.LittleEndian
	var b bytes.Buffer
	pad := len(data) % 2
	b.WriteString("RIFF")
	binary.Write(&b, le, uint32(4+8+len(data)+pad))
	b.WriteString("WEBPVP8L")
	binary.Write(&b, le, uint32(len(data)))
	b.Write(data)
	if pad == 1 {
		b.WriteByte(0)
	}
	return b.Bytes()
}

// bitWriter packs bits least significant first, as VP8L reads them.
type bitWriter struct {
	out  []byte
	acc  uint64
	nacc uint
}

func (w *bitWriter) bits(v, n int) {
	w.acc |= uint64(v) << w.nacc
	w.nacc += uint(n)
	for w.nacc >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nacc -= 8
	}
}

func (w *bitWriter) flush() []byte {
	if w.nacc > 0 {
		w.out = append(w.out, byte(w.acc))
		w.acc, w.nacc = 0, 0
	}
	return w.out
}

// Missing returns the words of want not found in text, ignoring case and
// punctuation around words.
func Missing(text string, want ...string) []string {
	have := map[string]bool{}
	for _, f := range strings.Fields(strings.ToLower(text)) {
		have[strings.Trim(f, ".,;:!?\"'()[]|")] = true
	}
	var out []string
	for _, w := range want {
		for _, f := range strings.Fields(strings.ToLower(w)) {
			if !have[f] {
				out = append(out, f)
			}
		}
	}
	return out
}
