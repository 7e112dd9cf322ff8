package outlook_test

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
	Sub  *sink // the EML extraction of a message/rfc822 child, when recursing
}

type failure struct {
	Info extract.ChildInfo
	Err  error
}

// sink records what an extractor produces. With recurse set, children
// declared message/rfc822 are extracted in turn with the EML extractor,
// as the ingest would after sniffing them.
type sink struct {
	tb       testing.TB
	recurse  bool
	text     bytes.Buffer
	meta     archive.Meta
	expected int
	children []child
	failed   []failure
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
	c := child{Info: info, Data: data}
	if s.recurse && info.MIME == extract.MIMEEmail {
		sub, err := runData(s.tb, email.NewEML(), data, extract.MIMEEmail)
		if err != nil {
			s.tb.Errorf("child %q: eml extraction: %v", info.Name, err)
		}
		c.Sub = sub
	}
	s.children = append(s.children, c)
	return nil
}

func (s *sink) names() []string {
	var out []string
	for _, c := range s.children {
		out = append(out, c.Info.Name)
	}
	return out
}

// run extracts the file at path.
func run(tb testing.TB, ex extract.Extractor, path, mime string) (*sink, error) {
	tb.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	s := &sink{tb: tb, recurse: true}
	in := extract.Input{Name: filepath.Base(path), Path: path, Size: fi.Size(), Type: extract.Type{MIME: mime}}
	return s, ex.Extract(context.Background(), in, s)
}

// runData extracts data written to a temporary file.
func runData(tb testing.TB, ex extract.Extractor, data []byte, mime string) (*sink, error) {
	tb.Helper()
	p := filepath.Join(tb.TempDir(), "in")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return run(tb, ex, p, mime)
}
