package extract_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
)

func TestVolumeSets(t *testing.T) {
	cases := []struct {
		names []string
		want  [][]string
	}{
		// RAR 5 style, any digit count, order of listing irrelevant.
		{[]string{"leak.part2.rar", "leak.part1.rar", "leak.part3.rar", "notes.txt"},
			[][]string{{"leak.part1.rar", "leak.part2.rar", "leak.part3.rar"}}},
		{[]string{"a.part001.rar", "a.part002.rar"}, [][]string{{"a.part001.rar", "a.part002.rar"}}},
		// A gap ends the set; a lone first volume is no set.
		{[]string{"a.part1.rar", "a.part2.rar", "a.part4.rar"}, [][]string{{"a.part1.rar", "a.part2.rar"}}},
		{[]string{"a.part1.rar"}, nil},
		{[]string{"a.part2.rar", "a.part3.rar"}, nil},
		// Different digit counts are different sets.
		{[]string{"a.part1.rar", "a.part01.rar", "a.part02.rar"}, [][]string{{"a.part01.rar", "a.part02.rar"}}},
		// The older naming: NAME.rar then r00 ... r99, s00.
		{[]string{"old.r01", "old.rar", "old.r00", "other.rar"}, [][]string{{"old.rar", "old.r00", "old.r01"}}},
		{append(append([]string{"big.rar"}, seq("big.r", 100)...), "big.s00"), [][]string{append(append([]string{"big.rar"}, seq("big.r", 100)...), "big.s00")}},
		// Split files, case kept, base compared without case.
		{[]string{"Leak.7z.001", "Leak.7z.002", "leak.7z.003"}, [][]string{{"Leak.7z.001", "Leak.7z.002", "leak.7z.003"}}},
		{[]string{"movie.mp4.002", "movie.mp4.001"}, [][]string{{"movie.mp4.001", "movie.mp4.002"}}},
		{[]string{"x.000", "x.002"}, nil},
		// Two sets in one folder.
		{[]string{"a.7z.001", "a.7z.002", "b.part1.rar", "b.part2.rar"},
			[][]string{{"b.part1.rar", "b.part2.rar"}, {"a.7z.001", "a.7z.002"}}},
	}
	for _, c := range cases {
		got := extract.VolumeSets(c.names)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("VolumeSets(%q)\n got %q\nwant %q", c.names, got, c.want)
		}
		for _, set := range got {
			for _, n := range set {
				if !extract.VolumeName(n) {
					t.Errorf("VolumeName(%q) = false for a volume", n)
				}
			}
		}
	}
	if extract.VolumeName("report.pdf") || extract.VolumeName("x.7z") {
		t.Error("VolumeName true for a plain file")
	}
}

// seq returns prefix00 ... for n numbers (r00..r99).
func seq(prefix string, n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, prefix+string(rune('0'+i/10))+string(rune('0'+i%10)))
	}
	return out
}

// FuzzVolumeSets: whatever the names (they come from leaked folders), each
// name is in at most one set, every set has two volumes or more, all of
// them names given, and the result does not depend on the listing order.
func FuzzVolumeSets(f *testing.F) {
	f.Add("leak.part1.rar\x00leak.part2.rar\x00x.7z.001\x00x.7z.002")
	f.Add("old.rar\x00old.r00\x00old.r01\x00old.s00")
	f.Add("a.001\x00A.002\x00a.003\x00a.part0.rar")
	f.Fuzz(func(t *testing.T, list string) {
		names := strings.Split(list, "\x00")
		seen := map[string]bool{}
		for _, n := range names {
			if seen[n] {
				return // folder listings have no duplicates
			}
			seen[n] = true
		}
		sets := extract.VolumeSets(names)
		used := map[string]bool{}
		for _, set := range sets {
			if len(set) < 2 {
				t.Fatalf("set %q has fewer than two volumes", set)
			}
			for _, n := range set {
				if used[n] || !seen[n] {
					t.Fatalf("name %q twice or not given: %q", n, sets)
				}
				used[n] = true
			}
		}
		rev := make([]string, len(names))
		for i, n := range names {
			rev[len(names)-1-i] = n
		}
		if again := extract.VolumeSets(rev); !reflect.DeepEqual(again, sets) {
			t.Fatalf("order changes the sets: %q vs %q", sets, again)
		}
	})
}

// TestFirstVolume: the volume flag of real RAR 4 and RAR 5 archives from the
// corpus, and the formats that are read across numbered pieces.
func TestFirstVolume(t *testing.T) {
	dir := filepath.Join(corpus.Dir(t), "archives", "libarchive", "rar")
	rars := map[string]bool{
		"test_read_format_rar5_multiarchive.part01.rar": true,
		"test_read_format_rar_multivolume.part0001.rar": true,
		"test_read_format_rar5_stored.rar":              false,
		"test_read_format_rar.rar":                      false,
		"test_read_format_rar5_multiple_files.rar":      false,
	}
	for name, want := range rars {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := extract.FirstVolume([]string{"x.part1.rar", "x.part2.rar"}, b[:min(len(b), 512)]); got != want {
			t.Errorf("%s: FirstVolume = %v, want %v", name, got, want)
		}
		if extract.FirstVolume([]string{"x.part1.rar"}, b) {
			t.Errorf("%s: a set of one", name)
		}
	}
	split := []string{"x.001", "x.002"}
	for head, want := range map[string]bool{
		"7z\xBC\xAF\x27\x1C\x00\x04": true, "PK\x03\x04\x14\x00": true, "\x1F\x8B\x08\x00": true, "BZh91AY&SY": true,
		"\xFD7zXZ\x00\x00": true, "%PDF-1.7\n": false, "Rar!\x1A\x07\x00": false, "": false, "\x00\x00\x00\x18ftypmp42": false,
	} {
		if got := extract.FirstVolume(split, []byte(head)); got != want {
			t.Errorf("pieces starting %q: FirstVolume = %v, want %v", head, got, want)
		}
	}
}

// FuzzFirstVolume: any first bytes, of any length, give an answer and no
// panic (the RAR header parser reads variable-length integers).
func FuzzFirstVolume(f *testing.F) {
	f.Add([]byte("Rar!\x1A\x07\x01\x00\x00\x00\x00\x00\x04\x01\x05\x08\x01"))
	f.Add([]byte("Rar!\x1A\x07\x00\x5a\x6e\x73\x11\x01"))
	f.Add([]byte("Rar!\x1A\x07\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, head []byte) {
		extract.FirstVolume([]string{"a.part1.rar", "a.part2.rar"}, head)
		extract.FirstVolume([]string{"a.rar", "a.r00"}, head)
		extract.FirstVolume([]string{"a.001", "a.002"}, head)
	})
}
