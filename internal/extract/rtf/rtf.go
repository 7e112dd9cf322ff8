// Package rtf extracts the text and document properties of Rich Text
// Format files (RTF 1.x, as Word, WordPad, TextEdit and OpenOffice write
// them) with a small streaming tokenizer: no external tool, bounded memory
// whatever the file size.
//
// Visible text is kept, including headers, footers, footnotes, text boxes,
// comments and field results. Font, color and style tables, pictures,
// binary data, field instructions and ignorable destinations ({\*\...})
// are skipped. Bytes given as \'hh are decoded in the code page of the
// current font's \fcharset, else the document's \ansicpg (default
// windows-1252), double-byte code pages (Shift-JIS, GBK, Big5, Korean)
// included; \uN characters honour \ucN. Paragraphs and line breaks become
// newlines, table cells tabs and rows newlines. The \info group gives the
// title, author, subject, keywords, creation and revision times and page
// count; {\*\generator} gives the creating application.
package rtf

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/encoding/unicode"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
)

// Extractor handles application/rtf.
type Extractor struct{}

var _ extract.Extractor = Extractor{}

// New returns the RTF extractor.
func New() Extractor { return Extractor{} }

func (Extractor) Name() string    { return "rtf" }
func (Extractor) MIMEs() []string { return []string{extract.MIMERTF} }

// Extract writes the text of the RTF file to s and fills its metadata.
func (Extractor) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	f, err := os.Open(in.Path)
	if err != nil {
		return fmt.Errorf("rtf open: %w", err)
	}
	defer f.Close()
	return Text(ctxReader{ctx, f}, s, s.Meta())
}

// ErrNotRTF is returned for input that does not start with "{\rtf".
var ErrNotRTF = fmt.Errorf("rtf: no {\\rtf header: %w", extract.ErrCorrupt)

// Text writes the text of the RTF document read from r to w and fills in
// meta (which may be nil). A document cut short yields the text up to the
// cut and no error.
func Text(r io.Reader, w io.Writer, meta *archive.Meta) error {
	br := bufio.NewReaderSize(r, 64<<10)
	if b, _ := br.Peek(3); string(b) == "\xEF\xBB\xBF" {
		br.Discard(3)
	}
	head, err := br.Peek(256)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return readErr(err)
	}
	if !strings.HasPrefix(strings.TrimLeft(string(head), " \t\r\n"), `{\rtf`) {
		return ErrNotRTF
	}
	p := &parser{
		r:      br,
		out:    bufio.NewWriterSize(w, 64<<10),
		meta:   meta,
		ansiCP: 1252,
		fontCP: map[int]int{},
		encs:   map[int]encoding.Encoding{},
	}
	p.st = state{uc: 1, font: -1}
	err = p.run()
	if ferr := p.out.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("rtf write: %w", ferr)
	}
	return err
}

// maxDepth bounds the group stack; deeper groups share the state of the
// deepest level kept.
const maxDepth = 256

// destinations: where the text of a group goes
const (
	destText = iota
	destFontTable
	destInfo      // inside \info, between its fields
	destInfoField // a text field of \info
	destGenerator
)

type state struct {
	dest  int
	field string // the \info field collected (destInfoField), or the time field
	font  int    // current font number, -1 for the default
	uc    int    // characters to skip after \uN
}

type parser struct {
	r    *bufio.Reader
	out  *bufio.Writer
	meta *archive.Meta

	st        state
	stack     []state
	depth     int // current group depth (1 inside the document group)
	skipDepth int // > 0: skipping every group down to this depth
	groupOpen bool
	star      bool // the group began with \*

	ansiCP  int
	defFont int
	fontCP  map[int]int // font number → code page, from \fcharset/\cpg
	curFont int         // font being described in the font table
	encs    map[int]encoding.Encoding

	pend   []byte // bytes awaiting decoding in pendCP
	pendCP int
	skip   int  // characters still to skip after \uN
	hiSurr rune // a high surrogate waiting for its low half
	field  strings.Builder
	times  map[string]int // \yr, \mo, ... of the \info time field
}

var errStop = errors.New("stop")

