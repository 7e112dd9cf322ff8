package container_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/container"
	"github.com/ulikunitz/xz"
	"golang.org/x/text/encoding/charmap"
)

var tarEx = container.NewTar(container.Limits{})

// buildTar writes headers (with body for regular files) as a tar.
func buildTar(t testing.TB, entries ...tarEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.h
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		tw.Write(e.body)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type tarEntry struct {
	h    tar.Header
	body []byte
}

func reg(name, body string) tarEntry {
	return tarEntry{h: tar.Header{Name: name, Typeflag: tar.TypeReg, ModTime: time.Unix(1_600_000_000, 0)}, body: []byte(body)}
}

func gz(t testing.TB, name string, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Name = name
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func xzData(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// bzip2Data compresses with the bzip2 command (the standard library only
// decompresses), or skips t.
func bzip2Data(t testing.TB, b []byte) []byte {
	t.Helper()
	if _, err := exec.LookPath("bzip2"); err != nil {
		t.Skip("bzip2 command not found: skipping the bzip2 case")
	}
	cmd := exec.Command("bzip2", "-c")
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func specialEntries() []tarEntry {
	return []tarEntry{
		{h: tar.Header{Name: "dir/", Typeflag: tar.TypeDir, Mode: 0o755}},
		reg("dir/a.txt", "alpha"),
		{h: tar.Header{Name: "symlink", Typeflag: tar.TypeSymlink, Linkname: "dir/a.txt"}},
		{h: tar.Header{Name: "hardlink", Typeflag: tar.TypeLink, Linkname: "dir/a.txt"}},
		{h: tar.Header{Name: "dev/null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}},
		{h: tar.Header{Name: "dev/sda", Typeflag: tar.TypeBlock, Devmajor: 8}},
		{h: tar.Header{Name: "fifo", Typeflag: tar.TypeFifo}},
		reg("/abs/b.txt", "bravo"),
		reg("../../c.txt", ""),
	}
}

func TestTarSkipsSpecialFiles(t *testing.T) {
	s, err := runBytes(t, tarEx, "x.tar", buildTar(t, specialEntries()...))
	if err != nil {
		t.Fatal(err)
	}
	checkMembers(t, s, member{"dir/a.txt", 5}, member{"abs/b.txt", 5}, member{"c.txt", 0})
	if len(s.failed) != 0 {
		t.Errorf("failures: %v", s.failed)
	}
	if c := s.child(t, "dir/a.txt"); !c.ModTime.Equal(time.Unix(1_600_000_000, 0)) || string(c.Data) != "alpha" {
		t.Errorf("dir/a.txt: %v %q", c.ModTime, c.Data)
	}
}

func TestTarCompressed(t *testing.T) {
	plain := buildTar(t, specialEntries()...)
	want := []member{{"dir/a.txt", 5}, {"abs/b.txt", 5}, {"c.txt", 0}}
	cases := []struct {
		name string
		data func(t *testing.T) []byte
	}{
		{"x.tar.gz", func(t *testing.T) []byte { return gz(t, "", plain) }},
		{"x.tgz", func(t *testing.T) []byte { return gz(t, "x.tar", plain) }},
		{"x.tar.xz", func(t *testing.T) []byte { return xzData(t, plain) }},
		{"x.tar.bz2", func(t *testing.T) []byte { return bzip2Data(t, plain) }},
		{"no-suffix", func(t *testing.T) []byte { return gz(t, "", plain) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := runBytes(t, tarEx, c.name, c.data(t))
			if err != nil {
				t.Fatal(err)
			}
			checkMembers(t, s, want...)
		})
	}
}

func TestTarV7InGzip(t *testing.T) {
	// A pre-POSIX tar has no "ustar" magic: only its checksum tells.
	b := buildTar(t, reg("old.txt", "v7"))
	copy(b[257:265], make([]byte, 8))
	sum := 0
	for i, c := range b[:512] {
		if i >= 148 && i < 156 {
			c = ' '
		}
		sum += int(c)
	}
	copy(b[148:156], []byte(strconv.FormatInt(int64(sum), 8)+"\x00 "))
	s, err := runBytes(t, tarEx, "old.tar.gz", gz(t, "", b))
	if err != nil {
		t.Fatal(err)
	}
	checkMembers(t, s, member{"old.txt", 2})
}

func TestSingleStream(t *testing.T) {
	body := []byte(strings.Repeat("not a tar archive. ", 100))
	cases := []struct {
		file, want string
		data       func(t *testing.T) []byte
	}{
		{"report.pdf.gz", "original.txt", func(t *testing.T) []byte { return gz(t, "original.txt", body) }},
		{"report.pdf.gz", "report.pdf", func(t *testing.T) []byte { return gz(t, "", body) }},
		{"REPORT.PDF.GZ", "REPORT.PDF", func(t *testing.T) []byte { return gz(t, "", body) }},
		{"x.tgz", "x.tar", func(t *testing.T) []byte { return gz(t, "", body) }},
		{"notes.txt.xz", "notes.txt", func(t *testing.T) []byte { return xzData(t, body) }},
		{"notes.txt.bz2", "notes.txt", func(t *testing.T) []byte { return bzip2Data(t, body) }},
		{"short.gz", "short", func(t *testing.T) []byte { return gz(t, "", []byte("tiny")) }},
		{"empty.gz", "empty", func(t *testing.T) []byte { return gz(t, "", nil) }},
	}
	for _, c := range cases {
		t.Run(c.file+"/"+c.want, func(t *testing.T) {
			s, err := runBytes(t, tarEx, c.file, c.data(t))
			if err != nil {
				t.Fatal(err)
			}
			if len(s.children) != 1 || s.children[0].Name != c.want {
				t.Fatalf("children %q, want one named %q", s.names(), c.want)
			}
			if s.expected != 1 {
				t.Errorf("Expect(%d), want 1", s.expected)
			}
		})
	}

	t.Run("no input name", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "blob")
		os.WriteFile(path, gz(t, "", body), 0o600)
		s := newSink()
		if err := tarEx.Extract(context.Background(), input(t, path, "", extract.MIMEGzip), s); err != nil {
			t.Fatal(err)
		}
		checkMembers(t, s, member{"data", int64(len(body))})
	})
	t.Run("trailing zeros after the gzip member", func(t *testing.T) {
		data := append(gz(t, "", body), make([]byte, 1000)...)
		s, err := runBytes(t, tarEx, "padded.gz", data)
		if err != nil || len(s.children) != 1 || s.children[0].SHA256 != sha(body) {
			t.Errorf("err %v, children %v", err, s.names())
		}
	})
	t.Run("multi-member gzip reads as one stream", func(t *testing.T) {
		data := append(gz(t, "", []byte("first ")), gz(t, "", []byte("second"))...)
		s, err := runBytes(t, tarEx, "two.gz", data)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.children) != 1 || string(s.children[0].Data) != "first second" {
			t.Errorf("children %v", s.children)
		}
	})
}

func TestTarConcatenated(t *testing.T) {
	data := append(buildTar(t, reg("one", "1")), buildTar(t, reg("two", "22"))...)
	data = append(data, make([]byte, 10240)...) // record padding
	s, err := runBytes(t, tarEx, "cat.tar", data)
	if err != nil {
		t.Fatal(err)
	}
	checkMembers(t, s, member{"one", 1}, member{"two", 2})
}

func TestTarLegacyName(t *testing.T) {
	raw, _ := charmap.CodePage866.NewEncoder().String("Отчёт за 2019 год.docx")
	e := reg(raw, "x")
	e.h.Format = tar.FormatGNU // no PAX record, the raw bytes stay
	s, err := runBytes(t, tarEx, "cp866.tar", buildTar(t, e, reg("pax-ü.txt", "y")))
	if err != nil {
		t.Fatal(err)
	}
	checkMembers(t, s, member{"Отчёт за 2019 год.docx", 1}, member{"pax-ü.txt", 1})
}

func TestTarDamaged(t *testing.T) {
	body := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	plain := buildTar(t, reg("a", string(body)), reg("b", "bravo"))
	cases := map[string][]byte{
		"truncated.tar":        plain[:len(body)/2],
		"truncated-header.tar": plain[:100],
		"truncated.tar.gz":     gz(t, "", plain)[:len(gz(t, "", plain))/2],
		"truncated.gz":         gz(t, "", body)[:100],
		"truncated.tar.xz":     xzData(t, plain)[:100],
		"garbage.tar":          bytes.Repeat([]byte("garbage!"), 200),
		"gzip-header-only.gz":  gz(t, "", nil)[:10],
		"bad-magic.gz":         []byte{0x1f, 0x8b, 0xff, 0xff},
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := runBytes(t, tarEx, name, data)
			if !errors.Is(err, extract.ErrCorrupt) {
				t.Errorf("err = %v, want ErrCorrupt", err)
			}
		})
	}
	t.Run("flipped gzip checksum", func(t *testing.T) {
		data := gz(t, "", body)
		data[len(data)-6] ^= 0xff
		s, err := runBytes(t, tarEx, "bad.gz", data)
		if !errors.Is(err, extract.ErrCorrupt) || s.failedWith(extract.ErrCorrupt) != 1 || len(s.children) != 0 {
			t.Errorf("err = %v, children %v, failures %v", err, s.names(), s.failed)
		}
	})
}

func TestTarBomb(t *testing.T) {
	lim := container.Limits{MaxMemberBytes: 10 << 20}
	zeros := make([]byte, 100<<20)
	bomb := gz(t, "", zeros)
	if len(bomb) > 1<<20 {
		t.Fatalf("bomb is %d bytes", len(bomb))
	}
	s, err := runBytes(t, container.NewTar(lim), "zeros.gz", bomb)
	if !errors.Is(err, extract.ErrBomb) {
		t.Fatalf("err = %v, want ErrBomb", err)
	}
	if len(s.children) != 0 || s.failedWith(extract.ErrBomb) != 1 {
		t.Errorf("children %v failures %v", s.names(), s.failed)
	}

	// A tar header declaring a terabyte stops before anything is read.
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Name: "huge", Typeflag: tar.TypeReg, Size: 1 << 40, Mode: 0o644})
	tw.Flush()
	data := append(buildTar(t, reg("first", "1"))[:1024], buf.Bytes()...)
	s, err = runBytes(t, container.NewTar(lim), "huge.tar", data)
	if !errors.Is(err, extract.ErrBomb) {
		t.Fatalf("err = %v, want ErrBomb", err)
	}
	checkMembers(t, s, member{"first", 1})

	var entries []tarEntry
	for i := range 10 {
		entries = append(entries, tarEntry{h: tar.Header{Name: strconv.Itoa(i) + "/", Typeflag: tar.TypeDir}})
	}
	if _, err := runBytes(t, container.NewTar(container.Limits{MaxMembers: 5}), "dirs.tar", buildTar(t, entries...)); !errors.Is(err, extract.ErrBomb) {
		t.Errorf("10 directories, MaxMembers 5: err = %v, want ErrBomb", err)
	}
}

