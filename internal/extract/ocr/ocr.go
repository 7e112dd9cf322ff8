package ocr

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/tool"
)

// Defaults for a zero Config.
const (
	DefaultTimeout = 2 * time.Minute // per page
	// DefaultDPI is the resolution PDF pages are rendered at. Scans in
	// leaks are often faxes and office scanners' 150 ppi JPEGs: rendered
	// at 300 dpi, tesseract misread a digit on one of the bench corpus's 7
	// scanned PDFs; at 400 it read all 7 right (about 1.8× the pixels).
	DefaultDPI = 400
)

const (
	toolTesseract = "tesseract"
	toolPdftoppm  = "pdftoppm"
	// MaxPageText caps the text taken from one page; beyond it the run
	// fails with extract.ErrTooLarge.
	MaxPageText  = 16 << 20
	probeTimeout = 30 * time.Second
	// maxTimedPages bounds the page count a multi-page TIFF's time limit
	// is scaled by; the caller's context bounds the rest.
	maxTimedPages = 1000
)

// Config says which tools to run and how. Zero values select the defaults.
type Config struct {
	// Languages are tesseract language codes ("eng", "deu", "chi_sim"),
	// read together; default ["eng"]. Only installed ones are used (see
	// `tesseract --list-langs`); Check reports the missing ones.
	Languages []string
	Tesseract string        // path of tesseract; default "tesseract" on PATH
	Pdftoppm  string        // path of pdftoppm; default "pdftoppm" on PATH
	Timeout   time.Duration // per page (rendering and reading each); default DefaultTimeout
	DPI       int           // resolution PDF pages are rendered at; default DefaultDPI
}

// Engine runs OCR. It is safe for concurrent use; it learns tesseract's
// version and installed languages on first use.
type Engine struct {
	cfg Config

	mu   sync.Mutex
	info *info // nil until a probe succeeded
}

// info is what a probe of tesseract learned.
type info struct {
	prog      string          // tesseract, resolved
	read      []string        // paths to bind for it into the sandbox
	version   string          // "5.3.0"
	installed []string        // languages with data
	tessdata  string          // folder of the language data, when printed
	langs     []string        // the configured ones that are installed, or a fallback
	missing   []string        // the configured ones that are not
	libs      map[string]bool // image libraries leptonica was built with; nil: unknown
}

// New returns an engine. It does not check that the tools exist: Image and
// PDFPages then fail with extract.ErrToolMissing, and Check reports it.
func New(cfg Config) *Engine {
	if len(cfg.Languages) == 0 {
		cfg.Languages = []string{"eng"}
	}
	if cfg.Tesseract == "" {
		cfg.Tesseract = toolTesseract
	}
	if cfg.Pdftoppm == "" {
		cfg.Pdftoppm = toolPdftoppm
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.DPI <= 0 {
		cfg.DPI = DefaultDPI
	}
	return &Engine{cfg: cfg}
}

// Describe names the engine for the record of text read by OCR, e.g.
// "tesseract 5.3.0 eng+deu": the version and the languages actually used,
// once known (after a successful Image, PDFPages or Check), else the
// configured languages.
func (e *Engine) Describe() string {
	e.mu.Lock()
	in := e.info
	e.mu.Unlock()
	if in == nil {
		return toolTesseract + " " + strings.Join(e.cfg.Languages, "+")
	}
	return strings.Join([]string{toolTesseract, in.version, strings.Join(in.langs, "+")}, " ")
}

// Image reads the text in the image file at path (PNG, JPEG, GIF, TIFF
// including multi-page, BMP, WebP) into w, pages separated by '\f', and
// returns the number of pages read.
//
// Errors wrap extract.ErrUnsupported (not an image format it reads),
// extract.ErrToolMissing, extract.ErrTimeout, extract.ErrTooLarge, the
// context's cause, or are an *extract.ToolError wrapping extract.ErrCorrupt
// when tesseract rejects the image.
func (e *Engine) Image(ctx context.Context, path string, w io.Writer) (int, error) {
	in, err := e.probe(ctx)
	if err != nil {
		return 0, err
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return 0, fmt.Errorf("ocr: %w", err)
	}
	f, err := os.Open(abs)
	if err != nil {
		return 0, fmt.Errorf("ocr open: %w", err)
	}
	defer f.Close()
	head := make([]byte, 64)
	n, _ := io.ReadFull(f, head)
	format := sniff(head[:n])
	if format == "" {
		return 0, fmt.Errorf("ocr: not an image format tesseract reads: %w", extract.ErrUnsupported)
	}
	src, pages := abs, 1
	if format == formatTIFF {
		pages = tiffPages(f)
	}
	if !in.reads(format) {
		if !goDecodes(format) {
			return 0, fmt.Errorf("ocr: %s: leptonica was built without %s: %w", format, libFor[format], extract.ErrUnsupported)
		}
		dir, err := os.MkdirTemp("", "trove-ocr-")
		if err != nil {
			return 0, fmt.Errorf("ocr temp: %w", err)
		}
		defer os.RemoveAll(dir)
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return 0, fmt.Errorf("ocr seek: %w", err)
		}
		if src, err = toPNG(f, dir); err != nil {
			return 0, err
		}
	}
	pw := &pageWriter{w: w}
	if err := e.tesseract(ctx, in, src, pages, 0, pw); err != nil {
		return pw.pages(), err
	}
	return max(pw.pages(), pages), nil
}

