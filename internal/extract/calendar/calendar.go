// Package calendar extracts iCalendar (RFC 5545, and vCalendar 1.0) and
// vCard (RFC 6350, 2426 and 2.1) files in pure Go, as readable lines:
// "Event: …", "When: …", "Where: …", "Organizer: …", "Attendee: …" for
// each event, "Name: …", "Email: …", "Phone: …", "Organization: …",
// "Address: …", "Note: …" for each contact; a blank line between entries.
//
// Content lines are unfolded, parameters read (CN, TYPE, ENCODING=
// QUOTED-PRINTABLE, CHARSET), text escapes undone. Bytes that are not
// UTF-8 are read as Windows-1252 (vCard 2.1 and vCalendar exports).
//
// Meta.Title is the calendar's name (X-WR-CALNAME) or its only event's
// summary; for contacts, the only contact's name. Meta.Created is the
// earliest event start: the date a search for "what happened when" should
// sort the file by, since a calendar's own creation stamp (DTSTAMP) only
// says when it was exported.
package calendar

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/quotedprintable"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
)

// MaxSize is the largest file read (calendars and address books are text).
const MaxSize = 256 << 20

// Extractor handles iCalendar and vCard files.
type Extractor struct{}

var _ extract.Extractor = Extractor{}

// New returns the calendar and contacts extractor.
func New() Extractor { return Extractor{} }

func (Extractor) Name() string    { return "calendar" }
func (Extractor) MIMEs() []string { return []string{extract.MIMECalendar, extract.MIMEVCard} }

// Extract writes the entries of the file at in.Path to s. Errors wrap
// extract.ErrTooLarge, extract.ErrCorrupt (no BEGIN:VCALENDAR or
// BEGIN:VCARD), or the sink's error.
func (Extractor) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	f, err := os.Open(in.Path)
	if err != nil {
		return fmt.Errorf("calendar open: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err != nil {
		return fmt.Errorf("calendar read: %w", err)
	}
	if len(b) > MaxSize {
		return fmt.Errorf("calendar: %w: over %d bytes", extract.ErrTooLarge, MaxSize)
	}
	if err := ctx.Err(); err != nil {
		return context.Cause(ctx)
	}
	var buf bytes.Buffer
	n, err := Write(&buf, s.Meta(), b)
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("calendar: %w: no calendar or vCard object", extract.ErrCorrupt)
	}
	_, err = s.Write(buf.Bytes())
	return err
}

// Property is one content line: NAME;PARAM=V:VALUE.
type Property struct {
	Name   string              // upper case, group prefix ("item1.") dropped
	Params map[string][]string // upper-case names; values unquoted
	Value  string              // raw value (escapes not undone), decoded to UTF-8
}

func (p Property) param(name string) string {
	if v := p.Params[name]; len(v) > 0 {
		return v[0]
	}
	return ""
}

