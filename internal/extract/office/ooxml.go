package office

import (
	"bufio"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
)

// docxRules map WordprocessingML (ECMA-376 Part 1, §17) to text. Deleted
// text of tracked changes is kept: it is part of what the file holds.
// mc:Fallback repeats the mc:Choice content (text boxes) and is skipped.
var docxRules = &rules{
	text: set("t", "delText"),
	skip: set("Fallback", "pPr", "rPr", "instrText", "delInstrText", "tblPr", "tblGrid",
		"trPr", "tcPr", "sectPr", "footnotePr", "endnotePr"),
	lineEnd: set("p", "tr"),
	cellEnd: set("tc"),
	tab:     set("tab", "ptab"),
	brk:     set("br", "cr"),
	lit:     map[string]string{"noBreakHyphen": "-"},
}

// pptxRules map PresentationML slides, notes and comments (DrawingML text,
// ECMA-376 Part 1, §19 and §21) to text.
var pptxRules = &rules{
	text:    set("t", "text"),
	skip:    set("Fallback", "pPr", "rPr", "endParaRPr", "extLst"),
	lineEnd: set("p", "tr", "cm"),
	cellEnd: set("tc"),
	brk:     set("br"),
}

// xlsxCommentRules map SpreadsheetML cell comments to text, one per line.
var xlsxCommentRules = &rules{
	text:    set("t"),
	skip:    set("authors", "rPr", "rPh", "extLst"),
	lineEnd: set("comment"),
}

// walkParts appends the text of further parts, one after another. A damaged
// secondary part is passed over: the body is what matters.
func (p *pkg) walkParts(tw *textWriter, parts []string, r *rules) error {
	for _, part := range parts {
		if !p.has(part) {
			continue
		}
		tw.sep('\n')
		err := p.parse(part, tw, func(d *xml.Decoder) error { return walk(d, tw, r) })
		if err != nil && !(errors.Is(err, extract.ErrCorrupt) && tw.err == nil) {
			return err
		}
	}
	return nil
}

func (p *pkg) docx(tw *textWriter, m *archive.Meta) error {
	if err := p.ooxmlProps(m, true); err != nil {
		return err
	}
	main := p.mainPart("word/document.xml")
	if !p.has(main) {
		return fmt.Errorf("office docx: %w: no main document part", extract.ErrCorrupt)
	}
	if err := p.parse(main, tw, func(d *xml.Decoder) error { return walk(d, tw, docxRules) }); err != nil {
		return err
	}
	rs, err := p.rels(main)
	if err != nil && !errors.Is(err, extract.ErrCorrupt) {
		return err
	}
	p.chunks = byType(rs, "aFChunk")
	for _, kind := range []string{"header", "footer", "footnotes", "endnotes", "comments"} {
		parts := byType(rs, kind)
		if len(rs) == 0 {
			parts = p.partsLike("word/", kind)
			if p.has("word/" + kind + ".xml") {
				parts = append(parts, "word/"+kind+".xml")
			}
		}
		if err := p.walkParts(tw, parts, docxRules); err != nil {
			return err
		}
	}
	return nil
}

func (p *pkg) pptx(tw *textWriter, m *archive.Meta) error {
	if err := p.ooxmlProps(m, false); err != nil {
		return err
	}
	pres := p.mainPart("ppt/presentation.xml")
	rs, err := p.rels(pres)
	if err != nil && !errors.Is(err, extract.ErrCorrupt) {
		return err
	}
	var slides []string
	if p.has(pres) {
		ids, err := p.relIDs(pres, "sldId")
		if err != nil {
			return err
		}
		slides = targets(rs, ids, "slide")
	}
	if len(slides) == 0 {
		slides = p.partsLike("ppt/slides/", "slide")
	}
	if len(slides) == 0 {
		return fmt.Errorf("office pptx: %w: no slides", extract.ErrCorrupt)
	}
	for i, slide := range slides {
		if i > 0 {
			tw.page()
		}
		if !p.has(slide) {
			continue // listed but absent: an empty page keeps the slide numbers
		}
		err := p.parse(slide, tw, func(d *xml.Decoder) error { return walk(d, tw, pptxRules) })
		if err != nil && !(errors.Is(err, extract.ErrCorrupt) && tw.err == nil) {
			return err
		}
		srs, err := p.rels(slide)
		if err != nil && !errors.Is(err, extract.ErrCorrupt) {
			return err
		}
		more := append(byType(srs, "notesSlide"), byType(srs, "comments")...)
		if err := p.walkParts(tw, more, pptxRules); err != nil {
			return err
		}
	}
	if m.Pages == 0 {
		m.Pages = len(slides)
	}
	return nil
}