// Password opens an encrypted PDF: the user or the owner password that
// worked for pdftotext.
type Password struct{ User, Owner string }

// PDFPages renders the given pages (1-based) of a PDF one at a time with
// pdftoppm and reads each into w, pages separated by '\f'. Errors are as
// for Image; the text of the pages read before an error has been written.
func (e *Engine) PDFPages(ctx context.Context, pdfPath string, pages []int, w io.Writer) error {
	return e.PDFPagesPassword(ctx, pdfPath, Password{}, pages, w)
}

// PDFPagesPassword is PDFPages for an encrypted PDF.
func (e *Engine) PDFPagesPassword(ctx context.Context, pdfPath string, pw Password, pages []int, w io.Writer) error {
	in, err := e.probe(ctx)
	if err != nil {
		return err
	}
	abs, err := filepath.Abs(pdfPath)
	if err != nil {
		return fmt.Errorf("ocr: %w", err)
	}
	prog, err := tool.Lookup(toolPdftoppm, e.cfg.Pdftoppm)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "trove-ocr-")
	if err != nil {
		return fmt.Errorf("ocr temp: %w", err)
	}
	defer os.RemoveAll(dir)
	dpi := strconv.Itoa(e.cfg.DPI)
	for i, p := range pages {
		if p < 1 {
			return fmt.Errorf("ocr: page %d: %w", p, extract.ErrUnsupported)
		}
		if i > 0 {
			if _, err := w.Write([]byte{'\f'}); err != nil {
				return fmt.Errorf("ocr write: %w", err)
			}
		}
		n := strconv.Itoa(p)
		args := []string{"-r", dpi, "-f", n, "-l", n, "-singlefile", "-png", "-gray"}
		if pw.User != "" {
			args = append(args, "-upw", pw.User)
		}
		if pw.Owner != "" {
			args = append(args, "-opw", pw.Owner)
		}
		args = append(args, abs, filepath.Join(dir, "page"))
		err := tool.Run(ctx, tool.Cmd{Name: toolPdftoppm, Path: prog, Args: args,
			Timeout: e.cfg.Timeout, Read: append([]string{abs}, bindProgram(prog)...), Write: []string{dir}})
		if err != nil {
			return fmt.Errorf("ocr page %d: %w", p, err)
		}
		png := filepath.Join(dir, "page.png")
		err = e.tesseract(ctx, in, png, 1, e.cfg.DPI, &pageWriter{w: w, flat: true})
		os.Remove(png)
		if err != nil {
			return fmt.Errorf("ocr page %d: %w", p, err)
		}
	}
	return nil
}

// tesseract reads one image file (pages of it when a multi-page TIFF)
// into w; dpi > 0 tells it the resolution.
func (e *Engine) tesseract(ctx context.Context, in *info, img string, pages, dpi int, w io.Writer) error {
	args := []string{img, "stdout", "-l", strings.Join(in.langs, "+")}
	if dpi > 0 {
		args = append(args, "--dpi", strconv.Itoa(dpi))
	}
	pages = min(max(pages, 1), maxTimedPages)
	return tool.Run(ctx, tool.Cmd{Name: toolTesseract, Path: in.prog, Args: args, Stdout: w,
		MaxOutput: int64(pages) * MaxPageText, Timeout: time.Duration(pages) * e.cfg.Timeout,
		Read: append([]string{img}, in.read...)})
}

// pageWriter passes tesseract's text on with '\f' between pages only:
// tesseract versions differ on whether a page separator follows the last
// page. flat turns separators into line breaks (one page wanted).
type pageWriter struct {
	w       io.Writer
	flat    bool
	pending bool // a '\f' held back
	seps    int  // separators written
}

