package mirror

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/release"
)

// Source is an archive or mirror to pull from.
type Source struct {
	URL   string // base URL, without trailing slash
	Token string // API token for limited releases, sent to this URL only ("" = public only)
}

// Limits on what a source may make this side read into memory.
const (
	maxIndex     = 64 << 20  // index.json
	maxMirrors   = 1 << 20   // mirrors.json
	maxManifest  = 256 << 20 // manifest.json
	maxSignature = 64 << 10  // manifest.json.minisig
	maxMirrorURL = 2048      // one mirror URL
	// MaxMirrors is how many mirror URLs one mirrors.json may add.
	MaxMirrors = 256
)

// IndexEntry is one release as a source's index.json lists it. Every field
// is a claim of the source, trusted for nothing but deciding what to fetch.
type IndexEntry struct {
	Name           string    `json:"name"`
	Dataset        string    `json:"dataset"`
	Title          string    `json:"title"`
	Level          string    `json:"level"`
	Created        time.Time `json:"created"`
	Files          int       `json:"files"`
	Size           int64     `json:"size"`
	InfoHash       string    `json:"infohash"`
	ManifestSHA256 string    `json:"manifest_sha256"` // "" unless 64 hex digits
	Countries      []string  `json:"countries"`
	Magnet         string    `json:"magnet"`
	Complete       bool      `json:"complete"`
}

// ParseIndex reads an index.json. Entries that do not decode or whose name
// is not a valid release name are skipped, as are repeated names; a
// manifest_sha256 that is not a hex SHA-256 is cleared. An error means the
// document as a whole is not an index.
func ParseIndex(b []byte) ([]IndexEntry, error) {
	var doc struct {
		Releases []json.RawMessage `json:"releases"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, archive.Errorf(archive.EInvalid, "index: %v", err)
	}
	seen := make(map[string]bool, len(doc.Releases))
	out := make([]IndexEntry, 0, len(doc.Releases))
	for _, raw := range doc.Releases {
		var e IndexEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			// A bad field (a date in another format, say) must not
			// hide the entry's name: fall back to the name alone.
			var n struct {
				Name           string `json:"name"`
				ManifestSHA256 string `json:"manifest_sha256"`
			}
			if json.Unmarshal(raw, &n) != nil {
				continue
			}
			e = IndexEntry{Name: n.Name, ManifestSHA256: n.ManifestSHA256}
		}
		if !release.ValidName(e.Name) || seen[e.Name] {
			continue
		}
		seen[e.Name] = true
		e.ManifestSHA256 = strings.ToLower(e.ManifestSHA256)
		if _, err := archive.ParseBlobID(e.ManifestSHA256); err != nil {
			e.ManifestSHA256 = ""
		}
		out = append(out, e)
	}
	return out, nil
}

// ParseMirrors reads a mirrors.json and returns the mirror base URLs it
// lists, normalised (see NormalizeURL), without repeats, at most
// MaxMirrors. URLs that are not plain http or https base URLs are skipped.
func ParseMirrors(b []byte) ([]string, error) {
	var doc struct {
		Mirrors []json.RawMessage `json:"mirrors"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, archive.Errorf(archive.EInvalid, "mirror list: %v", err)
	}
	seen := make(map[string]bool)
	var out []string
	for _, raw := range doc.Mirrors {
		var m struct {
			URL string `json:"url"`
		}
		if json.Unmarshal(raw, &m) != nil {
			continue
		}
		u, ok := NormalizeURL(m.URL)
		if !ok || seen[u] {
			continue
		}
		seen[u] = true
		out = append(out, u)
		if len(out) == MaxMirrors {
			break
		}
	}
	return out, nil
}

// NormalizeURL returns the canonical form of a base URL: scheme and host in
// lower case, no trailing slash. It reports false for anything but an
// absolute http or https URL without user info, query or fragment.
func NormalizeURL(s string) (string, bool) {
	if s == "" || len(s) > maxMirrorURL {
		return "", false
	}
	u, err := url.Parse(s)
	if err != nil || u.Opaque != "" || u.User != nil || u.RawQuery != "" || u.ForceQuery ||
		u.Fragment != "" || u.Host == "" {
		return "", false
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", false
	}
	if strings.ContainsAny(u.Host, " \t\r\n/\\") {
		return "", false
	}
	return scheme + "://" + strings.ToLower(u.Host) + strings.TrimRight(u.EscapedPath(), "/"), true
}

// src is one source during a Sync, with what this Sync learnt of it.
type src struct {
	url   string
	token string // only for given sources
	given bool
	rank  int  // order given, then discovered
	fails int  // consecutive failed requests (connection, 5xx, stall)
	bad   bool // served bytes that did not match a signed hash
}

// sourceSet holds the sources of one Sync. Safe for concurrent use.
type sourceSet struct {
	mu   sync.Mutex
	list []*src
	keys map[string]bool
}

