package ocr_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/ocr"
	"github.com/trove-archive/trove/internal/extract/ocr/ocrtest"
)

var (
	page1 = []string{"Operation violet pinnacle 9993", "Quarterly archive report"}
	page2 = []string{"Second page harbour lantern", "Meeting minutes October"}
)

func pages(t *testing.T) (*image.Gray, *image.Gray) {
	t.Helper()
	ocrtest.NeedTools(t, "tesseract", "pdftoppm")
	return ocrtest.Render(t, 150, page1...), ocrtest.Render(t, 150, page2...)
}

func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func wantWords(t *testing.T, text string, words ...string) {
	t.Helper()
	if miss := ocrtest.Missing(text, words...); len(miss) > 0 {
		t.Errorf("OCR text %q lacks %q", text, miss)
	}
}

func TestImageFormats(t *testing.T) {
	p1, p2 := pages(t)
	eng := ocr.New(ocr.Config{})
	for _, tc := range []struct {
		name  string
		data  []byte
		pages [][]string
	}{
		{"page.png", ocrtest.PNG(p1), [][]string{page1}},
		{"page.jpg", ocrtest.JPEG(p1), [][]string{page1}},
		{"page.gif", ocrtest.GIF(p1), [][]string{page1}},
		{"page.bmp", ocrtest.BMP(p1), [][]string{page1}},
		{"page.webp", ocrtest.WebP(p1), [][]string{page1}},
		{"pages.tif", ocrtest.TIFF(p1, p2), [][]string{page1, page2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			n, err := eng.Image(context.Background(), write(t, tc.name, tc.data), &out)
			if err != nil {
				t.Fatal(err)
			}
			texts := strings.Split(out.String(), "\f")
			if n != len(tc.pages) || len(texts) != len(tc.pages) {
				t.Fatalf("pages = %d, texts %q; want %d", n, texts, len(tc.pages))
			}
			for i, words := range tc.pages {
				wantWords(t, texts[i], words...)
			}
		})
	}
}

// TestConverted reads formats as if leptonica lacked their libraries: Go
// decodes them into a PNG first. A transparent background becomes white.
func TestConverted(t *testing.T) {
	p1, _ := pages(t)
	eng := ocr.New(ocr.Config{})
	if err := ocr.WithoutLibs(eng, "libpng", "libjpeg", "libgif", "libwebp"); err != nil {
		t.Fatal(err)
	}
	// Black text on a fully transparent black background: read as is, the
	// page would be black on black.
	alpha := image.NewNRGBA(p1.Bounds())
	for i, v := range p1.Pix {
		alpha.Pix[4*i+3] = 255 - v
	}
	for name, data := range map[string][]byte{
		"page.gif":   ocrtest.GIF(p1),
		"page.jpg":   ocrtest.JPEG(p1),
		"alpha.png":  ocrtest.PNG(alpha),
		"page.webp":  ocrtest.WebP(p1),
		"broken.png": ocrtest.PNG(p1)[:200],
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var out bytes.Buffer
			_, err := eng.Image(context.Background(), write(t, name, data), &out)
			switch name {
			case "page.webp":
				if !errors.Is(err, extract.ErrUnsupported) {
					t.Errorf("webp without libwebp: err = %v, want ErrUnsupported", err)
				}
			case "broken.png":
				if !errors.Is(err, extract.ErrCorrupt) {
					t.Errorf("truncated png: err = %v, want ErrCorrupt", err)
				}
			default:
				if err != nil {
					t.Fatal(err)
				}
				wantWords(t, out.String(), page1...)
			}
		})
	}
}

func TestPDFPages(t *testing.T) {
	p1, p2 := pages(t)
	doc := write(t, "scan.pdf", ocrtest.PDF(ocrtest.Page{Scan: p1}, ocrtest.Page{Lines: []string{"text layer"}}, ocrtest.Page{Scan: p2}))
	var out bytes.Buffer
	if err := ocr.New(ocr.Config{DPI: 150}).PDFPages(context.Background(), doc, []int{3, 1}, &out); err != nil {
		t.Fatal(err)
	}
	texts := strings.Split(out.String(), "\f")
	if len(texts) != 2 {
		t.Fatalf("texts = %q, want 2 pages", texts)
	}
	wantWords(t, texts[0], page2...)
	wantWords(t, texts[1], page1...)

	err := ocr.New(ocr.Config{}).PDFPages(context.Background(), doc, []int{9}, &out)
	var te *extract.ToolError
	if !errors.As(err, &te) || !errors.Is(err, extract.ErrCorrupt) {
		t.Errorf("page out of range: err = %v, want a ToolError wrapping ErrCorrupt", err)
	}
}

