package office

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
)

// odf extracts an OpenDocument package (OASIS ODF 1.2 Part 3 packaging):
// meta.xml, content.xml, then the headers and footers of the master pages
// in styles.xml.
func (p *pkg) odf(tw *textWriter, m *archive.Meta, mime string) error {
	enc, err := p.odfEncrypted()
	if err != nil {
		return err
	}
	if enc {
		m.Encrypted = true
		return fmt.Errorf("office content.xml: %w (OpenDocument encryption is not supported)", extract.ErrEncrypted)
	}
	if err := p.odfProps(m, mime == extract.MIMEODT); err != nil {
		return err
	}
	if !p.has("content.xml") {
		return fmt.Errorf("office %s: %w: no content.xml", mime, extract.ErrCorrupt)
	}
	pages := 0
	if err := p.parse("content.xml", tw, func(d *xml.Decoder) error {
		return odfContent(d, tw, mime, &pages)
	}); err != nil {
		return err
	}
	if mime == extract.MIMEODP && m.Pages == 0 {
		m.Pages = pages
	}
	for _, obj := range p.odfObjects() {
		tw.sep('\n')
		var none int
		err := p.parse(obj, tw, func(d *xml.Decoder) error { return odfContent(d, tw, "", &none) })
		if err != nil && !(errors.Is(err, extract.ErrCorrupt) && tw.err == nil) {
			return err
		}
	}
	if !p.has("styles.xml") {
		return nil
	}
	var lines []string
	err = p.parse("styles.xml", nil, func(d *xml.Decoder) error {
		var err error
		lines, err = odfMasterText(d)
		return err
	})
	if err != nil && !errors.Is(err, extract.ErrCorrupt) {
		return err
	}
	for _, l := range lines {
		tw.sep('\n')
		tw.text(l)
	}
	return nil
}

// odfEncrypted reports whether the manifest says content.xml is encrypted.
func (p *pkg) odfEncrypted() (bool, error) {
	const manifest = "META-INF/manifest.xml"
	if !p.has(manifest) {
		return false, nil
	}
	enc := false
	err := p.parse(manifest, nil, func(d *xml.Decoder) error {
		var entry string
		for {
			tok, err := d.Token()
			if err != nil {
				return err
			}
			se, ok := tok.(xml.StartElement)
			if !ok {
				continue
			}
			switch se.Name.Local {
			case "file-entry":
				entry = ""
				for _, a := range se.Attr {
					if a.Name.Local == "full-path" {
						entry = strings.TrimPrefix(a.Value, "/")
					}
				}
			case "encryption-data":
				if entry == "content.xml" {
					enc = true
				}
			}
		}
	})
	if err != nil && !errors.Is(err, extract.ErrCorrupt) {
		return false, err
	}
	return enc, nil
}

// maxSpaces bounds a text:s run (its c attribute is untrusted).
const maxSpaces = 100

// maxAside bounds the notes and comments held back until the end of the
// body.
const maxAside = 64 << 20

// odfShapes are drawing elements that may sit inside a paragraph; their text
// is set apart from the paragraph's own.
var odfShapes = set("frame", "custom-shape", "rect", "ellipse", "circle", "text-box", "title",
	"desc", "g", "line", "polygon", "polyline", "path", "connector", "caption", "measure")

