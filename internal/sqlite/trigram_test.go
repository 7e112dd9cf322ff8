package sqlite_test

import (
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/sqlite"
)

func TestTrigramText(t *testing.T) {
	cases := []struct{ in, want string }{
		{"plain short words only", ""},
		{"see www.fusioncenter.gov today", "www.fusioncenter.gov"},
		{"東京都庁の会議 and 予算", "東京都庁の会議\n予算"},
		{"mixedКириллицаslovo123 x", "mixedКириллицаslovo123"},
		{"東京abc", "東京"},
		{"", ""},
	}
	for _, c := range cases {
		if got := sqlite.TrigramText(c.in); got != c.want {
			t.Errorf("TrigramText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func BenchmarkTrigramText(b *testing.B) {
	text := strings.Repeat("The quick brown fox jumps over the lazy dog near www.fusioncenter.gov. ", 1000)
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		sqlite.TrigramText(text)
	}
}