// Lines splits b into unfolded content lines. RFC 5545 folding (a line
// break followed by a space or tab) and vCard 2.1 quoted-printable soft
// breaks ("=" at a line's end) are joined.
func Lines(b []byte) []Property {
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	if !utf8.Valid(b) {
		if d, err := charmap.Windows1252.NewDecoder().Bytes(b); err == nil {
			b = d
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), MaxSize+1)
	sc.Split(splitLines)
	var raw []string
	qpSoft := false
	for sc.Scan() {
		l := sc.Text()
		switch {
		case qpSoft && len(raw) > 0:
			raw[len(raw)-1] = raw[len(raw)-1][:len(raw[len(raw)-1])-1] + l
		case (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(raw) > 0:
			raw[len(raw)-1] += l[1:]
		default:
			raw = append(raw, l)
		}
		last := raw[len(raw)-1]
		qpSoft = strings.HasSuffix(last, "=") && strings.Contains(strings.ToUpper(head(last)), "QUOTED-PRINTABLE")
	}
	props := make([]Property, 0, len(raw))
	for _, l := range raw {
		if p, ok := parseLine(l); ok {
			props = append(props, p)
		}
	}
	return props
}

// splitLines splits at CRLF, LF or a lone CR.
func splitLines(data []byte, atEOF bool) (int, []byte, error) {
	for i, c := range data {
		switch c {
		case '\n':
			return i + 1, data[:i], nil
		case '\r':
			if i+1 < len(data) {
				if data[i+1] == '\n' {
					return i + 2, data[:i], nil
				}
				return i + 1, data[:i], nil
			}
			if atEOF {
				return i + 1, data[:i], nil
			}
			return 0, nil, nil // need the next byte
		}
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// head returns the part of a content line before its value.
func head(l string) string {
	inQ := false
	for i, c := range l {
		switch c {
		case '"':
			inQ = !inQ
		case ':':
			if !inQ {
				return l[:i]
			}
		}
	}
	return l
}

func parseLine(l string) (Property, bool) {
	h := head(l)
	if len(h) == len(l) {
		return Property{}, false
	}
	value := l[len(h)+1:]
	parts := splitParams(h)
	name := strings.ToUpper(strings.TrimSpace(parts[0]))
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		name = name[i+1:]
	}
	if name == "" {
		return Property{}, false
	}
	p := Property{Name: name, Params: map[string][]string{}}
	for _, kv := range parts[1:] {
		k, v, ok := strings.Cut(kv, "=")
		if !ok { // vCard 2.1 bare parameters: TEL;WORK;VOICE, ADR;QUOTED-PRINTABLE
			k, v = "TYPE", kv
			switch u := strings.ToUpper(kv); {
			case u == "QUOTED-PRINTABLE" || u == "BASE64":
				k = "ENCODING"
			}
		}
		k = strings.ToUpper(strings.TrimSpace(k))
		for _, x := range splitComma(v) {
			p.Params[k] = append(p.Params[k], strings.Trim(x, `"`))
		}
	}
	if strings.EqualFold(p.param("ENCODING"), "QUOTED-PRINTABLE") {
		if d, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(value))); err == nil || len(d) > 0 {
			value = decodeCharset(d, p.param("CHARSET"))
		}
	}
	p.Value = value
	return p, true
}

func splitParams(h string) []string {
	var out []string
	inQ, start := false, 0
	for i, c := range h {
		switch c {
		case '"':
			inQ = !inQ
		case ';':
			if !inQ {
				out = append(out, h[start:i])
				start = i + 1
			}
		}
	}
	return append(out, h[start:])
}

func splitComma(v string) []string {
	var out []string
	inQ, start := false, 0
	for i, c := range v {
		switch c {
		case '"':
			inQ = !inQ
		case ',':
			if !inQ {
				out = append(out, v[start:i])
				start = i + 1
			}
		}
	}
	return append(out, v[start:])
}

// decodeCharset decodes quoted-printable bytes in the declared charset.
func decodeCharset(b []byte, cs string) string {
	if utf8.Valid(b) && (cs == "" || strings.EqualFold(cs, "utf-8")) {
		return string(b)
	}
	if cs != "" {
		if e, err := htmlindex.Get(cs); err == nil {
			if d, err := e.NewDecoder().Bytes(b); err == nil {
				return string(d)
			}
		}
	}
	if utf8.Valid(b) {
		return string(b)
	}
	d, _ := charmap.Windows1252.NewDecoder().Bytes(b)
	return string(d)
}