// odfContent streams content.xml: paragraphs and headings, with text:s,
// text:tab and text:line-break; table cells and rows; a page break and a
// "Sheet: <name>" line before each spreadsheet table; a page break between
// presentation pages (whose speaker notes follow their text). Footnotes,
// endnotes and comments, which sit inside the paragraph they refer to, are
// held back and written after the body, as in a DOCX.
func odfContent(d *xml.Decoder, tw *textWriter, mime string, pages *int) error {
	var asideBuf bytes.Buffer
	aside := newTextWriter(&limitWriter{w: &asideBuf, n: maxAside})
	type flow struct {
		tw   *textWriter
		para int
	}
	body, side := &flow{tw: tw}, &flow{tw: aside}
	cur := body
	var stack []string
	asideDepth := 0
	for {
		if tw.err != nil {
			return tw.err
		}
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			l := t.Name.Local
			if l == "binary-data" || l == "note-citation" {
				if err := d.Skip(); err != nil {
					return err
				}
				continue
			}
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			stack = append(stack, l)
			switch {
			case l == "note-body" || l == "annotation":
				if asideDepth == 0 {
					cur = side
					cur.para = 0
					cur.tw.sep('\n')
				}
				asideDepth++
			case l == "p" || l == "h":
				cur.para++
			case odfShapes[l]:
				cur.tw.sep('\n')
			case l == "s":
				if cur.para > 0 {
					n := 1
					if v := attr(t, "c"); v != "" {
						if c, err := strconv.Atoi(v); err == nil {
							n = min(max(c, 1), maxSpaces)
						}
					}
					cur.tw.text(strings.Repeat(" ", n))
				}
			case l == "tab":
				if cur.para > 0 {
					cur.tw.text("\t")
				}
			case l == "line-break":
				if cur.para > 0 {
					cur.tw.text("\n")
				}
			case l == "table" && mime == extract.MIMEODS && parent == "spreadsheet":
				if *pages > 0 {
					tw.page()
				}
				*pages++
				tw.text("Sheet: " + attr(t, "name"))
				tw.sep('\n')
			case l == "page" && mime == extract.MIMEODP && parent == "presentation":
				if *pages > 0 {
					tw.page()
				}
				*pages++
			}
		case xml.EndElement:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			switch l := t.Name.Local; {
			case l == "note-body" || l == "annotation":
				cur.tw.sep('\n')
				if asideDepth--; asideDepth == 0 {
					cur = body
				}
			case l == "p" || l == "h":
				cur.para--
				cur.tw.sep('\n')
			case odfShapes[l]:
				cur.tw.sep('\n')
			case l == "table-cell" || l == "covered-table-cell":
				cur.tw.sep('\t')
			case l == "table-row":
				cur.tw.sep('\n')
			}
		case xml.CharData:
			if cur.para > 0 {
				cur.tw.text(string(t))
			}
		}
	}
	if err := aside.flush(); err != nil {
		return err
	}
	if asideBuf.Len() > 0 {
		tw.sep('\n')
		tw.text(asideBuf.String())
	}
	return nil
}

// limitWriter passes on the first n bytes and drops the rest.
type limitWriter struct {
	w io.Writer
	n int64
}

func (l *limitWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(int64(len(p)), l.n)
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
		l.n -= k
	}
	return len(p), nil
}

// odfFields are fields whose text in a master page is a placeholder
// ("Page 1", "???"), not content.
var odfFields = set("page-number", "page-count", "sheet-name", "date", "time", "file-name",
	"title", "chapter", "author-name", "author-initials", "binary-data")

// odfMasterText returns the distinct paragraphs of the master pages'
// headers, footers and drawings in styles.xml.
func odfMasterText(d *xml.Decoder) ([]string, error) {
	var (
		lines  []string
		b      strings.Builder
		master int
		para   int
	)
	for {
		tok, err := d.Token()
		if err != nil {
			return lines, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			l := t.Name.Local
			switch {
			case l == "master-styles":
				master++
			case master == 0:
			case odfFields[l]:
				if err := d.Skip(); err != nil {
					return lines, err
				}
			case l == "p" || l == "h":
				if para == 0 {
					b.Reset()
				}
				para++
			case l == "s" || l == "tab" || l == "line-break":
				b.WriteByte(' ')
			}
		case xml.EndElement:
			switch l := t.Name.Local; {
			case l == "master-styles":
				master--
			case master > 0 && (l == "p" || l == "h") && para > 0:
				para--
				if para > 0 {
					continue
				}
				s := strings.Join(strings.Fields(b.String()), " ")
				if strings.IndexFunc(s, isAlnum) >= 0 && !slices.Contains(lines, s) {
					lines = append(lines, s)
				}
			}
		case xml.CharData:
			if master > 0 && para > 0 && b.Len() < 1<<20 {
				b.Write(t)
			}
		}
	}
}

func attr(se xml.StartElement, local string) string {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

func isAlnum(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }
