package email

import (
	"bufio"
	"bytes"
	"io"
	"strings"
)

// transferReader undoes a Content-Transfer-Encoding (RFC 2045 section 6).
// Unknown encodings (and 7bit, 8bit, binary) pass the bytes through. The
// returned b64Reader is non-nil for base64, so that callers can tell a part
// whose content is not base64 at all.
func transferReader(cte string, r *bufio.Reader) (io.Reader, *b64Reader) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		b := &b64Reader{r: r}
		return b, b
	case "quoted-printable":
		return &qpReader{r: r}, nil
	default:
		return r, nil
	}
}

var b64Map = func() (m [256]byte) {
	for i := range m {
		m[i] = 0xFF
	}
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(alphabet); i++ {
		m[alphabet[i]] = byte(i)
	}
	return m
}()

// b64state decodes base64 leniently: characters outside the alphabet are
// skipped (and counted unless they are white space), padding ends a quantum
// early, and decoding goes on after padding (concatenated encodings).
type b64state struct {
	q       [4]byte
	nq      int
	dropped int64 // characters that could not be decoded
	out     int64 // bytes produced
}

func (d *b64state) decode(dst, src []byte) []byte {
	for _, c := range src {
		v := b64Map[c]
		if v == 0xFF {
			switch c {
			case '=':
				dst = d.finish(dst)
			case ' ', '\t', '\r', '\n', '\f', '\v':
			default:
				d.dropped++
			}
			continue
		}
		d.q[d.nq] = v
		d.nq++
		if d.nq == 4 {
			dst = append(dst, d.q[0]<<2|d.q[1]>>4, d.q[1]<<4|d.q[2]>>2, d.q[2]<<6|d.q[3])
			d.nq = 0
			d.out += 3
		}
	}
	return dst
}

// finish flushes a partial quantum.
func (d *b64state) finish(dst []byte) []byte {
	switch d.nq {
	case 1:
		d.dropped++
	case 2:
		dst = append(dst, d.q[0]<<2|d.q[1]>>4)
		d.out++
	case 3:
		dst = append(dst, d.q[0]<<2|d.q[1]>>4, d.q[1]<<4|d.q[2]>>2)
		d.out += 2
	}
	d.nq = 0
	return dst
}

// b64Reader streams the lenient base64 decoding of r.
type b64Reader struct {
	r   io.Reader
	st  b64state
	in  [4096]byte
	buf []byte
	out []byte
	err error
}

func (b *b64Reader) Read(p []byte) (int, error) {
	for len(b.out) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		n, err := b.r.Read(b.in[:])
		b.buf = b.st.decode(b.buf[:0], b.in[:n])
		if err != nil {
			if err == io.EOF {
				b.buf = b.st.finish(b.buf)
			}
			b.err = err
		}
		b.out = b.buf
	}
	n := copy(p, b.out)
	b.out = b.out[n:]
	return n, nil
}

// undecodable reports whether the input held data but none of it decoded.
func (b *b64Reader) undecodable() bool { return b.st.out == 0 && b.st.dropped > 0 }

// qpReader decodes quoted-printable leniently: a '=' not followed by two hex
// digits or a line end is kept as it is, raw 8-bit bytes pass through, and
// trailing white space on a line is dropped (RFC 2045 section 6.7).
type qpReader struct {
	r     *bufio.Reader
	carry []byte // the tail of an over-long line that may hold a split escape
	buf   []byte
	out   []byte
	err   error
}

func (q *qpReader) Read(p []byte) (int, error) {
	for len(q.out) == 0 {
		if q.err != nil {
			return 0, q.err
		}
		q.fill()
	}
	n := copy(p, q.out)
	q.out = q.out[n:]
	return n, nil
}

func (q *qpReader) fill() {
	line, err := q.r.ReadSlice('\n')
	q.buf = q.buf[:0]
	if len(q.carry) > 0 {
		line = append(append([]byte(nil), q.carry...), line...)
		q.carry = q.carry[:0]
	}
	switch {
	case err == bufio.ErrBufferFull:
		// an over-long line: decode all but a tail that may be a split "=XX"
		// or trailing white space
		keep := 0
		if i := bytes.LastIndexByte(line, '='); i >= 0 && i >= len(line)-2 {
			keep = len(line) - i
		}
		for keep < len(line) && keep < 64 && isWSP(line[len(line)-1-keep]) {
			keep++
		}
		q.carry = append(q.carry[:0], line[len(line)-keep:]...)
		q.buf = decodeQPText(q.buf, line[:len(line)-keep])
	case err == nil || err == io.EOF:
		body, nl := line, []byte(nil)
		if bytes.HasSuffix(body, []byte("\n")) {
			body, nl = body[:len(body)-1], []byte("\n")
			if bytes.HasSuffix(body, []byte("\r")) {
				body, nl = body[:len(body)-1], []byte("\r\n")
			}
		}
		body = bytes.TrimRight(body, " \t")
		if bytes.HasSuffix(body, []byte("=")) {
			body, nl = body[:len(body)-1], nil // soft line break
		}
		q.buf = decodeQPText(q.buf, body)
		q.buf = append(q.buf, nl...)
		if err != nil {
			q.err = err
		}
	default:
		q.err = err
	}
	q.out = q.buf
}

func decodeQPText(dst, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			dst = append(dst, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		dst = append(dst, c)
	}
	return dst
}

func isWSP(c byte) bool { return c == ' ' || c == '\t' }
