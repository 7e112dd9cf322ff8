package text

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// WriteJSON writes the strings of the JSON read from r (bytes in any
// charset Decode knows) to w, one per line: object keys with the scalar
// they name as "key: value", string and number values, keys of nested
// containers as "key:". A sequence of values (JSON Lines) is fine. From
// where the input stops being JSON (or a string exceeds 4 MiB), the rest
// is written as plain text.
func WriteJSON(w io.Writer, r io.Reader) error {
	dec, _ := decode(r)
	return writeJSON(w, dec)
}

// errSyntax marks input that is not JSON.
var errSyntax = errors.New("json syntax")

// jsonLexer reads JSON tokens, keeping the raw bytes of the current one so
// that a failure can write them out.
type jsonLexer struct {
	r   *bufio.Reader
	raw []byte // raw bytes of the current token
	val []byte // decoded string or number
}

// tokens
const (
	tEOF byte = 0
	tStr byte = '"'
	tNum byte = '0'
	tLit byte = 't' // true, false, null
)

// next returns the kind of the next token: one of {}[]:, or tStr, tNum,
// tLit, tEOF.
func (l *jsonLexer) next() (byte, error) {
	l.raw, l.val = l.raw[:0], l.val[:0]
	for {
		c, err := l.r.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return tEOF, nil
			}
			return 0, err
		}
		switch c {
		case ' ', '\t', '\n', '\r':
			continue
		case '{', '}', '[', ']', ':', ',':
			l.raw = append(l.raw, c)
			return c, nil
		case '"':
			l.raw = append(l.raw, c)
			return tStr, l.str()
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			l.raw = append(l.raw, c)
			return tNum, l.num()
		default:
			l.raw = append(l.raw, c)
			if c < 'a' || c > 'z' {
				return 0, errSyntax
			}
			return tLit, l.lit()
		}
	}
}

func (l *jsonLexer) str() error {
	for {
		c, err := l.r.ReadByte()
		if err != nil {
			return eofIsSyntax(err)
		}
		l.raw = append(l.raw, c)
		if len(l.raw) > maxToken {
			return errTooLong
		}
		switch {
		case c == '"':
			return nil
		case c != '\\':
			l.val = append(l.val, c)
			continue
		}
		c, err = l.r.ReadByte()
		if err != nil {
			return eofIsSyntax(err)
		}
		l.raw = append(l.raw, c)
		switch c {
		case '"', '\\', '/':
			l.val = append(l.val, c)
		case 'b', 'f', 'n', 'r', 't':
			l.val = append(l.val, ' ')
		case 'u':
			r, err := l.hex4()
			if err != nil {
				return err
			}
			for r >= 0xD800 && r < 0xDC00 { // a high surrogate: a low one should follow
				b, _ := l.r.Peek(2)
				if string(b) != `\u` {
					break
				}
				l.r.Discard(2)
				l.raw = append(l.raw, b...)
				lo, err := l.hex4()
				if err != nil {
					return err
				}
				if lo < 0xDC00 || lo > 0xDFFF {
					l.val = utf8.AppendRune(l.val, utf8.RuneError)
					r = lo
					continue
				}
				r = utf16.DecodeRune(r, lo)
			}
			switch {
			case utf16.IsSurrogate(r):
				r = utf8.RuneError
			case r < 0x20 || r == 0x7F:
				r = ' ' // control characters, as Decode treats them
			}
			l.val = utf8.AppendRune(l.val, r)
		default:
			return errSyntax
		}
	}
}

func (l *jsonLexer) hex4() (rune, error) {
	var h [4]byte
	for i := range h {
		c, err := l.r.ReadByte()
		if err != nil {
			return 0, eofIsSyntax(err)
		}
		l.raw = append(l.raw, c)
		h[i] = c
	}
	v, err := strconv.ParseUint(string(h[:]), 16, 16)
	if err != nil {
		return 0, errSyntax
	}
	return rune(v), nil
}

func (l *jsonLexer) num() error {
	for {
		b, _ := l.r.Peek(1)
		if len(b) == 0 {
			break
		}
		c := b[0]
		if !(c >= '0' && c <= '9' || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
			break
		}
		l.r.Discard(1)
		l.raw = append(l.raw, c)
		if len(l.raw) > 1024 {
			return errSyntax
		}
	}
	if _, err := strconv.ParseFloat(string(l.raw), 64); err != nil && !errors.Is(err, strconv.ErrRange) {
		return errSyntax
	}
	l.val = append(l.val, l.raw...)
	return nil
}

