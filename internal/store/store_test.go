package store_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/store"
	"github.com/trove-archive/trove/internal/store/storetest"
)

func MustOpen(tb testing.TB, dir string) *store.Store {
	tb.Helper()
	st, err := store.Open(dir)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	return st
}

func TestSuite(t *testing.T) {
	storetest.Suite{
		Open: func(t *testing.T) archive.BlobStore { return MustOpen(t, t.TempDir()) },
		Corrupt: func(t *testing.T, st archive.BlobStore, id archive.BlobID) {
			flipByte(t, st.(*store.Store).Path(id))
		},
	}.Run(t)
}

// writable runs fn with the read-only blob file p made writable.
func writable(t *testing.T, p string, fn func()) {
	t.Helper()
	if err := os.Chmod(p, 0o644); err != nil {
		t.Fatal(err)
	}
	fn()
	if err := os.Chmod(p, 0o444); err != nil {
		t.Fatal(err)
	}
}

func flipByte(t *testing.T, p string) {
	t.Helper()
	writable(t, p, func() {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 0x01
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	})
}

func truncate(t *testing.T, p string) {
	t.Helper()
	writable(t, p, func() {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Truncate(p, fi.Size()-1); err != nil {
			t.Fatal(err)
		}
	})
}

func appendByte(t *testing.T, p string) {
	t.Helper()
	writable(t, p, func() {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte{0}); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	})
}

// files lists the regular files under dir, relative to it.
func files(t *testing.T, dir string) []string {
	t.Helper()
	var names []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestLayout(t *testing.T) {
	dir := t.TempDir()
	st := MustOpen(t, dir)
	id := storetest.MustPut(t, st, []byte("hello"))
	hex := id.String()

	want := filepath.Join(dir, hex[0:2], hex[2:4], hex)
	if got := st.Path(id); got != want {
		t.Errorf("Path = %s, want %s", got, want)
	}
	fi, err := os.Stat(want)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o444 {
		t.Errorf("blob mode %v, want read-only 0444", perm)
	}
	if got := files(t, dir); len(got) != 1 {
		t.Errorf("files after one Put: %q, want the blob only (nothing left in tmp)", got)
	}
	p, release, err := st.LocalPath(t.Context(), id)
	if err != nil || p != want {
		t.Errorf("LocalPath = %q, %v; want %q, nil", p, err, want)
	}
	release()
}

func TestOpenRelativeDir(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	st := MustOpen(t, "blobs")
	id := storetest.MustPut(t, st, []byte("relative"))
	if p := st.Path(id); !filepath.IsAbs(p) || !strings.HasPrefix(p, filepath.Join(dir, "blobs")) {
		t.Errorf("Path = %s, want an absolute path under %s", p, dir)
	}
}

func TestPutReaderErrorLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	st := MustOpen(t, dir)
	boom := errors.New("boom")
	head := storetest.Bytes(9, 3<<20)
	_, _, err := st.Put(t.Context(), io.MultiReader(bytes.NewReader(head), iotest.ErrReader(boom)))
	if !errors.Is(err, boom) {
		t.Fatalf("Put = %v, want the reader's error", err)
	}
	if _, err := os.Stat(st.Path(archive.Hash(head))); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the bytes read before the error are stored under their name (%v)", err)
	}
	if got := files(t, dir); len(got) != 0 {
		t.Errorf("files after a failed Put: %q, want none", got)
	}
}

