package office

import (
	"archive/zip"
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"github.com/trove-archive/trove/internal/extract"
)

// pkg is an opened zip package with a budget of decompressed bytes.
type pkg struct {
	ctx   context.Context
	files map[string]*zip.File // by lower-case name: OPC part names are case-insensitive
	names []string             // every entry name, as stored
	left  int64                // decompressed bytes that may still be read
	max   int64
	// chunks are parts the main document includes by reference (DOCX
	// altChunk, ECMA-376 Part 1, §17.17.2), emitted as children.
	chunks []string
}

func newPackage(ctx context.Context, zr *zip.Reader, maxBytes int64) *pkg {
	p := &pkg{ctx: ctx, files: make(map[string]*zip.File, len(zr.File)), left: maxBytes, max: maxBytes}
	for _, f := range zr.File {
		name := strings.TrimPrefix(f.Name, "/")
		key := strings.ToLower(name)
		if _, dup := p.files[key]; dup {
			continue // the first of duplicate names wins
		}
		p.files[key] = f
		p.names = append(p.names, name)
	}
	return p
}

// errMissing reports a part that is not in the package.
var errMissing = errors.New("part missing")

func (p *pkg) has(name string) bool {
	_, ok := p.files[strings.ToLower(strings.TrimPrefix(name, "/"))]
	return ok
}

// open returns a reader of the part's decompressed bytes, charged to the
// package's budget.
func (p *pkg) open(name string) (io.ReadCloser, error) {
	f, ok := p.files[strings.ToLower(strings.TrimPrefix(name, "/"))]
	if !ok {
		return nil, fmt.Errorf("office %s: %w: %w", name, extract.ErrCorrupt, errMissing)
	}
	if f.UncompressedSize64 > uint64(max(p.left, 0)) {
		return nil, p.bomb()
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("office %s: %w: %w", name, extract.ErrCorrupt, err)
	}
	return &budgetReader{rc: rc, p: p}, nil
}

func (p *pkg) bomb() error {
	return fmt.Errorf("office: %w: more than %d bytes decompressed", extract.ErrBomb, p.max)
}

type budgetReader struct {
	rc io.ReadCloser
	p  *pkg
}

func (b *budgetReader) Read(buf []byte) (int, error) {
	if err := b.p.ctx.Err(); err != nil {
		return 0, err
	}
	if int64(len(buf)) > b.p.left+1 {
		buf = buf[:b.p.left+1]
	}
	n, err := b.rc.Read(buf)
	b.p.left -= int64(n)
	if b.p.left < 0 {
		return 0, b.p.bomb()
	}
	if err != nil && err != io.EOF {
		err = fmt.Errorf("%w: %w", extract.ErrCorrupt, err) // checksum, truncated deflate stream
	}
	return n, err
}

func (b *budgetReader) Close() error { return b.rc.Close() }

// parse opens a part and hands fn an XML decoder on it. Errors other than
// the budget, the context and the sink become extract.ErrCorrupt.
func (p *pkg) parse(name string, tw *textWriter, fn func(d *xml.Decoder) error) error {
	rc, err := p.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	return partErr(name, tw, fn(newDecoder(rc)))
}

// partErr classifies the error of reading a part: the end is no error, a
// failed text write is reported as such, limits and cancellation pass
// through, anything else means the part is corrupt.
func partErr(name string, tw *textWriter, err error) error {
	switch {
	case err == nil, errors.Is(err, io.EOF):
		return nil
	case tw != nil && tw.err != nil:
		return fmt.Errorf("office write text: %w", tw.err)
	case errors.Is(err, extract.ErrBomb), errors.Is(err, extract.ErrCorrupt),
		errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	default:
		return fmt.Errorf("office %s: %w: %w", name, extract.ErrCorrupt, err)
	}
}

// newDecoder returns a decoder that reads UTF-8 and, after a byte order
// mark, UTF-16; other encodings are decoded when the XML declaration names
// them.
func newDecoder(r io.Reader) *xml.Decoder {
	r = transform.NewReader(r, unicode.BOMOverride(encoding.Nop.NewDecoder()))
	d := xml.NewDecoder(r)
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "utf-16", "utf-16le", "utf-16be", "unicode":
			return in, nil // the byte order mark already switched to UTF-8
		}
		return charset.NewReaderLabel(label, in)
	}
	return d
}

// rel is one relationship of an OPC part (ECMA-376 Part 2, §9.3).
type rel struct {
	ID, Type, Target string // Target resolved to a part name
}