func (p *parser) run() error {
	for {
		c, err := p.r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				p.flush()
				return nil
			}
			return readErr(err)
		}
		switch c {
		case '{':
			p.flush()
			p.openGroup()
		case '}':
			p.flush()
			if p.closeGroup() {
				return nil
			}
		case '\\':
			if err := p.control(); err != nil {
				if errors.Is(err, errStop) {
					p.flush()
					return nil
				}
				return err
			}
		case '\r', '\n':
			// line breaks in the source mean nothing
		default:
			p.groupOpen = false
			p.char(c)
		}
	}
}

func readErr(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("rtf read: %w", err)
}

func (p *parser) openGroup() {
	p.depth++
	p.groupOpen, p.star = true, false
	if p.skipDepth > 0 {
		return
	}
	if len(p.stack) < maxDepth {
		p.stack = append(p.stack, p.st)
	}
}

// closeGroup ends a group; true when the document group ended.
func (p *parser) closeGroup() bool {
	p.groupOpen, p.star = false, false
	if p.depth == 0 {
		return false // unbalanced: ignore
	}
	d := p.depth
	p.depth--
	if p.skipDepth > 0 {
		if d > p.skipDepth {
			return false
		}
		p.skipDepth = 0
	} else {
		p.endField()
	}
	if d <= maxDepth && len(p.stack) > 0 {
		p.st = p.stack[len(p.stack)-1]
		p.stack = p.stack[:len(p.stack)-1]
	}
	p.skip = 0
	return p.depth == 0
}

// skipGroup skips the rest of the current group.
func (p *parser) skipGroup() {
	p.skipDepth = p.depth
	p.field.Reset()
}

// control reads a control word or symbol after a backslash.
func (p *parser) control() error {
	c, err := p.r.ReadByte()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return errStop
		}
		return readErr(err)
	}
	if !isLetter(c) {
		return p.symbol(c)
	}
	var name [32]byte
	n := 0
	name[n] = c
	n++
	for {
		c, err = p.r.ReadByte()
		if err != nil {
			break
		}
		if !isLetter(c) {
			p.r.UnreadByte()
			break
		}
		if n < len(name) {
			name[n] = c
			n++
		}
	}
	word := string(name[:n])
	param, hasParam := 0, false
	if c, err := p.r.ReadByte(); err == nil {
		neg := c == '-'
		if neg {
			c, err = p.r.ReadByte()
		}
		digits := 0
		for err == nil && c >= '0' && c <= '9' {
			if digits < 10 {
				param = param*10 + int(c-'0')
			}
			digits++
			c, err = p.r.ReadByte()
		}
		if digits > 0 {
			hasParam = true
			if neg {
				param = -param
			}
		} else if neg && err == nil {
			p.r.UnreadByte() // a lone '-' is text
			c = '-'
		}
		// a space delimits the word and belongs to it; anything else is text
		if err == nil && c != ' ' {
			p.r.UnreadByte()
		}
	}
	if word == "bin" {
		return p.bin(param)
	}
	if p.skipDepth > 0 {
		return nil
	}
	return p.word(word, param, hasParam)
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// bin skips n bytes of binary data.
func (p *parser) bin(n int) error {
	if n <= 0 {
		return nil
	}
	if _, err := p.r.Discard(n); err != nil {
		if errors.Is(err, io.EOF) {
			return errStop
		}
		return readErr(err)
	}
	return nil
}

// symbol handles a control symbol: \'hh, \{, \*, \~ and so on.
func (p *parser) symbol(c byte) error {
	if p.skipDepth > 0 {
		if c == '\'' {
			p.r.Discard(2)
		}
		return nil
	}
	first := p.groupOpen
	p.groupOpen = false
	switch c {
	case '\'':
		var h [2]byte
		for i := range h {
			b, err := p.r.ReadByte()
			if err != nil {
				return errStop
			}
			h[i] = b
		}
		v, ok := unhex(h[0], h[1])
		if ok {
			p.byte(v)
		}
	case '*':
		if first {
			p.star = true
			p.groupOpen = true // the destination word still comes first
		}
	case '\\', '{', '}':
		p.char(c)
	case '~':
		p.text(" ")
	case '_':
		p.text("-")
	case '-': // optional hyphen
		p.skipChar()
	case '\r', '\n':
		p.text("\n") // same as \par
	case '\t':
		p.text("\t")
	case ':': // index subentry
	default:
		p.skipChar()
	}
	return nil
}