// relIDs lists, in document order, the relationship ids (r:id) of the
// elements named elem in part, with their name attribute if any.
func (p *pkg) relIDs(part, elem string) ([][2]string, error) {
	var out [][2]string
	err := p.parse(part, nil, func(d *xml.Decoder) error {
		for {
			tok, err := d.Token()
			if err != nil {
				return err
			}
			se, ok := tok.(xml.StartElement)
			if !ok || se.Name.Local != elem {
				continue
			}
			var id, name string
			for _, a := range se.Attr {
				switch {
				case a.Name.Local == "id" && a.Name.Space != "":
					id = a.Value
				case a.Name.Local == "name" && a.Name.Space == "":
					name = a.Value
				}
			}
			if id != "" {
				out = append(out, [2]string{id, name})
			}
		}
	})
	if err != nil && !errors.Is(err, extract.ErrCorrupt) {
		return nil, err
	}
	return out, nil
}

// targets resolves relationship ids to part names, keeping only the
// relationships of one kind.
func targets(rs []rel, ids [][2]string, kind string) []string {
	var out []string
	for _, id := range ids {
		for _, r := range rs {
			if r.ID == id[0] && relType(r.Type, kind) {
				out = append(out, r.Target)
				break
			}
		}
	}
	return out
}

func (p *pkg) xlsx(tw *textWriter, m *archive.Meta) error {
	if err := p.ooxmlProps(m, false); err != nil {
		return err
	}
	wb := p.mainPart("xl/workbook.xml")
	if strings.HasSuffix(strings.ToLower(wb), ".bin") {
		return fmt.Errorf("office xlsx: %w: binary workbook (XLSB)", extract.ErrUnsupported)
	}
	rs, err := p.rels(wb)
	if err != nil && !errors.Is(err, extract.ErrCorrupt) {
		return err
	}
	type sheet struct{ name, part string }
	var sheets []sheet
	if p.has(wb) {
		ids, err := p.relIDs(wb, "sheet")
		if err != nil {
			return err
		}
		for _, id := range ids {
			if t := targets(rs, [][2]string{id}, "worksheet"); len(t) == 1 {
				sheets = append(sheets, sheet{id[1], t[0]})
			}
		}
	}
	if len(sheets) == 0 {
		for i, part := range p.partsLike("xl/worksheets/", "sheet") {
			sheets = append(sheets, sheet{"Sheet" + strconv.Itoa(i+1), part})
		}
	}
	if len(sheets) == 0 {
		return fmt.Errorf("office xlsx: %w: no worksheets", extract.ErrCorrupt)
	}

	ssPart := "xl/sharedStrings.xml"
	if t := byType(rs, "sharedStrings"); len(t) > 0 {
		ssPart = t[0]
	}
	var ss []string
	if p.has(ssPart) {
		err := p.scanPart(ssPart, nil, func(r *bufio.Reader) error {
			var err error
			ss, err = sharedScan(r)
			return err
		}, func(d *xml.Decoder) error {
			var err error
			ss, err = sharedStrings(d)
			return err
		})
		if err != nil && !errors.Is(err, extract.ErrCorrupt) {
			return err
		}
	}

	for i, sh := range sheets {
		if i > 0 {
			tw.page()
		}
		tw.text("Sheet: " + sh.name)
		tw.sep('\n')
		if !p.has(sh.part) {
			continue
		}
		err := p.scanPart(sh.part, tw, func(r *bufio.Reader) error { return sheetScan(r, tw, ss) },
			func(d *xml.Decoder) error { return sheetText(d, tw, ss) })
		if err != nil && !(errors.Is(err, extract.ErrCorrupt) && tw.err == nil) {
			return err
		}
		srs, err := p.rels(sh.part)
		if err != nil && !errors.Is(err, extract.ErrCorrupt) {
			return err
		}
		if err := p.walkParts(tw, byType(srs, "comments"), xlsxCommentRules); err != nil {
			return err
		}
	}
	return nil
}

// maxSharedBytes bounds the shared strings held in memory; strings past it
// are kept as empty, so that the indexes of the cells still match.
const maxSharedBytes = 256 << 20

