package office

import (
	"bufio"
	"encoding/xml"
	"io"
)

// textWriter lays out extracted text. Separators are held back until text
// follows, so that empty paragraphs and cells leave no runs of blank lines
// or tabs; a later separator replaces a pending one (a cell's end turns its
// last paragraph's line break into a tab). Form feeds are always written,
// so that page n of the text is slide or sheet n.
type textWriter struct {
	w       *bufio.Writer
	err     error // first write error; later writes are dropped
	pending byte  // separator to write before the next text, or 0
	started bool  // text was written since the last page break
}

func newTextWriter(w io.Writer) *textWriter {
	return &textWriter{w: bufio.NewWriterSize(w, 64<<10)}
}

// text writes s, after the pending separator.
func (t *textWriter) text(s string) {
	if s == "" || t.err != nil {
		return
	}
	if t.pending != 0 {
		t.write(string(t.pending))
		t.pending = 0
	}
	t.write(s)
	t.started = true
}

// bytes is text for a []byte, without converting it.
func (t *textWriter) bytes(b []byte) {
	if len(b) == 0 || t.err != nil {
		return
	}
	if t.pending != 0 {
		t.write(string(t.pending))
		t.pending = 0
	}
	if _, err := t.w.Write(b); err != nil && t.err == nil {
		t.err = err
	}
	t.started = true
}

func (t *textWriter) write(s string) {
	if _, err := t.w.WriteString(s); err != nil && t.err == nil {
		t.err = err
	}
}

// sep asks for a separator ('\n', '\t' or ' ') before the next text on the
// same page.
func (t *textWriter) sep(c byte) {
	if t.started {
		t.pending = c
	}
}

// page ends a page (slide, sheet).
func (t *textWriter) page() {
	if t.err != nil {
		return
	}
	t.pending = 0
	t.write("\f")
	t.started = false
}

func (t *textWriter) flush() error {
	if t.err != nil {
		return t.err
	}
	t.err = t.w.Flush()
	return t.err
}

// rules describe how a markup vocabulary maps to text, by element local name.
type rules struct {
	text    map[string]bool   // character data inside is text
	skip    map[string]bool   // whole subtree ignored
	lineEnd map[string]bool   // end tag ends a line
	cellEnd map[string]bool   // end tag ends a table cell
	tab     map[string]bool   // element stands for a tab
	brk     map[string]bool   // element stands for a line break
	lit     map[string]string // element stands for this text
}

func set(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// walk streams the text of one part to tw according to r.
func walk(d *xml.Decoder, tw *textWriter, r *rules) error {
	inText := 0
	for {
		if tw.err != nil {
			return tw.err
		}
		tok, err := d.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			l := t.Name.Local
			switch {
			case r.skip[l]:
				if err := d.Skip(); err != nil {
					return err
				}
			case r.text[l]:
				inText++
			case r.tab[l]:
				tw.text("\t")
			case r.brk[l]:
				tw.text("\n")
			case r.lit[l] != "":
				tw.text(r.lit[l])
			}
		case xml.EndElement:
			l := t.Name.Local
			switch {
			case r.text[l]:
				inText--
			case r.cellEnd[l]:
				tw.sep('\t')
			case r.lineEnd[l]:
				tw.sep('\n')
			}
		case xml.CharData:
			if inText > 0 {
				tw.bytes(t)
			}
		}
	}
}
