package email_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/email"
)

// Damaged real messages (cut, bytes flipped, lines dropped or doubled) must
// still extract, with consistent accounting. The damage is seeded, so runs
// repeat.
func TestEMLDamagedCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("many files")
	}
	paths, _ := filepath.Glob(filepath.Join(corpus.Dir(t), "spamassassin", "eml", "*", "*.eml"))
	if len(paths) == 0 {
		t.Skip("no SpamAssassin messages")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	in := filepath.Join(t.TempDir(), "in")
	runs := 0
	for _, p := range paths {
		orig, err := os.ReadFile(p)
		if err != nil || len(orig) < 10 {
			continue
		}
		for k := range 4 {
			data := damage(rng, orig, k)
			s, err := runAt(t, email.NewEML(), in, data, false)
			runs++
			if err != nil {
				if !errors.Is(err, extract.ErrTooDeep) {
					t.Errorf("%s damaged (%d): %v", filepath.Base(p), k, err)
				}
				continue
			}
			if n := len(s.children) + len(s.failed); n != s.expected {
				t.Errorf("%s damaged (%d): Expect(%d), %d children", filepath.Base(p), k, s.expected, n)
			}
			if !utf8.Valid(s.text.Bytes()) {
				t.Errorf("%s damaged (%d): text not UTF-8", filepath.Base(p), k)
			}
		}
	}
	t.Logf("%d damaged messages extracted", runs)
}

func damage(rng *rand.Rand, orig []byte, kind int) []byte {
	data := bytes.Clone(orig)
	switch kind {
	case 0: // cut
		return data[:rng.IntN(len(data))]
	case 1: // flip bytes
		for range 1 + rng.IntN(20) {
			data[rng.IntN(len(data))] = byte(rng.IntN(256))
		}
		return data
	case 2: // drop lines (boundaries, headers...)
		lines := bytes.SplitAfter(data, []byte("\n"))
		for range 1 + rng.IntN(5) {
			i := rng.IntN(len(lines))
			lines = append(lines[:i], lines[i+1:]...)
			if len(lines) == 0 {
				break
			}
		}
		return bytes.Join(lines, nil)
	default: // double a line
		lines := bytes.SplitAfter(data, []byte("\n"))
		i := rng.IntN(len(lines))
		lines = append(lines[:i+1], lines[i:]...)
		return bytes.Join(lines, nil)
	}
}
