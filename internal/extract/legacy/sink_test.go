package legacy_test

import (
	"bytes"
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/legacy"
)

// sink collects what an extractor produces.
type sink struct {
	bytes.Buffer
	meta archive.Meta
}

func (s *sink) Meta() *archive.Meta { return &s.meta }
func (s *sink) Expect(int)          {}
func (s *sink) Child(_ context.Context, _ extract.ChildInfo, r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
func (s *sink) ChildFailed(extract.ChildInfo, error) {}
func (s *sink) Passwords() []string                  { return nil }

// needTool skips when a program is missing, but fails under CI.
func needTool(t testing.TB, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := exec.LookPath(n); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s not installed (CI): apt-get install catdoc antiword libwpd-tools", n)
			}
			t.Skipf("%s not installed: apt-get install catdoc antiword libwpd-tools", n)
		}
	}
}

// extractor returns the extractor of cfg for mime.
func extractor(t testing.TB, cfg legacy.Config, mime string) extract.Extractor {
	t.Helper()
	for _, e := range legacy.New(cfg) {
		for _, m := range e.MIMEs() {
			if m == mime {
				return e
			}
		}
	}
	t.Fatalf("no extractor for %s", mime)
	return nil
}

func run(t testing.TB, cfg legacy.Config, path, mime string) (*sink, error) {
	t.Helper()
	s := &sink{}
	err := extractor(t, cfg, mime).Extract(context.Background(), extract.Input{Name: filepath.Base(path), Path: path, Type: extract.Type{MIME: mime}}, s)
	return s, err
}

func corpusFile(t testing.TB, rel string) string {
	t.Helper()
	return corpus.File(t, rel)
}

func TestDump(t *testing.T) {
	p := os.Getenv("LEGACY_DUMP")
	if p == "" {
		t.Skip("set LEGACY_DUMP=path:mime")
	}
	i := bytes.LastIndexByte([]byte(p), ':')
	s, err := run(t, legacy.Config{}, p[:i], p[i+1:])
	t.Logf("err=%v meta=%+v\n%s", err, s.meta, s.String())
}
