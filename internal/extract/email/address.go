package email

import (
	"net/mail"
	"regexp"
	"strings"
	"time"
)

// parseAddressList splits an address field (To, Cc, From) into entries
// formatted as "Display Name <addr>" or "addr". It is lenient: any text is
// accepted, group syntax ("name: a, b;") is flattened, display names are
// unquoted and RFC 2047-decoded (even inside quotes, as senders do).
func parseAddressList(s string) []string {
	var out []string
	for _, seg := range splitAddresses(s) {
		if a := formatAddress(seg); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// splitAddresses splits s at commas and semicolons outside quotes, angle
// brackets and comments.
func splitAddresses(s string) []string {
	var segs []string
	inQ, angle, paren := false, 0, 0
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQ:
			if c == '\\' {
				i++
			} else if c == '"' {
				inQ = false
			}
		case c == '"' && paren == 0:
			inQ = true
		case c == '(':
			paren++
		case c == ')' && paren > 0:
			paren--
		case paren > 0:
			if c == '\\' {
				i++
			}
		case c == '<':
			angle++
		case c == '>' && angle > 0:
			angle--
		case (c == ',' || c == ';') && angle == 0:
			segs = append(segs, s[start:i])
			start = i + 1
		case c == ':' && angle == 0:
			// group display name ("undisclosed-recipients:")
			if !strings.ContainsAny(s[start:i], "@<") {
				start = i + 1
			}
		}
	}
	if start < len(s) {
		segs = append(segs, s[start:])
	}
	return segs
}

// formatAddress formats one address: "name <addr>", "addr" or "name".
func formatAddress(seg string) string {
	seg = strings.TrimSpace(seg)
	if seg == "" {
		return ""
	}
	var name, addr, comment string
	if lt := lastTopLevel(seg, '<'); lt >= 0 {
		rest := seg[lt+1:]
		if gt := strings.IndexByte(rest, '>'); gt >= 0 {
			addr = rest[:gt]
		} else {
			addr = rest
		}
		name, comment = stripComments(seg[:lt])
	} else {
		addr, comment = stripComments(seg)
	}
	name = displayText(name)
	if name == "" {
		name = displayText(comment)
	}
	addr = strings.Join(strings.Fields(addr), "")
	addr = strings.TrimPrefix(addr, "mailto:")
	switch {
	case addr == "":
		return name
	case name == "" || name == addr || strings.Trim(name, "'\"") == addr:
		return addr
	default:
		return name + " <" + addr + ">"
	}
}

// displayText unquotes a display name (or comment) and decodes its encoded
// words.
func displayText(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	for len(s) > 0 {
		if s[0] == '"' {
			q, rest := readQuoted(s)
			b.WriteString(q)
			s = rest
			continue
		}
		i := strings.IndexByte(s, '"')
		if i < 0 {
			i = len(s)
		}
		b.WriteString(s[:i])
		s = s[i:]
	}
	return strings.Join(strings.Fields(cleanText(decodeWords(b.String()))), " ")
}

// lastTopLevel returns the index of the last c outside quotes and comments.
func lastTopLevel(s string, c byte) int {
	inQ, paren, last := false, 0, -1
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case inQ:
			if ch == '\\' {
				i++
			} else if ch == '"' {
				inQ = false
			}
		case ch == '"' && paren == 0:
			inQ = true
		case ch == '(':
			paren++
		case ch == ')' && paren > 0:
			paren--
		case paren == 0 && ch == c:
			last = i
		}
	}
	return last
}

// stripComments removes (comments) outside quotes, returning the rest and
// the text of the first comment.
func stripComments(s string) (rest, comment string) {
	var b, cm strings.Builder
	inQ, paren, first := false, 0, true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQ:
			b.WriteByte(c)
			if c == '\\' && i+1 < len(s) {
				i++
				b.WriteByte(s[i])
			} else if c == '"' {
				inQ = false
			}
		case c == '"' && paren == 0:
			inQ = true
			b.WriteByte(c)
		case c == '(':
			if paren > 0 && first {
				cm.WriteByte(c)
			}
			paren++
		case c == ')' && paren > 0:
			paren--
			if paren == 0 {
				first = false
			} else if first {
				cm.WriteByte(c)
			}
		case paren > 0:
			if first {
				cm.WriteByte(c)
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), cm.String()
}

var (
	dateComment = regexp.MustCompile(`\([^()]*\)`)
	dateAt      = regexp.MustCompile(`(?i)\s+at\s+`)
	// "GMT+1", "UTC-05:30", "GMT+0100"
	dateGMTOff = regexp.MustCompile(`(?i)\b(?:GMT|UTC|UT)\s*([+-])(\d{1,2})(?::?(\d{2}))?\b`)
	// "+01:00" at the end
	dateColonOff = regexp.MustCompile(`([+-]\d{2}):(\d{2})$`)
	dateZone     = regexp.MustCompile(`\b[A-Za-z]{1,5}\b`)
	dateNumZone  = regexp.MustCompile(`[+-]\d{4}\b`)
)