func (p *pageWriter) Write(b []byte) (int, error) {
	n := len(b)
	if n == 0 {
		return 0, nil
	}
	if p.pending {
		if err := p.sep(); err != nil {
			return 0, err
		}
		p.pending = false
	}
	if b[len(b)-1] == '\f' {
		b = b[:len(b)-1]
		p.pending = true
	}
	if p.flat {
		b = bytes.ReplaceAll(b, []byte{'\f'}, []byte{'\n'})
	} else {
		p.seps += bytes.Count(b, []byte{'\f'})
	}
	if len(b) > 0 {
		if _, err := p.w.Write(b); err != nil {
			return 0, err
		}
	}
	return n, nil
}

func (p *pageWriter) sep() error {
	c := byte('\f')
	if p.flat {
		c = '\n'
	} else {
		p.seps++
	}
	_, err := p.w.Write([]byte{c})
	return err
}

// pages is the number of pages whose text went through.
func (p *pageWriter) pages() int { return p.seps + 1 }

// bindProgram lists a tool's path for the sandbox when it lies outside the
// system folders the sandbox always shows (a tool configured by path).
func bindProgram(prog string) []string {
	if strings.HasPrefix(prog, "/usr/") {
		return nil
	}
	return []string{prog}
}

// probe learns tesseract's version, its image libraries and its installed
// languages, once; a failed probe is tried again on the next call.
func (e *Engine) probe(ctx context.Context) (*info, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.info != nil {
		return e.info, nil
	}
	prog, err := tool.Lookup(toolTesseract, e.cfg.Tesseract)
	if err != nil {
		return nil, err
	}
	in := &info{prog: prog, read: bindProgram(prog)}
	run := func(arg string) ([]byte, error) {
		var out bytes.Buffer
		err := tool.Run(ctx, tool.Cmd{Name: toolTesseract, Path: prog, Args: []string{arg},
			Stdout: &out, MaxOutput: 1 << 20, Timeout: probeTimeout, Read: in.read})
		if err != nil {
			return nil, fmt.Errorf("ocr probe %s: %w", arg, err)
		}
		return out.Bytes(), nil
	}
	ver, err := run("--version")
	if err != nil {
		return nil, err
	}
	in.version, in.libs = parseVersion(ver)
	list, err := run("--list-langs")
	if err != nil {
		return nil, err
	}
	in.tessdata, in.installed = parseLangs(list)
	in.langs, in.missing = chooseLangs(e.cfg.Languages, in.installed)
	if len(in.langs) == 0 {
		return nil, fmt.Errorf("ocr: no tesseract language data installed: %w", extract.ErrToolMissing)
	}
	e.info = in
	return in, nil
}

var (
	tessVersionRE = regexp.MustCompile(`tesseract\s+v?([0-9][0-9A-Za-z.\-]*)`)
	libRE         = regexp.MustCompile(`\blib(png|jpeg|gif|tiff|webp|openjp2)\b`)
	langDirRE     = regexp.MustCompile(`"([^"]+)"`)
	langCodeRE    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
)

// parseVersion reads `tesseract --version`: "tesseract 5.3.0", then
// leptonica's image libraries ("libgif 5.2.1 : libjpeg 6b ... : libwebp").
func parseVersion(b []byte) (string, map[string]bool) {
	version := "unknown"
	if m := tessVersionRE.FindSubmatch(b); m != nil {
		version = string(m[1])
	}
	var libs map[string]bool
	for _, m := range libRE.FindAllSubmatch(b, -1) {
		if libs == nil {
			libs = map[string]bool{}
		}
		libs["lib"+string(m[1])] = true
	}
	return version, libs
}

// parseLangs reads `tesseract --list-langs`: a header naming the data
// folder, then one language per line.
func parseLangs(b []byte) (dir string, langs []string) {
	for _, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "List of available languages") {
			if m := langDirRE.FindStringSubmatch(line); m != nil {
				dir = m[1]
			}
			continue
		}
		if langCodeRE.MatchString(line) {
			langs = append(langs, line)
		}
	}
	return dir, langs
}

// chooseLangs keeps the wanted languages that are installed, in order and
// once each; with none of them installed it falls back to English, else to
// the first installed language.
func chooseLangs(want, installed []string) (use, missing []string) {
	have := map[string]bool{}
	for _, l := range installed {
		have[l] = true
	}
	seen := map[string]bool{}
	for _, w := range want {
		for _, l := range strings.Split(w, "+") {
			l = strings.TrimSpace(l)
			if l == "" || seen[l] {
				continue
			}
			seen[l] = true
			if have[l] && langCodeRE.MatchString(l) {
				use = append(use, l)
			} else {
				missing = append(missing, l)
			}
		}
	}
	if len(use) == 0 {
		if have["eng"] {
			use = []string{"eng"}
		} else {
			for _, l := range installed {
				if l != "osd" && l != "equ" {
					use = []string{l}
					break
				}
			}
		}
	}
	return use, missing
}
