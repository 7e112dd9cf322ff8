package dkim

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxHeaderBytes bounds the header block read into memory.
const maxHeaderBytes = 4 << 20

var errHeaderTooLarge = errors.New("header block larger than 4 MiB")

// field is one header field: its name and its raw text ("Name: value",
// folded lines joined by CRLF, without the final line ending).
type field struct {
	name string // as written
	raw  string
}

// value returns the field's value (after the colon), raw.
func (f field) value() string {
	_, v, _ := strings.Cut(f.raw, ":")
	return v
}

// readHeader reads the header block up to and including the empty line
// that ends it (or EOF). Lines may end in CRLF or LF alone; both become
// CRLF inside folded fields.
func readHeader(r *bufio.Reader) ([]field, error) {
	var fields []field
	var cur strings.Builder
	have := false
	total := 0
	flush := func() {
		if have {
			raw := cur.String()
			name, _, _ := strings.Cut(raw, ":")
			fields = append(fields, field{name: strings.TrimRight(name, " \t"), raw: raw})
		}
		cur.Reset()
		have = false
	}
	for {
		line, err := readLine(r, &total)
		if err != nil && err != io.EOF {
			return nil, err
		}
		if len(line) == 0 {
			// The empty line ending the header, or the end of the message.
			flush()
			return fields, nil
		}
		if isWSP(line[0]) && have {
			cur.WriteString("\r\n")
			cur.Write(line)
		} else {
			flush()
			cur.Write(line)
			have = true
		}
		if err == io.EOF {
			flush()
			return fields, nil
		}
	}
}

// readLine reads one header line without its line ending.
func readLine(r *bufio.Reader, total *int) ([]byte, error) {
	var line []byte
	for {
		frag, err := r.ReadSlice('\n')
		*total += len(frag)
		if *total > maxHeaderBytes {
			return nil, errHeaderTooLarge
		}
		line = append(line, frag...)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("read header: %w", err)
		}
		line = trimEOL(line)
		if err == io.EOF && len(line) == 0 {
			return nil, io.EOF
		}
		return line, err
	}
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b
}

// readBody feeds the body to every hasher, line by line, accepting CRLF
// and LF line endings.
func readBody(r *bufio.Reader, hs []*bodyHasher) error {
	heldCR := false // a fragment ended in CR: it belongs to a CRLF if LF follows
	for {
		frag, err := r.ReadSlice('\n')
		if len(frag) > 0 {
			eol := frag[len(frag)-1] == '\n'
			content := frag
			if eol {
				content = content[:len(content)-1]
				if n := len(content); n > 0 && content[n-1] == '\r' {
					content = content[:n-1]
				} else if n == 0 && heldCR {
					heldCR = false // the CR of this CRLF ended the last fragment
				}
			}
			if heldCR {
				for _, h := range hs {
					h.frag([]byte{'\r'})
				}
				heldCR = false
			}
			if !eol {
				if n := len(content); n > 0 && content[n-1] == '\r' {
					content = content[:n-1]
					heldCR = true
				}
			}
			for _, h := range hs {
				h.frag(content)
				if eol {
					h.eol()
				}
			}
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			if heldCR {
				for _, h := range hs {
					h.frag([]byte{'\r'})
				}
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("read body: %w", err)
		}
	}
}
