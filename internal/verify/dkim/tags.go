package dkim

import (
	"errors"
	"fmt"
	"strings"
)

// tag is one tag=value pair of a tag list (RFC 6376 section 3.2).
type tag struct {
	name, value string
}

// tagList is a parsed tag list, in order.
type tagList []tag

// get returns the value of tag name and whether it is present.
func (l tagList) get(name string) (string, bool) {
	for _, t := range l {
		if t.name == name {
			return t.value, true
		}
	}
	return "", false
}

var errTagSyntax = errors.New("tag list syntax")

// parseTags parses a tag list: tag-spec *( ";" tag-spec ) [ ";" ], with
// folding white space allowed around names, "=" and values. Values keep
// their inner white space; tag names are case-sensitive and must not repeat.
func parseTags(s string) (tagList, error) {
	var out tagList
	parts := strings.Split(s, ";")
	for i, p := range parts {
		p = trimFWS(p)
		if p == "" {
			if i == len(parts)-1 {
				break // trailing ";"
			}
			return nil, fmt.Errorf("%w: empty tag", errTagSyntax)
		}
		name, value, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("%w: tag without '='", errTagSyntax)
		}
		name = trimFWS(name)
		if !validTagName(name) {
			return nil, fmt.Errorf("%w: bad tag name %q", errTagSyntax, clip(name))
		}
		if _, dup := out.get(name); dup {
			return nil, fmt.Errorf("%w: tag %q repeated", errTagSyntax, name)
		}
		out = append(out, tag{name, trimFWS(value)})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no tags", errTagSyntax)
	}
	return out, nil
}

func validTagName(s string) bool {
	if s == "" || !isAlpha(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlpha(c) && !(c >= '0' && c <= '9') && c != '_' {
			return false
		}
	}
	return true
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func isWSP(c byte) bool { return c == ' ' || c == '\t' }

func isFWS(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

func trimFWS(s string) string {
	for len(s) > 0 && isFWS(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isFWS(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// stripFWS removes all folding white space (for base64 values).
func stripFWS(s string) string {
	if strings.IndexFunc(s, func(r rune) bool { return r < 128 && isFWS(byte(r)) }) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if !isFWS(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// clip shortens s for error messages.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// removeB returns the raw header value with the value of tag b= emptied,
// leaving every other byte as it was (RFC 6376 section 3.7).
func removeB(raw string) string {
	start := 0
	for start <= len(raw) {
		end := strings.IndexByte(raw[start:], ';')
		if end < 0 {
			end = len(raw)
		} else {
			end += start
		}
		seg := raw[start:end]
		if eq := strings.IndexByte(seg, '='); eq >= 0 && trimFWS(seg[:eq]) == "b" {
			return raw[:start+eq+1] + raw[end:]
		}
		start = end + 1
	}
	return raw
}
