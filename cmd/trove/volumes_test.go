package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/corpus"
)

// TestMultiVolumeArchives ingests a folder holding the corpus's
// multi-volume archives (RAR 5 in eight volumes, 7z cut in six; the RAR 4
// set, which expands to 241 MB, is left to the extractor's test), copied
// under names of the kinds leaks use, the RAR 5 volumes again inside a zip,
// and a lone first volume
// given on its own: every member is found under the first volume, every
// volume is kept as an item that says which set it belongs to, and
// nothing is a failure except the lone volume, whose error says why.
func TestMultiVolumeArchives(t *testing.T) {
	src := filepath.Join(corpus.Dir(t), "archives")
	leak := t.TempDir()
	copyAs := func(from, to string) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(src, from))
		if err != nil {
			t.Fatal(err)
		}
		write(t, leak, to, b)
	}
	inZip := map[string][]byte{"readme.txt": []byte("parts of the bins archive\n")}
	for i := 1; i <= 8; i++ {
		from := filepath.Join("libarchive", "rar", "test_read_format_rar5_multiarchive.part0"+string(rune('0'+i))+".rar")
		copyAs(from, "dump/bins.part"+string(rune('0'+i))+".rar")
		b, err := os.ReadFile(filepath.Join(src, from))
		if err != nil {
			t.Fatal(err)
		}
		inZip["parts/bins.part"+string(rune('0'+i))+".rar"] = b
	}
	// The same volumes inside a zip, in one of its folders (ingested on
	// their own below: here they would be duplicates of the folder's).
	zipDir := t.TempDir()
	write(t, zipDir, "bundle.zip", zipOf(t, inZip))
	for i := 1; i <= 6; i++ {
		copyAs(filepath.Join("sevenzip", "multi.7z.00"+string(rune('0'+i))), "split/texts.7z.00"+string(rune('0'+i)))
	}
	data := t.TempDir()
	mustRun(t, data, "dataset", "create", "vol")
	out := mustRun(t, data, "ingest", "--json", "--quiet", "vol", leak)
	var sum summary
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if sum.Failed != 0 || sum.MembersLost != 0 {
		t.Errorf("failures: %+v", sum)
	}
	items := itemSet(t, data)
	var paths []string
	for _, it := range items {
		paths = append(paths, strings.Fields(it)[0])
	}
	for _, want := range []string{
		"dump/bins.part1.rar/home/antek/temp/build/unrar5/libarchive/bin/bsdcat_test",
		"dump/bins.part1.rar/home/antek/temp/build/unrar5/libarchive/bin/bsdtar_test",
		"split/texts.7z.001/01", "split/texts.7z.001/10",
		"dump/bins.part8.rar", "split/texts.7z.006",
	} {
		if !slices.Contains(paths, want) {
			t.Errorf("no item %s; have %q", want, paths)
		}
	}
	for _, p := range paths {
		if strings.HasPrefix(p, "dump/bins.part2.rar/") || strings.HasPrefix(p, "split/texts.7z.002/") {
			t.Errorf("members under a later volume: %s", p)
		}
	}
	show := mustRun(t, data, "show", "vol:dump/bins.part3.rar")
	if !strings.Contains(show, "volume 3 of bins.part1.rar") || strings.Contains(show, "failed") {
		t.Errorf("show of volume 3:\n%s", show)
	}

	data3 := t.TempDir()
	mustRun(t, data3, "dataset", "create", "zipped")
	out = mustRun(t, data3, "ingest", "--json", "--quiet", "zipped", zipDir)
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 0 || sum.MembersLost != 0 {
		t.Errorf("volumes in a zip: %+v", sum)
	}
	paths = paths[:0]
	for _, it := range itemSet(t, data3) {
		paths = append(paths, strings.Fields(it)[0])
	}
	for _, want := range []string{"bundle.zip/parts/bins.part1.rar/home/antek/temp/build/unrar5/libarchive/bin/bsdtar_test",
		"bundle.zip/parts/bins.part1.rar/home/antek/temp/build/unrar5/libarchive/bin/bsdcat_test",
		"bundle.zip/parts/bins.part5.rar", "bundle.zip/readme.txt"} {
		if !slices.Contains(paths, want) {
			t.Errorf("no item %s; have %q", want, paths)
		}
	}

	// A first volume given alone is read alone: its siblings are not
	// pulled in unasked, and the error names the reason.
	data2 := t.TempDir()
	mustRun(t, data2, "dataset", "create", "one")
	out = mustRun(t, data2, "ingest", "--json", "--quiet", "one", filepath.Join(leak, "dump", "bins.part1.rar"), filepath.Join(leak, "dump", "bins.part3.rar"))
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Files != 2 || sum.Failed != 2 {
		t.Errorf("lone first and third volumes: %+v", sum)
	}
	show = mustRun(t, data2, "show", "one:bins.part1.rar")
	if !strings.Contains(show, "other volumes not present") {
		t.Errorf("lone first volume:\n%s", show)
	}
	// Its set arriving later, in another dataset of the same archive: the
	// first volume, failed alone, is read again with the others.
	mustRun(t, data2, "dataset", "create", "all")
	out = mustRun(t, data2, "ingest", "--json", "--quiet", "all", filepath.Join(leak, "dump"))
	if err := json.Unmarshal([]byte(out), &sum); err != nil {
		t.Fatal(err)
	}
	if sum.Failed != 0 {
		t.Errorf("set after a lone first volume: %+v", sum)
	}
	if show := mustRun(t, data2, "show", "all:bins.part3.rar"); !strings.Contains(show, "volume 3 of bins.part1.rar") || strings.Contains(show, "failed") {
		t.Errorf("volume 3 after the set arrived:\n%s", show)
	}
	if show := mustRun(t, data2, "show", "all:bins.part1.rar/home/antek/temp/build/unrar5/libarchive/bin/bsdtar_test"); !strings.Contains(show, "365672") && !strings.Contains(show, "357.1 KiB") {
		t.Errorf("member after the set arrived:\n%s", show)
	}
}
