package dkim

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ErrNoKey means no key record exists for a selector in any allowed source.
var ErrNoKey = errors.New("no key record")

// KeyRecord is one TXT record of a key archive file.
type KeyRecord struct {
	Name     string    // owner name, lower case, no final dot: "sel._domainkey.example.com"
	Text     string    // the record's character strings, joined
	Captured time.Time // from a "captured:" comment; zero if not given
	Line     int       // line of the file where the record starts
}

// KeyFile is a parsed key archive file.
type KeyFile struct {
	Name    string // base name of the file, for the key source "archive:<name>"
	Records []KeyRecord
	byName  map[string][]KeyRecord
}

// maxKeyFileLine bounds one logical record of a key archive file.
const maxKeyFileLine = 1 << 20

// ReadKeyFile opens and parses a key archive file.
func ReadKeyFile(path string) (*KeyFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("dkim key file: %w", err)
	}
	defer f.Close()
	kf, err := ParseKeyFile(f)
	if err != nil {
		return nil, fmt.Errorf("dkim key file %s: %w", filepath.Base(path), err)
	}
	kf.Name = filepath.Base(path)
	return kf, nil
}

// ParseKeyFile parses a key archive in DNS zone-file style (RFC 1035
// section 5): one TXT record per entry,
//
//	sel._domainkey.example.com. 3600 IN TXT "v=DKIM1; k=rsa; " "p=MIIB..."
//
// with a TTL and class that may be left out, several character strings
// (joined without separator, as DKIM requires), records continued over
// lines inside parentheses, "\"" and "\DDD" escapes, "$ORIGIN" for
// relative names and "$TTL". A comment starts with ";". A comment of the
// form "; captured: 2013-05-01" (or an RFC 3339 time) on a line of its own
// dates the records after it, until the next such comment; on the line of a
// record it dates that record alone. Records of other types are skipped.
func ParseKeyFile(r io.Reader) (*KeyFile, error) {
	kf := &KeyFile{byName: map[string][]KeyRecord{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxKeyFileLine)
	var (
		origin   string
		owner    string
		captured time.Time
		entry    []string // tokens of the entry being read
		quoted   []bool
		depth    int
		start    int
		recDate  time.Time
	)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		toks, qs, comment, d, err := tokenize(sc.Text())
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
		when, isDate, err := capturedComment(comment)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
		if depth == 0 && len(toks) == 0 {
			if isDate {
				captured = when
			}
			continue
		}
		if depth == 0 {
			start = lineNo
			entry, quoted, recDate = nil, nil, time.Time{}
			if t := sc.Text(); t[0] == ' ' || t[0] == '\t' {
				// No owner: the previous record's.
				if owner == "" {
					return nil, fmt.Errorf("line %d: record without an owner name", lineNo)
				}
				entry = append(entry, owner+".")
				quoted = append(quoted, false)
			}
		}
		if isDate {
			recDate = when
		}
		entry = append(entry, toks...)
		quoted = append(quoted, qs...)
		depth += d
		if depth < 0 {
			return nil, fmt.Errorf("line %d: unbalanced ')'", lineNo)
		}
		if depth > 0 {
			if len(entry) > 4096 {
				return nil, fmt.Errorf("line %d: record too long", start)
			}
			continue
		}
		// A complete entry.
		if !quoted[0] && strings.HasPrefix(entry[0], "$") {
			switch strings.ToUpper(entry[0]) {
			case "$ORIGIN":
				if len(entry) < 2 {
					return nil, fmt.Errorf("line %d: $ORIGIN without a name", start)
				}
				origin = normName(entry[1])
			case "$TTL":
			default:
				return nil, fmt.Errorf("line %d: unknown directive %s", start, clip(entry[0]))
			}
			continue
		}
		name := entry[0]
		switch {
		case name == "@":
			name = origin
		case !strings.HasSuffix(name, ".") && origin != "":
			name = name + "." + origin
		}
		name = normName(name)
		owner = name
		// Skip TTL and class, in either order.
		i := 1
		for ; i < len(entry) && i < 3 && !quoted[i]; i++ {
			t := strings.ToUpper(entry[i])
			if t == "IN" || t == "CH" || t == "HS" {
				continue
			}
			if _, err := strconv.ParseUint(t, 10, 32); err == nil {
				continue
			}
			break
		}
		if i >= len(entry) || quoted[i] {
			return nil, fmt.Errorf("line %d: missing record type", start)
		}
		if !strings.EqualFold(entry[i], "TXT") {
			continue
		}
		if i+1 >= len(entry) {
			return nil, fmt.Errorf("line %d: TXT record without data", start)
		}
		rec := KeyRecord{Name: name, Text: strings.Join(entry[i+1:], ""), Captured: captured, Line: start}
		if !recDate.IsZero() {
			rec.Captured = recDate
		}
		kf.Records = append(kf.Records, rec)
		kf.byName[name] = append(kf.byName[name], rec)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", lineNo+1, err)
	}
	if depth != 0 {
		return nil, fmt.Errorf("line %d: unclosed '('", start)
	}
	return kf, nil
}