// unescape undoes RFC 5545/6350 text escapes: \n \N \, \; \\.
func unescape(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		i++
		switch s[i] {
		case 'n', 'N':
			b.WriteByte('\n')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// splitStructured splits a structured value (N, ADR, ORG) at unescaped ';'.
func splitStructured(s string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '\\' && i+1 < len(s):
			cur.WriteByte(s[i])
			cur.WriteByte(s[i+1])
			i++
		case s[i] == ';':
			out = append(out, unescape(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(s[i])
		}
	}
	return append(out, unescape(cur.String()))
}

// Write writes the readable form of the calendar or vCard data b to w and
// fills m; it returns how many objects (VCALENDAR, VCARD) it found.
func Write(w io.Writer, m *archive.Meta, b []byte) (int, error) {
	bw := bufio.NewWriter(w)
	props := Lines(b)
	var stack []string
	objects := 0
	var cur entry
	var events, cards []entry
	calName := ""
	for _, p := range props {
		v := p.Value
		switch p.Name {
		case "BEGIN":
			comp := strings.ToUpper(strings.TrimSpace(v))
			stack = append(stack, comp)
			switch comp {
			case "VCALENDAR", "VCARD":
				objects++
			}
			if comp == "VCARD" || comp == "VEVENT" || comp == "VTODO" || comp == "VJOURNAL" {
				cur = entry{kind: comp}
			}
			continue
		case "END":
			comp := strings.ToUpper(strings.TrimSpace(v))
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			switch comp {
			case "VCARD":
				cards = append(cards, cur)
				cur.write(bw)
			case "VEVENT", "VTODO", "VJOURNAL":
				events = append(events, cur)
				cur.write(bw)
			}
			if comp == "VCARD" || comp == "VEVENT" || comp == "VTODO" || comp == "VJOURNAL" {
				cur = entry{}
			}
			continue
		}
		top := ""
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch top {
		case "VCALENDAR":
			if p.Name == "X-WR-CALNAME" || p.Name == "NAME" {
				calName = clean(unescape(v))
			}
		case "VEVENT", "VTODO", "VJOURNAL":
			cur.event(p)
		case "VCARD":
			cur.card(p)
		}
	}
	if cur.kind != "" && len(cur.lines) > 0 { // an unterminated last entry
		cur.write(bw)
		if cur.kind == "VCARD" {
			cards = append(cards, cur)
		} else {
			events = append(events, cur)
		}
	}
	switch {
	case calName != "":
		setTitle(m, calName)
	case len(events) == 1 && len(cards) == 0:
		setTitle(m, events[0].title)
	case len(cards) == 1 && len(events) == 0:
		setTitle(m, cards[0].title)
	}
	for _, e := range events {
		if !e.start.IsZero() && (m.Created.IsZero() || e.start.Before(m.Created)) {
			m.Created = e.start
		}
	}
	if len(events)+len(cards) > 0 {
		if m.Extra == nil {
			m.Extra = map[string]string{}
		}
		if len(events) > 0 {
			m.Extra["events"] = fmt.Sprint(len(events))
		}
		if len(cards) > 0 {
			m.Extra["contacts"] = fmt.Sprint(len(cards))
		}
	}
	if err := bw.Flush(); err != nil {
		return objects, fmt.Errorf("calendar write: %w", err)
	}
	return objects, nil
}

func setTitle(m *archive.Meta, t string) {
	if m.Title == "" {
		m.Title = t
	}
}

type entry struct {
	kind  string
	title string
	start time.Time
	lines []string
}

func (e *entry) add(label, v string) {
	v = clean(v)
	if v == "" || len(e.lines) >= 100000 {
		return
	}
	switch label {
	case "Event", "Task", "Journal", "Name": // the entry's heading goes first
		e.lines = append([]string{label + ": " + v}, e.lines...)
	default:
		e.lines = append(e.lines, label+": "+v)
	}
}

func (e *entry) write(w *bufio.Writer) {
	for _, l := range e.lines {
		w.WriteString(l)
		w.WriteByte('\n')
	}
	if len(e.lines) > 0 {
		w.WriteByte('\n')
	}
}

var eventLabels = map[string]string{
	"SUMMARY": "Event", "LOCATION": "Where", "DESCRIPTION": "Description",
	"COMMENT": "Comment", "CATEGORIES": "Categories", "STATUS": "Status",
	"URL": "URL", "RESOURCES": "Resources", "CONTACT": "Contact",
}

func (e *entry) event(p Property) {
	switch p.Name {
	case "SUMMARY":
		label := "Event"
		switch e.kind {
		case "VTODO":
			label = "Task"
		case "VJOURNAL":
			label = "Journal"
		}
		e.add(label, unescape(p.Value))
		if e.title == "" {
			e.title = clean(unescape(p.Value))
		}
	case "DTSTART":
		t := parseTime(p)
		if !t.IsZero() {
			e.start = t
		}
		e.add("When", formatTime(p, t))
	case "DTEND", "DUE":
		e.add("Until", formatTime(p, parseTime(p)))
	case "ORGANIZER", "ATTENDEE":
		label := "Organizer"
		if p.Name == "ATTENDEE" {
			label = "Attendee"
		}
		e.add(label, person(p))
	case "RRULE":
		e.add("Repeats", p.Value)
	default:
		if l, ok := eventLabels[p.Name]; ok {
			e.add(l, unescape(p.Value))
		}
	}
}

// person formats a CAL-ADDRESS with its common name.
func person(p Property) string {
	addr := strings.TrimSpace(p.Value)
	if len(addr) >= 7 && strings.EqualFold(addr[:7], "mailto:") {
		addr = addr[7:]
	}
	cn := strings.Trim(p.param("CN"), `"`)
	switch {
	case cn != "" && addr != "" && !strings.EqualFold(cn, addr):
		return cn + " <" + addr + ">"
	case cn != "":
		return cn
	}
	return addr
}

// parseTime reads DATE-TIME (UTC with Z, floating, or with TZID: the
// named zone when the system knows it, else read as UTC) and DATE values.
func parseTime(p Property) time.Time {
	v := strings.TrimSpace(p.Value)
	loc := time.UTC
	if tz := p.param("TZID"); tz != "" {
		if l, err := time.LoadLocation(strings.TrimPrefix(tz, "/")); err == nil {
			loc = l
		}
	}
	for _, f := range []string{"20060102T150405Z", "20060102T150405", "20060102T1504Z", "20060102T1504", "20060102", "2006-01-02T15:04:05Z07:00", "2006-01-02"} {
		if t, err := time.ParseInLocation(f, v, loc); err == nil {
			if t.Year() < 1 || t.Year() > 9999 {
				return time.Time{}
			}
			return t.UTC()
		}
	}
	return time.Time{}
}

func formatTime(p Property, t time.Time) string {
	if t.IsZero() {
		return p.Value
	}
	v := strings.TrimSpace(p.Value)
	switch {
	case len(v) == 8 || strings.EqualFold(p.param("VALUE"), "DATE"):
		return t.Format("2006-01-02")
	case strings.HasSuffix(v, "Z") || p.param("TZID") != "":
		return t.Format("2006-01-02 15:04 UTC")
	}
	return t.Format("2006-01-02 15:04") // floating: local time wherever it is
}

func (e *entry) card(p Property) {
	v := p.Value
	types := strings.ToLower(strings.Join(p.Params["TYPE"], ","))
	label := func(base string) string {
		var qual []string
		for _, t := range strings.Split(types, ",") {
			switch t {
			case "home", "work", "cell", "mobile", "fax", "pager", "internet", "pref", "voice", "":
				if t == "home" || t == "work" || t == "cell" || t == "mobile" || t == "fax" || t == "pager" {
					qual = append(qual, t)
				}
			}
		}
		if len(qual) > 0 {
			return base + " (" + strings.Join(qual, ", ") + ")"
		}
		return base
	}
	switch p.Name {
	case "FN":
		e.add("Name", unescape(v))
		e.title = clean(unescape(v))
	case "N":
		parts := splitStructured(v) // family; given; additional; prefix; suffix
		var order []string
		for _, i := range []int{3, 1, 2, 0, 4} {
			if i < len(parts) && strings.TrimSpace(parts[i]) != "" {
				order = append(order, strings.TrimSpace(parts[i]))
			}
		}
		name := strings.Join(order, " ")
		if e.title == "" {
			e.title = clean(name)
		}
		if !e.has("Name: " + clean(name)) {
			e.add("Full name", name)
		}
	case "NICKNAME":
		e.add("Nickname", unescape(v))
	case "EMAIL":
		e.add(label("Email"), unescape(v))
	case "TEL":
		e.add(label("Phone"), strings.TrimPrefix(unescape(v), "tel:"))
	case "ORG":
		e.add("Organization", strings.Join(nonEmpty(splitStructured(v)), ", "))
	case "TITLE", "ROLE":
		e.add(strings.ToUpper(p.Name[:1])+strings.ToLower(p.Name[1:]), unescape(v))
	case "ADR":
		e.add(label("Address"), strings.Join(nonEmpty(splitStructured(v)), ", "))
	case "NOTE":
		e.add("Note", unescape(v))
	case "URL":
		e.add("URL", unescape(v))
	case "BDAY":
		e.add("Birthday", v)
	case "CATEGORIES":
		e.add("Categories", unescape(v))
	}
}

func (e *entry) has(line string) bool {
	for _, l := range e.lines {
		if l == line {
			return true
		}
	}
	return false
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// clean makes a value valid UTF-8 without control characters; line breaks
// inside it (a description's paragraphs) stay, the continuation lines
// indented by two spaces so that they read as part of the entry.
func clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	out := lines[:0]
	for _, l := range lines {
		l = strings.Map(func(r rune) rune {
			if r < 0x20 && r != '\t' || r == 0x7F {
				return -1
			}
			return r
		}, l)
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n  ")
}
