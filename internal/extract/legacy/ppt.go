package legacy

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"

	"github.com/trove-archive/trove/internal/extract"
)

// PowerPoint extracts PowerPoint 97–2003 presentations in Go: it follows
// the current user edit to the persist directory (MS-PPT), then writes
// each slide in order: the text of its placeholders, its text boxes,
// tables and groups, its comments, then its notes. Slides are separated
// by form feeds; the text added to master slides ends the presentation
// (the placeholder prompts "Click to edit …" left out). catppt is only a
// fallback for files whose edit chain is damaged: measured on the corpus
// it printed no slide text at all, only master names.
type PowerPoint struct{ cfg Config }

var _ extract.Extractor = (*PowerPoint)(nil)

func (*PowerPoint) Name() string    { return "ppt" }
func (*PowerPoint) MIMEs() []string { return []string{extract.MIMEPPT} }

// Record types (MS-PPT 2.13.24).
const (
	rtDocument          = 0x03E8
	rtSlide             = 0x03EE
	rtSlideAtom         = 0x03EF
	rtNotes             = 0x03F0
	rtSlidePersistAtom  = 0x03F3
	rtMainMaster        = 0x03F8
	rtTextCharsAtom     = 0x0FA0
	rtTextBytesAtom     = 0x0FA8
	rtCString           = 0x0FBA
	rtSlideListWithText = 0x0FF0
	rtUserEditAtom      = 0x0FF5
	rtPersistDirectory  = 0x1772
	rtComment10         = 0x2EE0
	rtCryptSession10    = 0x2F14
	rtBinaryTagData     = 0x138B
)

func (p *PowerPoint) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	c, closeFile, err := openOLE(in.Path, "ppt")
	if err != nil {
		return err
	}
	defer closeFile()
	m := s.Meta()
	c.properties().fill(m)
	for _, n := range c.names() {
		if n == "EncryptedSummary" {
			m.Encrypted = true
			return fmt.Errorf("ppt: %w", extract.ErrEncrypted)
		}
	}
	e := c.find("PowerPoint Document")
	if e == nil {
		return fmt.Errorf("ppt: %w: no PowerPoint Document stream (PowerPoint 95 or older?)", extract.ErrUnsupported)
	}
	doc, err := c.read(e, p.cfg.MaxStream)
	if err != nil {
		return fmt.Errorf("ppt: %w", err)
	}
	var cur []byte
	if ce := c.find("Current User"); ce != nil {
		cur, _ = c.read(ce, 1<<20)
	}
	pres, err := readPresentation(doc, cur)
	if errors.Is(err, extract.ErrEncrypted) {
		m.Encrypted = true
		return fmt.Errorf("ppt: %w", err)
	}
	if err != nil {
		// The edit chain is damaged: try catppt, else every text record in storage order.
		if out, terr := p.cfg.run(ctx, toolCatppt, p.cfg.Catppt, in.Path, "-d", "utf-8"); terr == nil && len(bytes.TrimSpace(out)) > 0 {
			return textOut(s, out)
		}
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		var t textCollector
		t.walk(doc, 0)
		if len(t.parts) == 0 {
			return fmt.Errorf("ppt: %w", err)
		}
		return textOut(s, []byte(strings.Join(t.parts, "\n")))
	}
	m.Pages = len(pres.slides)
	var b strings.Builder
	for i, sl := range pres.slides {
		if i > 0 {
			b.WriteString("\f")
		}
		for _, t := range sl {
			b.WriteString(t + "\n")
		}
	}
	if len(pres.masters) > 0 {
		b.WriteString("\f")
		for _, t := range pres.masters {
			b.WriteString(t + "\n")
		}
	}
	if err := textOut(s, []byte(b.String())); err != nil {
		return err
	}
	return trailer(s, m)
}

type presentation struct {
	slides  [][]string // per slide: its text blocks
	masters []string
}

type record struct {
	ver, inst uint16
	typ       uint16
	data      []byte
	off       int // of the header in the stream
}