// Lookup returns the records of a name.
func (kf *KeyFile) Lookup(name string) []KeyRecord {
	if kf.byName == nil {
		kf.byName = map[string][]KeyRecord{}
		for _, r := range kf.Records {
			kf.byName[r.Name] = append(kf.byName[r.Name], r)
		}
	}
	return kf.byName[normName(name)]
}

func normName(s string) string { return strings.ToLower(strings.TrimSuffix(s, ".")) }

// tokenize splits a zone-file line into tokens (quoted strings unescaped,
// marked in quoted), returns the comment text after ";" and the change in
// parenthesis depth.
func tokenize(line string) (toks []string, quoted []bool, comment string, depth int, err error) {
	i := 0
	for i < len(line) {
		c := line[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r':
			i++
		case c == ';':
			return toks, quoted, line[i+1:], depth, nil
		case c == '(':
			depth++
			i++
		case c == ')':
			depth--
			i++
		case c == '"':
			var b strings.Builder
			i++
			closed := false
			for i < len(line) {
				c := line[i]
				if c == '"' {
					closed = true
					i++
					break
				}
				if c == '\\' && i+1 < len(line) {
					if i+3 < len(line) && isDigit(line[i+1]) && isDigit(line[i+2]) && isDigit(line[i+3]) {
						n, _ := strconv.Atoi(line[i+1 : i+4])
						if n > 255 {
							return nil, nil, "", 0, errors.New("bad \\DDD escape")
						}
						b.WriteByte(byte(n))
						i += 4
						continue
					}
					b.WriteByte(line[i+1])
					i += 2
					continue
				}
				b.WriteByte(c)
				i++
			}
			if !closed {
				return nil, nil, "", 0, errors.New("unclosed quote")
			}
			toks = append(toks, b.String())
			quoted = append(quoted, true)
		default:
			j := i
			for j < len(line) && !strings.ContainsRune(" \t\r;()\"", rune(line[j])) {
				j++
			}
			toks = append(toks, line[i:j])
			quoted = append(quoted, false)
			i = j
		}
	}
	return toks, quoted, "", depth, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// capturedComment recognises "captured: DATE" (or "captured=DATE") in a
// comment.
func capturedComment(comment string) (time.Time, bool, error) {
	c := strings.TrimSpace(strings.TrimLeft(comment, "; \t"))
	if len(c) < 9 || !strings.EqualFold(c[:8], "captured") || (c[8] != ':' && c[8] != '=') {
		return time.Time{}, false, nil
	}
	v := strings.TrimSpace(c[9:])
	if f := strings.Fields(v); len(f) > 0 {
		v = f[0]
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, v); err == nil {
			return t.UTC(), true, nil
		}
	}
	return time.Time{}, false, fmt.Errorf("captured: bad date %q (want YYYY-MM-DD or RFC 3339)", clip(v))
}