// TestNotAnImage: tesseract takes a file it cannot read as an image for a
// list of image paths; such a file never reaches it.
func TestNotAnImage(t *testing.T) {
	ocrtest.NeedTools(t, "tesseract")
	list := write(t, "list.png", []byte("/etc/hostname\n/etc/passwd\n"))
	var out bytes.Buffer
	_, err := ocr.New(ocr.Config{}).Image(context.Background(), list, &out)
	if !errors.Is(err, extract.ErrUnsupported) || out.Len() > 0 {
		t.Errorf("err = %v, out %q; want ErrUnsupported and no text", err, out.String())
	}
}

func TestTimeout(t *testing.T) {
	p1, _ := pages(t)
	img := write(t, "page.png", ocrtest.PNG(p1))
	doc := write(t, "scan.pdf", ocrtest.PDF(ocrtest.Page{Scan: p1}))
	eng := ocr.New(ocr.Config{Timeout: 5 * time.Millisecond})
	start := time.Now()
	_, err := eng.Image(context.Background(), img, &bytes.Buffer{})
	if !errors.Is(err, extract.ErrTimeout) || extract.Reason(err) != "timeout" {
		t.Errorf("Image: err = %v, want ErrTimeout", err)
	}
	err = eng.PDFPages(context.Background(), doc, []int{1}, &bytes.Buffer{})
	if !errors.Is(err, extract.ErrTimeout) {
		t.Errorf("PDFPages: err = %v, want ErrTimeout", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v", d)
	}
}

// fakeTesseract answers the probes like tesseract 5 and runs body for a
// real run.
func fakeTesseract(t *testing.T, body string) string {
	t.Helper()
	ocrtest.NeedTools(t, "sh")
	return write0755(t, "tesseract", `#!/bin/sh
case "$1" in
--version) echo "tesseract 5.9.9"; echo " leptonica-1.82.0"; echo "  libpng 1.6.39 : libjpeg 6b : libtiff 4.5.0"; exit 0;;
--list-langs) echo 'List of available languages in "/fake/tessdata/" (2):'; echo eng; echo osd; exit 0;;
esac
`+body+"\n")
}

func write0755(t *testing.T, name, body string) string {
	t.Helper()
	p := write(t, name, []byte(body))
	if err := os.Chmod(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// png1 is a tiny valid PNG.
func png1(t *testing.T) string {
	img := image.NewGray(image.Rect(0, 0, 16, 16))
	img.Set(1, 1, color.White)
	return write(t, "tiny.png", ocrtest.PNG(img))
}

func TestFakeTools(t *testing.T) {
	img := png1(t)
	for _, tc := range []struct {
		name, body string
		want       error
		text       string
	}{
		{"pages", `printf 'one\fand two\f'`, nil, "one\fand two"},
		{"hangs", "sleep 30", extract.ErrTimeout, ""},
		{"endless", "yes 'ocr text'", extract.ErrTooLarge, ""},
		{"fails", "echo 'Error in pixReadStream: Unknown format' >&2; exit 1", extract.ErrCorrupt, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			timeout := 30 * time.Second
			if tc.want == extract.ErrTimeout {
				timeout = 500 * time.Millisecond
			}
			eng := ocr.New(ocr.Config{Tesseract: fakeTesseract(t, tc.body), Timeout: timeout})
			var out bytes.Buffer
			start := time.Now()
			n, err := eng.Image(context.Background(), img, &out)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if d := time.Since(start); d > 20*time.Second {
				t.Errorf("took %v", d)
			}
			if tc.want == nil && (out.String() != tc.text || n != 2) {
				t.Errorf("text %q, %d pages; want %q", out.String(), n, tc.text)
			}
			if tc.want == extract.ErrCorrupt {
				var te *extract.ToolError
				if !errors.As(err, &te) || !strings.Contains(te.Stderr, "pixReadStream") {
					t.Errorf("err = %#v, want a ToolError with stderr", err)
				}
			}
			if got := eng.Describe(); got != "tesseract 5.9.9 eng" {
				t.Errorf("Describe = %q", got)
			}
		})
	}
}

func TestToolMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "no-such-tool")
	img := png1(t)
	for name, cfg := range map[string]ocr.Config{
		"tesseract by path":   {Tesseract: missing},
		"tesseract on PATH":   {Tesseract: "trove-no-such-tesseract"},
		"pdftoppm (PDF only)": {Pdftoppm: missing},
	} {
		t.Run(name, func(t *testing.T) {
			eng := ocr.New(cfg)
			if cfg.Tesseract != "" {
				if _, err := eng.Image(context.Background(), img, &bytes.Buffer{}); !errors.Is(err, extract.ErrToolMissing) {
					t.Errorf("Image: err = %v, want ErrToolMissing", err)
				}
			} else {
				ocrtest.NeedTools(t, "tesseract")
			}
			err := eng.PDFPages(context.Background(), img, []int{1}, &bytes.Buffer{})
			if !errors.Is(err, extract.ErrToolMissing) || extract.Reason(err) != "tool_missing" {
				t.Errorf("PDFPages: err = %v, want ErrToolMissing", err)
			}
			missingTools := 0
			for _, st := range eng.Check(context.Background()) {
				if errors.Is(st.Err, extract.ErrToolMissing) {
					missingTools++
					if st.Path != "" || st.Install == "" {
						t.Errorf("Check: %+v", st)
					}
				}
			}
			if missingTools != 1 {
				t.Errorf("Check: %d tools missing, want 1: %+v", missingTools, eng.Check(context.Background()))
			}
		})
	}
}

