// Package corpus locates the shared test corpus (../shared/corpus beside
// the repository, or $TROVE_CORPUS) and the benchmark generator for tests.
// Third-party files are read in place, never copied into the project.
package corpus

import (
	"os"
	"path/filepath"
	"testing"
)

// Root returns the shared folder (holding corpus/ and bench/), or "".
func Root() string {
	if d := os.Getenv("TROVE_SHARED"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err != nil {
		return ""
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			s := filepath.Join(dir, "..", "shared")
			if _, err := os.Stat(filepath.Join(s, "corpus", "MANIFEST.tsv")); err == nil {
				return s
			}
			return ""
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Dir returns the shared corpus folder, or skips tb with a clear message.
func Dir(tb testing.TB) string {
	tb.Helper()
	r := Root()
	if r == "" {
		tb.Skip("shared corpus not found: expected ../shared/corpus beside the repository (or set TROVE_SHARED); skipping tests on third-party files")
	}
	return filepath.Join(r, "corpus")
}

// File returns the path of a corpus file (relative to corpus/), or skips tb.
func File(tb testing.TB, rel string) string {
	tb.Helper()
	p := filepath.Join(Dir(tb), rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("corpus file %s not found: %v", rel, err)
	}
	return p
}