// keyRecord is a key record found for a selector, with its provenance.
type keyRecord struct {
	text    string
	source  string
	fetched time.Time
}

// Keys finds key records: in the key archive files first (in order), then,
// if allowed, in live DNS. Answers are cached for the Keys' lifetime, so
// that one run asks DNS at most once per selector.
type Keys struct {
	files    []*KeyFile
	resolver *net.Resolver
	dnsAddr  string
	timeout  time.Duration
	now      func() time.Time

	mu    sync.Mutex
	cache map[string]*keyLookup
}

type keyLookup struct {
	once sync.Once
	recs []keyRecord
	err  error
}

// NewKeys reads the key files of opt and sets up DNS if opt.DNS.
func NewKeys(opt Options) (*Keys, error) {
	k := &Keys{cache: map[string]*keyLookup{}, now: time.Now, timeout: 5 * time.Second}
	for _, p := range opt.KeyFiles {
		kf, err := ReadKeyFile(p)
		if err != nil {
			return nil, err
		}
		k.files = append(k.files, kf)
	}
	if opt.DNS {
		addr := opt.Resolver
		if addr == "" {
			var err error
			if addr, err = systemResolver("/etc/resolv.conf"); err != nil {
				return nil, err
			}
		}
		if _, _, err := net.SplitHostPort(addr); err != nil {
			addr = net.JoinHostPort(addr, "53")
		}
		k.dnsAddr = addr
		k.resolver = &net.Resolver{
			PreferGo: true,
			Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			},
		}
	}
	return k, nil
}

// AddFile adds a parsed key archive (after those already added).
func (k *Keys) AddFile(kf *KeyFile) { k.files = append(k.files, kf) }

// systemResolver returns the first nameserver of a resolv.conf file.
func systemResolver(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("dkim resolver: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "nameserver" {
			return net.JoinHostPort(f[1], "53"), nil
		}
	}
	return "", errors.New("dkim resolver: no nameserver in resolv.conf; give --resolver")
}

// lookup returns the key records for selector._domainkey.domain, or
// ErrNoKey, or another error (DNS failure).
func (k *Keys) lookup(ctx context.Context, domain, selector string) ([]keyRecord, error) {
	name := normName(selector + "._domainkey." + domain)
	k.mu.Lock()
	l := k.cache[name]
	if l == nil {
		l = &keyLookup{}
		k.cache[name] = l
	}
	k.mu.Unlock()
	l.once.Do(func() { l.recs, l.err = k.find(ctx, name) })
	return l.recs, l.err
}

func (k *Keys) find(ctx context.Context, name string) ([]keyRecord, error) {
	for _, f := range k.files {
		if rs := f.Lookup(name); len(rs) > 0 {
			out := make([]keyRecord, len(rs))
			for i, r := range rs {
				out[i] = keyRecord{text: r.Text, source: "archive:" + f.Name, fetched: r.Captured}
			}
			return out, nil
		}
	}
	if k.resolver == nil {
		return nil, ErrNoKey
	}
	ctx, cancel := context.WithTimeout(ctx, k.timeout)
	defer cancel()
	txts, err := k.resolver.LookupTXT(ctx, name+".")
	var de *net.DNSError
	if errors.As(err, &de) && de.IsNotFound {
		return nil, ErrNoKey
	} else if err != nil {
		return nil, fmt.Errorf("dns lookup: %w", err)
	}
	if len(txts) == 0 {
		return nil, ErrNoKey
	}
	now := k.now().UTC().Truncate(time.Second)
	out := make([]keyRecord, len(txts))
	for i, t := range txts {
		out[i] = keyRecord{text: t, source: "dns:" + k.dnsAddr, fetched: now}
	}
	return out, nil
}

// SetTimeout sets the time allowed for one DNS lookup (default 5 s).
func (k *Keys) SetTimeout(d time.Duration) { k.timeout = d }
