package email_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/email"
)

// maxChildBytes bounds what the fake sink keeps of one child.
const maxChildBytes = 64 << 20

type child struct {
	Info extract.ChildInfo
	Data []byte
	// Sub is the extraction of an enclosed message when the sink recurses.
	Sub *sink
}

type failure struct {
	Info extract.ChildInfo
	Err  error
}

// sink records what an extractor produces. With recurse set, children
// declared as message/rfc822 are extracted in turn with the EML extractor,
// as the ingest would after sniffing them.
type sink struct {
	tb       testing.TB
	recurse  bool
	depth    int
	text     bytes.Buffer
	meta     archive.Meta
	expected int
	children []child
	failed   []failure
	subErr   error
}

var _ extract.Sink = (*sink)(nil)

func (s *sink) Write(p []byte) (int, error) { return s.text.Write(p) }
func (s *sink) Meta() *archive.Meta         { return &s.meta }
func (s *sink) Expect(n int)                { s.expected = n }
func (s *sink) Passwords() []string         { return nil }

func (s *sink) ChildFailed(info extract.ChildInfo, err error) {
	s.failed = append(s.failed, failure{info, err})
}

func (s *sink) Child(ctx context.Context, info extract.ChildInfo, r io.Reader) error {
	data, err := io.ReadAll(io.LimitReader(r, maxChildBytes))
	if err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	c := child{Info: info, Data: data}
	if s.recurse && info.MIME == extract.MIMEEmail && s.depth < 8 {
		sub, err := runData(s.tb, email.NewEML(), data, true)
		sub.depth = s.depth + 1
		if err != nil && s.subErr == nil {
			s.subErr = err
		}
		c.Sub = sub
	}
	s.children = append(s.children, c)
	return nil
}

// total counts children and failures, including those of enclosed messages.
func (s *sink) total() int {
	n := len(s.failed)
	for _, c := range s.children {
		n++
		if c.Sub != nil {
			n += c.Sub.total()
		}
	}
	return n
}

func (s *sink) names() []string {
	var ns []string
	for _, c := range s.children {
		ns = append(ns, c.Info.Name)
	}
	return ns
}

func (s *sink) child(name string) *child {
	for i := range s.children {
		if s.children[i].Info.Name == name {
			return &s.children[i]
		}
	}
	return nil
}

// runFile extracts the file at path.
func runFile(tb testing.TB, ex extract.Extractor, path string, recurse bool) (*sink, error) {
	tb.Helper()
	s := &sink{tb: tb, recurse: recurse}
	err := ex.Extract(context.Background(), extract.Input{Name: filepath.Base(path), Path: path}, s)
	return s, err
}

// runData writes data to a temporary file and extracts it.
func runData(tb testing.TB, ex extract.Extractor, data []byte, recurse bool) (*sink, error) {
	tb.Helper()
	return runAt(tb, ex, filepath.Join(tb.TempDir(), "in"), data, recurse)
}

// runAt writes data to path and extracts it.
func runAt(tb testing.TB, ex extract.Extractor, path string, data []byte, recurse bool) (*sink, error) {
	tb.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return runFile(tb, ex, path, recurse)
}

// mustEML extracts a message built by a test and fails on error.
func mustEML(tb testing.TB, msg string) *sink {
	tb.Helper()
	s, err := runData(tb, email.NewEML(), []byte(msg), true)
	if err != nil {
		tb.Fatalf("extract: %v", err)
	}
	return s
}

// countingSink counts the bytes of children instead of keeping them.
type countingSink struct {
	sink
	sizes map[string]int64
}

func (s *countingSink) Child(ctx context.Context, info extract.ChildInfo, r io.Reader) error {
	n, err := io.Copy(io.Discard, r)
	if s.sizes == nil {
		s.sizes = map[string]int64{}
	}
	s.sizes[info.Name] = n
	return err
}

// inputFor writes data to a temporary file and describes it.
func inputFor(tb testing.TB, data []byte) extract.Input {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "in")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return extract.Input{Name: "in", Path: p, Size: int64(len(data))}
}
