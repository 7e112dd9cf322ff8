package torrent_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/release"
	"github.com/trove-archive/trove/internal/torrent"
)

func TestBuildPieces(t *testing.T) {
	r := MustRelease(t, "test-r1", defaultFiles)
	info, ih := r.MustBuild(t)

	created := time.Date(2024, 5, 2, 3, 4, 5, 0, time.UTC)
	tb, err := torrent.MetaInfo(info, nil, nil, created, "")
	if err != nil {
		t.Fatal(err)
	}
	mi, err := metainfo.Load(bytes.NewReader(tb))
	if err != nil {
		t.Fatalf("load .torrent: %v", err)
	}
	if got := mi.HashInfoBytes().HexString(); got != ih {
		t.Errorf("info-hash %s, the .torrent's is %s", ih, got)
	}
	if s := sha1.Sum(info); ih != strings.ToLower(metainfo.Hash(s).HexString()) {
		t.Errorf("info-hash %s is not the SHA-1 of the info bytes", ih)
	}
	i, err := mi.UnmarshalInfo()
	if err != nil {
		t.Fatal(err)
	}
	if i.Name != r.m.Name {
		t.Errorf("name %q, want %q", i.Name, r.m.Name)
	}
	if i.PieceLength != torrent.MinPieceLength {
		t.Errorf("piece length %d, want %d", i.PieceLength, torrent.MinPieceLength)
	}
	if len(i.Files) != len(r.m.Files) {
		t.Fatalf("%d files, want %d", len(i.Files), len(r.m.Files))
	}
	for k, f := range r.m.Files {
		want := strings.Split(f.Path, "/")
		if !slices.Equal(i.Files[k].Path, want) || i.Files[k].Length != f.Size {
			t.Errorf("file %d: %q %d bytes, want %q %d", k, i.Files[k].Path, i.Files[k].Length, want, f.Size)
		}
	}

	// Every piece hash against the concatenated original bytes.
	total := int64(len(r.bytes))
	n := int((total + i.PieceLength - 1) / i.PieceLength)
	if i.NumPieces() != n {
		t.Fatalf("%d pieces, want %d", i.NumPieces(), n)
	}
	for p := range n {
		b := r.bytes[int64(p)*i.PieceLength : min(int64(p+1)*i.PieceLength, total)]
		if s := sha1.Sum(b); !bytes.Equal(s[:], i.Pieces[p*20:p*20+20]) {
			t.Errorf("piece %d: hash does not match the original bytes", p)
		}
	}
}

// TestBuildMatchesAnacrolix compares Build with the torrent library's own
// builder run on the original files in a folder named after the release.
func TestBuildMatchesAnacrolix(t *testing.T) {
	r := MustRelease(t, "test-r1", defaultFiles)
	info, _ := r.MustBuild(t)
	root := r.writeOriginals(t, t.TempDir())
	want := metainfo.Info{PieceLength: torrent.MinPieceLength}
	if err := want.BuildFromFilePath(root); err != nil {
		t.Fatal(err)
	}
	wantBytes, err := bencode.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(info, wantBytes) {
		t.Errorf("Build's info dictionary differs from anacrolix's:\n got %.300q\nwant %.300q", info, wantBytes)
	}
}

func TestBuildDeterministic(t *testing.T) {
	r := MustRelease(t, "test-r1", defaultFiles)
	info1, ih1 := r.MustBuild(t)
	// The same manifest and bytes in another store.
	r2 := MustRelease(t, "test-r1", defaultFiles)
	info2, ih2 := r2.MustBuild(t)
	if !bytes.Equal(info1, info2) || ih1 != ih2 {
		t.Errorf("two builds differ: %s and %s", ih1, ih2)
	}
	// Another release name is another torrent.
	r3 := MustRelease(t, "test-r2", defaultFiles)
	if _, ih3 := r3.MustBuild(t); ih3 == ih1 {
		t.Errorf("releases test-r1 and test-r2 have the same info-hash")
	}
	// MetaInfo is deterministic too.
	created := time.Unix(1700000000, 0)
	a, err := torrent.MetaInfo(info1, []string{"http://t/announce"}, []string{"http://w/files/"}, created, "c")
	if err != nil {
		t.Fatal(err)
	}
	b, err := torrent.MetaInfo(info2, []string{"http://t/announce"}, []string{"http://w/files/"}, created, "c")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("two MetaInfo calls differ")
	}
}

func TestBuildBadFiles(t *testing.T) {
	r := MustRelease(t, "test-r1", defaultFiles)
	victim := r.m.Files[0] // a.bin
	tests := []struct {
		name    string
		content func([]byte) []byte
		code    string
		corrupt bool
		msg     string
	}{
		{"shorter", func(b []byte) []byte { return b[:len(b)-1] }, archive.EInvalid, false, "the manifest says"},
		{"longer", func(b []byte) []byte { return append(slices.Clip(b), 0) }, archive.EInvalid, false, "longer than the manifest"},
		{"empty", func(b []byte) []byte { return nil }, archive.EInvalid, false, "has 0 bytes"},
		{"other bytes", func(b []byte) []byte {
			c := slices.Clone(b)
			c[0] ^= 1
			return c
		}, "", true, "sha256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			open := func(id archive.BlobID) (io.ReadCloser, error) {
				if id == victim.Blob() {
					return io.NopCloser(bytes.NewReader(tt.content(r.data[victim.Path]))), nil
				}
				return r.open(id)
			}
			_, _, err := torrent.Build(context.Background(), r.m, open)
			if err == nil {
				t.Fatal("Build succeeded")
			}
			if tt.code != "" && archive.ErrorCode(err) != tt.code {
				t.Errorf("code %q, want %q: %v", archive.ErrorCode(err), tt.code, err)
			}
			if tt.corrupt != errors.Is(err, archive.ErrCorrupt) {
				t.Errorf("errors.Is(ErrCorrupt) = %v, want %v: %v", !tt.corrupt, tt.corrupt, err)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), victim.Path) {
				t.Errorf("error %q should name %s and say %q", err, victim.Path, tt.msg)
			}
		})
	}
}

