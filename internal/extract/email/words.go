package email

import (
	"sort"
	"strconv"
	"strings"
)

// decodeWords decodes the RFC 2047 encoded words in s (already UTF-8).
// It is lenient like common mail readers: words may touch surrounding text
// and hold spaces, adjacent words in one charset are joined before decoding
// (so a character split across two words survives), and the white space
// between adjacent words is dropped. Malformed words are left as they are.
func decodeWords(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	var b strings.Builder
	var pend []byte    // decoded bytes of adjacent words in pendCS
	var pendCS string  // their charset
	afterWord := false // the previous token was an encoded word
	flush := func() {
		if pend != nil {
			b.WriteString(decodeBytes(pend, pendCS))
			pend, pendCS = nil, ""
		}
	}
	for len(s) > 0 {
		i := strings.Index(s, "=?")
		if i < 0 {
			flush()
			b.WriteString(s)
			return b.String()
		}
		cs, raw, n, ok := parseWord(s[i:])
		if !ok {
			// not a word: emit text up to and including "=?"
			flush()
			b.WriteString(s[:i+2])
			s = s[i+2:]
			afterWord = false
			continue
		}
		text := s[:i]
		if afterWord && strings.TrimLeft(text, " \t\r\n") == "" {
			text = "" // white space between two encoded words is dropped
		}
		if text != "" || !strings.EqualFold(cs, pendCS) {
			flush()
		}
		b.WriteString(text)
		if pend == nil {
			pend = []byte{}
		}
		pendCS = cs
		pend = append(pend, raw...)
		s = s[i+n:]
		afterWord = true
	}
	flush()
	return b.String()
}

// maxWordText bounds the text of one encoded word (RFC 2047 allows 75
// characters for the whole word; senders exceed that, but not by this much),
// so that malformed words cost linear time.
const maxWordText = 1024

// parseWord parses one encoded word at the start of s ("=?cs?E?text?=") and
// returns its charset, decoded bytes and length.
func parseWord(s string) (charset string, raw []byte, n int, ok bool) {
	if !strings.HasPrefix(s, "=?") {
		return "", nil, 0, false
	}
	q1 := strings.IndexByte(s[2:], '?')
	if q1 <= 0 || q1 > 64 {
		return "", nil, 0, false
	}
	charset = s[2 : 2+q1]
	if strings.ContainsAny(charset, " \t\r\n\"()<>,;") {
		return "", nil, 0, false
	}
	rest := s[2+q1+1:]
	if len(rest) < 2 || rest[1] != '?' {
		return "", nil, 0, false
	}
	enc := rest[0]
	body := rest[2:]
	if len(body) > maxWordText {
		body = body[:maxWordText]
	}
	end := strings.Index(body, "?=")
	if end < 0 || strings.ContainsAny(body[:end], "\r\n") {
		return "", nil, 0, false
	}
	text := body[:end]
	switch enc {
	case 'b', 'B':
		raw = decodeBase64String(text)
	case 'q', 'Q':
		raw = decodeQ(text)
	default:
		return "", nil, 0, false
	}
	if i := strings.IndexByte(charset, '*'); i >= 0 {
		charset = charset[:i]
	}
	return charset, raw, 2 + q1 + 1 + 2 + end + 2, true
}

// decodeQ decodes RFC 2047 "Q" text: '_' is a space, =XX a byte; a stray
// '=' is kept.
func decodeQ(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_':
			out = append(out, ' ')
		case c == '=' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]):
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
		default:
			out = append(out, c)
		}
	}
	return out
}

