package legacy

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/trove-archive/trove/internal/extract"
)

// Word extracts Word 97–2003 documents (and Word 6/95 ones in a compound
// file) with catdoc, falling back to antiword when catdoc fails or finds
// no text.
type Word struct{ cfg Config }

var _ extract.Extractor = (*Word)(nil)

func (*Word) Name() string    { return "catdoc" }
func (*Word) MIMEs() []string { return []string{extract.MIMEDOC} }

// Extract writes the document's text (body, then headers, footers,
// footnotes as catdoc orders them; field instructions such as HYPERLINK
// removed) and its summary properties. Errors wrap extract.ErrUnsupported
// (no compound file), extract.ErrCorrupt, extract.ErrEncrypted (the FIB's
// encryption flag, or a tool saying so), extract.ErrToolMissing,
// extract.ErrTimeout or extract.ErrTooLarge.
func (w *Word) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	c, closeFile, err := openOLE(in.Path, "doc")
	if err != nil {
		return err
	}
	defer closeFile()
	m := s.Meta()
	c.properties().fill(m)
	if e := c.find("WordDocument"); e == nil {
		return fmt.Errorf("doc: %w: no WordDocument stream", extract.ErrUnsupported)
	} else if fib, err := c.read(e, 1<<20); err == nil && len(fib) >= 12 {
		// FIB base: wIdent 0xA5EC (Word 8) or 0xA5DC (Word 6/95); flags at 0x0A, fEncrypted = 0x0100.
		ident := binary.LittleEndian.Uint16(fib)
		if (ident == 0xA5EC || ident == 0xA5DC) && binary.LittleEndian.Uint16(fib[0x0A:])&0x0100 != 0 {
			m.Encrypted = true
			return fmt.Errorf("doc: %w", extract.ErrEncrypted)
		}
	}
	out, err := w.cfg.run(ctx, toolCatdoc, w.cfg.Catdoc, in.Path, "-d", "utf-8", "-w")
	err = encryptedErr(err, m)
	if errors.Is(err, extract.ErrEncrypted) || ctx.Err() != nil {
		return err
	}
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		out2, err2 := w.cfg.run(ctx, toolAntiword, w.cfg.Antiword, in.Path, "-m", "UTF-8.txt", "-w", "0")
		err2 = encryptedErr(err2, m)
		switch {
		case err2 == nil && len(bytes.TrimSpace(out2)) > 0:
			out, err = out2, nil
		case errors.Is(err2, extract.ErrEncrypted):
			return err2
		case err == nil:
			// catdoc found an empty document; antiword agrees or fails
		case err2 != nil && extract.Reason(err) == "tool_missing":
			return err2
		default:
			return err
		}
	}
	if err := textOut(s, []byte(stripFields(string(out)))); err != nil {
		return err
	}
	return trailer(s, m)
}

// fieldRE matches a Word field instruction as catdoc prints it: a field
// keyword followed by at least one quoted argument, switch or bookmark.
var fieldRE = regexp.MustCompile(`\b(HYPERLINK|SEQ|PAGEREF|REF|NOTEREF|TOC|TC|INCLUDEPICTURE|INCLUDETEXT|EMBED|LINK|MERGEFIELD|FORMTEXT|FORMCHECKBOX|FORMDROPDOWN|PAGE|NUMPAGES|SECTIONPAGES|DATE|TIME|CREATEDATE|SAVEDATE|PRINTDATE|AUTHOR|TITLE|SUBJECT|KEYWORDS|COMMENTS|FILENAME|DOCPROPERTY|DOCVARIABLE|QUOTE|SYMBOL|EQ|SHAPE|ADDIN|XE|INDEX|STYLEREF|MACROBUTTON|GOTOBUTTON|FILLIN|ASK|SET|LISTNUM|AUTONUM|AUTONUMLGL|USERNAME|NUMWORDS|BIBLIOGRAPHY|CITATION)(?:[ \t]+[A-Za-z][\w.]*)?((?:[ \t]+(?:"[^"\n]*"|\\[*@#!][ \t]+(?:"[^"\n]*"|[^\s"\\]+)|\\[A-Za-z]+|_\w+))+)`)

var quotedRE = regexp.MustCompile(`"([^"\n]*)"`)

// stripFields removes field instructions from catdoc's text. A hyperlink's
// external target is kept, in angle brackets, unless the visible text
// that follows already shows it.
func stripFields(t string) string {
	if !strings.Contains(t, "\\") && !strings.Contains(t, "\"") {
		return t
	}
	lines := strings.Split(t, "\n")
	for i, line := range lines {
		if !strings.ContainsAny(line, "\\\"_") {
			continue
		}
		var b strings.Builder
		last := 0
		for _, m := range fieldRE.FindAllStringSubmatchIndex(line, -1) {
			b.WriteString(line[last:m[0]])
			last = m[1]
			if line[m[2]:m[3]] != "HYPERLINK" {
				continue
			}
			args := line[m[4]:m[5]]
			q := quotedRE.FindStringSubmatch(args)
			if q == nil || strings.Contains(args, `\l`) {
				continue
			}
			target := strings.TrimSpace(q[1])
			shown := strings.TrimPrefix(target, "mailto:")
			if shown != "" && !strings.Contains(line[m[1]:], shown) {
				b.WriteString("<" + target + ">")
			}
		}
		if last == 0 {
			continue
		}
		b.WriteString(line[last:])
		lines[i] = collapseSpaces(b.String())
	}
	return strings.Join(lines, "\n")
}

// collapseSpaces turns runs of spaces into one and trims the line's end,
// keeping tabs (cell separators) and leading indentation.
func collapseSpaces(s string) string {
	var b strings.Builder
	space := false
	for i, r := range s {
		if r == ' ' && i > 0 {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteRune(r)
	}
	return strings.TrimRight(b.String(), " ")
}