func TestCheck(t *testing.T) {
	ocrtest.NeedTools(t, "tesseract", "pdftoppm")
	eng := ocr.New(ocr.Config{Languages: []string{"eng", "xyz", "eng"}})
	sts := eng.Check(context.Background())
	var names []string
	for _, st := range sts {
		names = append(names, st.Name)
		switch st.Name {
		case "tesseract", "pdftoppm":
			if st.Err != nil || st.Path == "" || st.Version == "" {
				t.Errorf("Check: %+v", st)
			}
		case "tesseract-ocr-eng":
			if st.Err != nil || !strings.HasSuffix(st.Path, "eng.traineddata") {
				t.Errorf("Check: %+v", st)
			}
		case "tesseract-ocr-xyz":
			if !errors.Is(st.Err, extract.ErrToolMissing) || st.Install != "apt-get install tesseract-ocr-xyz" {
				t.Errorf("Check: %+v", st)
			}
		}
	}
	if want := []string{"tesseract", "tesseract-ocr-eng", "tesseract-ocr-xyz", "pdftoppm"}; !slices.Equal(names, want) {
		t.Errorf("Check names %q, want %q", names, want)
	}
	if d := eng.Describe(); !strings.HasPrefix(d, "tesseract ") || !strings.HasSuffix(d, " eng") {
		t.Errorf("Describe = %q, want tesseract <version> eng", d)
	}
}

// TestLanguages reads German with the German model; a language not
// installed is left out, not an error.
func TestLanguages(t *testing.T) {
	ocrtest.NeedTools(t, "tesseract", "pdftoppm")
	if out, _ := exec.Command("tesseract", "--list-langs").Output(); !strings.Contains(string(out), "\ndeu\n") {
		if os.Getenv("CI") != "" {
			t.Fatal("tesseract-ocr-deu not installed; CI must have it")
		}
		t.Skip("tesseract-ocr-deu not installed")
	}
	words := []string{"Größe Übergabe Straße", "Prüfung der Akten"}
	img := write(t, "de.png", ocrtest.PNG(ocrtest.Render(t, 150, words...)))
	eng := ocr.New(ocr.Config{Languages: []string{"deu", "qqq"}})
	var out bytes.Buffer
	if _, err := eng.Image(context.Background(), img, &out); err != nil {
		t.Fatal(err)
	}
	wantWords(t, out.String(), words...)
	if d := eng.Describe(); !strings.HasSuffix(d, " deu") {
		t.Errorf("Describe = %q, want it to end in deu", d)
	}
}

func TestCorpus(t *testing.T) {
	ocrtest.NeedTools(t, "tesseract", "pdftoppm")
	dir := filepath.Join(corpus.Dir(t), "tika")
	eng := ocr.New(ocr.Config{})
	var out bytes.Buffer
	if _, err := eng.Image(context.Background(), filepath.Join(dir, "images", "testOCR.jpg"), &out); err != nil {
		t.Fatal(err)
	}
	wantWords(t, out.String(), "Apache Tika OCR Testing")
	out.Reset()
	if err := eng.PDFPages(context.Background(), filepath.Join(dir, "pdf", "testOCR.pdf"), []int{1}, &out); err != nil {
		t.Fatal(err)
	}
	wantWords(t, out.String(), "Happy New Year 2003")
	// Images without text give no text, and no error.
	for _, name := range []string{"testPNG.png", "testGIF.gif", "testBMP.bmp", "testTIFF.tif", "testWEBP.webp"} {
		out.Reset()
		if _, err := eng.Image(context.Background(), filepath.Join(dir, "images", name), &out); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
