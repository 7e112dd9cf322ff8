package dkim

import (
	"hash"
	"strings"
)

// Canonicalization (RFC 6376 section 3.4).

const (
	canonSimple  = "simple"
	canonRelaxed = "relaxed"
)

// canonHeader returns a header field (name ":" value, folded lines joined
// by CRLF, no final CRLF) canonicalized, with the final CRLF.
func canonHeader(field string, relaxed bool) string {
	if !relaxed {
		return field + "\r\n"
	}
	name, value, _ := strings.Cut(field, ":")
	var b strings.Builder
	b.Grow(len(field) + 2)
	b.WriteString(strings.ToLower(strings.TrimRight(name, " \t")))
	b.WriteByte(':')
	wsp := false
	started := false
	for i := 0; i < len(value); i++ {
		c := value[i]
		switch {
		case c == '\r' || c == '\n':
			// unfold
		case isWSP(c):
			wsp = true
		default:
			if wsp && started {
				b.WriteByte(' ')
			}
			wsp = false
			started = true
			b.WriteByte(c)
		}
	}
	b.WriteString("\r\n")
	return b.String()
}

// bodyHasher canonicalizes a body fed as line fragments and hashes the
// first limit bytes of the result (limit < 0: all).
type bodyHasher struct {
	h       hash.Hash
	relaxed bool
	limit   int64 // < 0: no limit
	n       int64 // canonical bytes produced (counted past the limit too)

	blank   int  // empty lines held back (trailing ones are dropped)
	content bool // the current line has content
	wsp     bool // relaxed: white space pending in the current line
}

func newBodyHasher(h hash.Hash, relaxed bool, limit int64) *bodyHasher {
	return &bodyHasher{h: h, relaxed: relaxed, limit: limit}
}

func (b *bodyHasher) out(p []byte) {
	b.n += int64(len(p))
	if b.limit >= 0 {
		done := b.n - int64(len(p))
		if done >= b.limit {
			return
		}
		if rest := b.limit - done; int64(len(p)) > rest {
			p = p[:rest]
		}
	}
	b.h.Write(p)
}

var crlf = []byte("\r\n")
var space = []byte(" ")

func (b *bodyHasher) startContent() {
	if !b.content {
		for ; b.blank > 0; b.blank-- {
			b.out(crlf)
		}
		b.content = true
	}
}

// frag feeds part of a line's content (no line ending).
func (b *bodyHasher) frag(p []byte) {
	if len(p) == 0 {
		return
	}
	if !b.relaxed {
		b.startContent()
		b.out(p)
		return
	}
	start := 0
	for i := 0; i < len(p); i++ {
		if isWSP(p[i]) {
			if i > start {
				b.flushRelaxed(p[start:i])
			}
			b.wsp = true
			start = i + 1
		}
	}
	if start < len(p) {
		b.flushRelaxed(p[start:])
	}
}

func (b *bodyHasher) flushRelaxed(p []byte) {
	b.startContent()
	if b.wsp {
		b.out(space)
		b.wsp = false
	}
	b.out(p)
}

// eol ends the current line.
func (b *bodyHasher) eol() {
	if b.content {
		b.out(crlf)
	} else {
		b.blank++
	}
	b.content, b.wsp = false, false
}

// finish ends the body: an unterminated last line gets its CRLF; an empty
// body is CRLF in simple canonicalization and nothing in relaxed.
func (b *bodyHasher) finish() []byte {
	if b.content {
		b.out(crlf)
	} else if !b.relaxed && b.n == 0 {
		b.out(crlf)
	}
	b.content = false
	return b.h.Sum(nil)
}