// rels reads the relationships of part ("" for the package's own), skipping
// external targets. A missing .rels part yields none.
func (p *pkg) rels(part string) ([]rel, error) {
	dir, base := path.Split(part)
	relsName := dir + "_rels/" + base + ".rels"
	if !p.has(relsName) {
		return nil, nil
	}
	var out []rel
	err := p.parse(relsName, nil, func(d *xml.Decoder) error {
		for {
			tok, err := d.Token()
			if err != nil {
				return err
			}
			se, ok := tok.(xml.StartElement)
			if !ok || se.Name.Local != "Relationship" {
				continue
			}
			var r rel
			external := false
			for _, a := range se.Attr {
				switch a.Name.Local {
				case "Id":
					r.ID = a.Value
				case "Type":
					r.Type = a.Value
				case "Target":
					r.Target = a.Value
				case "TargetMode":
					external = strings.EqualFold(a.Value, "External")
				}
			}
			if external || r.Target == "" {
				continue
			}
			r.Target = resolve(dir, r.Target)
			out = append(out, r)
		}
	})
	return out, err
}

// resolve turns a relationship target into a part name (no leading slash).
func resolve(dir, target string) string {
	if i := strings.IndexAny(target, "#?"); i >= 0 {
		target = target[:i]
	}
	if strings.HasPrefix(target, "/") {
		return strings.TrimPrefix(path.Clean(target), "/")
	}
	return strings.TrimPrefix(path.Clean("/"+dir+target), "/")
}

// relType reports whether a relationship type URI names kind ("header",
// "worksheet"...), in transitional or strict form.
func relType(uri, kind string) bool { return strings.HasSuffix(uri, "/"+kind) }

// byType returns the targets of the relationships of one kind, in natural
// order of their part names (header2 before header10), without duplicates.
func byType(rs []rel, kind string) []string {
	var out []string
	for _, r := range rs {
		if relType(r.Type, kind) && !slices.Contains(out, r.Target) {
			out = append(out, r.Target)
		}
	}
	slices.SortFunc(out, naturalCompare)
	return out
}

// naturalCompare orders part names by length, then bytes: for names that
// differ only in a trailing number this is numeric order.
func naturalCompare(a, b string) int {
	return cmp.Or(cmp.Compare(len(a), len(b)), strings.Compare(a, b))
}

// partsLike lists the part names dir/prefix<N>.xml in numeric order.
func (p *pkg) partsLike(dir, prefix string) []string {
	var out []string
	for _, n := range p.names {
		d, base := path.Split(n)
		if !strings.EqualFold(d, dir) || !strings.HasSuffix(strings.ToLower(base), ".xml") {
			continue
		}
		num := base[:len(base)-len(".xml")]
		if !strings.HasPrefix(strings.ToLower(num), strings.ToLower(prefix)) {
			continue
		}
		num = num[len(prefix):]
		if num == "" || strings.Trim(num, "0123456789") != "" {
			continue
		}
		out = append(out, n)
	}
	slices.SortFunc(out, naturalCompare)
	return out
}

// format decides which format to extract: what the package says about
// itself (the mimetype entry of an OpenDocument package, the main part of
// an OOXML package), else the sniffed MIME type when it is one of ours.
func (p *pkg) format(mime string) string {
	if p.has("mimetype") {
		if rc, err := p.open("mimetype"); err == nil {
			b, _ := io.ReadAll(io.LimitReader(rc, 100))
			rc.Close()
			switch t := strings.TrimSpace(string(b)); t {
			case extract.MIMEODT, extract.MIMEODS, extract.MIMEODP:
				return t
			}
		}
	}
	main := p.mainPart("")
	if main == "" {
		for _, n := range []string{"word/document.xml", "xl/workbook.xml", "ppt/presentation.xml"} {
			if p.has(n) {
				main = n
				break
			}
		}
	}
	switch {
	case strings.HasPrefix(main, "word/"):
		return extract.MIMEDOCX
	case strings.HasPrefix(main, "xl/"):
		return extract.MIMEXLSX
	case strings.HasPrefix(main, "ppt/"):
		return extract.MIMEPPTX
	}
	switch mime {
	case extract.MIMEDOCX, extract.MIMEXLSX, extract.MIMEPPTX,
		extract.MIMEODT, extract.MIMEODS, extract.MIMEODP:
		return mime
	}
	return ""
}

// mainPart returns the target of the package's officeDocument
// relationship, else fallback.
func (p *pkg) mainPart(fallback string) string {
	rs, _ := p.rels("")
	for _, r := range rs {
		if relType(r.Type, "officeDocument") && p.has(r.Target) {
			return r.Target
		}
	}
	return fallback
}
