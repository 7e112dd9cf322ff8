// Package html extracts the visible text and title of HTML documents:
// scripts, styles and other invisible elements are dropped, block elements
// become line breaks, table cells tabs. The charset comes from the BOM, the
// charset declared outside the document, a meta tag within its first
// 64 KiB, or a guess (UTF-8 when the bytes are mostly UTF-8, else
// windows-1252).
// The author, keywords, description and generator meta tags fill in the
// metadata; a "title" meta tag stands in for a missing <title>.
package html

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	xunicode "golang.org/x/text/encoding/unicode"

	"github.com/trove-archive/trove/internal/extract"
)

// Extractor handles text/html.
type Extractor struct{}

var _ extract.Extractor = Extractor{}

// New returns the HTML extractor.
func New() Extractor { return Extractor{} }

func (Extractor) Name() string    { return "html" }
func (Extractor) MIMEs() []string { return []string{extract.MIMEHTML} }

func (Extractor) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	f, err := os.Open(in.Path)
	if err != nil {
		return fmt.Errorf("html open: %w", err)
	}
	defer f.Close()
	d, err := parse(ctxReader{ctx, f}, "", s)
	if err != nil {
		return err
	}
	m := s.Meta()
	set := func(dst *string, v string) {
		if *dst == "" && v != "" {
			*dst = v
		}
	}
	set(&m.Title, d.title)
	set(&m.Title, d.metaTitle)
	set(&m.Author, d.author)
	set(&m.Keywords, d.keywords)
	set(&m.Creator, d.generator)
	if d.description != "" {
		if m.Extra == nil {
			m.Extra = map[string]string{}
		}
		if m.Extra["description"] == "" {
			m.Extra["description"] = d.description
		}
	}
	return nil
}

// Text writes the visible text of the HTML document read from r to w and
// returns its <title>. declared is a charset named outside the document
// (an HTTP or MIME Content-Type), or "".
func Text(r io.Reader, declared string, w io.Writer) (title string, err error) {
	d, err := parse(r, declared, w)
	return d.title, err
}

// doc is what parse learns besides the text.
type doc struct {
	title, metaTitle, author, keywords, description, generator string
}

// maxTitle bounds the title kept, in bytes.
const maxTitle = 4096

func parse(r io.Reader, declared string, w io.Writer) (doc, error) {
	var d doc
	br := bufio.NewReaderSize(r, 64<<10)
	dec := decoder(br, declared)
	bw := bufio.NewWriterSize(w, 64<<10)
	z := nethtml.NewTokenizer(dec)
	skip := 0 // depth inside script/style/etc.
	inTitle, titleDone, extraTitle := false, false, false
	var tb strings.Builder
	lastNL := true   // at the start of a line
	lastWS := false  // the last byte written is a tab
	pending := false // white space seen since the last word
	word := func(t []byte) {
		words := bytes.Fields(t)
		if len(words) == 0 {
			if len(t) > 0 {
				pending = true
			}
			return
		}
		lead := unicode.IsSpace(firstRune(t))
		if !lastNL && !lastWS && (pending || lead) {
			bw.WriteByte(' ')
		}
		for i, wd := range words {
			if i > 0 {
				bw.WriteByte(' ')
			}
			bw.Write(wd)
		}
		lastNL, lastWS = false, false
		pending = unicode.IsSpace(lastRune(t))
	}
	for {
		tt := z.Next()
		switch tt {
		case nethtml.ErrorToken:
			if z.Err() != io.EOF {
				return doc{}, fmt.Errorf("html parse: %w", z.Err())
			}
			if inTitle {
				// an unclosed <title> swallowed the rest: it was text
				word([]byte(tb.String()))
				tb.Reset()
			}
			if err := bw.Flush(); err != nil {
				return doc{}, fmt.Errorf("html write: %w", err)
			}
			d.title = strings.Join(strings.Fields(tb.String()), " ")
			return d, nil
		case nethtml.StartTagToken, nethtml.EndTagToken, nethtml.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Math:
				if tt == nethtml.StartTagToken {
					skip++
				} else if tt == nethtml.EndTagToken && skip > 0 {
					skip--
				}
			case atom.Title:
				if skip > 0 {
					continue
				}
				switch {
				case tt == nethtml.StartTagToken && !titleDone:
					inTitle = true
				case tt == nethtml.StartTagToken:
					extraTitle = true // later titles are not shown either
				case tt == nethtml.EndTagToken && inTitle:
					inTitle, titleDone = false, true
				case tt == nethtml.EndTagToken:
					extraTitle = false
				}
			case atom.Meta:
				if hasAttr {
					metaTag(z, &d)
				}
			case atom.Br, atom.P, atom.Div, atom.Li, atom.Tr, atom.H1, atom.H2, atom.H3, atom.H4,
				atom.H5, atom.H6, atom.Table, atom.Ul, atom.Ol, atom.Blockquote, atom.Pre, atom.Section,
				atom.Article, atom.Header, atom.Footer, atom.Hr, atom.Dt, atom.Dd, atom.Dl, atom.Nav,
				atom.Main, atom.Aside, atom.Address, atom.Figure, atom.Figcaption, atom.Caption,
				atom.Form, atom.Fieldset, atom.Legend, atom.Center, atom.Body, atom.Thead, atom.Tbody,
				atom.Tfoot, atom.Details, atom.Summary, atom.Frameset:
				if !lastNL {
					bw.WriteByte('\n')
					lastNL, lastWS = true, false
				}
				pending = false
			case atom.Td, atom.Th:
				if tt == nethtml.StartTagToken && !lastNL && !lastWS {
					bw.WriteByte('\t')
					lastWS = true
				}
				pending = false
			case atom.Option, atom.Img, atom.Input, atom.Button, atom.Select, atom.Textarea, atom.Label:
				pending = true // a word break, not a line break
			}
		case nethtml.TextToken:
			if skip > 0 || extraTitle {
				continue
			}
			if inTitle {
				if tb.Len() < maxTitle {
					tb.Write(z.Text())
				}
				continue
			}
			word(z.Text())
		}
	}
}