func newSourceSet(given []Source) *sourceSet {
	ss := &sourceSet{keys: make(map[string]bool)}
	for _, g := range given {
		u := strings.TrimRight(g.URL, "/")
		key := u
		if n, ok := NormalizeURL(u); ok {
			key = n
		}
		if ss.keys[key] {
			continue
		}
		ss.keys[key] = true
		ss.list = append(ss.list, &src{url: u, token: g.Token, given: true, rank: len(ss.list)})
	}
	return ss
}

// discover adds a mirror (already normalised) and reports whether it was new.
func (ss *sourceSet) discover(u string) bool {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.keys[u] {
		return false
	}
	ss.keys[u] = true
	ss.list = append(ss.list, &src{url: u, rank: len(ss.list)})
	return true
}

func (ss *sourceSet) given() []*src {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var out []*src
	for _, s := range ss.list {
		if s.given {
			out = append(out, s)
		}
	}
	return out
}

// order returns the sources to try for a file: those not found bad, the
// ones that failed least recently first, then in the order given.
func (ss *sourceSet) order() []*src {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	type ranked struct {
		s     *src
		fails int
	}
	var rs []ranked
	for _, s := range ss.list {
		if !s.bad {
			rs = append(rs, ranked{s, s.fails})
		}
	}
	sort.SliceStable(rs, func(i, j int) bool {
		if rs[i].fails != rs[j].fails {
			return rs[i].fails < rs[j].fails
		}
		return rs[i].s.rank < rs[j].s.rank
	})
	out := make([]*src, len(rs))
	for i, r := range rs {
		out[i] = r.s
	}
	return out
}

func (ss *sourceSet) failed(s *src) { ss.mu.Lock(); s.fails++; ss.mu.Unlock() }
func (ss *sourceSet) ok(s *src)     { ss.mu.Lock(); s.fails = 0; ss.mu.Unlock() }
func (ss *sourceSet) markBad(s *src) {
	ss.mu.Lock()
	s.bad = true
	ss.mu.Unlock()
}

// statusError is an HTTP answer other than the one wanted.
type statusError struct {
	url  string
	code int
}

func (e *statusError) Error() string { return fmt.Sprintf("GET %s: HTTP %d", e.url, e.code) }

// notHeld reports whether err says the server does not hold the resource.
func notHeld(err error) bool {
	var se *statusError
	return errors.As(err, &se) && (se.code == http.StatusNotFound || se.code == http.StatusGone)
}

func newRequest(ctx context.Context, u, token string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", u, err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req, nil
}

// defaultStall is the stall timeout of VerifyURL.
const defaultStall = time.Minute

// stallWatch ends a request that has received nothing for d: its context
// is cancelled unless a read returns bytes in time.
type stallWatch struct {
	t *time.Timer
	d time.Duration
}

// watchStall returns ctx with a stall watch; stop releases it.
func watchStall(ctx context.Context, d time.Duration) (_ context.Context, _ *stallWatch, stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	w := &stallWatch{t: time.AfterFunc(d, cancel), d: d}
	return ctx, w, func() { w.t.Stop(); cancel() }
}

// reader returns r, resetting the watch whenever bytes arrive.
func (w *stallWatch) reader(r io.Reader) io.Reader { return stallReader{r, w} }

type stallReader struct {
	r io.Reader
	w *stallWatch
}

func (s stallReader) Read(p []byte) (int, error) {
	n, err := s.r.Read(p)
	if n > 0 {
		s.w.t.Reset(s.w.d)
	}
	return n, err
}

// getSmall fetches a document of at most max bytes, giving up when
// nothing arrives for stall.
func getSmall(ctx context.Context, c *http.Client, u, token string, max int64, stall time.Duration) ([]byte, error) {
	ctx, watch, stop := watchStall(ctx, stall)
	defer stop()
	req, err := newRequest(ctx, u, token)
	if err != nil {
		return nil, err
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		return nil, &statusError{u, resp.StatusCode}
	}
	if resp.ContentLength > max {
		return nil, fmt.Errorf("get %s: %d bytes, more than %d", u, resp.ContentLength, max)
	}
	b, err := io.ReadAll(io.LimitReader(watch.reader(resp.Body), max+1))
	if err != nil {
		return nil, fmt.Errorf("get %s: %w", u, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("get %s: more than %d bytes", u, max)
	}
	return b, nil
}

// releaseURL and fileURL build protocol URLs; name and path must have
// been validated (release.ValidName, release.ValidPath).
func releaseURL(base, name, file string) string {
	return base + "/releases/" + url.PathEscape(name) + "/" + file
}

func fileURL(base, name, p string) string {
	els := strings.Split(p, "/")
	for i, el := range els {
		els[i] = url.PathEscape(el)
	}
	return base + "/files/" + url.PathEscape(name) + "/" + strings.Join(els, "/")
}
