package email

import (
	"bufio"
	"bytes"
	"io"
)

// section reads one part of a multipart body (RFC 2046 section 5.1.1): the
// bytes of r up to the next line that is the delimiter "--boundary" (or the
// close delimiter "--boundary--"), excluding the line break before it. It
// stops at the end of r too, so a part whose enclosing multipart ends
// without the delimiter ends with it. Sections nest: an inner multipart
// reads from the section of its enclosing part.
type section struct {
	r    *bufio.Reader
	dash []byte // "--" + boundary

	nl        []byte // line break held back from the previous line
	out       [2][]byte
	lineStart bool

	done  bool
	found bool // ended at a delimiter line
	final bool // ... which was the close delimiter
	err   error
}

var (
	crlf = []byte("\r\n")
	lf   = []byte("\n")
)

func newSection(r *bufio.Reader, boundary string) *section {
	return &section{r: r, dash: []byte("--" + boundary), lineStart: true}
}

func (s *section) Read(p []byte) (int, error) {
	for len(s.out[0]) == 0 && len(s.out[1]) == 0 {
		if s.done {
			if s.err != nil {
				return 0, s.err
			}
			return 0, io.EOF
		}
		s.next()
	}
	n := 0
	for i := range s.out {
		if n == len(p) {
			break
		}
		k := copy(p[n:], s.out[i])
		s.out[i] = s.out[i][k:]
		n += k
		if len(s.out[i]) > 0 {
			break
		}
	}
	return n, nil
}

// next reads one line (or a chunk of an over-long one) into s.out. The
// slices may point into the bufio buffer: they are consumed before the next
// read.
func (s *section) next() {
	line, err := s.r.ReadSlice('\n')
	if err != nil && err != bufio.ErrBufferFull {
		s.done = true
		if err != io.EOF {
			s.err = err
			return
		}
	}
	if len(line) == 0 {
		s.out[0], s.nl = s.nl, nil
		return
	}
	if s.lineStart && err != bufio.ErrBufferFull {
		if ok, final := isDelimiter(line, s.dash); ok {
			s.done, s.found, s.final, s.nl = true, true, final, nil
			return
		}
	}
	if err == bufio.ErrBufferFull {
		s.out[0], s.out[1], s.nl = s.nl, line, nil
		s.lineStart = false
		return
	}
	body, nl := line, []byte(nil)
	if bytes.HasSuffix(body, lf) {
		body, nl = body[:len(body)-1], lf
		if bytes.HasSuffix(body, []byte("\r")) {
			body, nl = body[:len(body)-1], crlf
		}
	}
	s.out[0], s.out[1] = s.nl, body
	s.nl = nl
	s.lineStart = true
	if s.done { // end of input: the last line break is content
		s.out[1] = line
		s.nl = nil
	}
}

// isDelimiter reports whether line is "--boundary" or "--boundary--",
// optionally followed by white space (RFC 2046 transport padding).
func isDelimiter(line, dash []byte) (ok, final bool) {
	if !bytes.HasPrefix(line, dash) {
		return false, false
	}
	rest := line[len(dash):]
	if bytes.HasPrefix(rest, []byte("--")) {
		final, rest = true, rest[2:]
	}
	for _, c := range rest {
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return false, false
		}
	}
	return true, final
}

// drain reads the section to its end.
func (s *section) drain() error {
	for !s.done {
		s.out[0], s.out[1] = nil, nil
		s.next()
	}
	s.out[0], s.out[1] = nil, nil
	return s.err
}