func TestBuildStoreCorruption(t *testing.T) {
	r := MustRelease(t, "test-r1", defaultFiles)
	corrupt(t, r.st, r.m.Files[1].Blob())
	_, _, err := torrent.Build(context.Background(), r.m, r.open)
	if !errors.Is(err, archive.ErrCorrupt) {
		t.Fatalf("Build of a corrupt blob: %v, want ErrCorrupt", err)
	}
}

func TestBuildRefuses(t *testing.T) {
	t.Run("no bytes", func(t *testing.T) {
		r := MustRelease(t, "test-r1", []testFile{{"a", 0}, {"b/c", 0}})
		_, _, err := torrent.Build(context.Background(), r.m, r.open)
		if archive.ErrorCode(err) != archive.EInvalid {
			t.Errorf("release of empty files: %v, want EInvalid", err)
		}
	})
	t.Run("unsafe path", func(t *testing.T) {
		r := MustRelease(t, "test-r1", []testFile{{"a", 10}})
		m := *r.m
		m.Files = []release.ManifestFile{r.m.Files[0]}
		m.Files[0].Path = "../a"
		_, _, err := torrent.Build(context.Background(), &m, r.open)
		if archive.ErrorCode(err) != archive.EInvalid {
			t.Errorf("path ../a: %v, want EInvalid", err)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		r := MustRelease(t, "test-r1", []testFile{{"a", 10}})
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, _, err := torrent.Build(ctx, r.m, r.open)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("canceled Build: %v", err)
		}
	})
}

func TestBuildSingleSmallFile(t *testing.T) {
	// One file, shorter than a piece: still a multi-file torrent, so the
	// client's folder is the release name.
	r := MustRelease(t, "small-r1", []testFile{{"only.txt", 5}})
	info, _ := r.MustBuild(t)
	var i metainfo.Info
	if err := bencode.Unmarshal(info, &i); err != nil {
		t.Fatal(err)
	}
	if len(i.Files) != 1 || i.Length != 0 || i.NumPieces() != 1 {
		t.Errorf("files %v, length %d, %d pieces; want one file in a files list, one piece", i.Files, i.Length, i.NumPieces())
	}
}

func TestPieceLength(t *testing.T) {
	const (
		KiB = 1 << 10
		MiB = 1 << 20
		GiB = 1 << 30
	)
	tests := []struct {
		total int64
		want  int64
	}{
		{1, 256 * KiB},
		{500 * MiB, 256 * KiB},
		{2000 * 256 * KiB, 256 * KiB},
		{2000*256*KiB + 1, 512 * KiB},
		{1 * GiB, 1 * MiB},
		{10 * GiB, 8 * MiB},
		{40 * GiB, 16 * MiB},
		{1 << 40, 16 * MiB},
	}
	for _, tt := range tests {
		got := torrent.PieceLength(tt.total)
		if got != tt.want {
			t.Errorf("PieceLength(%d) = %d, want %d", tt.total, got, tt.want)
		}
		if n := (tt.total + got - 1) / got; got > torrent.MinPieceLength && got < torrent.MaxPieceLength && (n <= 1000 || n > 2000) {
			t.Errorf("PieceLength(%d) = %d gives %d pieces", tt.total, got, n)
		}
	}
}

func TestMetaInfo(t *testing.T) {
	r := MustRelease(t, "test-r1", []testFile{{"a", 10}})
	info, ih := r.MustBuild(t)
	created := time.Date(2024, 5, 2, 3, 4, 5, 0, time.UTC)
	trackers := []string{"https://archive.example/announce", "https://mirror.example/announce"}
	seeds := torrent.WebSeeds([]string{"https://archive.example", "https://mirror.example"})
	b, err := torrent.MetaInfo(info, trackers, seeds, created, "trove release test-r1")
	if err != nil {
		t.Fatal(err)
	}
	mi, err := metainfo.Load(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if mi.HashInfoBytes().HexString() != ih {
		t.Errorf("info-hash changed")
	}
	if mi.Announce != trackers[0] {
		t.Errorf("announce %q", mi.Announce)
	}
	if want := [][]string{{trackers[0]}, {trackers[1]}}; !slices.EqualFunc(mi.AnnounceList, want, slices.Equal) {
		t.Errorf("announce-list %q, want %q", mi.AnnounceList, want)
	}
	if want := []string{"https://archive.example/files/", "https://mirror.example/files/"}; !slices.Equal(mi.UrlList, want) {
		t.Errorf("url-list %q, want %q", mi.UrlList, want)
	}
	if mi.CreatedBy != "trove" || mi.CreationDate != created.Unix() || mi.Comment != "trove release test-r1" {
		t.Errorf("created by %q, date %d, comment %q", mi.CreatedBy, mi.CreationDate, mi.Comment)
	}

	// Without trackers or web seeds, neither key is written.
	b, err = torrent.MetaInfo(info, nil, nil, time.Time{}, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"announce", "url-list", "creation date", "comment"} {
		if bytes.Contains(b, []byte(key)) {
			t.Errorf("bare .torrent has %q: %q", key, b)
		}
	}
	if _, err := torrent.MetaInfo([]byte("not bencode"), nil, nil, time.Time{}, ""); archive.ErrorCode(err) != archive.EInvalid {
		t.Errorf("MetaInfo of garbage: %v, want EInvalid", err)
	}
}