func (l *jsonLexer) lit() error {
	for {
		b, _ := l.r.Peek(1)
		if len(b) == 0 || b[0] < 'a' || b[0] > 'z' || len(l.raw) > 5 {
			break
		}
		l.r.Discard(1)
		l.raw = append(l.raw, b[0])
	}
	switch string(l.raw) {
	case "true", "false", "null":
		return nil
	}
	return errSyntax
}

func eofIsSyntax(err error) error {
	if errors.Is(err, io.EOF) {
		return errSyntax
	}
	return err
}

func writeJSON(w io.Writer, r io.Reader) error {
	l := &jsonLexer{r: bufio.NewReaderSize(r, 64<<10)}
	bw := bufio.NewWriterSize(w, 64<<10)
	// What the grammar allows next.
	const (
		value      = iota // a value (top level, after ':' or ',' in an array)
		valueOrEnd        // after '['
		keyOrEnd          // after '{'
		key               // after ',' in an object
		colon             // after a key
		commaOrEnd        // after a value inside a container
	)
	var stack []byte // '{' or '['
	want := value
	k := ""           // the key whose value comes next
	ended := func() { // a value ended
		k = ""
		if len(stack) == 0 {
			want = value
		} else {
			want = commaOrEnd
		}
	}
	line := func(s string) {
		if s == "" {
			return
		}
		if k != "" {
			bw.WriteString(k)
			bw.WriteString(": ")
		}
		bw.WriteString(s)
		bw.WriteByte('\n')
	}
	fail := func(err error) error {
		if ctxErr(err) {
			return err
		}
		var ioErr error
		if !errors.Is(err, errSyntax) && !errors.Is(err, errTooLong) {
			ioErr = err // a read error: write what we have and report it
		}
		switch {
		case k != "":
			bw.WriteString(k)
			if want != colon {
				bw.WriteString(": ")
			} else {
				bw.WriteByte(' ')
			}
		case len(stack) > 0:
			bw.WriteByte('\n')
		}
		bw.Write(l.raw)
		if ioErr == nil {
			_, ioErr = io.Copy(bw, l.r)
		}
		if err := bw.Flush(); err != nil {
			return fmt.Errorf("json write: %w", err)
		}
		if ioErr != nil {
			return fmt.Errorf("json read: %w", ioErr)
		}
		return nil
	}
	for {
		tok, err := l.next()
		if err != nil {
			return fail(err)
		}
		ok := true
		switch tok {
		case tEOF:
			if len(stack) > 0 {
				return fail(errSyntax)
			}
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("json write: %w", err)
			}
			return nil
		case '{', '[':
			if want != value && want != valueOrEnd {
				return fail(errSyntax)
			}
			if k != "" {
				bw.WriteString(k)
				bw.WriteString(":\n")
				k = ""
			}
			stack = append(stack, tok)
			want = valueOrEnd
			if tok == '{' {
				want = keyOrEnd
			}
		case '}', ']':
			open := byte('{')
			if tok == ']' {
				open = '['
			}
			ok = len(stack) > 0 && stack[len(stack)-1] == open &&
				(want == commaOrEnd || tok == '}' && want == keyOrEnd || tok == ']' && want == valueOrEnd)
			if ok {
				stack = stack[:len(stack)-1]
				ended()
			}
		case ':':
			ok = want == colon
			want = value
		case ',':
			ok = want == commaOrEnd
			if len(stack) > 0 && stack[len(stack)-1] == '{' {
				want = key
			} else {
				want = value
			}
		case tStr:
			switch want {
			case key, keyOrEnd:
				k = cell(string(l.val))
				want = colon
			case value, valueOrEnd:
				line(cell(string(l.val)))
				ended()
			default:
				ok = false
			}
		case tNum, tLit:
			if want != value && want != valueOrEnd {
				return fail(errSyntax)
			}
			if tok == tNum {
				line(string(l.val))
			}
			ended()
		}
		if !ok {
			return fail(errSyntax)
		}
	}
}