func unhex(a, b byte) (byte, bool) {
	x, ok1 := hexVal(a)
	y, ok2 := hexVal(b)
	return x<<4 | y, ok1 && ok2
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// skipDest are destinations whose content is not document text.
var skipDest = map[string]bool{
	"fonttbl":  false, // parsed, see word
	"colortbl": true, "stylesheet": true, "listtable": true, "listoverridetable": true,
	"revtbl": true, "rsidtbl": true, "xmlnstbl": true, "filetbl": true, "pict": true,
	"sp": true, "shprslt": true, "pgdsctbl": true, "protusertbl": true, "mmathPr": true,
	"xe": true, "tc": true, "tcn": true, "fldinst": true, "template": true,
	"nonshppict": true, "nonesttables": true, "private": true, "objdata": true,
	"datafield": true, "themedata": true, "colorschememapping": true, "latentstyles": true,
	"listpicture": true, "background": true, "docvar": true, "falt": true, "panose": true,
	"bkmkstart": true, "bkmkend": true, "field_inst": true,
}

// keepStar are ignorable destinations ({\*\...}) whose content is kept.
var keepStar = map[string]bool{
	"shpinst": true, "shptxt": true, "annotation": true, "ud": true, "generator": true,
}

// infoFields are the \info fields read as text.
var infoFields = map[string]bool{
	"title": true, "author": true, "subject": true, "keywords": true, "doccomm": true,
	"comment": true, "company": true, "operator": true, "category": true, "manager": true,
}

var infoTimes = map[string]bool{"creatim": true, "revtim": true}

// word handles a control word outside skipped groups.
func (p *parser) word(w string, param int, hasParam bool) error {
	first := p.groupOpen
	p.groupOpen = false
	if first {
		if p.star && !keepStar[w] {
			p.flush()
			p.skipGroup()
			return nil
		}
		if skipDest[w] {
			p.flush()
			p.skipGroup()
			return nil
		}
		switch {
		case w == "fonttbl":
			p.st.dest = destFontTable
			return nil
		case w == "info":
			p.st.dest = destInfo
			return nil
		case w == "generator":
			p.flush()
			p.st.dest = destGenerator
			p.field.Reset()
			return nil
		case p.st.dest == destInfo && infoFields[w]:
			p.flush()
			p.st.dest, p.st.field = destInfoField, w
			p.field.Reset()
			return nil
		case p.st.dest == destInfo && infoTimes[w]:
			p.st.dest, p.st.field = destInfoField, w
			p.times = map[string]int{}
			return nil
		case p.st.dest == destInfo && (w == "nofpages"):
			if p.meta != nil && hasParam && param > 0 {
				p.meta.Pages = param
			}
			return nil
		case p.st.dest == destInfo && w != "upr" && w != "ud":
			p.skipGroup() // other \info entries: version, counts, ...
			return nil
		case w == "annotation":
			p.text("\n")
		}
	}
	switch p.st.dest {
	case destFontTable:
		switch w {
		case "f":
			p.curFont = param
		case "fcharset":
			if cp, ok := charsetCP[param]; ok && cp != 0 {
				p.fontCP[p.curFont] = cp
			}
		case "cpg":
			if param > 0 {
				p.fontCP[p.curFont] = param
			}
		}
		return nil
	case destInfoField:
		if p.times != nil && hasParam {
			switch w {
			case "yr", "mo", "dy", "hr", "min", "sec":
				p.times[w] = param
				return nil
			}
		}
	}
	if w != "u" {
		p.skip = 0
	}
	switch w {
	case "ansicpg":
		if hasParam && param > 0 {
			p.ansiCP = param
		}
	case "ansi":
		p.ansiCP = 1252
	case "mac":
		p.ansiCP = 10000
	case "pc":
		p.ansiCP = 437
	case "pca":
		p.ansiCP = 850
	case "deff":
		p.defFont = param
	case "f":
		if p.st.dest != destFontTable {
			p.flushIfCPChanges(param)
			p.st.font = param
		}
	case "plain":
		p.flushIfCPChanges(-1)
		p.st.font = -1
	case "uc":
		if hasParam && param >= 0 && param < 16 {
			p.st.uc = param
		}
	case "u":
		p.unicode(param)
	case "par", "line", "sect", "page", "row", "nestrow":
		p.text("\n")
	case "tab", "cell", "nestcell":
		p.text("\t")
	case "emdash":
		p.text("—")
	case "endash":
		p.text("–")
	case "bullet":
		p.text("•")
	case "lquote":
		p.text("‘")
	case "rquote":
		p.text("’")
	case "ldblquote":
		p.text("“")
	case "rdblquote":
		p.text("”")
	case "emspace", "enspace", "qmspace":
		p.text(" ")
	}
	return nil
}

// char handles a literal byte of text.
func (p *parser) char(c byte) {
	if p.skipDepth > 0 {
		return
	}
	if p.skip > 0 {
		p.skip--
		return
	}
	if c >= 0x80 || p.needTrail() {
		p.byte(c)
		return
	}
	if c < 0x20 && c != '\t' {
		return
	}
	p.flush()
	p.emit(string(rune(c)))
}

// byte handles a byte of text in the current code page (\'hh, or a raw
// 8-bit byte).
func (p *parser) byte(c byte) {
	if p.skipDepth > 0 {
		return
	}
	if p.skip > 0 {
		p.skip--
		return
	}
	cp := p.codePage()
	if len(p.pend) > 0 && (cp != p.pendCP || len(p.pend) >= 4096 && !p.needTrail()) {
		p.flush()
	}
	p.pendCP = cp
	p.pend = append(p.pend, c)
}

func (p *parser) skipChar() {
	if p.skip > 0 {
		p.skip--
	}
}

// codePage is the code page of the current font, else the document's.
func (p *parser) codePage() int {
	f := p.st.font
	if f < 0 {
		f = p.defFont
	}
	if cp, ok := p.fontCP[f]; ok {
		return cp
	}
	return p.ansiCP
}

// flushIfCPChanges flushes pending bytes before a font change alters the
// code page.
func (p *parser) flushIfCPChanges(font int) {
	if len(p.pend) > 0 && !p.needTrail() {
		old := p.st.font
		p.st.font = font
		if p.codePage() != p.pendCP {
			p.flush()
		}
		p.st.font = old
	}
}

// needTrail reports whether the pending bytes end with the lead byte of a
// double-byte character, so that the next byte (even an ASCII one) is
// its trail byte.
func (p *parser) needTrail() bool {
	if len(p.pend) == 0 || !dbcs(p.pendCP) {
		return false
	}
	i := 0
	for i < len(p.pend) {
		if isLead(p.pendCP, p.pend[i]) {
			i += 2
		} else {
			i++
		}
	}
	return i > len(p.pend)
}

func dbcs(cp int) bool { return cp == 932 || cp == 936 || cp == 949 || cp == 950 }

func isLead(cp int, b byte) bool {
	if cp == 932 {
		return b >= 0x81 && b <= 0x9F || b >= 0xE0 && b <= 0xFC
	}
	return b >= 0x81 && b <= 0xFE
}

// unicode handles \uN: a UTF-16 code unit, then uc characters to skip.
func (p *parser) unicode(n int) {
	if p.skipDepth > 0 {
		return
	}
	p.flush()
	if n < 0 {
		n += 65536
	}
	r := rune(n)
	switch {
	case r >= 0xD800 && r < 0xDC00:
		if p.hiSurr != 0 {
			p.write("\uFFFD")
		}
		p.hiSurr = r
	case r >= 0xDC00 && r < 0xE000:
		if p.hiSurr != 0 {
			p.write(string((p.hiSurr-0xD800)<<10 | (r - 0xDC00) + 0x10000))
			p.hiSurr = 0
		} else {
			p.emit("\uFFFD")
		}
	default:
		p.emit(string(r))
	}
	p.skip = p.st.uc
}

// flush decodes the pending bytes.
func (p *parser) flush() {
	if len(p.pend) == 0 {
		return
	}
	b, err := p.enc(p.pendCP).NewDecoder().Bytes(p.pend)
	if err != nil {
		b = []byte(strings.ToValidUTF8(string(p.pend), "\uFFFD"))
	}
	p.pend = p.pend[:0]
	p.emit(string(b))
}

// text writes s (after pending bytes).
func (p *parser) text(s string) {
	if p.skipDepth > 0 {
		return
	}
	p.flush()
	p.emit(s)
}

// emit writes s to the current destination, settling a lone surrogate.
func (p *parser) emit(s string) {
	if p.hiSurr != 0 {
		p.hiSurr = 0
		p.write("\uFFFD")
	}
	p.write(s)
}

func (p *parser) write(s string) {
	if p.depth == 0 {
		return // outside the document
	}
	switch p.st.dest {
	case destText:
		p.out.WriteString(s)
	case destInfoField, destGenerator:
		if p.times == nil && p.field.Len() < 4096 {
			p.field.WriteString(s)
		}
	}
}

// endField stores an \info field or the generator when its group ends.
func (p *parser) endField() {
	if p.meta == nil {
		p.field.Reset()
		p.times = nil
		return
	}
	switch {
	case p.st.dest == destGenerator:
		if s := clean(p.field.String()); s != "" {
			p.meta.Creator = strings.TrimSuffix(s, ";")
		}
		p.field.Reset()
	case p.st.dest == destInfoField && len(p.stack) > 0 && p.stack[len(p.stack)-1].dest != destInfoField:
		p.setInfo(p.st.field)
		p.field.Reset()
		p.times = nil
	}
}

func (p *parser) setInfo(field string) {
	m := p.meta
	if p.times != nil {
		t := p.times
		if t["yr"] < 1000 || t["mo"] < 1 || t["mo"] > 12 || t["dy"] < 1 || t["dy"] > 31 {
			return
		}
		d := time.Date(t["yr"], time.Month(t["mo"]), t["dy"], t["hr"], t["min"], t["sec"], 0, time.UTC)
		if field == "creatim" {
			m.Created = d
		} else {
			m.Modified = d
		}
		return
	}
	s := clean(p.field.String())
	if s == "" {
		return
	}
	switch field {
	case "title":
		m.Title = s
	case "author":
		m.Author = s
	case "subject":
		m.Subject = s
	case "keywords":
		m.Keywords = s
	default:
		if m.Extra == nil {
			m.Extra = map[string]string{}
		}
		name := field
		switch field {
		case "doccomm", "comment":
			name = "comments"
		case "operator":
			name = "last_author"
		}
		m.Extra[name] = s
	}
}

// clean collapses white space.
func clean(s string) string { return strings.Join(strings.Fields(s), " ") }

// charsetCP maps \fcharset values to Windows code pages (0: the document's).
var charsetCP = map[int]int{
	0: 0, 1: 0, 2: 1252, 77: 10000, 128: 932, 129: 949, 130: 1361, 134: 936, 136: 950,
	161: 1253, 162: 1254, 163: 1258, 177: 1255, 178: 1256, 186: 1257, 204: 1251,
	222: 874, 238: 1250, 254: 437, 255: 850,
}

// enc returns the decoder of a Windows code page (windows-1252 when
// unknown).
func (p *parser) enc(cp int) encoding.Encoding {
	if e, ok := p.encs[cp]; ok {
		return e
	}
	var e encoding.Encoding
	switch cp {
	case 1250:
		e = charmap.Windows1250
	case 1251:
		e = charmap.Windows1251
	case 1253:
		e = charmap.Windows1253
	case 1254:
		e = charmap.Windows1254
	case 1255:
		e = charmap.Windows1255
	case 1256:
		e = charmap.Windows1256
	case 1257:
		e = charmap.Windows1257
	case 1258:
		e = charmap.Windows1258
	case 874:
		e = charmap.Windows874
	case 437:
		e = charmap.CodePage437
	case 850:
		e = charmap.CodePage850
	case 852:
		e = charmap.CodePage852
	case 866:
		e = charmap.CodePage866
	case 10000:
		e = charmap.Macintosh
	case 20866:
		e = charmap.KOI8R
	case 28591:
		e = charmap.ISO8859_1
	case 28592:
		e = charmap.ISO8859_2
	case 932:
		e = japanese.ShiftJIS
	case 936:
		e = simplifiedchinese.GBK
	case 949, 1361:
		e = korean.EUCKR
	case 950:
		e = traditionalchinese.Big5
	case 65001:
		e = unicode.UTF8
	default:
		return charmap.Windows1252 // not cached: code pages are the file's to invent
	}
	p.encs[cp] = e
	return e
}

// ctxReader fails reads once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}
