package outlook

import (
	"bytes"
	"strconv"
	"unicode/utf8"
)

// RTF that encapsulates HTML or plain text (MS-OXRTFEX): the header holds
// \fromhtml1 or \fromtext. The original is what lies inside
// {\*\htmltag...} groups plus the text outside \htmlrtf ... \htmlrtf0
// spans; font tables, pictures and other destinations are not part of it.

// encapsulation reports what an RTF body encapsulates: "html", "text", or
// "" for native RTF.
func encapsulation(rtf []byte) string {
	head := rtf[:min(len(rtf), 1024)]
	switch {
	case bytes.Contains(head, []byte(`\fromhtml`)):
		return "html"
	case bytes.Contains(head, []byte(`\fromtext`)):
		return "text"
	}
	return ""
}

// skipDest lists destinations whose content is never part of the
// encapsulated original.
var skipDest = map[string]bool{
	"fonttbl": true, "colortbl": true, "stylesheet": true, "info": true, "pict": true,
	"object": true, "header": true, "footer": true, "listtable": true, "listoverridetable": true,
	"rsidtbl": true, "generator": true, "xmlnstbl": true, "filetbl": true, "revtbl": true,
}

type rtfGroup struct {
	htmlrtf bool // inside \htmlrtf: RTF-only content
	skip    bool // a destination that is not content
	tag     bool // inside {\*\htmltag}: original HTML
	fonttbl bool
	uc      int
	cp      int // code page of the current font
}

// deencapsulate returns the original text or HTML (as UTF-8) an
// encapsulating RTF body holds. It never fails: malformed input yields
// whatever text was found.
func deencapsulate(rtf []byte) []byte {
	var (
		out     []byte
		pend    []byte // 8-bit bytes waiting to be decoded in cur.cp
		stack   []rtfGroup
		cur     = rtfGroup{uc: 1, cp: 1252}
		ansiCP  = 1252
		fontCPs = map[int]int{}
		defFont = -1
		curFont = -1 // the font being defined inside the font table
		star    bool
		skipN   int // characters still to skip after \uN
	)
	const maxDepth = 256
	flush := func() {
		if len(pend) > 0 {
			out = append(out, decode8(pend, cur.cp)...)
			pend = pend[:0]
		}
	}
	visible := func() bool { return !cur.skip && (cur.tag || !cur.htmlrtf) }
	emitByte := func(c byte) {
		if skipN > 0 {
			skipN--
			return
		}
		if visible() {
			pend = append(pend, c)
		}
	}
	emitString := func(s string) {
		if visible() {
			flush()
			out = append(out, s...)
		}
	}
	for i := 0; i < len(rtf); {
		c := rtf[i]
		switch c {
		case '{':
			flush()
			if len(stack) < maxDepth {
				stack = append(stack, cur)
			}
			star = false
			i++
		case '}':
			flush()
			if n := len(stack); n > 0 {
				cur = stack[n-1]
				stack = stack[:n-1]
			}
			star = false
			skipN = 0
			i++
		case '\r', '\n':
			i++
		case '\\':
			i++
			if i >= len(rtf) {
				break
			}
			c = rtf[i]
			if !isLetter(c) {
				i++
				switch c {
				case '\'':
					if i+2 <= len(rtf) {
						if v, err := strconv.ParseUint(string(rtf[i:i+2]), 16, 8); err == nil {
							emitByte(byte(v))
						}
						i += 2
					}
				case '*':
					star = true
				case '{', '}', '\\':
					emitByte(c)
				case '~':
					emitString("\u00a0")
				case '_':
					emitString("-")
				case '\r', '\n':
					emitString("\n")
				}
				continue
			}
			j := i
			for j < len(rtf) && isLetter(rtf[j]) && j-i < 32 {
				j++
			}
			word := string(rtf[i:j])
			hasParam, param := false, 0
			k := j
			if k < len(rtf) && (rtf[k] == '-' || isDigit(rtf[k])) {
				neg := rtf[k] == '-'
				if neg {
					k++
				}
				s := k
				for k < len(rtf) && isDigit(rtf[k]) && k-s < 10 {
					k++
				}
				if k > s {
					hasParam = true
					param, _ = strconv.Atoi(string(rtf[s:k]))
					if neg {
						param = -param
					}
				} else {
					k = j
				}
			}
			if k < len(rtf) && rtf[k] == ' ' {
				k++
			}
			i = k
			wasStar := star
			star = false
			switch word {
			case "htmltag":
				if wasStar {
					cur.tag, cur.skip = true, false
				}
				continue
			case "htmlrtf":
				flush()
				cur.htmlrtf = !hasParam || param != 0
				continue
			case "bin":
				if hasParam && param > 0 {
					i = min(len(rtf), i+param)
				}
				continue
			case "par", "line":
				emitString("\n")
				continue
			case "tab":
				emitString("\t")
				continue
			case "uc":
				if hasParam && param >= 0 && param < 10 {
					cur.uc = param
				}
				continue
			case "u":
				if hasParam {
					r := rune(param)
					if r < 0 {
						r += 65536
					}
					if !utf8.ValidRune(r) {
						r = utf8.RuneError
					}
					emitString(string(r))
					skipN = cur.uc
				}
				continue
			case "ansicpg":
				if hasParam {
					ansiCP = param
					cur.cp = param
				}
				continue
			case "deff":
				defFont = param
				continue
			case "fonttbl":
				cur.fonttbl, cur.skip = true, true
				continue
			case "f":
				flush()
				if cur.fonttbl {
					curFont = param
				} else if cp, ok := fontCPs[param]; ok {
					cur.cp = cp
				} else {
					cur.cp = ansiCP
				}
				continue
			case "fcharset":
				if cur.fonttbl {
					if cp, ok := rtfCharsets[param]; ok {
						fontCPs[curFont] = cp
					}
					if curFont == defFont {
						cur.cp = fontCPs[curFont]
					}
				}
				continue
			}
			if wasStar || skipDest[word] {
				flush()
				cur.skip = true
			}
		default:
			emitByte(c)
			i++
		}
	}
	flush()
	return out
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
