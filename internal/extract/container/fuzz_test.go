package container_test

import (
	"archive/zip"
	"context"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/container"
)

// fuzzLimits keep every input cheap: fuzzing looks for panics and hangs,
// not for large outputs.
var fuzzLimits = container.Limits{MaxMemberBytes: 4 << 20, MaxMembers: 2000, MaxWindowBytes: 16 << 20}

// addCorpus seeds f with the shared corpus files matching the patterns
// (relative to the corpus folder), when the corpus is there.
func addCorpus(f *testing.F, patterns ...string) {
	root := corpus.Root()
	if root == "" {
		f.Log("shared corpus not found: seeding from fixtures only")
		return
	}
	for _, p := range patterns {
		files, _ := filepath.Glob(filepath.Join(root, "corpus", p))
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil || len(b) > 64<<10 {
				continue
			}
			f.Add(b)
		}
	}
}

// fuzzExtract runs ex on data written to a file named name: it must return,
// and not panic, whatever data holds.
func fuzzExtract(t *testing.T, ex extract.Extractor, name string, data []byte) {
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s := newSink("password")
	in := extract.Input{Name: name, Path: path, Size: int64(len(data)), Type: extract.Type{MIME: ex.MIMEs()[0]}}
	err := ex.Extract(ctx, in, s)
	if err != nil && extract.Reason(err) == "internal" {
		t.Errorf("error without a reason: %v", err)
	}
	for _, c := range s.failed {
		if extract.Reason(c.Err) == "internal" {
			t.Errorf("member failure without a reason: %v", c.Err)
		}
	}
}

func FuzzZip(f *testing.F) {
	f.Add(buildZip(f,
		zipEntry{name: "dir/", mode: os.ModeDir | 0o755},
		zipEntry{name: "a.txt", body: []byte("alpha alpha alpha")},
		zipEntry{name: "b", body: []byte("bravo"), stored: true},
		zipEntry{name: "link", body: []byte("a.txt"), mode: os.ModeSymlink | 0o777},
	))
	body := []byte("secret secret secret")
	crc := crc32.ChecksumIEEE(body)
	comp := deflate(f, body)
	f.Add(buildRawZip(f,
		rawEntry{zip.FileHeader{Name: "zc", Method: zip.Deflate, Flags: 1, CRC32: crc, UncompressedSize64: uint64(len(body))}, zipCryptoEncrypt("password", crc, comp)},
		rawEntry{zip.FileHeader{Name: "aes", Method: 99, Flags: 1, UncompressedSize64: uint64(len(body)), Extra: []byte{0x01, 0x99, 7, 0, 2, 0, 'A', 'E', 3, 8, 0}}, winzipAESEncrypt(f, "password", comp)},
	))
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	addCorpus(f, "archives/libarchive/zip/*", "tika/archives/*.zip", "tika/archives/*.jar")
	ex := container.NewZip(fuzzLimits)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, ex, "fuzz.zip", data) })
}

func FuzzTar(f *testing.F) {
	f.Add(buildTar(f, specialEntries()...))
	f.Add(append(buildTar(f, reg("one", "1")), buildTar(f, reg("two", "2"))...))
	addCorpus(f, "archives/libarchive/tar/*.tar", "tika/archives/*.tar")
	ex := container.NewTar(fuzzLimits)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, ex, "fuzz.tar", data) })
}

func FuzzGzip(f *testing.F) {
	plain := buildTar(f, reg("a", "alpha"), reg("b", "bravo"))
	f.Add(gz(f, "", plain))
	f.Add(gz(f, "name.txt", []byte("just some text")))
	f.Add(append(gz(f, "", []byte("one")), gz(f, "", []byte("two"))...))
	f.Add(xzData(f, plain))
	f.Add(xzData(f, []byte("xz text")))
	f.Add([]byte("BZh91AY&SY"))
	addCorpus(f, "archives/libarchive/tar/*.t?z", "archives/libarchive/tar/*.gz", "tika/archives/*.gz",
		"tika/archives/*.tgz", "tika/archives/*.bz2")
	ex := container.NewTar(fuzzLimits)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, ex, "fuzz.gz", data) })
}

func Fuzz7z(f *testing.F) {
	f.Add(build7z(szFixture()))
	f.Add(build7z(nil))
	addCorpus(f, "archives/sevenzip/*.7z", "archives/libarchive/7z/*", "tika/archives/*.7z")
	ex := container.NewSevenZip(fuzzLimits)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, ex, "fuzz.7z", data) })
}

func FuzzRar(f *testing.F) {
	f.Add([]byte("Rar!\x1a\x07\x00"))
	f.Add([]byte("Rar!\x1a\x07\x01\x00"))
	addCorpus(f, "archives/libarchive/rar/*")
	ex := container.NewRar(fuzzLimits)
	f.Fuzz(func(t *testing.T, data []byte) { fuzzExtract(t, ex, "fuzz.rar", data) })
}
