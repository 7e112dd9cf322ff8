package text

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
	"unicode"
)

// WriteXML writes the text of the XML document read from r to w:
// attribute values (namespace declarations aside) and character data,
// element by element. The charset is the one the XML declaration names
// (unless the bytes are evidently UTF-8), else what Decode detects. Parsing is lenient (HTML entities, unclosed
// elements); from where it fails, the rest is written as plain text.
func WriteXML(w io.Writer, r io.Reader) error {
	dec, _ := decodeXML(r)
	return writeXML(w, dec)
}

var xmlEncoding = regexp.MustCompile(`^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']`)

// decodeXML decodes by the encoding of the XML declaration, unless a BOM
// or UTF-16 zero bytes say otherwise.
func decodeXML(r io.Reader) (io.Reader, string) {
	br := bufio.NewReaderSize(r, detectLen)
	head, _ := br.Peek(detectLen)
	cs := DetectCharset(head)
	// The declaration decides for ASCII so far and for bytes that are not
	// UTF-8; UTF-8 text declared as something else is mislabelled.
	if cs == UTF8 && !hasHighBytes(head) || cs == Windows1252 {
		if m := xmlEncoding.FindSubmatch(bytes.TrimPrefix(head[:min(len(head), 512)], []byte("\xEF\xBB\xBF"))); m != nil {
			declared := strings.ToLower(string(m[1]))
			switch {
			case strings.HasPrefix(declared, "utf-16"), strings.HasPrefix(declared, "utf-32"):
				// wrong (the bytes are not UTF-16): keep the detected one
			case declared == "utf-8" || declared == "utf8":
				// invalid bytes still fall back to windows-1252
			default:
				cs = declared
			}
		}
	}
	return decodeAs(br, cs), cs
}

func writeXML(w io.Writer, r io.Reader) error {
	t := newTail(r)
	br := bufio.NewReader(t)
	d := xml.NewDecoder(br)
	d.Strict = false
	d.AutoClose = xml.HTMLAutoClose
	d.Entity = xml.HTMLEntity
	d.CharsetReader = func(_ string, in io.Reader) (io.Reader, error) { return in, nil } // already UTF-8
	bw := bufio.NewWriterSize(w, 64<<10)
	tw := textWriter{w: bw}
	for {
		start := d.InputOffset()
		t.mark(start)
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			if ctxErr(err) {
				return err
			}
			tw.newline()
			if _, err := io.Copy(bw, t.rest(start)); err != nil {
				return fmt.Errorf("xml write: %w", err)
			}
			break
		}
		switch v := tok.(type) {
		case xml.StartElement:
			tw.boundary()
			for _, a := range v.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" || a.Name.Local == "schemaLocation" {
					continue
				}
				tw.text([]byte(a.Value))
				tw.boundary()
			}
		case xml.EndElement:
			tw.boundary()
		case xml.CharData:
			tw.text(v)
		}
	}
	tw.newline()
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("xml write: %w", err)
	}
	return nil
}

// textWriter writes text runs with whitespace collapsed: a run of white
// space holding a line break becomes one newline, any other one space;
// element boundaries separate words that touch.
type textWriter struct {
	w       *bufio.Writer
	started bool // something was written
	sep     byte // separator owed before the next word: 0, ' ' or '\n'
}

func (tw *textWriter) text(b []byte) {
	for len(b) > 0 {
		i := bytes.IndexFunc(b, unicode.IsSpace)
		if i != 0 {
			word := b
			if i > 0 {
				word = b[:i]
			}
			if tw.started && tw.sep != 0 {
				tw.w.WriteByte(tw.sep)
			}
			tw.w.Write(word)
			tw.started, tw.sep = true, 0
			b = b[len(word):]
			continue
		}
		j := bytes.IndexFunc(b, func(r rune) bool { return !unicode.IsSpace(r) })
		if j < 0 {
			j = len(b)
		}
		if bytes.IndexByte(b[:j], '\n') >= 0 {
			tw.sep = '\n'
		} else if tw.sep == 0 {
			tw.sep = ' '
		}
		b = b[j:]
	}
}

// boundary owes a space between words on either side of a tag.
func (tw *textWriter) boundary() {
	if tw.sep == 0 {
		tw.sep = ' '
	}
}

func (tw *textWriter) newline() {
	if tw.started {
		tw.w.WriteByte('\n')
		tw.started, tw.sep = false, 0
	}
}

func hasHighBytes(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}
