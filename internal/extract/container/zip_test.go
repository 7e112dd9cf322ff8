package container_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"crypto/aes"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/klauspost/compress/zstd"
	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/container"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
)

var zipEx = container.NewZip(container.Limits{})

// zipEntry describes one entry of a zip built by buildZip.
type zipEntry struct {
	name     string
	body     []byte
	stored   bool        // zip.Store rather than zip.Deflate
	mode     fs.FileMode // 0: a regular file
	nonUTF8  bool        // leave the UTF-8 flag unset
	extra    []byte
	modified time.Time
}

func buildZip(t testing.TB, entries ...zipEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate, NonUTF8: e.nonUTF8, Extra: e.extra, Modified: e.modified}
		if e.stored || e.mode.IsDir() {
			h.Method = zip.Store
		}
		if e.mode != 0 {
			h.SetMode(e.mode)
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// rawEntry is an entry written with CreateRaw: data is stored as given.
type rawEntry struct {
	h    zip.FileHeader
	data []byte
}

func buildRawZip(t testing.TB, entries ...rawEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := e.h
		h.CompressedSize64 = uint64(len(e.data))
		w, err := zw.CreateRaw(&h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(e.data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func deflate(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	fw.Write(b)
	fw.Close()
	return buf.Bytes()
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func TestZipMembers(t *testing.T) {
	mod := time.Date(2021, 3, 4, 5, 6, 8, 0, time.UTC)
	data := buildZip(t,
		zipEntry{name: "dir/", mode: fs.ModeDir | 0o755},
		zipEntry{name: "dir/a.txt", body: []byte("alpha"), modified: mod},
		zipEntry{name: "b.bin", body: bytes.Repeat([]byte("b"), 100_000), stored: true},
		zipEntry{name: "empty", body: nil},
		zipEntry{name: "link", body: []byte("dir/a.txt"), mode: fs.ModeSymlink | 0o777},
		zipEntry{name: "dev", mode: fs.ModeDevice | fs.ModeCharDevice | 0o600},
		zipEntry{name: "fifo", mode: fs.ModeNamedPipe | 0o600},
	)
	s, err := runBytes(t, zipEx, "x.zip", data)
	if err != nil {
		t.Fatal(err)
	}
	checkMembers(t, s, member{"dir/a.txt", 5}, member{"b.bin", 100_000}, member{"empty", 0})
	if s.expected != 3 {
		t.Errorf("Expect(%d), want 3 (directories, links and devices are not expected)", s.expected)
	}
	if len(s.failed) != 0 {
		t.Errorf("failures: %v", s.failed)
	}
	if c := s.child(t, "dir/a.txt"); !c.ModTime.Equal(mod) || string(c.Data) != "alpha" {
		t.Errorf("dir/a.txt: modtime %v, data %q", c.ModTime, c.Data)
	}
}

// treeOf lists the files under dir, with their sizes.
func treeOf(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, _ := d.Info()
		out = append(out, p+" "+info.Mode().String())
		return nil
	})
	return out
}

func TestZipPathTraversalWritesNothing(t *testing.T) {
	names := map[string]string{ // recorded name -> display name
		"../../etc/passwd":                   "etc/passwd",
		"/abs/path":                          "abs/path",
		"./dot/file":                         "dot/file",
		`..\..\windows\win.ini`:              `windows\win.ini`,
		"a/../../b":                          "a/../../b",
		"../../../../../../tmp/trove-escape": "tmp/trove-escape",
	}
	var entries []zipEntry
	var want []member
	for rec, disp := range names {
		entries = append(entries, zipEntry{name: rec, body: []byte(rec)})
		want = append(want, member{disp, int64(len(rec))})
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "evil.zip")
	if err := os.WriteFile(path, buildZip(t, entries...), 0o600); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	beforeTmp, beforeWd := treeOf(t, dir), treeOf(t, wd)

	s, err := run(t, zipEx, path)
	if err != nil {
		t.Fatal(err)
	}
	checkMembers(t, s, want...)
	if after := treeOf(t, dir); !slices.Equal(beforeTmp, after) {
		t.Errorf("temp dir changed:\n%q\n%q", beforeTmp, after)
	}
	if after := treeOf(t, wd); !slices.Equal(beforeWd, after) {
		t.Errorf("working dir changed:\n%q\n%q", beforeWd, after)
	}
	if _, err := os.Stat("/tmp/trove-escape"); err == nil {
		t.Errorf("/tmp/trove-escape exists")
	}
}

func TestZipBomb(t *testing.T) {
	lim := container.Limits{MaxMemberBytes: 10 << 20}
	zeros := make([]byte, 100<<20)
	data := buildZip(t,
		zipEntry{name: "small.txt", body: []byte("small")},
		zipEntry{name: "zeros", body: zeros},
		zipEntry{name: "after.txt", body: []byte("never reached")},
	)
	if len(data) > 1<<20 {
		t.Fatalf("fixture is %d bytes, want a small zip", len(data))
	}
	s, err := runBytes(t, container.NewZip(lim), "bomb.zip", data)
	if !errors.Is(err, extract.ErrBomb) {
		t.Fatalf("err = %v, want ErrBomb", err)
	}
	checkMembers(t, s, member{"small.txt", 5})
	if s.failedWith(extract.ErrBomb) != 1 {
		t.Errorf("failures %v, want the bomb member recorded", s.failed)
	}

	// A header that lies about the size: the content stops at what the
	// central directory declares and the member fails as corrupt.
	comp := deflate(t, zeros)
	lying := buildRawZip(t, rawEntry{
		h:    zip.FileHeader{Name: "liar", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(zeros[:1000]), UncompressedSize64: 1000},
		data: comp,
	})
	s, err = runBytes(t, container.NewZip(lim), "liar.zip", lying)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.children) != 0 || s.failedWith(extract.ErrCorrupt) != 1 {
		t.Errorf("children %v failures %v, want one corrupt member", s.names(), s.failed)
	}

	// Too many entries.
	var many []zipEntry
	for i := range 5 {
		many = append(many, zipEntry{name: strings.Repeat("f", i+1)})
	}
	_, err = runBytes(t, container.NewZip(container.Limits{MaxMembers: 3}), "many.zip", buildZip(t, many...))
	if !errors.Is(err, extract.ErrBomb) {
		t.Errorf("5 entries, MaxMembers 3: err = %v, want ErrBomb", err)
	}
}

func TestZipDamaged(t *testing.T) {
	good := bytes.Repeat([]byte("all work and no play makes jack a dull boy\n"), 200)
	data := buildZip(t,
		zipEntry{name: "one.txt", body: good},
		zipEntry{name: "two.txt", body: good},
		zipEntry{name: "three.txt", body: []byte("three"), stored: true},
	)

	t.Run("flipped byte in a member", func(t *testing.T) {
		zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		off, _ := zr.File[1].DataOffset()
		bad := bytes.Clone(data)
		bad[off+int64(zr.File[1].CompressedSize64)/2] ^= 0xff
		s, err := runBytes(t, zipEx, "bad.zip", bad)
		if err != nil {
			t.Fatal(err)
		}
		checkMembers(t, s, member{"one.txt", int64(len(good))}, member{"three.txt", 5})
		if len(s.failed) != 1 || s.failed[0].Name != "two.txt" || !errors.Is(s.failed[0].Err, extract.ErrCorrupt) {
			t.Errorf("failures %v, want two.txt corrupt", s.failed)
		}
	})
	t.Run("flipped byte in a stored member", func(t *testing.T) {
		zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		off, _ := zr.File[2].DataOffset()
		bad := bytes.Clone(data)
		bad[off] ^= 0x01
		s, err := runBytes(t, zipEx, "bad.zip", bad)
		if err != nil {
			t.Fatal(err)
		}
		if s.failedWith(extract.ErrCorrupt) != 1 || len(s.children) != 2 {
			t.Errorf("children %v failures %v, want the CRC mismatch caught", s.names(), s.failed)
		}
	})
	for _, n := range []int{len(data) / 2, len(data) - 10, 30, 4, 0} {
		_, err := runBytes(t, zipEx, "truncated.zip", data[:n])
		if !errors.Is(err, extract.ErrCorrupt) {
			t.Errorf("truncated to %d bytes: err = %v, want ErrCorrupt", n, err)
		}
	}
	t.Run("corrupt central directory", func(t *testing.T) {
		bad := bytes.Clone(data)
		i := bytes.LastIndex(bad, []byte("PK\x01\x02"))
		copy(bad[i:], "XXXX")
		_, err := runBytes(t, zipEx, "bad.zip", bad)
		if !errors.Is(err, extract.ErrCorrupt) {
			t.Errorf("err = %v, want ErrCorrupt", err)
		}
	})
}

func TestZipLegacyNames(t *testing.T) {
	cases := []struct {
		enc   encoding.Encoding
		names []string
	}{
		{charmap.CodePage437, []string{"Müller.txt", "Größe.doc", "café/Señor García.pdf"}},
		{charmap.CodePage866, []string{"Отчёт за 2019 год.docx", "привет", "ПРИВЕТ"}},
		{charmap.KOI8R, []string{"Договор поставки.pdf", "привет", "ПРИВЕТ"}},
		{charmap.Windows1251, []string{"Письмо директору.txt", "Бухгалтерия/Счета.xls"}},
		{japanese.ShiftJIS, []string{"報告書.doc", "表だよ/一覧表.txt", "テスト.txt"}},
		{simplifiedchinese.GBK, []string{"会议纪要.doc", "审计压缩包/财务报表2019.xls", "通知.txt"}},
	}
	for _, c := range cases {
		var entries []zipEntry
		var want []member
		for _, n := range c.names {
			raw, err := c.enc.NewEncoder().String(n)
			if err != nil {
				t.Fatal(err)
			}
			entries = append(entries, zipEntry{name: raw, body: []byte(n), nonUTF8: true})
			want = append(want, member{n, int64(len(n))})
		}
		s, err := runBytes(t, zipEx, "names.zip", buildZip(t, entries...))
		if err != nil {
			t.Fatal(err)
		}
		checkMembers(t, s, want...)
	}

	// An Info-ZIP Unicode Path field wins over the header name.
	extra := []byte{0x75, 0x70, 0, 0, 1, 0, 0, 0, 0}
	extra = append(extra, "Ünïcode.txt"...)
	binary.LittleEndian.PutUint16(extra[2:], uint16(len(extra)-4))
	s, err := runBytes(t, zipEx, "up.zip", buildZip(t, zipEntry{name: "U?nicode.txt", body: []byte("x"), extra: extra, nonUTF8: true}))
	if err != nil {
		t.Fatal(err)
	}
	checkMembers(t, s, member{"Ünïcode.txt", 1})
}

func TestZipMethods(t *testing.T) {
	body := bytes.Repeat([]byte("the quick brown fox jumps over the lazy dog\n"), 500)
	crc := crc32.ChecksumIEEE(body)
	h := func(name string, method uint16) zip.FileHeader {
		return zip.FileHeader{Name: name, Method: method, CRC32: crc, UncompressedSize64: uint64(len(body))}
	}

	var xzBuf bytes.Buffer
	xw, _ := xz.NewWriter(&xzBuf)
	xw.Write(body)
	xw.Close()

	zenc, _ := zstd.NewWriter(nil)
	zst := zenc.EncodeAll(body, nil)

	// LZMA as zip stores it: version, properties size, properties, raw
	// stream (from a classic .lzma stream with its 13-byte header).
	var lz bytes.Buffer
	lw, err := lzma.WriterConfig{Size: int64(len(body))}.NewWriter(&lz)
	if err != nil {
		t.Fatal(err)
	}
	lw.Write(body)
	lw.Close()
	zipLZMA := append([]byte{9, 20, 5, 0}, lz.Bytes()[:5]...)
	zipLZMA = append(zipLZMA, lz.Bytes()[13:]...)
	lz.Reset()
	lw, err = lzma.WriterConfig{EOSMarker: true}.NewWriter(&lz)
	if err != nil {
		t.Fatal(err)
	}
	lw.Write(body)
	lw.Close()
	zipLZMAEOS := append([]byte{9, 20, 5, 0}, lz.Bytes()[:5]...)
	zipLZMAEOS = append(zipLZMAEOS, lz.Bytes()[13:]...)
	eos := h("lzma-eos", 14)
	eos.Flags |= 0x2

	entries := []rawEntry{
		{h("xz", 95), xzBuf.Bytes()},
		{h("zstd", 93), zst},
		{h("lzma", 14), zipLZMA},
		{eos, zipLZMAEOS},
		{h("deflate64", 9), []byte("whatever")},
		{h("ppmd", 98), []byte("whatever")},
	}
	want := []member{{"xz", int64(len(body))}, {"zstd", int64(len(body))}, {"lzma", int64(len(body))}, {"lzma-eos", int64(len(body))}}
	if _, err := exec.LookPath("bzip2"); err == nil {
		cmd := exec.Command("bzip2", "-c")
		cmd.Stdin = bytes.NewReader(body)
		out, err := cmd.Output()
		if err != nil {
			t.Fatal(err)
		}
		entries = append(entries, rawEntry{h("bzip2", 12), out})
		want = append(want, member{"bzip2", int64(len(body))})
	} else {
		t.Log("bzip2 command not found: skipping the bzip2 zip member")
	}
	s, err := runBytes(t, zipEx, "methods.zip", buildRawZip(t, entries...))
	if err != nil {
		t.Fatal(err)
	}
	checkMembers(t, s, want...)
	for _, c := range s.children {
		if c.SHA256 != sha(body) {
			t.Errorf("%s: content differs", c.Name)
		}
	}
	if s.failedWith(extract.ErrUnsupported) != 2 || len(s.failed) != 2 {
		t.Errorf("failures %v, want deflate64 and ppmd unsupported", s.failed)
	}
}

// zipCryptoEncrypt encrypts data (the compressed member) with the
// traditional PKWARE cipher.
func zipCryptoEncrypt(password string, crc uint32, data []byte) []byte {
	k := [3]uint32{0x12345678, 0x23456789, 0x34567890}
	upd := func(b byte) {
		k[0] = crc32.IEEETable[byte(k[0])^b] ^ k[0]>>8
		k[1] = (k[1]+k[0]&0xff)*134775813 + 1
		k[2] = crc32.IEEETable[byte(k[2])^byte(k[1]>>24)] ^ k[2]>>8
	}
	for i := 0; i < len(password); i++ {
		upd(password[i])
	}
	plain := append([]byte("0123456789a"), byte(crc>>24))
	plain = append(plain, data...)
	out := make([]byte, len(plain))
	for i, c := range plain {
		t := k[2] | 2
		out[i] = c ^ byte((t*(t^1))>>8)
		upd(c)
	}
	return out
}

// winzipAESEncrypt encrypts data as WinZip AES-256 (AE-2) does.
func winzipAESEncrypt(t testing.TB, password string, data []byte) []byte {
	salt := []byte("0123456789abcdef")
	key, err := pbkdf2.Key(sha1.New, password, salt, 1000, 66)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := aes.NewCipher(key[:32])
	ct := bytes.Clone(data)
	var ks [16]byte
	for i := range ct {
		if i%16 == 0 {
			var cb [16]byte
			binary.LittleEndian.PutUint64(cb[:], uint64(i/16+1))
			block.Encrypt(ks[:], cb[:])
		}
		ct[i] ^= ks[i%16]
	}
	mac := hmac.New(sha1.New, key[32:64])
	mac.Write(ct)
	out := append(bytes.Clone(salt), key[64:66]...)
	out = append(out, ct...)
	return append(out, mac.Sum(nil)[:10]...)
}

func TestZipEncrypted(t *testing.T) {
	body := []byte(strings.Repeat("secret text ", 100))
	crc := crc32.ChecksumIEEE(body)
	comp := deflate(t, body)
	aesExtra := []byte{0x01, 0x99, 7, 0, 2, 0, 'A', 'E', 3, 8, 0}
	data := buildRawZip(t,
		rawEntry{zip.FileHeader{Name: "plain.txt", Method: zip.Deflate, CRC32: crc, UncompressedSize64: uint64(len(body))}, comp},
		rawEntry{zip.FileHeader{Name: "zipcrypto.txt", Method: zip.Deflate, Flags: 0x1, CRC32: crc, UncompressedSize64: uint64(len(body))},
			zipCryptoEncrypt("s3cret", crc, comp)},
		rawEntry{zip.FileHeader{Name: "aes.txt", Method: 99, Flags: 0x1, UncompressedSize64: uint64(len(body)), Extra: aesExtra},
			winzipAESEncrypt(t, "s3cret", comp)},
		rawEntry{zip.FileHeader{Name: "other.txt", Method: zip.Deflate, Flags: 0x1, CRC32: crc, UncompressedSize64: uint64(len(body))},
			zipCryptoEncrypt("another one", crc, comp)},
	)

	s, err := runBytes(t, zipEx, "enc.zip", data)
	if err != nil {
		t.Fatal(err)
	}
	checkMembers(t, s, member{"plain.txt", int64(len(body))})
	if s.failedWith(extract.ErrEncrypted) != 3 {
		t.Errorf("failures %v, want 3 encrypted", s.failed)
	}
	if !s.meta.Encrypted {
		t.Error("Meta().Encrypted not set")
	}

	s, err = runBytes(t, zipEx, "enc.zip", data, "wrong", "s3cret", "also wrong")
	if err != nil {
		t.Fatal(err)
	}
	checkMembers(t, s, member{"plain.txt", int64(len(body))}, member{"zipcrypto.txt", int64(len(body))}, member{"aes.txt", int64(len(body))})
	for _, c := range s.children {
		if c.SHA256 != sha(body) {
			t.Errorf("%s: decrypted content differs", c.Name)
		}
	}
	if len(s.failed) != 1 || s.failed[0].Name != "other.txt" || !errors.Is(s.failed[0].Err, extract.ErrEncrypted) {
		t.Errorf("failures %v, want other.txt encrypted", s.failed)
	}

	// A tampered AES member fails its authentication code.
	bad := bytes.Clone(data)
	i := bytes.Index(bad, []byte("0123456789abcdef"))
	bad[i+16+2+5] ^= 1
	s, err = runBytes(t, zipEx, "bad.zip", bad, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	if s.failedWith(extract.ErrCorrupt) != 1 {
		t.Errorf("failures %v, want the tampered AES member corrupt", s.failed)
	}
}

func TestZipStops(t *testing.T) {
	data := buildZip(t, zipEntry{name: "a", body: []byte("a")}, zipEntry{name: "b", body: []byte("b")}, zipEntry{name: "c", body: []byte("c")})
	path := filepath.Join(t.TempDir(), "x.zip")
	os.WriteFile(path, data, 0o600)

	t.Run("sink error", func(t *testing.T) {
		s := newSink()
		s.stopAfter = 1
		err := zipEx.Extract(context.Background(), input(t, path, "x.zip", extract.MIMEZip), s)
		if !errors.Is(err, errStop) || len(s.children) != 1 {
			t.Errorf("err = %v, children %v; want the sink's error after one child", err, s.names())
		}
	})
	t.Run("canceled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		s := newSink()
		err := zipEx.Extract(ctx, input(t, path, "x.zip", extract.MIMEZip), s)
		if !errors.Is(err, context.Canceled) || len(s.children) != 0 {
			t.Errorf("err = %v, children %v; want context.Canceled and nothing", err, s.names())
		}
	})
	t.Run("a panicking sink is not hidden", func(t *testing.T) {
		defer func() {
			if v := recover(); v != "sink bug" {
				t.Errorf("recovered %v, want the sink's panic", v)
			}
		}()
		zipEx.Extract(context.Background(), input(t, path, "x.zip", extract.MIMEZip), panicSink{newSink()})
		t.Error("Extract returned")
	})
}

type panicSink struct{ *sink }

func (panicSink) Child(context.Context, extract.ChildInfo, io.Reader) error { panic("sink bug") }

// Corpus files: Apache Tika's and libarchive's test archives.

func TestZipTika(t *testing.T) {
	dir := corpus.Dir(t)
	path := func(name string) string { return filepath.Join(dir, "tika", "archives", name) }

	t.Run("zip of zip", func(t *testing.T) {
		s, err := run(t, zipEx, path("test-zip-of-zip.zip"))
		if err != nil {
			t.Fatal(err)
		}
		checkMembers(t, s, member{"html-within-zip.zip", 163})
		inner, err := runBytes(t, zipEx, "inner.zip", s.children[0].Data)
		if err != nil || len(inner.children) == 0 {
			t.Errorf("the child is not a zip: %v, %v", err, inner.names())
		}
	})
	t.Run("one member encrypted", func(t *testing.T) {
		s, err := run(t, zipEx, path("testZipEncrypted.zip"), "password", "876", "Tika")
		if err != nil {
			t.Fatal(err)
		}
		checkMembers(t, s, member{"unencrypted.txt", 13})
		if !strings.Contains(string(s.children[0].Data), "hello world") {
			t.Errorf("unencrypted.txt = %q", s.children[0].Data)
		}
		if len(s.failed) != 1 || s.failed[0].Name != "encrypted.txt" || !errors.Is(s.failed[0].Err, extract.ErrEncrypted) {
			t.Errorf("failures %v, want encrypted.txt encrypted", s.failed)
		}
	})
	t.Run("droste terminates", func(t *testing.T) {
		// The zip contains itself: each level yields itself once more; the
		// ingest's depth limit ends it. Five levels here.
		p := path("droste.zip")
		want, _ := os.ReadFile(p)
		for depth := range 5 {
			s, err := run(t, zipEx, p)
			if err != nil {
				t.Fatal(err)
			}
			checkMembers(t, s, member{"droste.jpg", 13760}, member{"droste.zip", 28809})
			c := s.child(t, "droste.zip")
			if c.SHA256 != sha(want) {
				t.Fatalf("depth %d: droste.zip child differs from its parent", depth)
			}
			p = filepath.Join(t.TempDir(), "droste.zip")
			os.WriteFile(p, c.Data, 0o600)
		}
	})
	t.Run("legacy charsets", func(t *testing.T) {
		s, err := run(t, zipEx, path("gbk.zip"))
		if err != nil {
			t.Fatal(err)
		}
		if len(s.children) != 1 || !strings.Contains(s.children[0].Name, "审计压缩") {
			t.Errorf("gbk.zip: %q", s.names())
		}
		s, err = run(t, zipEx, path("testZipEntryNameCharsetShiftSJIS.zip"))
		if err != nil {
			t.Fatal(err)
		}
		checkMembers(t, s, member{"文章1.txt", 24}, member{"文章2.txt", 24})
		for _, n := range s.names() {
			if !utf8.ValidString(n) {
				t.Errorf("%q is not UTF-8", n)
			}
		}
	})
	t.Run("others", func(t *testing.T) {
		s, err := run(t, zipEx, path("testEmbedded.zip"))
		if err != nil {
			t.Fatal(err)
		}
		checkMembers(t, s, member{"test1.txt", 13}, member{"test2.txt", 13})

		if _, err := run(t, zipEx, path("testZIP_corrupted_oom.zip")); !errors.Is(err, extract.ErrCorrupt) {
			t.Errorf("testZIP_corrupted_oom.zip: err = %v, want ErrCorrupt", err)
		}

		// Implode and shrink (PKZIP 1.x) are not supported.
		s, err = run(t, zipEx, path("moby.zip"))
		if err != nil {
			t.Fatal(err)
		}
		if s.expected != 135 || len(s.children)+s.failedWith(extract.ErrUnsupported) != 135 {
			t.Errorf("moby.zip: expected %d, %d children, %d unsupported", s.expected, len(s.children), s.failedWith(extract.ErrUnsupported))
		}
	})
}

func TestZipLibarchive(t *testing.T) {
	dir := corpus.Dir(t)
	const rusUpper, rusLower = "ПРИВЕТ", "привет"
	cases := []struct {
		file      string
		passwords []string
		want      []member
		failed    map[string]error // member -> sentinel
		err       error
	}{
		// file2's CRC in the central directory is "xxxx" on purpose.
		{file: "test_read_format_zip.zip", want: []member{{"file1", 18}}, failed: map[string]error{"file2": extract.ErrCorrupt}},
		{file: "test_read_format_zip_7075_utf8_paths.zip", want: []member{{"File 1.txt", 9}, {"File 2 - ö.txt", 9}, {"File 3 - ä.txt", 9}, {"File 4 - å.txt", 9}}},
		{file: "test_read_format_zip_filename_cp866.zip", want: []member{{rusUpper, 6}, {rusLower, 6}}},
		{file: "test_read_format_zip_filename_koi8r.zip", want: []member{{rusUpper, 6}, {rusLower, 6}}},
		{file: "test_read_format_zip_filename_utf8_ru.zip", want: []member{{rusUpper, 6}, {rusLower, 6}}},
		{file: "test_read_format_zip_filename_cp932.zip", want: []member{{"表だよ/一覧表.txt", 5}, {"表だよ/漢字.txt", 5}}},
		{file: "test_read_format_zip_filename_utf8_jp.zip", want: []member{{"表だよ/一覧表.txt", 5}, {"表だよ/漢字.txt", 5}}},
		{file: "test_read_format_zip_bzip2.zipx", want: []member{{"vimrc", 912}}},
		{file: "test_read_format_zip_lzma.zipx", want: []member{{"vimrc", 912}}},
		{file: "test_read_format_zip_zstd.zipx", want: []member{{"vimrc", 912}}},
		{file: "test_read_format_zip_xz_multi.zipx", want: []member{{"bash.bashrc", 2245}, {"pacman.conf", 2566}, {"profile", 6601}}},
		{file: "test_read_format_zip_ppmd8.zipx", failed: map[string]error{"vimrc": extract.ErrUnsupported}},
		{file: "test_read_format_zip_sfx", want: []member{{"file0", 0}, {"build.sh", 23}}},
		{file: "test_read_format_zip_comment_stored_1.zip", want: []member{{"file0", 0}, {"build.sh", 23}}},
		{file: "test_read_format_zip_symlink.zip", want: []member{{"file", 5}}},
		{file: "test_read_format_zip_nested.zip", want: []member{{"small.zip", 211}, {"file.txt", 53}}},
		{file: "test_read_format_zip_msdos.zip", want: []member{{"abc", 0}, {"def/foo", 0}}},
		{file: "test_read_format_zip_zip64a.zip", want: []member{{"-", 6}}},
		{file: "test_read_format_zip_zip64b.zip", want: []member{{"-", 6}}},
		{file: "test_read_format_zip_padded1.zip", want: []member{{"file0", 6}, {"file1", 6}}},
		{file: "test_read_format_zip_length_at_end.zip", want: []member{{"hello.txt", 6}}},
		{file: "test_read_format_zip_jar.jar"},
		{file: "test_read_format_zip_mac_metadata.zip", want: []member{{"file3", 8}, {"__MACOSX/._file3", 287}}},
		{file: "test_read_format_zip_7z_lzma.zip", want: []member{{"_installdir/abc_tools/2000.9-beta11/samples/abc_measurement_analysis_sample/src/abc_measurement_analysis_sample.py", 250}}},
		{file: "test_read_format_zip_traditional_encryption_data.zip", failed: map[string]error{"bar.txt": extract.ErrEncrypted, "foo.txt": extract.ErrEncrypted}},
		{file: "test_read_format_zip_traditional_encryption_data.zip", passwords: []string{"invalid_pass", "12345678"}, want: []member{{"bar.txt", 495}, {"foo.txt", 495}}},
		{file: "test_read_format_zip_winzip_aes128.zip", failed: map[string]error{"README": extract.ErrEncrypted}},
		{file: "test_read_format_zip_winzip_aes128.zip", passwords: []string{"password"}, want: []member{{"README", 6818}}},
		{file: "test_read_format_zip_winzip_aes256.zip", passwords: []string{"password"}, want: []member{{"README", 6818}}},
		{file: "test_read_format_zip_encryption_data.zip", passwords: []string{"password"}, failed: map[string]error{"bar.txt": extract.ErrEncrypted, "foo.txt": extract.ErrEncrypted}},
		{file: "test_read_format_zip_encryption_partially.zip", want: []member{{"bar.txt", 20}}, failed: map[string]error{"foo.txt": extract.ErrEncrypted}},
		{file: "test_read_format_zip_encryption_header.zip", err: extract.ErrCorrupt},
		{file: "test_read_format_zip_malformed1.zip", err: extract.ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			s, err := run(t, zipEx, filepath.Join(dir, "archives", "libarchive", "zip", c.file), c.passwords...)
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
			if s.expected != len(c.want)+len(c.failed) {
				t.Errorf("Expect(%d), want %d", s.expected, len(c.want)+len(c.failed))
			}
		})
	}
}

func TestZipSalvage(t *testing.T) {
	one := bytes.Repeat([]byte("one one one "), 700)
	two := make([]byte, 10800) // incompressible
	rand.NewChaCha8([32]byte{1}).Read(two)
	data := buildZip(t,
		zipEntry{name: "dir/", mode: fs.ModeDir | 0o755},
		zipEntry{name: "dir/one.txt", body: one},
		zipEntry{name: "two.txt", body: two},
		zipEntry{name: "three.txt", body: []byte("three"), stored: true},
	)
	cd := int64(bytes.Index(data, []byte("PK\x01\x02")))

	t.Run("central directory cut off", func(t *testing.T) {
		s, err := runBytes(t, zipEx, "cut.zip", data[:cd+10])
		if !errors.Is(err, extract.ErrCorrupt) || !strings.Contains(err.Error(), "2 members recovered") {
			t.Errorf("err = %v, want ErrCorrupt with 2 members recovered", err)
		}
		checkMembers(t, s, member{"dir/one.txt", int64(len(one))}, member{"two.txt", int64(len(two))})
		for _, c := range s.children {
			if c.Name == "two.txt" && c.SHA256 != sha(two) {
				t.Error("two.txt differs")
			}
		}
		// A stored member whose size only the data descriptor gives cannot
		// be delimited.
		if len(s.failed) != 1 || s.failed[0].Name != "three.txt" || !errors.Is(s.failed[0].Err, extract.ErrCorrupt) {
			t.Errorf("failures %v", s.failed)
		}
	})
	t.Run("cut inside a member", func(t *testing.T) {
		i := int64(bytes.Index(data, []byte("two.txt")))
		s, err := runBytes(t, zipEx, "cut.zip", data[:i+100])
		if !errors.Is(err, extract.ErrCorrupt) {
			t.Errorf("err = %v", err)
		}
		checkMembers(t, s, member{"dir/one.txt", int64(len(one))})
		if s.failedWith(extract.ErrCorrupt) != 1 {
			t.Errorf("failures %v, want two.txt corrupt", s.failed)
		}
	})
	t.Run("sizes in the local headers", func(t *testing.T) {
		crc := crc32.ChecksumIEEE(one)
		comp := deflate(t, one)
		raw := buildRawZip(t,
			rawEntry{zip.FileHeader{Name: "stored.txt", Method: zip.Store, CRC32: crc32.ChecksumIEEE([]byte("stored")), UncompressedSize64: 6}, []byte("stored")},
			rawEntry{zip.FileHeader{Name: "secret.txt", Method: zip.Deflate, Flags: 0x1, CRC32: crc, UncompressedSize64: uint64(len(one))}, zipCryptoEncrypt("pw", crc, comp)},
		)
		cd := bytes.Index(raw, []byte("PK\x01\x02"))
		s, err := runBytes(t, zipEx, "cut.zip", raw[:cd], "pw")
		if !errors.Is(err, extract.ErrCorrupt) {
			t.Errorf("err = %v", err)
		}
		checkMembers(t, s, member{"stored.txt", 6}, member{"secret.txt", int64(len(one))})
	})
	t.Run("not a zip at all", func(t *testing.T) {
		s, err := runBytes(t, zipEx, "junk.zip", bytes.Repeat([]byte("PK\x03\x04junk"), 100))
		if !errors.Is(err, extract.ErrCorrupt) || len(s.children) != 0 {
			t.Errorf("err = %v, children %v", err, s.names())
		}
	})
}
