package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/country/detect"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/sqlite"
)

// ChunkSize is the target size of one indexed chunk of text (16 KiB: the
// cost of a snippet grows with its chunk). Long documents
// are indexed in chunks (page groups) so every hit gets a snippet near it.
const ChunkSize = 16 << 10

// sink receives one blob's extraction: it chunks text into the index,
// collects metadata and stores children.
type sink struct {
	ing    *Ingester
	t      *task
	itemID int64
	blobID int64
	paged  bool

	meta      archive.Meta
	buf       []byte
	chunk0    []byte // held back until metadata is known
	seq       int
	pages     int // form feeds seen before buf
	textBytes int64
	err       error

	expected int64
	emitted  int64
	failed   int64
	failures []sqlite.ChildFailure
	bombed   bool

	countries *detect.Collector // country evidence, fed chunk by chunk (country.go)

	// held are members that may be volumes of a multi-volume archive,
	// queued once the container is read (flushHeld).
	held []*task
}

var _ extract.Sink = (*sink)(nil)

func (s *sink) Write(p []byte) (int, error) {
	if s.seq >= sqlite.MaxChunks-1 {
		return 0, fmt.Errorf("text of more than %d chunks: %w", sqlite.MaxChunks, extract.ErrTooLarge)
	}
	s.buf = append(s.buf, p...)
	s.textBytes += int64(len(p))
	for len(s.buf) >= ChunkSize {
		cut := cutPoint(s.buf, ChunkSize)
		s.emit(s.buf[:cut])
		s.buf = append(s.buf[:0], s.buf[cut:]...)
	}
	return len(p), nil
}

// cutPoint picks where to end a chunk of at most n bytes: after the last
// form feed, else newline, else space in the second half, else at a rune
// boundary.
func cutPoint(b []byte, n int) int {
	win := b[:n]
	for _, sep := range []byte{'\f', '\n', ' '} {
		if i := lastIndex(win, sep); i >= n/2 {
			return i + 1
		}
	}
	i := n
	for i > n-utf8.UTFMax && i > 0 && !utf8.RuneStart(b[i]) {
		i--
	}
	return i
}

func lastIndex(b []byte, c byte) int {
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] == c {
			return i
		}
	}
	return -1
}

func (s *sink) emit(text []byte) {
	s.detectCountries(text)
	page := 0
	if s.paged {
		page = 1 + s.pages
	}
	s.pages += countByte(text, '\f')
	if s.seq == 0 {
		s.chunk0 = append([]byte(nil), text...)
		s.seq++
		return
	}
	s.ing.w.AddChunk(s.blobID, s.seq, page, "", validUTF8(text))
	s.seq++
}

func countByte(b []byte, c byte) int {
	n := 0
	for _, x := range b {
		if x == c {
			n++
		}
	}
	return n
}

func validUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// finish flushes the last text and the held-back first chunk with the
// metadata the index searches alongside the text.
func (s *sink) finish() int {
	if len(s.buf) > 0 || s.seq == 0 {
		s.emit(s.buf)
		s.buf = nil
	}
	page := 0
	if s.paged {
		page = 1
	}
	if s.meta.Language == "" {
		s.meta.Language = detectLang(s.chunk0)
	}
	s.ing.w.AddChunk(s.blobID, 0, page, metaText(s.t.name, &s.meta), validUTF8(s.chunk0))
	return s.seq
}

// metaText is what chunk 0's meta column holds: file name, title, author,
// subject, keywords, and email addresses, so that free text finds them.
func metaText(name string, m *archive.Meta) string {
	parts := []string{name, m.Title, m.Author, m.Subject, m.Keywords}
	if e := m.Email; e != nil {
		parts = append(parts, e.From, strings.Join(e.To, " "), strings.Join(e.Cc, " "), strings.Join(e.Bcc, " "), e.Subject)
	}
	var b strings.Builder
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			b.WriteString(p)
			b.WriteByte('\n')
		}
	}
	return validUTF8([]byte(b.String()))
}

