package ocr

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/draw"
	_ "image/gif" // decoders for images leptonica cannot read
	_ "image/jpeg"
	"image/png"
	"io"
	"os"
	"path/filepath"

	"github.com/trove-archive/trove/internal/extract"
)

// Image formats, as sniffed from the first bytes.
const (
	formatPNG  = "png"
	formatJPEG = "jpeg"
	formatGIF  = "gif"
	formatTIFF = "tiff"
	formatBMP  = "bmp"
	formatWebP = "webp"
)

// libFor names the library leptonica needs for a format; BMP it reads by
// itself.
var libFor = map[string]string{
	formatPNG: "libpng", formatJPEG: "libjpeg", formatGIF: "libgif",
	formatTIFF: "libtiff", formatWebP: "libwebp",
}

// maxDecodePixels bounds an image decoded in this process for conversion.
const maxDecodePixels = 64 << 20

// sniff names the image format of a file from its first bytes, or "".
func sniff(h []byte) string {
	switch {
	case bytes.HasPrefix(h, []byte("\x89PNG\r\n\x1a\n")):
		return formatPNG
	case bytes.HasPrefix(h, []byte{0xFF, 0xD8, 0xFF}):
		return formatJPEG
	case bytes.HasPrefix(h, []byte("GIF87a")), bytes.HasPrefix(h, []byte("GIF89a")):
		return formatGIF
	case bytes.HasPrefix(h, []byte("II*\x00")), bytes.HasPrefix(h, []byte("MM\x00*")):
		return formatTIFF
	case len(h) >= 26 && bytes.HasPrefix(h, []byte("BM")):
		return formatBMP
	case len(h) >= 12 && bytes.HasPrefix(h, []byte("RIFF")) && string(h[8:12]) == "WEBP":
		return formatWebP
	}
	return ""
}

// reads reports whether tesseract's leptonica reads a format.
func (in *info) reads(format string) bool {
	lib, ok := libFor[format]
	return !ok || in.libs == nil || in.libs[lib]
}

// goDecodes reports whether the standard library decodes a format.
func goDecodes(format string) bool {
	return format == formatPNG || format == formatJPEG || format == formatGIF
}

// toPNG decodes an image (the first frame of an animation), puts it on
// white (leptonica ignores transparency) in gray, and writes it as a PNG
// into dir.
func toPNG(r io.Reader, dir string) (string, error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(64 << 10)
	cfg, _, err := image.DecodeConfig(bytes.NewReader(head))
	if err != nil {
		return "", fmt.Errorf("ocr decode: %v: %w", err, extract.ErrCorrupt)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxDecodePixels {
		return "", fmt.Errorf("ocr decode: %dx%d pixels: %w", cfg.Width, cfg.Height, extract.ErrTooLarge)
	}
	src, _, err := image.Decode(br)
	if err != nil {
		return "", fmt.Errorf("ocr decode: %v: %w", err, extract.ErrCorrupt)
	}
	b := src.Bounds()
	gray := image.NewGray(b)
	draw.Draw(gray, b, image.White, image.Point{}, draw.Src)
	draw.Draw(gray, b, src, b.Min, draw.Over)
	p := filepath.Join(dir, "image.png")
	f, err := os.Create(p)
	if err != nil {
		return "", fmt.Errorf("ocr convert: %w", err)
	}
	bw := bufio.NewWriter(f)
	err = (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(bw, gray)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("ocr convert: %w", err)
	}
	return p, nil
}

// tiffPages counts the images (IFDs) of a TIFF file, at least 1, never
// following an offset twice.
func tiffPages(r io.ReaderAt) int {
	var h [8]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return 1
	}
	var bo binary.ByteOrder = binary.LittleEndian
	if h[0] == 'M' {
		bo = binary.BigEndian
	}
	if bo.Uint16(h[2:]) != 42 {
		return 1 // BigTIFF or damaged: tesseract counts for itself
	}
	seen := map[uint32]bool{}
	n := 0
	for off := bo.Uint32(h[4:]); off != 0 && !seen[off] && n < 100000; n++ {
		seen[off] = true
		var c [2]byte
		if _, err := r.ReadAt(c[:], int64(off)); err != nil {
			break
		}
		var next [4]byte
		if _, err := r.ReadAt(next[:], int64(off)+2+12*int64(bo.Uint16(c[:]))); err != nil {
			n++
			break
		}
		off = bo.Uint32(next[:])
	}
	return max(n, 1)
}