// readRecord reads the record header at off.
func readRecord(b []byte, off int) (record, bool) {
	if off < 0 || off+8 > len(b) {
		return record{}, false
	}
	vi := binary.LittleEndian.Uint16(b[off:])
	l := int(binary.LittleEndian.Uint32(b[off+4:]))
	if l < 0 || l > len(b)-off-8 {
		return record{}, false
	}
	return record{ver: vi & 0xF, inst: vi >> 4, typ: binary.LittleEndian.Uint16(b[off+2:]), data: b[off+8 : off+8+l], off: off}, true
}

// children lists the records inside a container's data.
func children(d []byte) []record {
	var out []record
	for off := 0; off+8 <= len(d); {
		r, ok := readRecord(d, off)
		if !ok {
			break
		}
		out = append(out, r)
		off += 8 + len(r.data)
	}
	return out
}

var errPPT = fmt.Errorf("ppt: %w", extract.ErrCorrupt)

// readPresentation follows Current User → UserEditAtom → persist
// directory → DocumentContainer → slide lists.
func readPresentation(doc, cur []byte) (*presentation, error) {
	if len(cur) < 20 {
		return nil, fmt.Errorf("%w: no Current User stream", errPPT)
	}
	editOff := int(binary.LittleEndian.Uint32(cur[16:]))
	persist := map[uint32]int{}
	docRef := uint32(0)
	seen, seenDir := map[int]bool{}, map[int]bool{}
	for first := true; ; first = false {
		if seen[editOff] || len(seen) > 1000 {
			return nil, fmt.Errorf("%w: user edit chain loops", errPPT)
		}
		seen[editOff] = true
		ue, ok := readRecord(doc, editOff)
		if !ok || ue.typ != rtUserEditAtom || len(ue.data) < 28 {
			return nil, fmt.Errorf("%w: no UserEditAtom at %d", errPPT, editOff)
		}
		if first {
			docRef = binary.LittleEndian.Uint32(ue.data[16:])
			if len(ue.data) >= 32 && binary.LittleEndian.Uint32(ue.data[28:]) != 0 {
				return nil, extract.ErrEncrypted // encryptSessionPersistIdRef
			}
		}
		pdOff := int(binary.LittleEndian.Uint32(ue.data[12:]))
		pd, ok := readRecord(doc, pdOff)
		if !ok || pd.typ != rtPersistDirectory {
			return nil, fmt.Errorf("%w: no persist directory", errPPT)
		}
		d := pd.data
		if seenDir[pdOff] {
			d = nil // edits sharing a directory: read it once
		}
		seenDir[pdOff] = true
		for len(d) >= 4 {
			h := binary.LittleEndian.Uint32(d)
			id, n := h&0xFFFFF, int(h>>20)
			d = d[4:]
			for i := 0; i < n && len(d) >= 4; i++ {
				if _, ok := persist[id+uint32(i)]; !ok { // newer edits win
					persist[id+uint32(i)] = int(binary.LittleEndian.Uint32(d))
				}
				d = d[4:]
			}
		}
		last := int(binary.LittleEndian.Uint32(ue.data[8:]))
		if last == 0 {
			break
		}
		editOff = last
	}
	at := func(ref uint32, typ uint16) (record, bool) {
		off, ok := persist[ref]
		if !ok {
			return record{}, false
		}
		r, ok := readRecord(doc, off)
		return r, ok && r.typ == typ
	}
	dc, ok := at(docRef, rtDocument)
	if !ok {
		return nil, fmt.Errorf("%w: no DocumentContainer", errPPT)
	}
	for _, r := range children(dc.data) {
		if r.typ == rtCryptSession10 {
			return nil, extract.ErrEncrypted
		}
	}
	p := &presentation{}
	notes := map[uint32][]string{} // notes id → text
	type slideRef struct {
		persist uint32
		texts   []string
	}
	var slides []slideRef
	var masters []slideRef
	for _, l := range children(dc.data) {
		if l.typ != rtSlideListWithText {
			continue
		}
		var list []slideRef
		var ids []uint32
		for _, r := range children(l.data) {
			switch r.typ {
			case rtSlidePersistAtom:
				if len(r.data) >= 16 {
					list = append(list, slideRef{persist: binary.LittleEndian.Uint32(r.data)})
					ids = append(ids, binary.LittleEndian.Uint32(r.data[12:]))
				}
			case rtTextCharsAtom, rtTextBytesAtom:
				if len(list) > 0 {
					if t := atomText(r); t != "" {
						list[len(list)-1].texts = append(list[len(list)-1].texts, t)
					}
				}
			}
		}
		switch l.inst {
		case 0:
			slides = append(slides, list...)
		case 1:
			masters = append(masters, list...)
		case 2:
			for i, n := range list {
				var t textCollector
				if r, ok := at(n.persist, rtNotes); ok {
					t.walk(r.data, 0)
				}
				notes[ids[i]] = append(n.texts, t.parts...)
			}
		}
	}
	for _, sr := range slides {
		texts := sr.texts
		if r, ok := at(sr.persist, rtSlide); ok {
			var t textCollector
			t.walk(r.data, 0)
			texts = appendNew(texts, t.parts...)
			for _, a := range children(r.data) {
				if a.typ == rtSlideAtom && len(a.data) >= 20 {
					texts = appendNew(texts, notes[binary.LittleEndian.Uint32(a.data[16:])]...)
				}
			}
		}
		p.slides = append(p.slides, texts)
	}
	for _, mr := range masters {
		texts := mr.texts
		if r, ok := at(mr.persist, rtMainMaster); ok {
			var t textCollector
			t.walk(r.data, 0)
			texts = appendNew(texts, t.parts...)
		}
		for _, t := range texts {
			if !isPrompt(t) {
				p.masters = appendNew(p.masters, t)
			}
		}
	}
	return p, nil
}