// zoneOffsets maps time zone abbreviations common in mail to offsets.
// Abbreviations are ambiguous; these are the readings mail software uses.
var zoneOffsets = map[string]string{
	"UT": "+0000", "UTC": "+0000", "GMT": "+0000", "Z": "+0000",
	"EST": "-0500", "EDT": "-0400", "CST": "-0600", "CDT": "-0500",
	"MST": "-0700", "MDT": "-0600", "PST": "-0800", "PDT": "-0700",
	"AKST": "-0900", "AKDT": "-0800", "HST": "-1000",
	"BST": "+0100", "IST": "+0530", "WET": "+0000", "WEST": "+0100",
	"CET": "+0100", "CEST": "+0200", "MET": "+0100", "MEST": "+0200", "MESZ": "+0200", "MEZ": "+0100",
	"EET": "+0200", "EEST": "+0300", "MSK": "+0300", "MSD": "+0400",
	"JST": "+0900", "KST": "+0900", "HKT": "+0800", "SGT": "+0800", "AWST": "+0800",
	"ACST": "+0930", "AEST": "+1000", "AEDT": "+1100", "NZST": "+1200", "NZDT": "+1300",
}

var dateLayouts = []string{
	"Mon, 2 Jan 2006 15:04:05 -0700",
	"Mon, 2 Jan 2006 15:04:05 MST",
	"Mon, 2 Jan 2006 15:04:05 -0700 MST",
	"Mon, 2 Jan 2006 15:04:05",
	"Mon, 2 Jan 2006 15:04 -0700",
	"Mon, 2 Jan 2006 15:04 MST",
	"Mon, 2 Jan 2006 15:04",
	"Mon, 2 Jan 06 15:04:05 -0700",
	"Mon, 2 Jan 06 15:04:05 MST",
	"Mon, 2 Jan 06 15:04:05",
	"Mon, 2 Jan 06 15:04 -0700",
	"Mon 2 Jan 2006 15:04:05 -0700",
	"Mon 2 Jan 2006 15:04:05 MST",
	"Mon, Jan 2 2006 15:04:05 -0700",
	"Mon, Jan 2 2006 15:04:05 MST",
	"Mon, Jan 2, 2006 15:04:05 -0700",
	"Mon, Jan 2, 2006 3:04 PM",
	"Mon, Jan 2, 2006 3:04:05 PM",
	"2 Jan 2006 15:04:05 -0700",
	"2 Jan 2006 15:04:05 MST",
	"2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04 -0700",
	"2 Jan 2006 15:04 MST",
	"2 Jan 2006 15:04",
	"2 Jan 06 15:04:05 -0700",
	"2 Jan 06 15:04:05 MST",
	"2 Jan 06 15:04:05",
	"2 Jan 06 15:04 -0700",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon Jan 2 15:04:05 -0700 2006",
	"Mon Jan 2 2006 15:04:05 -0700",
	"Monday, January 2, 2006 3:04 PM",
	"Monday, January 2, 2006 3:04:05 PM",
	"Monday, January 2, 2006 15:04",
	"Monday, 2 January 2006 15:04:05 -0700",
	"Monday, 2 January 2006 15:04",
	"January 2, 2006 3:04 PM",
	"2006-01-02T15:04:05Z07:00",
	"2006-01-02T15:04:05-0700",
	"2006-01-02T15:04:05",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02 15:04:05 MST",
	"2006-01-02 15:04:05",
	"2006-01-02 15:04",
	"2006/01/02 15:04:05",
	"01/02/2006 15:04:05",
	"01/02/2006 3:04 PM",
	"01/02/2006 15:04",
	"2006-01-02",
	"2 Jan 2006",
}

// parseDate parses a Date field; it returns the zero time when no known
// layout fits.
func parseDate(s string) time.Time {
	t := parseDateLayouts(s)
	// years 100-199 come from software that printed struct tm's years
	// since 1900 ("Tue, 04 Jun 0102")
	if y := t.Year(); y >= 100 && y < 200 {
		t = t.AddDate(1900, 0, 0)
	}
	return t
}

func parseDateLayouts(s string) time.Time {
	s = strings.Join(strings.Fields(cleanText(s)), " ")
	if s == "" {
		return time.Time{}
	}
	if len(s) > 200 { // no date is this long; bound the work below
		s = strings.ToValidUTF8(s[:200], "")
	}
	s = dateComment.ReplaceAllString(s, " ")
	s = dateAt.ReplaceAllString(s, " ")
	s = dateGMTOff.ReplaceAllStringFunc(s, func(m string) string {
		sm := dateGMTOff.FindStringSubmatch(m)
		h, mm := sm[2], sm[3]
		if len(h) == 1 {
			h = "0" + h
		}
		if mm == "" {
			mm = "00"
		}
		return sm[1] + h + mm
	})
	s = dateColonOff.ReplaceAllString(s, "$1$2")
	// zone names: dropped beside a numeric offset, else replaced by theirs
	// (time.Parse would read an unknown abbreviation as UTC)
	numeric := dateNumZone.MatchString(s)
	s = dateZone.ReplaceAllStringFunc(s, func(m string) string {
		if off, ok := zoneOffsets[strings.ToUpper(m)]; ok {
			if numeric {
				return ""
			}
			return off
		}
		return m
	})
	s = strings.Join(strings.Fields(strings.Trim(s, " ,.;")), " ")
	if t, err := mail.ParseDate(s); err == nil {
		return t
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	// trailing junk after a usable prefix ("... -0700 (EST) garbage")
	if f := strings.Fields(s); len(f) > 3 {
		for n := min(len(f)-1, 8); n >= 3; n-- {
			p := strings.Join(f[:n], " ")
			if t, err := mail.ParseDate(p); err == nil {
				return t
			}
			for _, layout := range dateLayouts {
				if t, err := time.Parse(layout, p); err == nil {
					return t
				}
			}
		}
	}
	return time.Time{}
}
