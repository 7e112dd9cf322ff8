package email

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
)

// Limits on what one header keeps; beyond them fields are read and dropped.
const (
	maxHeaderBytes  = 1 << 20
	maxHeaderFields = 10000
)

// header is a message or body-part header: its fields in order, unfolded,
// names lower-cased, values raw (possibly 8-bit).
type header struct {
	fields []field
	size   int
}

type field struct {
	name  string
	value []byte
}

// get returns the first value of the named field (lower case), or nil.
func (h *header) get(name string) []byte {
	for _, f := range h.fields {
		if f.name == name {
			return f.value
		}
	}
	return nil
}

// all returns every value of the named field.
func (h *header) all(name string) [][]byte {
	var vs [][]byte
	for _, f := range h.fields {
		if f.name == name {
			vs = append(vs, f.value)
		}
	}
	return vs
}

func (h *header) add(name string, value []byte) {
	if len(h.fields) >= maxHeaderFields || h.size+len(value) > maxHeaderBytes {
		return
	}
	h.size += len(name) + len(value)
	h.fields = append(h.fields, field{name: strings.ToLower(name), value: value})
}

func (h *header) appendLast(cont []byte) {
	if len(h.fields) == 0 || h.size+len(cont) > maxHeaderBytes {
		return
	}
	h.size += len(cont)
	f := &h.fields[len(h.fields)-1]
	f.value = append(f.value, cont...)
}

// skipEnvelope drops a leading mbox envelope line ("From user@host date").
func skipEnvelope(br *bufio.Reader) error {
	b, _ := br.Peek(5)
	if string(b) != "From " {
		return nil
	}
	return skipLine(br)
}

// skipLine consumes the rest of the current line.
func skipLine(br *bufio.Reader) error {
	for {
		_, err := br.ReadSlice('\n')
		switch err {
		case nil, io.EOF:
			return nil
		case bufio.ErrBufferFull:
			continue
		default:
			return err
		}
	}
}

// lineKind classifies the next line without consuming it.
type lineKind int

const (
	lineEnd   lineKind = iota // blank line or end of input: the header ends here
	lineField                 // "Name: value"
	lineCont                  // folded continuation (starts with white space)
	lineFrom                  // a stray "From " line, ignored
	lineBody                  // anything else: the body starts here
)

func peekLine(br *bufio.Reader) (lineKind, error) {
	n := 1024
	if sz := br.Size(); sz < n {
		n = sz
	}
	b, err := br.Peek(n)
	if len(b) == 0 {
		if err == io.EOF {
			return lineEnd, nil
		}
		if err != nil && err != bufio.ErrBufferFull {
			return lineEnd, err
		}
	}
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i+1]
	}
	switch {
	case len(b) == 0, b[0] == '\n', len(b) >= 2 && b[0] == '\r' && b[1] == '\n', len(b) == 1 && b[0] == '\r':
		return lineEnd, nil
	case b[0] == ' ' || b[0] == '\t':
		return lineCont, nil
	case bytes.HasPrefix(b, []byte("From ")):
		return lineFrom, nil
	}
	// field name: printable ASCII except ':', then optional white space
	// (obsolete syntax), then ':'
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case c == ':':
			if i == 0 {
				return lineBody, nil
			}
			return lineField, nil
		case c == ' ' || c == '\t':
			rest := bytes.TrimLeft(b[i:], " \t")
			if len(rest) > 0 && rest[0] == ':' && i > 0 {
				return lineField, nil
			}
			return lineBody, nil
		case c < 33 || c > 126:
			return lineBody, nil
		}
	}
	return lineBody, nil
}

// readLine reads a whole line (up to maxHeaderBytes; longer lines are cut)
// without its line ending.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) <= maxHeaderBytes {
			line = append(line, chunk...)
		}
		switch err {
		case bufio.ErrBufferFull:
			continue
		case nil, io.EOF:
			line = bytes.TrimSuffix(line, []byte("\n"))
			line = bytes.TrimSuffix(line, []byte("\r"))
			return line, nil
		default:
			return nil, err
		}
	}
}

