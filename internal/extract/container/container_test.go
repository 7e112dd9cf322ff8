package container_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/container"
)

// keepBytes is how much of each child the fake sink keeps for assertions.
const keepBytes = 1 << 20

// child is what the fake sink records of one member.
type child struct {
	Name    string
	ModTime time.Time
	Size    int64
	SHA256  string
	Data    []byte // the first keepBytes bytes
}

type failure struct {
	Name string
	Err  error
}

// sink is an extract.Sink that records children, failures and the
// expected count. Like the ingest's, its Child reads the member to the
// end, and on a read error keeps nothing and returns the error.
type sink struct {
	passwords []string
	expected  int // -1: Expect not called
	children  []child
	failed    []failure
	readErrs  int // Child calls whose reader failed
	text      bytes.Buffer
	meta      archive.Meta
	// stopAfter, when > 0, makes Child return errStop once that many
	// children are stored (an exhausted budget).
	stopAfter int
}

var errStop = fmt.Errorf("test budget: %w", extract.ErrBomb)

func newSink(passwords ...string) *sink { return &sink{passwords: passwords, expected: -1} }

func (s *sink) Write(p []byte) (int, error) { return s.text.Write(p) }
func (s *sink) Meta() *archive.Meta         { return &s.meta }
func (s *sink) Expect(n int)                { s.expected = n }
func (s *sink) Passwords() []string         { return s.passwords }

func (s *sink) ChildFailed(info extract.ChildInfo, err error) {
	s.failed = append(s.failed, failure{Name: info.Name, Err: err})
}

func (s *sink) Child(ctx context.Context, info extract.ChildInfo, r io.Reader) error {
	h := sha256.New()
	var keep bytes.Buffer
	n, err := io.Copy(io.MultiWriter(h, &limitedWriter{w: &keep, n: keepBytes}), r)
	if err != nil {
		s.readErrs++
		return fmt.Errorf("store child: %w", err)
	}
	s.children = append(s.children, child{
		Name:    info.Name,
		ModTime: info.ModTime,
		Size:    n,
		SHA256:  hex.EncodeToString(h.Sum(nil)),
		Data:    keep.Bytes(),
	})
	if s.stopAfter > 0 && len(s.children) >= s.stopAfter {
		return errStop
	}
	return ctx.Err()
}

type limitedWriter struct {
	w io.Writer
	n int64
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if l.n > 0 {
		k := min(int64(len(p)), l.n)
		l.w.Write(p[:k])
		l.n -= k
	}
	return len(p), nil
}

// names returns the children's names, sorted.
func (s *sink) names() []string {
	var out []string
	for _, c := range s.children {
		out = append(out, c.Name)
	}
	sort.Strings(out)
	return out
}

// child returns the child named name, or fails t.
func (s *sink) child(t testing.TB, name string) child {
	t.Helper()
	for _, c := range s.children {
		if c.Name == name {
			return c
		}
	}
	t.Fatalf("no child %q; have %q", name, s.names())
	return child{}
}

// failedWith counts the failures wrapping target.
func (s *sink) failedWith(target error) int {
	n := 0
	for _, f := range s.failed {
		if errors.Is(f.Err, target) {
			n++
		}
	}
	return n
}

// checkInvariants checks what must hold after any extraction.
func (s *sink) checkInvariants(t testing.TB) {
	t.Helper()
	if s.text.Len() != 0 {
		t.Errorf("container wrote text: %q", s.text.String())
	}
	if s.expected >= 0 && len(s.children)+len(s.failed) > s.expected && s.stopAfter == 0 {
		// Retries (a wrong password first) are allowed to add failed
		// Child calls, never extra children.
		t.Errorf("expected %d children, got %d stored + %d failed", s.expected, len(s.children), len(s.failed))
	}
	for _, c := range s.children {
		if !utf8.ValidString(c.Name) {
			t.Errorf("child name %q is not UTF-8", c.Name)
		}
	}
}

// input describes a file for Extract.
func input(t testing.TB, path, name, mime string) extract.Input {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return extract.Input{Name: name, Path: path, Size: st.Size(), Type: extract.Type{MIME: mime, Kind: extract.KindOf(mime)}}
}

// run extracts the file at path with ex into a new sink.
func run(t testing.TB, ex extract.Extractor, path string, passwords ...string) (*sink, error) {
	t.Helper()
	s := newSink(passwords...)
	err := ex.Extract(context.Background(), input(t, path, filepath.Base(path), ex.MIMEs()[0]), s)
	s.checkInvariants(t)
	return s, err
}

// runBytes writes data to a temporary file named name and extracts it.
func runBytes(t testing.TB, ex extract.Extractor, name string, data []byte, passwords ...string) (*sink, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return run(t, ex, path, passwords...)
}

// member is an expected child: its name and size.
type member struct {
	name string
	size int64
}

// checkMembers asserts the children are exactly want (in any order).
func checkMembers(t testing.TB, s *sink, want ...member) {
	t.Helper()
	var got, exp []string
	for _, c := range s.children {
		got = append(got, fmt.Sprintf("%s (%d)", c.Name, c.Size))
	}
	for _, m := range want {
		exp = append(exp, fmt.Sprintf("%s (%d)", m.name, m.size))
	}
	sort.Strings(got)
	sort.Strings(exp)
	if strings.Join(got, "\n") != strings.Join(exp, "\n") {
		t.Errorf("children:\n got %q\nwant %q", got, exp)
	}
}

func TestDefaultLimits(t *testing.T) {
	d := container.DefaultLimits()
	if d.MaxMemberBytes != 64<<30 || d.MaxMembers != 1_000_000 {
		t.Errorf("DefaultLimits = %+v", d)
	}
	ex := container.All(container.Limits{})
	seen := map[string]string{}
	for _, e := range ex {
		for _, m := range e.MIMEs() {
			if prev, ok := seen[m]; ok {
				t.Errorf("%s claimed by %s and %s", m, prev, e.Name())
			}
			seen[m] = e.Name()
		}
	}
	for _, m := range []string{extract.MIMEZip, extract.MIMETar, extract.MIMEGzip, extract.MIMEBzip2,
		extract.MIMEXz, extract.MIMESevenZip, extract.MIMERar} {
		if seen[m] == "" {
			t.Errorf("no extractor for %s", m)
		}
	}
}

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
