package container_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/container"
)

var rarEx = container.NewRar(container.Limits{})

func TestRarLibarchive(t *testing.T) {
	dir := filepath.Join(corpus.Dir(t), "archives", "libarchive", "rar")
	bins := []member{{"test.bin", 1200}, {"test1.bin", 4096}, {"test2.bin", 4096}, {"test3.bin", 4096},
		{"test4.bin", 4096}, {"test5.bin", 4096}, {"test6.bin", 4096}}
	abcd := []member{{"a.txt", 18}, {"b.txt", 18}, {"c.txt", 18}, {"d.txt", 18}}
	enc := extract.ErrEncrypted
	cases := []struct {
		file      string
		passwords []string
		want      []member
		failed    map[string]error
		err       error
	}{
		// test.txt and testdir/test.txt; a symlink and two directories skipped.
		{file: "test_read_format_rar.rar", want: []member{{"test.txt", 20}, {"testdir/test.txt", 20}}},
		{file: "test_read_format_rar_noeof.rar", want: []member{{"test.txt", 20}}},
		{file: "test_read_format_rar_subblock.rar", want: []member{{"test.txt", 20}}},
		{file: "test_read_format_rar_compress_normal.rar", want: []member{{"LibarchiveAddingTest.html", 20111}, {"testdir/test.txt", 20}, {"testdir/LibarchiveAddingTest.html", 20111}}},
		{file: "test_read_format_rar_multi_lzss_blocks.rar", want: []member{{"multi_lzss_blocks_test.txt", 20131111}}},
		{file: "test_read_format_rar_windows.rar", want: []member{{"testdir/test.txt", 16}, {"test.txt", 16}, {"testshortcut.lnk", 441}}},
		{file: "test_read_format_rar_unicode.rar", want: []member{{"表だよ/新しいフォルダ/新規テキスト ドキュメント.txt", 0}, {"表だよ/漢字長いファイル名long-filename-in-漢字.txt", 5}, {"abcdefghijklmnopqrsテスト.txt", 16}}},
		{file: "test_read_format_rar5_stored.rar", want: []member{{"helloworld.txt", 29}}},
		{file: "test_read_format_rar5_compressed.rar", want: []member{{"test.bin", 1200}}},
		{file: "test_read_format_rar5_blake2.rar", want: []member{{"cebula.txt", 814}}},
		{file: "test_read_format_rar5_multiple_files.rar", want: bins[1:5]},
		{file: "test_read_format_rar5_solid.rar", want: bins},
		{file: "test_read_format_rar5_win32.rar", want: bins},
		{file: "test_read_format_rar5_hardlink.rar", want: []member{{"file.txt", 5}}},
		{file: "test_read_format_rar5_symlink.rar", want: []member{{"file.txt", 5}}},
		{file: "test_read_format_rar5_unicode.rar", want: []member{{"👋🌎.txt", 13}}},
		{file: "test_read_format_rar5_zip_in_rar.rar", want: []member{{"payload/inner.zip", 165}, {"payload/real_after.txt", 21}}},
		{file: "test_read_format_rar_encryption_data.rar", failed: map[string]error{"foo.txt": enc, "bar.txt": enc}},
		{file: "test_read_format_rar_encryption_data.rar", passwords: []string{"wrong", "12345678"}, want: []member{{"foo.txt", 16}, {"bar.txt", 16}}},
		{file: "test_read_format_rar_encryption_partially.rar", want: []member{{"bar.txt", 16}}, failed: map[string]error{"foo.txt": enc}},
		{file: "test_read_format_rar_encryption_header.rar", err: enc},
		{file: "test_read_format_rar_encryption_header.rar", passwords: []string{"wrong", "12345678"}, want: []member{{"foo.txt", 16}, {"bar.txt", 16}}},
		{file: "test_read_format_rar4_encrypted.rar", want: []member{abcd[0], abcd[2]}, failed: map[string]error{"b.txt": enc, "d.txt": enc}},
		{file: "test_read_format_rar4_encrypted.rar", passwords: []string{"wrong", "password"}, want: abcd[:3], failed: map[string]error{"d.txt": enc}},
		{file: "test_read_format_rar5_encrypted.rar", passwords: []string{"password"}, want: abcd[:3], failed: map[string]error{"d.txt": enc}},
		{file: "test_read_format_rar5_encrypted_filenames.rar", err: enc},
		{file: "test_read_format_rar5_encrypted_filenames.rar", passwords: []string{"password"}, want: abcd},
		// Damaged.
		{file: "test_read_format_rar_invalid1.rar", failed: map[string]error{"test": extract.ErrCorrupt}},
		{file: "test_read_format_rar5_bad_tables.rar", err: extract.ErrCorrupt},
		{file: "test_read_format_rar5_truncated_huff.rar", err: extract.ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			s, err := run(t, rarEx, filepath.Join(dir, c.file), c.passwords...)
			if c.err != nil {
				if !errors.Is(err, c.err) {
					t.Fatalf("err = %v, want %v", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkMembers(t, s, c.want...)
			if len(s.failed) != len(c.failed) {
				t.Errorf("failures %v, want %v", s.failed, c.failed)
			}
			for _, f := range s.failed {
				if want := c.failed[f.Name]; want == nil || !errors.Is(f.Err, want) {
					t.Errorf("failure %s: %v, want %v", f.Name, f.Err, want)
				}
			}
			if strings.Contains(c.file, "encrypt") && !s.meta.Encrypted {
				t.Error("Meta().Encrypted not set")
			}
		})
	}
}

func TestRarMultiVolume(t *testing.T) {
	dir := filepath.Join(corpus.Dir(t), "archives", "libarchive", "rar")
	parts, _ := filepath.Glob(filepath.Join(dir, "*.part*.rar"))
	if len(parts) != 12 {
		t.Fatalf("found %d volumes", len(parts))
	}
	for _, p := range parts {
		s, err := run(t, rarEx, p)
		if !errors.Is(err, extract.ErrCorrupt) || !strings.Contains(err.Error(), "multi-volume archive: other volumes not present") {
			t.Errorf("%s: err = %v, want the multi-volume error", filepath.Base(p), err)
		}
		if len(s.children) != 0 {
			t.Errorf("%s: children %v", filepath.Base(p), s.names())
		}
	}
}

// TestRarVolumes reads the corpus's two multi-volume sets across their
// volumes: RAR 5 (part01 to part08, two executables spanning them, as
// libarchive's own test asserts) and RAR 4 (part0001 to part0004: the
// members of test_read_format_rar_compress_normal.rar, with the same sizes,
// and a 241 MB text; every member's checksum verified). Any
// one volume missing cuts the archive short with an error, never a silent
// partial result.
func TestRarVolumes(t *testing.T) {
	dir := filepath.Join(corpus.Dir(t), "archives", "libarchive", "rar")
	sets := []struct {
		glob string
		want []member
	}{
		{"test_read_format_rar5_multiarchive.part*.rar", []member{
			{"home/antek/temp/build/unrar5/libarchive/bin/bsdcat_test", 144608},
			{"home/antek/temp/build/unrar5/libarchive/bin/bsdtar_test", 365672}}},
	}
	for _, set := range sets {
		parts, _ := filepath.Glob(filepath.Join(dir, set.glob))
		if len(parts) < 4 {
			t.Fatalf("%s: found %d volumes", set.glob, len(parts))
		}
		var names []string
		for _, p := range parts {
			names = append(names, filepath.Base(p))
		}
		found := extract.VolumeSets(names)
		if len(found) != 1 || len(found[0]) != len(parts) || found[0][0] != filepath.Base(parts[0]) {
			t.Fatalf("VolumeSets(%v) = %v", names, found)
		}
		vols := func(skip int) []extract.Volume {
			var out []extract.Volume
			for i, p := range parts[1:] {
				if i+1 != skip {
					out = append(out, extract.Volume{Name: filepath.Base(p), Path: p})
				}
			}
			return out
		}
		in := input(t, parts[0], filepath.Base(parts[0]), extract.MIMERar)
		in.Volumes = vols(0)
		s := newSink()
		if err := rarEx.Extract(context.Background(), in, s); err != nil {
			t.Errorf("%s: %v", set.glob, err)
		}
		s.checkInvariants(t)
		checkMembers(t, s, set.want...)
		if len(s.failed) != 0 {
			t.Errorf("%s: failures %v", set.glob, s.failed)
		}
		for skip := 1; skip < len(parts); skip++ {
			in.Volumes = vols(skip)
			s := newSink()
			err := rarEx.Extract(context.Background(), in, s)
			if err == nil && len(s.failed) == 0 && len(s.children) == len(set.want) {
				t.Errorf("%s without volume %d: read in full", set.glob, skip+1)
			}
		}
	}
}

// TestRarVolumesOldNaming: the RAR 4 set (part0001 to part0004: the members
// of test_read_format_rar_compress_normal.rar, with the same sizes, and a
// 241 MB text) under the older naming (NAME.rar, NAME.r00, NAME.r01,
// NAME.r02), which the library derives from the first name (copies in a
// temporary folder).
func TestRarVolumesOldNaming(t *testing.T) {
	dir := filepath.Join(corpus.Dir(t), "archives", "libarchive", "rar")
	tmp := t.TempDir()
	var vols []extract.Volume
	for i, ext := range []string{"rar", "r00", "r01", "r02"} {
		b, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("test_read_format_rar_multivolume.part%04d.rar", i+1)))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(tmp, "web."+ext)
		writeFile(t, p, b)
		vols = append(vols, extract.Volume{Name: "web." + ext, Path: p})
	}
	in := input(t, vols[0].Path, "web.rar", extract.MIMERar)
	in.Volumes = vols[1:]
	s := newSink()
	if err := rarEx.Extract(context.Background(), in, s); err != nil {
		t.Fatal(err)
	}
	checkMembers(t, s, member{"LibarchiveAddingTest.html", 20111}, member{"ppmd_lzss_conversion_test.txt", 241647978},
		member{"testdir/test.txt", 20}, member{"testdir/LibarchiveAddingTest.html", 20111})
}

func TestRarStops(t *testing.T) {
	path := filepath.Join(corpus.Dir(t), "archives", "libarchive", "rar", "test_read_format_rar5_solid.rar")
	s := newSink()
	s.stopAfter = 2
	err := rarEx.Extract(context.Background(), input(t, path, "x.rar", extract.MIMERar), s)
	if !errors.Is(err, errStop) || len(s.children) != 2 {
		t.Errorf("err = %v, children %v", err, s.names())
	}
	s, err = run(t, container.NewRar(container.Limits{MaxMemberBytes: 2000}), path)
	if !errors.Is(err, extract.ErrBomb) {
		t.Errorf("err = %v, want ErrBomb", err)
	}
	checkMembers(t, s, member{"test.bin", 1200})
	if _, err := run(t, container.NewRar(container.Limits{MaxMembers: 3}), path); !errors.Is(err, extract.ErrBomb) {
		t.Errorf("MaxMembers: err = %v, want ErrBomb", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := rarEx.Extract(ctx, input(t, path, "x.rar", extract.MIMERar), newSink()); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err = %v", err)
	}
}
