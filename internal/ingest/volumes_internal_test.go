package ingest

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/trove-archive/trove/internal/extract"
)

// TestVolumeSetsMark: files listed one by one (a release a mirror pulled,
// files given on the command line) and a folder listed from disk give the
// first volume the others, in order, with their total size, and the others
// a pointer to the first; sets never cross folders.
func TestVolumeSetsMark(t *testing.T) {
	vs := &volumeSets{}
	vs.addFile("a", "x.part2.rar", "/s/2", 20)
	vs.addFile("a", "x.part1.rar", "/s/1", 10)
	vs.addFile("a", "x.part3.rar", "/s/3", 30)
	vs.addFile("b", "x.part2.rar", "/s/b2", 5)
	vs.addFile("a", "notes.txt", "/s/n", 1)
	first := &task{name: "x.part1.rar"}
	vs.mark("a", first)
	if want := []extract.Volume{{Name: "x.part2.rar", Path: "/s/2"}, {Name: "x.part3.rar", Path: "/s/3"}}; !reflect.DeepEqual(first.volumes, want) || first.volBytes != 50 {
		t.Errorf("first volume: %+v, %d bytes", first.volumes, first.volBytes)
	}
	third := &task{name: "x.part3.rar"}
	vs.mark("a", third)
	if third.volumeOf != "x.part1.rar" || third.volIndex != 3 || third.volumes != nil {
		t.Errorf("third volume: %+v", third)
	}
	other := &task{name: "x.part2.rar"}
	vs.mark("b", other) // its first volume is in another folder
	if other.volumeOf != "" || other.volumes != nil {
		t.Errorf("volume of another folder: %+v", other)
	}

	dir := t.TempDir()
	for _, n := range []string{"d.7z.001", "d.7z.002", "skip.7z.003"} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("12345"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "d.7z.003"), 0o700); err != nil { // not a regular file
		t.Fatal(err)
	}
	ds := &volumeSets{}
	ds.scanDir(dir, func(string) bool { return false })
	f := &task{name: "d.7z.001"}
	ds.mark(dir, f)
	if len(f.volumes) != 1 || f.volumes[0].Path != filepath.Join(dir, "d.7z.002") || f.volBytes != 5 {
		t.Errorf("scanned folder: %+v", f)
	}
}