func TestTarCorpus(t *testing.T) {
	dir := corpus.Dir(t)
	compat := []member{{"f1", 3}, {"f2", 3}, {"f3", 3}, {"d1/f1", 3}, {"d1/f2", 3}, {"d1/f3", 3}}
	cases := []struct {
		file string
		want []member
		err  error
	}{
		{file: "archives/libarchive/tar/test_compat_gzip_1.tgz", want: compat},
		{file: "archives/libarchive/tar/test_compat_bzip2_1.tbz", want: compat},
		{file: "archives/libarchive/tar/test_compat_xz_1.txz", want: compat},
		// A regular file with a 200-character GNU long name, and a symlink.
		{file: "archives/libarchive/tar/test_compat_gtar_1.tar", want: []member{{strings.Repeat("1234567890", 20), 0}}},
		{file: "archives/libarchive/tar/test_read_format_tar_concatenated.tar", want: []member{{"file1", 0}, {"file2", 0}}},
		{file: "archives/libarchive/tar/test_read_format_tar_empty_filename.tar"},
		{file: "archives/libarchive/tar/test_read_format_gtar_sparse_1_17_posix10.tar", want: []member{{"sparse", 3145728}, {"sparse2", 99000001}, {"non-sparse", 0}}},
		{file: "archives/libarchive/tar/test_read_filter_gzip_recursive.gz", err: extract.ErrCorrupt},
		{file: "tika/archives/testTAR_no_magic.tar", want: []member{{"Lorem ipsum 1", 140814}, {"Lorem ipsum 2", 6078}, {"Lorem ipsum 3", 6078}}},
		{file: "tika/archives/bob.gz", want: []member{{"alice.txt", 11}}},
		{file: "tika/archives/multiple.gz", want: []member{{"a", 2}}},
		{file: "tika/archives/test-bz2.txt.bz2", want: []member{{"test-bz2.txt", 12}}},
	}
	for _, c := range cases {
		t.Run(filepath.Base(c.file), func(t *testing.T) {
			s, err := run(t, tarEx, filepath.Join(dir, c.file))
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
			if len(s.failed) != 0 {
				t.Errorf("failures %v", s.failed)
			}
		})
	}

	t.Run("TIKA-216.tgz", func(t *testing.T) {
		s, err := run(t, tarEx, filepath.Join(dir, "tika/archives/TIKA-216.tgz"))
		if err != nil {
			t.Fatal(err)
		}
		if len(s.children) == 0 || !strings.HasSuffix(s.children[0].Name, ".tgz") || s.children[0].Size != 9541 {
			t.Errorf("children %q", s.names())
		}
	})
	t.Run("quine.gz terminates", func(t *testing.T) {
		p := filepath.Join(dir, "tika/archives/quine.gz")
		want, _ := os.ReadFile(p)
		s, err := run(t, tarEx, p)
		if err != nil {
			t.Fatal(err)
		}
		// It decompresses to itself: one child, the same bytes.
		if len(s.children) != 1 || s.children[0].SHA256 != sha(want) {
			t.Errorf("children %v", s.names())
		}
	})
	t.Run("multiple.gz content", func(t *testing.T) {
		s, _ := run(t, tarEx, filepath.Join(dir, "tika/archives/multiple.gz"))
		if len(s.children) != 1 || string(s.children[0].Data) != "ab" {
			t.Errorf("children %v", s.children)
		}
	})
}

func TestXzWindowLimit(t *testing.T) {
	data := xzData(t, []byte("small text")) // an 8 MiB dictionary
	if data[12+2] != 0x21 || data[12+3] != 1 {
		t.Fatalf("unexpected block header % x", data[12:24])
	}
	s, err := runBytes(t, tarEx, "small.xz", data)
	if err != nil || len(s.children) != 1 {
		t.Errorf("default limits: err %v, children %v", err, s.names())
	}
	if _, err := runBytes(t, container.NewTar(container.Limits{MaxWindowBytes: 4 << 20}), "small.xz", data); !errors.Is(err, extract.ErrTooLarge) {
		t.Errorf("4 MiB window limit: err = %v, want ErrTooLarge", err)
	}

	// Patch the dictionary to 4 GiB: the decoder would allocate it whole
	// before reading a byte of data.
	data[12+4] = 40
	binary.LittleEndian.PutUint32(data[12+8:], crc32.ChecksumIEEE(data[12:12+8]))
	if _, err := runBytes(t, tarEx, "big-window.xz", data); !errors.Is(err, extract.ErrTooLarge) {
		t.Errorf("4 GiB dictionary: err = %v, want ErrTooLarge", err)
	}
}
