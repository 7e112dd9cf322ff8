package office

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Worksheets are most of the bytes of most spreadsheets in a leak (database
// exports of tens of thousands of rows), and encoding/xml spends about
// 2.5 µs on each cell. sheetScan reads the small part of XML a worksheet
// uses (elements, attributes, character data, the five predefined and
// numeric character references, CDATA, comments, processing instructions)
// with a byte scanner, several times faster, and gives the same text as
// sheetText (FuzzSheetScan compares them). Parts in another encoding than
// UTF-8, or with a document type declaration, go to sheetText.

var errSheetSyntax = errors.New("worksheet XML syntax error")

// scanPart reads a part with fast (a scanXML reader) when it is UTF-8,
// else with slow (encoding/xml), like pkg.parse.
func (p *pkg) scanPart(name string, tw *textWriter, fast func(*bufio.Reader) error, slow func(*xml.Decoder) error) error {
	rc, err := p.open(name)
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(rc, 64<<10)
	head, _ := br.Peek(512)
	if !plainUTF8(head) {
		rc.Close()
		return p.parse(name, tw, slow)
	}
	defer rc.Close()
	return partErr(name, tw, fast(br))
}

// plainUTF8 reports whether a part starting with head is UTF-8 without a
// byte order mark other than UTF-8's and without a document type
// declaration (whose entities only encoding/xml would report).
func plainUTF8(head []byte) bool {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if len(head) >= 2 && (head[0] == 0xfe || head[0] == 0xff || head[0] == 0) {
		return false
	}
	if bytes.Contains(head, []byte("<!DOCTYPE")) {
		return false
	}
	if i := bytes.Index(head, []byte("?>")); bytes.HasPrefix(head, []byte("<?xml")) && i > 0 {
		decl := strings.ToLower(string(head[:i]))
		if j := strings.Index(decl, "encoding="); j >= 0 {
			enc := strings.Trim(decl[j+len("encoding="):], ` "'`)
			if k := strings.IndexAny(enc, ` "'`); k >= 0 {
				enc = enc[:k]
			}
			return enc == "utf-8" || enc == "utf8"
		}
	}
	return true
}

// xmlEvents receives what scanXML reads. start is called for each start
// tag (empty elements too, then with empty set: there is no end call for
// them) and returns whether to skip the element's content; text goes to
// the builder while keep returns true.
type xmlEvents struct {
	start func(local string, attrs []byte, empty bool) (skip bool)
	end   func(local string)
	keep  func() bool
}

// scanXML reads r to the end, calling ev. A part cut short (io.EOF inside
// a skipped element) ends the scan with io.EOF, as encoding/xml does.
func scanXML(r *bufio.Reader, b *strings.Builder, ev xmlEvents) error {
	var name, attrs []byte
	for {
		c, err := r.ReadByte()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if c != '<' {
			r.UnreadByte()
			if err := scanCharData(r, b, ev.keep()); err != nil {
				return err
			}
			continue
		}
		c, err = r.ReadByte()
		if err != nil {
			return errSheetSyntax
		}
		switch c {
		case '?':
			if err := skipPast(r, "?>"); err != nil {
				return err
			}
			continue
		case '!':
			if err := scanBang(r, b, ev.keep()); err != nil {
				return err
			}
			continue
		case '/':
			if name, err = scanName(r, name[:0]); err != nil {
				return err
			}
			if err := skipPast(r, ">"); err != nil {
				return err
			}
			ev.end(localName(name))
			continue
		}
		r.UnreadByte()
		if name, err = scanName(r, name[:0]); err != nil {
			return err
		}
		var empty bool
		if attrs, empty, err = scanAttrs(r, attrs[:0]); err != nil {
			return err
		}
		if ev.start(localName(name), attrs, empty) && !empty {
			if err := skipElement(r); err != nil {
				return err
			}
		}
	}
}

// sheetScan is sheetText over scanXML.
func sheetScan(r *bufio.Reader, tw *textWriter, ss []string) error {
	var (
		b        strings.Builder
		cellType string
		inV, inT bool
		inIS     bool
		inHF     bool
		hf       []string
	)
	endHF := func() {
		inHF = false
		if h := stripHeaderFooter(b.String()); h != "" && !slices.Contains(hf, h) {
			hf = append(hf, h)
		}
	}
	endCell := func() {
		tw.text(cellValue(cellType, b.String(), ss))
		tw.sep('\t')
	}
	err := scanXML(r, &b, xmlEvents{
		keep: func() bool { return (inV || inT || inHF) && tw.err == nil },
		start: func(l string, attrs []byte, empty bool) bool {
			// An empty element is a start and an end, as encoding/xml
			// reports it.
			switch {
			case l == "c":
				cellType = attrValue(attrs, "t")
				b.Reset()
				if empty {
					endCell()
				}
			case l == "v":
				inV = !empty
			case l == "is":
				inIS = !empty
			case l == "t":
				inT = inIS && !empty
			case l == "f" || l == "rPh" || l == "extLst":
				return true
			case headerFooter[l]:
				b.Reset()
				inHF = true
				if empty {
					endHF()
				}
			case l == "row" && empty:
				tw.sep('\n')
			}
			return false
		},
		end: func(l string) {
			switch {
			case l == "v":
				inV = false
			case l == "t":
				inT = false
			case l == "is":
				inIS = false
			case l == "c":
				endCell()
			case l == "row":
				tw.sep('\n')
			case headerFooter[l]:
				endHF()
			}
		},
	})
	if err != nil {
		return err
	}
	if tw.err != nil {
		return tw.err
	}
	for _, h := range hf {
		tw.sep('\n')
		tw.text(h)
	}
	return nil
}

// sharedScan is sharedStrings over scanXML.
func sharedScan(r *bufio.Reader) ([]string, error) {
	var out []string
	var b strings.Builder
	inSI, inT := false, 0
	held := 0
	err := scanXML(r, &b, xmlEvents{
		keep: func() bool { return inSI && inT > 0 },
		start: func(l string, _ []byte, empty bool) bool {
			switch l {
			case "si":
				b.Reset()
				inSI = true
				if empty {
					out = append(out, "")
					inSI = false
				}
			case "t":
				if !empty {
					inT++
				}
			case "rPh", "phoneticPr", "extLst":
				return true
			}
			return false
		},
		end: func(l string) {
			switch l {
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
		},
	})
	return out, err
}

func localName(name []byte) string {
	if i := bytes.LastIndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	return string(name)
}

func isNameByte(c byte) bool {
	return c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '>' && c != '/' && c != '=' && c != '<'
}

// scanName reads an element name.
func scanName(r *bufio.Reader, buf []byte) ([]byte, error) {
	for {
		c, err := r.ReadByte()
		if err != nil {
			return nil, errSheetSyntax
		}
		if !isNameByte(c) {
			r.UnreadByte()
			if len(buf) == 0 {
				return nil, errSheetSyntax
			}
			return buf, nil
		}
		buf = append(buf, c)
	}
}

// scanAttrs reads up to the end of a start tag and returns its raw
// attributes and whether the element was empty (<c/>).
func scanAttrs(r *bufio.Reader, buf []byte) ([]byte, bool, error) {
	var quote byte
	for {
		c, err := r.ReadByte()
		if err != nil {
			return nil, false, errSheetSyntax
		}
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			empty := len(buf) > 0 && buf[len(buf)-1] == '/'
			return buf, empty, nil
		case c == '<':
			return nil, false, errSheetSyntax
		}
		buf = append(buf, c)
	}
}

// attrValue returns the value of the (last) attribute whose local name is
// key, references decoded.
func attrValue(attrs []byte, key string) string {
	s := string(attrs)
	found := ""
	for s != "" {
		s = strings.TrimLeft(s, " \t\r\n")
		eq := strings.IndexByte(s, '=')
		if eq < 0 {
			return found
		}
		name := strings.TrimSpace(s[:eq])
		if i := strings.LastIndexByte(name, ':'); i >= 0 {
			name = name[i+1:]
		}
		rest := strings.TrimLeft(s[eq+1:], " \t\r\n")
		if rest == "" || (rest[0] != '"' && rest[0] != '\'') {
			return found
		}
		end := strings.IndexByte(rest[1:], rest[0])
		if end < 0 {
			return found
		}
		val := rest[1 : 1+end]
		if name == key {
			var b strings.Builder
			if decodeRefs(&b, normalizeAttr(val)) == nil {
				found = b.String()
			}
		}
		s = rest[2+end:]
	}
	return found
}

// normalizeAttr replaces white space characters in an attribute value by
// spaces, as XML parsers do (XML 1.0 §3.3.3).
func normalizeAttr(s string) string {
	if strings.ContainsAny(s, "\t\r\n") {
		s = strings.NewReplacer("\r\n", " ", "\t", " ", "\r", " ", "\n", " ").Replace(s)
	}
	return s
}

// scanCharData reads character data up to the next '<', decoding
// references and turning \r\n and \r into \n, into b when keep is set.
func scanCharData(r *bufio.Reader, b *strings.Builder, keep bool) error {
	for {
		chunk, err := r.ReadSlice('<')
		text := chunk
		if err == nil {
			text = chunk[:len(chunk)-1]
		}
		if keep { // text elsewhere is not read, so not checked either
			if derr := decodeRefs(b, normalizeNewlines(string(text))); derr != nil {
				return derr
			}
		}
		switch {
		case err == nil:
			r.UnreadByte()
			return nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue // a long run of text: a reference may span the cut
		case err == io.EOF:
			return nil // text after the root element, then the end
		default:
			return err
		}
	}
}

func normalizeNewlines(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// decodeRefs writes s with its character and entity references decoded.
func decodeRefs(b *strings.Builder, s string) error {
	for {
		i := strings.IndexByte(s, '&')
		if i < 0 {
			b.WriteString(s)
			return nil
		}
		b.WriteString(s[:i])
		s = s[i+1:]
		j := strings.IndexByte(s, ';')
		if j < 0 {
			return errSheetSyntax
		}
		ref := s[:j]
		s = s[j+1:]
		switch ref {
		case "amp":
			b.WriteByte('&')
		case "lt":
			b.WriteByte('<')
		case "gt":
			b.WriteByte('>')
		case "quot":
			b.WriteByte('"')
		case "apos":
			b.WriteByte('\'')
		default:
			if !strings.HasPrefix(ref, "#") {
				return errSheetSyntax
			}
			var n uint64
			var err error
			if strings.HasPrefix(ref, "#x") {
				n, err = strconv.ParseUint(ref[2:], 16, 32)
			} else {
				n, err = strconv.ParseUint(ref[1:], 10, 32)
			}
			if err != nil || !xmlChar(rune(n)) {
				return errSheetSyntax
			}
			b.WriteRune(rune(n))
		}
	}
}

// xmlChar reports whether r may appear in an XML document (XML 1.0 §2.2).
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= utf8.MaxRune
}

// scanBang reads what follows "<!": a comment, CDATA (kept as text), or
// another declaration (skipped).
func scanBang(r *bufio.Reader, b *strings.Builder, keep bool) error {
	peek, _ := r.Peek(7)
	switch {
	case bytes.HasPrefix(peek, []byte("--")):
		r.Discard(2)
		return skipPast(r, "-->")
	case bytes.HasPrefix(peek, []byte("[CDATA[")):
		r.Discard(7)
		var data []byte
		for {
			c, err := r.ReadByte()
			if err != nil {
				return errSheetSyntax
			}
			data = append(data, c)
			if bytes.HasSuffix(data, []byte("]]>")) {
				if keep {
					b.WriteString(normalizeNewlines(string(data[:len(data)-3])))
				}
				return nil
			}
		}
	}
	// A declaration, with nested <…> (as in an internal DTD subset),
	// quoted strings and comments, read as encoding/xml reads it: its
	// first byte is taken as it is, whatever it is.
	if _, err := r.ReadByte(); err != nil {
		return errSheetSyntax
	}
	var quote byte
	for depth := 0; ; {
		c, err := r.ReadByte()
		if err != nil {
			return errSheetSyntax
		}
		switch {
		case quote == 0 && c == '>' && depth == 0:
			return nil
		case c == quote:
			quote = 0
		case quote != 0:
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			depth--
		case c == '<':
			if p, _ := r.Peek(3); string(p) == "!--" {
				r.Discard(3)
				if err := skipPast(r, "-->"); err != nil {
					return err
				}
				continue
			}
			depth++
		}
	}
}

// skipPast reads up to and including end.
func skipPast(r *bufio.Reader, end string) error {
	matched := 0
	for matched < len(end) {
		c, err := r.ReadByte()
		if err != nil {
			return errSheetSyntax
		}
		switch {
		case c == end[matched]:
			matched++
		case c == end[0]:
			matched = 1
		default:
			matched = 0
		}
	}
	return nil
}

// skipElement skips the content and end tag of the element just started.
func skipElement(r *bufio.Reader) error {
	var name, attrs []byte
	for depth := 1; depth > 0; {
		c, err := r.ReadByte()
		if err != nil {
			return err // io.EOF: a truncated part ends here, as with encoding/xml
		}
		if c != '<' {
			continue
		}
		c, err = r.ReadByte()
		if err != nil {
			return errSheetSyntax
		}
		switch c {
		case '/':
			depth--
			if err := skipPast(r, ">"); err != nil {
				return err
			}
		case '?':
			if err := skipPast(r, "?>"); err != nil {
				return err
			}
		case '!':
			var discard strings.Builder
			if err := scanBang(r, &discard, false); err != nil {
				return err
			}
		default:
			r.UnreadByte()
			if name, err = scanName(r, name[:0]); err != nil {
				return err
			}
			var empty bool
			if attrs, empty, err = scanAttrs(r, attrs[:0]); err != nil {
				return err
			}
			if !empty {
				depth++
			}
		}
	}
	return nil
}