func TestCleanTemp(t *testing.T) {
	dir := t.TempDir()
	st := MustOpen(t, dir)
	tmp := filepath.Join(dir, "tmp")
	old := time.Now().Add(-25 * time.Hour)
	create := func(name string, mtime time.Time) {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte("partial"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	exists := func(name string) bool {
		_, err := os.Stat(filepath.Join(tmp, name))
		return err == nil
	}

	create("put-crashed", old)
	create("put-running", time.Now())
	create("not-ours", old)
	if err := st.CleanTemp(); err != nil {
		t.Fatalf("CleanTemp: %v", err)
	}
	tests := []struct {
		name string
		keep bool
	}{
		{"put-crashed", false},
		{"put-running", true}, // may be a Put of another process
		{"not-ours", true},
	}
	for _, tt := range tests {
		if got := exists(tt.name); got != tt.keep {
			t.Errorf("after CleanTemp, %s exists = %v, want %v", tt.name, got, tt.keep)
		}
	}

	create("put-crashed-again", old)
	MustOpen(t, dir)
	if exists("put-crashed-again") {
		t.Error("Open did not remove an old temp file")
	}
}

func TestDamagedBlob(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, p string)
	}{
		{"flipped byte", flipByte},
		{"truncated", truncate},
		{"appended", appendByte},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := MustOpen(t, t.TempDir())
			id := storetest.MustPut(t, st, storetest.Bytes(10, 10000))
			tt.damage(t, st.Path(id))

			err := st.Verify(t.Context(), id)
			if !errors.Is(err, archive.ErrCorrupt) || !strings.Contains(err.Error(), id.String()) {
				t.Errorf("Verify = %v, want archive.ErrCorrupt naming %s", err, id)
			}
			rc, err := st.Open(t.Context(), id)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer rc.Close()
			if _, err := io.ReadAll(rc); !errors.Is(err, archive.ErrCorrupt) {
				t.Errorf("ReadAll = %v, want archive.ErrCorrupt", err)
			}
		})
	}

	t.Run("missing", func(t *testing.T) {
		st := MustOpen(t, t.TempDir())
		id := storetest.MustPut(t, st, []byte("gone"))
		if err := os.Remove(st.Path(id)); err != nil {
			t.Fatal(err)
		}
		if err := st.Verify(t.Context(), id); archive.ErrorCode(err) != archive.ENotFound {
			t.Errorf("Verify = %v, want code %s", err, archive.ENotFound)
		}
	})
}