// readHeader reads header fields up to and including the blank line that
// ends them. A line that is neither a field nor a continuation ends the
// header without a blank line and is left to the body, as mail readers do.
func readHeader(br *bufio.Reader) (header, error) {
	var h header
	for {
		kind, err := peekLine(br)
		if err != nil {
			return h, fmt.Errorf("email read header: %w", err)
		}
		switch kind {
		case lineBody:
			return h, nil
		case lineEnd:
			if err := skipLine(br); err != nil {
				return h, fmt.Errorf("email read header: %w", err)
			}
			return h, nil
		}
		line, err := readLine(br)
		if err != nil {
			return h, fmt.Errorf("email read header: %w", err)
		}
		switch kind {
		case lineCont:
			h.appendLast(line)
		case lineField:
			i := bytes.IndexByte(line, ':')
			name := strings.TrimRight(string(line[:i]), " \t")
			h.add(name, bytes.TrimLeft(line[i+1:], " \t"))
		}
	}
}

// ParseHeaders reads the header of an RFC 5322 message from r (skipping a
// leading mbox envelope line) and returns its decoded addressing fields
// (raw 8-bit text is read in the charset of the Content-Type, else as UTF-8
// or windows-1252). It parses no further than the end of the header (it may
// buffer ahead from r), never fails on malformed input, and fails only when
// r does.
func ParseHeaders(r io.Reader) (*archive.Email, error) {
	br := bufio.NewReader(r)
	if err := skipEnvelope(br); err != nil {
		return nil, fmt.Errorf("email parse headers: %w", err)
	}
	h, err := readHeader(br)
	if err != nil {
		return nil, err
	}
	return h.email(), nil
}

// charset returns the charset parameter of the Content-Type, used to read
// raw 8-bit header text.
func (h *header) charset() string {
	v := h.get("content-type")
	if v == nil {
		return ""
	}
	_, params := splitValue(toUTF8(v))
	return params["charset"]
}

// text returns the named field decoded as unstructured text (RFC 2047),
// with control characters turned into spaces and trimmed.
func (h *header) text(name, charset string) string {
	v := h.get(name)
	if v == nil {
		return ""
	}
	return cleanText(decodeWords(headerString(v, charset)))
}

func (h *header) email() *archive.Email { return h.emailIn(h.charset()) }

// emailIn decodes the addressing fields, reading raw 8-bit text in cs.
func (h *header) emailIn(cs string) *archive.Email {
	e := &archive.Email{
		Subject:   h.text("subject", cs),
		MessageID: msgID(string(h.get("message-id"))),
		InReplyTo: msgID(string(h.get("in-reply-to"))),
	}
	e.From = strings.Join(h.addresses("from", cs), ", ")
	e.To = h.addresses("to", cs)
	e.Cc = h.addresses("cc", cs)
	e.Bcc = h.addresses("bcc", cs)
	if v := h.get("references"); v != nil {
		e.References = msgIDs(string(v))
	}
	if v := h.get("date"); v != nil {
		e.Date = parseDate(headerString(v, cs))
	}
	return e
}

func (h *header) addresses(name, charset string) []string {
	var out []string
	for _, v := range h.all(name) {
		out = append(out, parseAddressList(headerString(v, charset))...)
	}
	return out
}

// cleanText turns control characters into spaces and trims the result.
func cleanText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return strings.TrimSpace(s)
}

// msgID returns the first <...> token of a Message-ID style field, or the
// trimmed field when it has none.
func msgID(v string) string {
	v = cleanText(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j >= 0 {
			return v[i : i+j+1]
		}
	}
	if f := strings.Fields(v); len(f) > 0 {
		return f[0]
	}
	return ""
}

// msgIDs returns every <...> token of a References field (or its words when
// it has none).
func msgIDs(v string) []string {
	v = cleanText(v)
	var ids []string
	for {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			break
		}
		ids = append(ids, v[i:i+j+1])
		v = v[i+j+1:]
	}
	if len(ids) == 0 {
		ids = strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' })
	}
	return ids
}