// metaTag reads the attributes of a <meta> tag into d.
func metaTag(z *nethtml.Tokenizer, d *doc) {
	var name, content string
	for more := true; more; {
		var k, v []byte
		k, v, more = z.TagAttr()
		switch string(k) {
		case "name", "property":
			name = strings.ToLower(strings.TrimSpace(string(v)))
		case "content":
			content = strings.Join(strings.Fields(string(v)), " ")
		}
	}
	if content == "" || len(content) > maxTitle {
		return
	}
	set := func(dst *string) {
		if *dst == "" {
			*dst = content
		}
	}
	switch name {
	case "title", "dc.title", "og:title":
		set(&d.metaTitle)
	case "author", "dc.creator":
		set(&d.author)
	case "keywords":
		set(&d.keywords)
	case "description", "dc.description", "og:description":
		set(&d.description)
	case "generator":
		set(&d.generator)
	}
}

func firstRune(b []byte) rune { r, _ := utf8.DecodeRune(b); return r }
func lastRune(b []byte) rune  { r, _ := utf8.DecodeLastRune(b); return r }

// decoder returns the document's text as UTF-8: by BOM, the declared
// charset, a meta tag in the first 64 KiB, else UTF-8 when the first
// 64 KiB are mostly UTF-8, else windows-1252. Invalid UTF-8 becomes
// U+FFFD.
func decoder(br *bufio.Reader, declared string) io.Reader {
	head, _ := br.Peek(64 << 10)
	var e encoding.Encoding
	switch {
	case bytes.HasPrefix(head, []byte("\xEF\xBB\xBF")):
		br.Discard(3)
		e = xunicode.UTF8
	case bytes.HasPrefix(head, []byte("\xFF\xFE")):
		br.Discard(2)
		e = xunicode.UTF16(xunicode.LittleEndian, xunicode.IgnoreBOM)
	case bytes.HasPrefix(head, []byte("\xFE\xFF")):
		br.Discard(2)
		e = xunicode.UTF16(xunicode.BigEndian, xunicode.IgnoreBOM)
	}
	if e == nil && declared != "" {
		e, _ = charset.Lookup(declared)
	}
	if e == nil {
		if label := metaCharset(head); label != "" {
			enc, name := charset.Lookup(label)
			switch {
			case enc == nil:
			case strings.HasPrefix(name, "utf-16"), name == "utf-8":
				// a meta tag cannot switch to UTF-16 (WHATWG), and one
				// claiming UTF-8 over bytes that are not is wrong
				if mostlyUTF8(head) {
					e = xunicode.UTF8
				}
			default:
				e = enc
			}
		}
	}
	if e == nil {
		if mostlyUTF8(head) {
			e = xunicode.UTF8
		} else {
			e = charmap.Windows1252
		}
	}
	return e.NewDecoder().Reader(br)
}

// metaCharset returns the charset a <meta> tag of head declares, or "".
func metaCharset(head []byte) string {
	z := nethtml.NewTokenizer(bytes.NewReader(head))
	for {
		switch z.Next() {
		case nethtml.ErrorToken:
			return ""
		case nethtml.StartTagToken, nethtml.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			switch atom.Lookup(name) {
			case atom.Body:
				return ""
			case atom.Meta:
			default:
				continue
			}
			pragma := false
			cs := ""
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "charset":
					return strings.TrimSpace(string(v))
				case "http-equiv":
					pragma = strings.EqualFold(strings.TrimSpace(string(v)), "content-type")
				case "content":
					cs = fromContentType(string(v))
				}
			}
			if pragma && cs != "" {
				return cs
			}
		}
	}
}

// fromContentType returns the charset parameter of a Content-Type value.
func fromContentType(s string) string {
	i := strings.Index(strings.ToLower(s), "charset")
	if i < 0 {
		return ""
	}
	s = strings.TrimLeft(s[i+len("charset"):], " \t\r\n\f")
	if !strings.HasPrefix(s, "=") {
		return ""
	}
	s = strings.Trim(strings.TrimLeft(s[1:], " \t\r\n\f"), `"'`)
	if end := strings.IndexAny(s, "\"'; \t\r\n\f"); end >= 0 {
		s = s[:end]
	}
	return s
}

// mostlyUTF8 reports whether b is UTF-8 but for a few stray bytes: at
// least as many valid multi-byte sequences as invalid bytes.
func mostlyUTF8(b []byte) bool {
	if validUTF8(b) {
		return true
	}
	valid, invalid := 0, 0
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		switch {
		case r == utf8.RuneError && n == 1 && !utf8.FullRune(b[i:]):
			i = len(b)
			continue
		case r == utf8.RuneError && n == 1:
			invalid++
		case n > 1:
			valid++
		}
		i += n
	}
	return valid > 0 && valid >= invalid
}

// validUTF8 reports whether b is UTF-8, allowing a rune cut off at its end.
func validUTF8(b []byte) bool {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				b = b[:i]
			}
			break
		}
	}
	return utf8.Valid(b)
}

// ctxReader fails reads once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
