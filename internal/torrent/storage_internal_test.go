package torrent

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/store"
)

// storageFixture is a torrent of three files (one empty) of 256 KiB
// pieces read through a releaseStorage that keeps one blob open at most.
type storageFixture struct {
	st    *store.Store
	files []archive.ReleaseFile
	all   []byte
	info  *metainfo.Info
	t     storage.TorrentImpl
}

func newStorageFixture(t *testing.T) *storageFixture {
	t.Helper()
	st, err := store.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	f := &storageFixture{st: st}
	sizes := []int{300_000, 0, 400_000}
	for i, n := range sizes {
		b := bytes.Repeat([]byte{byte('a' + i)}, n)
		for j := range b {
			b[j] += byte(j % 7)
		}
		id, _, err := st.Put(context.Background(), bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		f.files = append(f.files, archive.ReleaseFile{Path: string(rune('a' + i)), Size: int64(n), Blob: id})
		f.all = append(f.all, b...)
	}
	f.info = &metainfo.Info{Name: "x", PieceLength: MinPieceLength}
	for _, rf := range f.files {
		f.info.Files = append(f.info.Files, metainfo.FileInfo{Path: []string{rf.Path}, Length: rf.Size})
	}
	f.info.Pieces = make([]byte, 20*((len(f.all)+MinPieceLength-1)/MinPieceLength)) // not checked here
	rs := newReleaseStorage(newBlobFiles(st, 1), f.files)
	f.t, err = rs.OpenTorrent(context.Background(), f.info, metainfo.Hash{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *storageFixture) piece(i int) storage.PieceImpl { return f.t.Piece(f.info.Piece(i)) }

func TestReleaseStorageReads(t *testing.T) {
	f := newStorageFixture(t)
	if n := f.info.NumPieces(); n != 3 {
		t.Fatalf("%d pieces", n)
	}
	for i := range f.info.NumPieces() {
		p := f.info.Piece(i)
		if c := f.piece(i).Completion(); !c.Ok || !c.Complete {
			t.Errorf("piece %d completion %+v", i, c)
		}
		// Whole piece, and a chunk across the boundary of files a and c
		// (piece 1 starts at 262144, file c at 300000).
		for _, r := range [][2]int64{{0, p.Length()}, {30_000, 16 << 10}} {
			b := make([]byte, r[1])
			n, err := f.piece(i).ReadAt(b, r[0])
			if err != nil || n != len(b) {
				t.Fatalf("piece %d ReadAt(%d, %d) = %d, %v", i, len(b), r[0], n, err)
			}
			if want := f.all[p.Offset()+r[0] : p.Offset()+r[0]+r[1]]; !bytes.Equal(b, want) {
				t.Errorf("piece %d at %d: wrong bytes", i, r[0])
			}
		}
	}
	// A read past the piece's end returns what there is, and io.EOF.
	last := f.info.Piece(2)
	b := make([]byte, 100)
	if n, err := f.piece(2).ReadAt(b, last.Length()-10); n != 10 || err == nil {
		t.Errorf("read over the end: %d, %v", n, err)
	}
	if _, err := f.piece(0).WriteAt([]byte("x"), 0); !errors.Is(err, errReadOnly) {
		t.Errorf("WriteAt: %v, want errReadOnly", err)
	}
}

// TestReleaseStorageCorruptBlob: a blob damaged after Add is found when
// it is opened again (here after eviction), and its pieces are no longer
// reported complete, so the client stops offering them.
func TestReleaseStorageCorruptBlob(t *testing.T) {
	f := newStorageFixture(t)
	buf := make([]byte, 1000)
	// Piece 0 lies in file a; piece 2 in file c only.
	if _, err := f.piece(0).ReadAt(buf, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.piece(2).ReadAt(buf, 0); err != nil { // evicts a
		t.Fatal(err)
	}
	p := f.st.Path(f.files[0].Blob)
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	fh, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fh.WriteAt([]byte{0xff}, 5); err != nil {
		t.Fatal(err)
	}
	fh.Close()
	later := time.Now().Add(time.Minute)
	if err := os.Chtimes(p, later, later); err != nil {
		t.Fatal(err)
	}

	_, err = f.piece(0).ReadAt(buf, 0)
	if !errors.Is(err, archive.ErrCorrupt) {
		t.Fatalf("read of a corrupt blob: %v, want ErrCorrupt", err)
	}
	if c := f.piece(0).Completion(); !c.Ok || c.Complete {
		t.Errorf("piece 0 completion after corruption %+v, want known incomplete", c)
	}
	// Piece 1 also needs file a; piece 2 does not.
	if _, err := f.piece(1).ReadAt(buf, 0); !errors.Is(err, archive.ErrCorrupt) {
		t.Errorf("piece 1: %v, want ErrCorrupt", err)
	}
	if c := f.piece(2).Completion(); !c.Complete {
		t.Errorf("piece 2 completion %+v, want complete", c)
	}
	if _, err := f.piece(2).ReadAt(buf, 0); err != nil {
		t.Errorf("piece 2: %v", err)
	}
}

func TestReleaseStorageMissingBlob(t *testing.T) {
	f := newStorageFixture(t)
	if err := os.Remove(f.st.Path(f.files[2].Blob)); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	if _, err := f.piece(2).ReadAt(buf, 0); archive.ErrorCode(err) != archive.ENotFound {
		t.Fatalf("read of a missing blob: %v, want ENotFound", err)
	}
	if c := f.piece(2).Completion(); c.Complete {
		t.Errorf("piece 2 still complete")
	}
}

func TestBlobFilesBound(t *testing.T) {
	f := newStorageFixture(t)
	bf := newBlobFiles(f.st, 2)
	ctx := context.Background()
	var held []*openBlob
	for _, rf := range f.files {
		ob, err := bf.acquire(ctx, rf.Blob)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, ob)
	}
	if len(bf.open) != 2 || bf.lru.Len() != 2 {
		t.Errorf("%d open, %d in the LRU list; want 2", len(bf.open), bf.lru.Len())
	}
	// The evicted file stays usable until released.
	if _, err := held[0].f.ReadAt(make([]byte, 1), 0); err != nil {
		t.Errorf("evicted file closed while in use: %v", err)
	}
	for _, ob := range held {
		bf.release(ob)
	}
	if _, err := held[0].f.ReadAt(make([]byte, 1), 0); err == nil {
		t.Errorf("evicted file still open after release")
	}
	bf.closeAll()
	if len(bf.open) != 0 {
		t.Errorf("%d open after closeAll", len(bf.open))
	}
}
