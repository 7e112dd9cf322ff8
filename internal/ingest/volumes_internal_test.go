package ingest

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/trove-archive/trove/internal/extract"
)

// Heads of files as the sets' first volumes start: a RAR 5 volume (main
// header with the volume flag) and a 7z archive; and a PDF.
var (
	rarVolumeHead = []byte("Rar!\x1A\x07\x01\x00\x00\x00\x00\x00\x04\x01\x00\x01")
	sevenZipHead  = []byte("7z\xBC\xAF\x27\x1C\x00\x04")
	pdfHead       = []byte("%PDF-1.7\n")
)

func writeFiles(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	for n, b := range files {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestVolumeSetsMark: files listed one by one (a release a mirror pulled,
// files given on the command line) and a folder listed from disk give the
// first volume the others, in order, with their total size, and the others
// a pointer to the first; sets never cross folders, and files numbered
// like pieces that are not (each PDF a document of its own) stay apart.
func TestVolumeSetsMark(t *testing.T) {
	s := t.TempDir()
	writeFiles(t, s, map[string][]byte{"1": rarVolumeHead, "2": []byte("x"), "3": []byte("x"), "b2": []byte("x"), "n": []byte("x")})
	vs := &volumeSets{}
	vs.addFile("a", "x.part2.rar", filepath.Join(s, "2"), 20)
	vs.addFile("a", "x.part1.rar", filepath.Join(s, "1"), 10)
	vs.addFile("a", "x.part3.rar", filepath.Join(s, "3"), 30)
	vs.addFile("b", "x.part2.rar", filepath.Join(s, "b2"), 5)
	vs.addFile("a", "notes.txt", filepath.Join(s, "n"), 1)
	first := &task{name: "x.part1.rar"}
	vs.mark("a", first)
	if want := []extract.Volume{{Name: "x.part2.rar", Path: filepath.Join(s, "2")}, {Name: "x.part3.rar", Path: filepath.Join(s, "3")}}; !reflect.DeepEqual(first.volumes, want) || first.volBytes != 50 {
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
	writeFiles(t, dir, map[string][]byte{"d.7z.001": sevenZipHead, "d.7z.002": []byte("12345"), "skip.7z.003": []byte("x"),
		"scan.001": pdfHead, "scan.002": pdfHead})
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
	for _, n := range []string{"scan.001", "scan.002"} {
		p := &task{name: n}
		ds.mark(dir, p)
		if p.volumes != nil || p.volumeOf != "" {
			t.Errorf("%s, a PDF of its own, taken for a volume: %+v", n, p)
		}
	}
}