// sharedStrings reads the shared string table (ECMA-376 Part 1, §18.4),
// without phonetic runs.
func sharedStrings(d *xml.Decoder) ([]string, error) {
	var out []string
	var b strings.Builder
	inSI, inT := false, 0
	held := 0
	for {
		tok, err := d.Token()
		if err != nil {
			return out, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				inSI = true
				b.Reset()
			case "t":
				inT++
			case "rPh", "phoneticPr", "extLst":
				if err := d.Skip(); err != nil {
					return out, err
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				if held += b.Len(); held > maxSharedBytes {
					out = append(out, "")
				} else {
					out = append(out, b.String())
				}
				inSI = false
			case "t":
				inT--
			}
		case xml.CharData:
			if inSI && inT > 0 {
				b.Write(t)
			}
		}
	}
}

var headerFooter = set("oddHeader", "oddFooter", "evenHeader", "evenFooter", "firstHeader", "firstFooter")

// sheetText streams a worksheet (ECMA-376 Part 1, §18.3): one line per row,
// cells separated by tabs, numbers as stored, then the page headers and
// footers. It reads with RawToken: sheets are the largest parts of most
// packages, and RawToken, which neither matches end elements nor resolves
// name spaces (only local names matter here), is faster than Token.
func sheetText(d *xml.Decoder, tw *textWriter, ss []string) error {
	var (
		b        strings.Builder
		cellType string
		inV, inT bool
		inIS     bool
		inHF     bool
		hf       []string
	)
	for {
		if tw.err != nil {
			return tw.err
		}
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch l := t.Name.Local; {
			case l == "c":
				cellType = ""
				for _, a := range t.Attr {
					if a.Name.Local == "t" {
						cellType = a.Value
					}
				}
				b.Reset()
			case l == "v":
				inV = true
			case l == "is":
				inIS = true
			case l == "t":
				inT = inIS
			case l == "f" || l == "rPh" || l == "extLst":
				if err := skipRaw(d); err != nil {
					return err
				}
			case headerFooter[l]:
				inHF = true
				b.Reset()
			}
		case xml.EndElement:
			switch l := t.Name.Local; {
			case l == "v":
				inV = false
			case l == "t":
				inT = false
			case l == "is":
				inIS = false
			case l == "c":
				tw.text(cellValue(cellType, b.String(), ss))
				tw.sep('\t')
			case l == "row":
				tw.sep('\n')
			case headerFooter[l]:
				inHF = false
				if h := stripHeaderFooter(b.String()); h != "" && !slices.Contains(hf, h) {
					hf = append(hf, h)
				}
			}
		case xml.CharData:
			if inV || inT || inHF {
				b.Write(t)
			}
		}
	}
	for _, h := range hf {
		tw.sep('\n')
		tw.text(h)
	}
	return nil
}

// skipRaw skips to the end of the element just started, for RawToken
// readers (Decoder.Skip reads with Token, whose element stack a RawToken
// reader does not keep).
func skipRaw(d *xml.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := d.RawToken()
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			depth++
		case xml.EndElement:
			depth--
		}
	}
	return nil
}

func cellValue(typ, v string, ss []string) string {
	switch typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(ss) {
			return ""
		}
		return ss[i]
	case "b":
		switch strings.TrimSpace(v) {
		case "1":
			return "TRUE"
		case "0":
			return "FALSE"
		}
	}
	return v
}

// stripHeaderFooter removes the formatting codes of a header or footer
// (ECMA-376 Part 1, §18.3.1.39): &L &C &R sections become spaces, &P &N &D
// &T &F &A &Z &G fields, font, size and colour codes are dropped, && is &.
func stripHeaderFooter(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '&' || i+1 >= len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch n := s[i]; {
		case n == '&':
			b.WriteByte('&')
		case n == 'L' || n == 'C' || n == 'R':
			b.WriteByte(' ')
		case n == '"': // &"font,style"
			if j := strings.IndexByte(s[i+1:], '"'); j >= 0 {
				i += j + 1
			} else {
				i = len(s)
			}
		case n == 'K': // &Krrggbb or &KTTSNN
			i += min(6, len(s)-1-i)
		case n >= '0' && n <= '9': // font size
			for i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
				i++
			}
		case n == '+' || n == '-': // &+n / &-n after &P: page offset
			for i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
				i++
			}
		default: // &P &N &D &T &F &A &Z &G &B &I &U &E &S &X &Y
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}