// TestSeekAbandonsVerification pins the documented limit of the reader:
// bytes read after a Seek elsewhere than the start are not verified.
func TestSeekAbandonsVerification(t *testing.T) {
	st := MustOpen(t, t.TempDir())
	id := storetest.MustPut(t, st, storetest.Bytes(11, 10000))
	flipByte(t, st.Path(id))

	rc, err := st.Open(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	if _, err := rc.Seek(1, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(rc); err != nil {
		t.Errorf("ReadAll after Seek(1) = %v, want no verification", err)
	}
	if _, err := rc.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(rc); !errors.Is(err, archive.ErrCorrupt) {
		t.Errorf("ReadAll after Seek(0) = %v, want archive.ErrCorrupt", err)
	}
	// Once detected, corruption sticks.
	if _, err := rc.Seek(5, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Read(make([]byte, 10)); !errors.Is(err, archive.ErrCorrupt) {
		t.Errorf("Read after detection = %v, want archive.ErrCorrupt", err)
	}
}

func TestWalkIgnoresStrayNames(t *testing.T) {
	dir := t.TempDir()
	st := MustOpen(t, dir)
	want := storetest.MustPut(t, st, []byte("real"))

	stray := archive.Hash([]byte("stray")).String()
	write := func(rel string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("stray"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("README")
	write(filepath.Join("tmp", stray))
	write(filepath.Join(stray[0:2], stray[2:4], "not-a-blob"))
	write(filepath.Join(stray[0:2], stray[2:4], strings.ToUpper(stray)))
	write(filepath.Join(stray[0:2], stray[2:4], stray+".tmp"))
	write(filepath.Join("00", "00", stray))                            // wrong shard
	write(filepath.Join("zz", stray[2:4], stray))                      // not a shard
	write(filepath.Join(stray[0:2], stray[2:4], stray[:63]))           // short
	write(filepath.Join(stray[0:2], stray[2:4], "sub", stray))         // too deep
	write(filepath.Join(strings.ToUpper(stray[0:2]), stray[2:4], "x")) // upper-case shard

	got := storetest.List(t, st)
	if len(got) != 1 || got[want] != 1 {
		t.Errorf("Walk = %v, want only %s", got, want)
	}
}

func TestPutRepairsWrongSize(t *testing.T) {
	st := MustOpen(t, t.TempDir())
	b := storetest.Bytes(12, 10000)
	id := storetest.MustPut(t, st, b)
	truncate(t, st.Path(id))
	storetest.MustPut(t, st, b)
	if err := st.Verify(t.Context(), id); err != nil {
		t.Errorf("Verify after a second Put = %v, want the damaged copy replaced", err)
	}
}

func TestPutBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("large blob skipped in short mode")
	}
	st := MustOpen(t, t.TempDir())
	const size = 64 << 20
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, _, err := st.Put(t.Context(), storetest.Stream(13, size)); err != nil {
		t.Fatal(err)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("Put of %d MiB allocated %d MiB", size>>20, alloc>>20)
	}
}

func BenchmarkPut(b *testing.B) {
	const size = 1 << 20
	b.Run("new", func(b *testing.B) {
		st := MustOpen(b, b.TempDir())
		data := storetest.Bytes(14, size)
		b.SetBytes(size)
		var i uint64
		for b.Loop() {
			i++
			binary.LittleEndian.PutUint64(data, i) // a new blob every time
			if _, _, err := st.Put(b.Context(), bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("duplicate", func(b *testing.B) {
		st := MustOpen(b, b.TempDir())
		data := storetest.Bytes(15, size)
		storetest.MustPut(b, st, data)
		b.SetBytes(size)
		for b.Loop() {
			if _, _, err := st.Put(b.Context(), bytes.NewReader(data)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestOpenVerified: a blob is checked before it is handed out for
// zero-copy serving; damage is caught, also after an earlier good read,
// once the file changes.
func TestOpenVerified(t *testing.T) {
	ctx := context.Background()
	st := MustOpen(t, t.TempDir())
	id := storetest.MustPut(t, st, []byte("some bytes worth keeping intact"))
	f, err := st.OpenVerified(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(f)
	f.Close()
	if string(b) != "some bytes worth keeping intact" {
		t.Fatalf("read %q", b)
	}
	flipByte(t, st.Path(id))
	if _, err := st.OpenVerified(ctx, id); !errors.Is(err, archive.ErrCorrupt) {
		t.Errorf("after damage: %v, want archive.ErrCorrupt", err)
	}
	if _, err := st.OpenVerified(ctx, archive.Hash([]byte("absent"))); archive.ErrorCode(err) != archive.ENotFound {
		t.Errorf("missing: %v, want not_found", err)
	}
}

func TestAdopt(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := store.Open(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	body := bytes.Repeat([]byte("adopted bytes "), 1000)
	id := archive.Hash(body)
	part := filepath.Join(dir, "part")
	if err := os.WriteFile(part, body, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Adopt(ctx, part, id); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(part); !os.IsNotExist(err) {
		t.Errorf("the adopted file is still there: %v", err)
	}
	rc, err := s.Open(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(rc)
	rc.Close()
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("read back %d bytes, %v", len(got), err)
	}
	// Already stored: the second copy is dropped.
	os.WriteFile(part, body, 0o600)
	if err := s.Adopt(ctx, part, id); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(part); !os.IsNotExist(err) {
		t.Errorf("the duplicate file is still there: %v", err)
	}
	// A caller that lied about the hash gets a blob that never reads as
	// good: the reader still checks.
	other := []byte("not what the id says")
	os.WriteFile(part, other, 0o600)
	lie := archive.Hash([]byte("something else"))
	if err := s.Adopt(ctx, part, lie); err != nil {
		t.Fatal(err)
	}
	rc, _ = s.Open(ctx, lie)
	_, err = io.ReadAll(rc)
	rc.Close()
	if !errors.Is(err, archive.ErrCorrupt) {
		t.Errorf("reading a mislabelled adopted blob: %v, want ErrCorrupt", err)
	}
}

// TestPutAfterShardRemoved: a shard folder removed while the store is open
// (by hand) is made again by the next Put that needs it.
func TestPutAfterShardRemoved(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := store.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	id, _, err := s.Put(ctx, strings.NewReader("first"))
	if err != nil {
		t.Fatal(err)
	}
	top := filepath.Dir(filepath.Dir(s.Path(id)))
	// Another blob in the same first-level folder, once it is gone.
	var body string
	for i := 0; ; i++ {
		body = fmt.Sprint("second ", i)
		h := archive.Hash([]byte(body))
		if filepath.Dir(filepath.Dir(s.Path(h))) == top && filepath.Dir(s.Path(h)) != filepath.Dir(s.Path(id)) {
			break
		}
	}
	if err := os.RemoveAll(top); err != nil {
		t.Fatal(err)
	}
	id2, _, err := s.Put(ctx, strings.NewReader(body))
	if err != nil {
		t.Fatalf("put after its shard folder was removed: %v", err)
	}
	if err := s.Verify(ctx, id2); err != nil {
		t.Fatal(err)
	}
}