func (s *sink) Meta() *archive.Meta { return &s.meta }
func (s *sink) Expect(n int)        { s.expected = int64(n) }
func (s *sink) Passwords() []string { return s.ing.opts.Passwords }

// Child stores a container member and queues it for extraction.
func (s *sink) Child(ctx context.Context, info extract.ChildInfo, r io.Reader) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.t.depth+1 > s.ing.opts.MaxDepth {
		s.ChildFailed(info, fmt.Errorf("member at depth %d (limit %d): %w", s.t.depth+1, s.ing.opts.MaxDepth, extract.ErrTooDeep))
		return nil
	}
	br := &budgetReader{r: r, b: s.t.budget}
	id, size, err := s.ing.store.Put(ctx, br)
	if err != nil {
		if errors.Is(err, extract.ErrBomb) || br.exceeded {
			s.bombed = true
			s.ChildFailed(info, extract.ErrBomb)
			return extract.ErrBomb
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.ChildFailed(info, fmt.Errorf("%w: %v", extract.ErrCorrupt, err))
		return nil
	}
	s.emitted++
	name := cleanMember(info.Name)
	if name == "" {
		name = fmt.Sprintf("member-%d", s.emitted)
	}
	t := &task{
		parentID: s.itemID,
		rel:      s.t.rel + "/" + name,
		name:     path.Base(name),
		depth:    s.t.depth + 1,
		sha:      id,
		size:     size,
		stored:   true,
		mtime:    info.ModTime,
		budget:   s.t.budget,
	}
	if extract.VolumeName(t.name) {
		s.held = append(s.held, t)
		return nil
	}
	s.ing.enqueueChild(s.t, t)
	return nil
}

// flushHeld groups the held members into multi-volume sets, folder by
// folder of the container, like the walk for folders on disk (setsOf;
// the first volume reads the others from the store), and queues them
// all. A name twice in one folder of the container joins no set.
func (s *sink) flushHeld() {
	byDir := map[string][]*task{}
	for _, t := range s.held {
		d := path.Dir(t.rel)
		byDir[d] = append(byDir[d], t)
	}
	for _, ts := range byDir {
		count := map[string]int{}
		for _, t := range ts {
			count[t.name]++
		}
		var files []volFile
		for _, t := range ts {
			if count[t.name] == 1 {
				files = append(files, volFile{t.name, s.ing.store.Path(t.sha), t.size})
			}
		}
		sets := setsOf(files)
		for _, t := range ts {
			if v, ok := sets[t.name]; ok {
				v.apply(t)
			}
		}
	}
	for _, t := range s.held {
		s.ing.enqueueChild(s.t, t)
	}
	s.held = nil
}

// ChildFailed records a member that could not be read.
func (s *sink) ChildFailed(info extract.ChildInfo, err error) {
	s.failed++
	s.ing.stats.childFailed(extract.Reason(err))
	if len(s.failures) < 1000 {
		s.failures = append(s.failures, sqlite.ChildFailure{Name: cleanMember(info.Name), Reason: extract.Reason(err), Message: err.Error()})
	}
}

// cleanMember makes a member name fit for display in a path chain: no
// leading slash, no "..", no empty elements. It is never used as a
// file-system path.
func cleanMember(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = strings.ToValidUTF8(name, "\uFFFD")
	c := path.Clean("/" + name)
	return strings.TrimPrefix(c, "/")
}

// budget bounds the bytes expanded out of one top-level file, across every
// level of nesting: a defence against decompression bombs.
type budget struct {
	mu        sync.Mutex
	remaining int64
}

func newBudget(n int64) *budget { return &budget{remaining: n} }

func (b *budget) take(n int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if n > b.remaining {
		b.remaining = 0
		return false
	}
	b.remaining -= n
	return true
}

type budgetReader struct {
	r        io.Reader
	b        *budget
	exceeded bool
}

func (br *budgetReader) Read(p []byte) (int, error) {
	n, err := br.r.Read(p)
	if n > 0 && !br.b.take(int64(n)) {
		br.exceeded = true
		return 0, extract.ErrBomb
	}
	return n, err
}