// isPrompt: a master's placeholder prompt or field stand-in, not content.
func isPrompt(t string) bool {
	return strings.HasPrefix(t, "Click to edit") || strings.HasPrefix(t, "Edit Master") || strings.HasPrefix(t, "Second level") ||
		t == "*" || t == "‹#›"
}

func appendNew(dst []string, add ...string) []string {
	for _, a := range add {
		dup := false
		for _, d := range dst {
			if d == a {
				dup = true
				break
			}
		}
		if !dup {
			dst = append(dst, a)
		}
	}
	return dst
}

// textCollector gathers the text atoms of a record tree, and the strings
// of comments.
type textCollector struct {
	parts []string
	n     int
}

func (t *textCollector) walk(d []byte, depth int) {
	if depth > 32 {
		return
	}
	for _, r := range children(d) {
		if t.n++; t.n > 1<<20 {
			return
		}
		switch {
		case r.typ == rtTextCharsAtom || r.typ == rtTextBytesAtom:
			if s := atomText(r); s != "" && s != "*" {
				t.parts = append(t.parts, s)
			}
		case r.typ == rtComment10:
			var c []string
			for _, a := range children(r.data) {
				if a.typ == rtCString && a.inst <= 1 { // author, text
					if s := atomText(a); s != "" {
						c = append(c, s)
					}
				}
			}
			if len(c) > 0 {
				t.parts = append(t.parts, "Comment: "+strings.Join(c, ": "))
			}
		case r.ver == 0xF || r.typ == rtBinaryTagData:
			t.walk(r.data, depth+1)
		}
	}
}

// atomText decodes a text atom: UTF-16LE for chars atoms and CStrings,
// Latin-1 for bytes atoms. Vertical tabs and carriage returns (PowerPoint's
// line and paragraph breaks) become newlines.
func atomText(r record) string {
	var s string
	if r.typ == rtTextBytesAtom {
		rs := make([]rune, len(r.data))
		for i, c := range r.data {
			rs[i] = rune(c)
		}
		s = string(rs)
	} else {
		u := make([]uint16, len(r.data)/2)
		for i := range u {
			u[i] = binary.LittleEndian.Uint16(r.data[2*i:])
		}
		s = string(utf16.Decode(u))
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\r' || r == '\v':
			return '\n'
		case r == '\t' || r == '\n':
			return r
		case r < 0x20 || r == 0x7F || r == 0xFFFD:
			return -1
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}