// decodeBase64String decodes as much of s as is valid base64.
func decodeBase64String(s string) []byte {
	var d b64state
	out := d.decode(nil, []byte(s))
	return d.finish(out)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// splitValue splits a structured header value (Content-Type,
// Content-Disposition) into its lower-cased first token and its parameters,
// decoding RFC 2231 extended and continued parameters. It never fails:
// malformed parameters are skipped.
func splitValue(v string) (string, map[string]string) {
	first, rest := v, ""
	if i := indexUnquoted(v, ';'); i >= 0 {
		first, rest = v[:i], v[i+1:]
	}
	first = strings.TrimSpace(first)
	// "text/plain charset=us-ascii": a missing ';'
	if i := strings.IndexAny(first, " \t"); i >= 0 {
		rest = first[i:] + ";" + rest
		first = first[:i]
	}
	return strings.ToLower(first), parseParams(rest)
}

type paramPiece struct {
	n   int
	ext bool
	val string
}

// parseParams parses "; a=b; c*0*=utf-8'en'x%20; c*1=y" into a map with lower
// case names, RFC 2231 pieces joined and decoded.
func parseParams(s string) map[string]string {
	simple := map[string]string{}
	pieces := map[string][]paramPiece{}
	for len(s) > 0 {
		s = strings.TrimLeft(s, " \t\r\n;")
		if s == "" {
			break
		}
		eq := strings.IndexAny(s, "=;")
		if eq < 0 || s[eq] == ';' {
			if eq < 0 {
				break
			}
			s = s[eq:]
			continue
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t\r\n")
		var val string
		if strings.HasPrefix(s, "\"") {
			val, s = readQuoted(s)
			if i := strings.IndexByte(s, ';'); i >= 0 {
				s = s[i:]
			} else {
				s = ""
			}
		} else {
			i := strings.IndexByte(s, ';')
			if i < 0 {
				i = len(s)
			}
			val, s = strings.TrimSpace(s[:i]), s[i:]
		}
		if key == "" {
			continue
		}
		name, ext, n := key, false, -1
		if strings.HasSuffix(name, "*") {
			ext, name = true, name[:len(name)-1]
		}
		if i := strings.LastIndexByte(name, '*'); i >= 0 {
			if k, err := strconv.Atoi(name[i+1:]); err == nil && k >= 0 && k < 1000 {
				n, name = k, name[:i]
			}
		}
		if n < 0 && !ext {
			if _, dup := simple[name]; !dup {
				simple[name] = val
			}
			continue
		}
		if n < 0 {
			n = 0
		}
		if len(pieces[name]) < 1000 {
			pieces[name] = append(pieces[name], paramPiece{n: n, ext: ext, val: val})
		}
	}
	for name, ps := range pieces {
		sort.SliceStable(ps, func(i, j int) bool { return ps[i].n < ps[j].n })
		var buf []byte
		charset := ""
		for i, p := range ps {
			v := p.val
			if !p.ext {
				buf = append(buf, v...)
				continue
			}
			if i == 0 {
				if a := strings.IndexByte(v, '\''); a >= 0 {
					if b := strings.IndexByte(v[a+1:], '\''); b >= 0 {
						charset, v = v[:a], v[a+1+b+1:]
					}
				}
			}
			buf = append(buf, percentDecode(v)...)
		}
		simple[name] = decodeBytes(buf, charset)
	}
	return simple
}

// readQuoted reads a quoted string at the start of s (which begins with '"')
// and returns its unescaped content and the rest after the closing quote.
// A missing closing quote ends the string at the end of s.
func readQuoted(s string) (string, string) {
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			if i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			}
		case '"':
			return b.String(), s[i+1:]
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

// indexUnquoted returns the index of the first c in s outside a quoted
// string, or -1.
func indexUnquoted(s string, c byte) int {
	inQ := false
	for i := 0; i < len(s); i++ {
		switch {
		case inQ && s[i] == '\\':
			i++
		case s[i] == '"':
			inQ = !inQ
		case !inQ && s[i] == c:
			return i
		}
	}
	return -1
}

func percentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '%' && i+2 < len(s) && isHex(s[i+1]) && isHex(s[i+2]) {
			out = append(out, unhex(s[i+1])<<4|unhex(s[i+2]))
			i += 2
			continue
		}
		out = append(out, s[i])
	}
	return out
}
