package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
	"testing/iotest"

	"github.com/trove-archive/trove/internal/archive"
)

// Suite describes the store under test.
type Suite struct {
	// Open returns a new, empty store for one test. It should register
	// any cleanup with t.
	Open func(t *testing.T) archive.BlobStore
	// Corrupt, if set, damages the stored bytes of blob id in st (flips a
	// byte, say) so that they no longer hash to id. Without it the
	// corruption tests are skipped.
	Corrupt func(t *testing.T, st archive.BlobStore, id archive.BlobID)
}

// Verifier is implemented by stores that can re-hash a stored blob. The
// suite tests Verify when the store has it.
type Verifier interface {
	Verify(ctx context.Context, id archive.BlobID) error
}

// Run runs the suite against the stores open returns, without the
// corruption tests.
func Run(t *testing.T, open func(t *testing.T) archive.BlobStore) {
	Suite{Open: open}.Run(t)
}

// Run runs every test of the suite, each in parallel on its own store.
func (s Suite) Run(t *testing.T) {
	tests := []struct {
		name string
		fn   func(t *testing.T, st archive.BlobStore)
	}{
		{"RoundTrip", testRoundTrip},
		{"Empty", testEmpty},
		{"Dedup", testDedup},
		{"Large", testLarge},
		{"ConcurrentSame", testConcurrentSame},
		{"ConcurrentDistinct", testConcurrentDistinct},
		{"Missing", testMissing},
		{"Walk", testWalk},
		{"WalkStop", testWalkStop},
		{"Delete", testDelete},
		{"LocalPath", testLocalPath},
		{"Seek", testSeek},
		{"ReaderError", testReaderError},
		{"Canceled", testCanceled},
		{"Corrupt", s.testCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, s.Open(t))
		})
	}
}

// Stream returns n deterministic pseudo-random bytes, generated as they are
// read: the same seed gives the same bytes, and nothing is held in memory.
func Stream(seed uint64, n int64) io.Reader {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	return io.LimitReader(rand.NewChaCha8(key), n)
}

// Bytes returns Stream(seed, n) in memory, for small blobs.
func Bytes(seed uint64, n int) []byte {
	b, err := io.ReadAll(Stream(seed, int64(n)))
	if err != nil {
		panic(err) // unreachable: ChaCha8 never fails
	}
	return b
}

// MustPut stores b and checks the returned ID and size.
func MustPut(tb testing.TB, st archive.BlobStore, b []byte) archive.BlobID {
	tb.Helper()
	id, n, err := st.Put(tb.Context(), bytes.NewReader(b))
	if err != nil {
		tb.Fatalf("Put: %v", err)
	}
	if want := archive.Hash(b); id != want {
		tb.Fatalf("Put: id %s, want %s", id, want)
	}
	if n != int64(len(b)) {
		tb.Fatalf("Put: size %d, want %d", n, len(b))
	}
	return id
}

// MustRead reads blob id to the end and returns its bytes.
func MustRead(tb testing.TB, st archive.BlobStore, id archive.BlobID) []byte {
	tb.Helper()
	b, err := read(tb.Context(), st, id)
	if err != nil {
		tb.Fatalf("read %s: %v", id, err)
	}
	return b
}

func read(ctx context.Context, st archive.BlobStore, id archive.BlobID) ([]byte, error) {
	rc, err := st.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(rc)
	if cerr := rc.Close(); err == nil {
		err = cerr
	}
	return b, err
}

// List returns the IDs Walk reports, with how many times each is reported.
func List(tb testing.TB, st archive.BlobStore) map[archive.BlobID]int {
	tb.Helper()
	seen := make(map[archive.BlobID]int)
	err := st.Walk(tb.Context(), func(id archive.BlobID) error {
		seen[id]++
		return nil
	})
	if err != nil {
		tb.Fatalf("Walk: %v", err)
	}
	return seen
}

func checkList(t *testing.T, st archive.BlobStore, want ...archive.BlobID) {
	t.Helper()
	got := List(t, st)
	wantSet := make(map[archive.BlobID]int)
	for _, id := range want {
		wantSet[id] = 1
	}
	for id, n := range got {
		if wantSet[id] != n {
			t.Errorf("Walk reported %s %d times, want %d", id, n, wantSet[id])
		}
	}
	for id := range wantSet {
		if got[id] == 0 {
			t.Errorf("Walk did not report %s", id)
		}
	}
}

func checkNotFound(t *testing.T, op string, err error) {
	t.Helper()
	if code := archive.ErrorCode(err); code != archive.ENotFound {
		t.Errorf("%s of a missing blob: error %v (code %q), want code %q", op, err, code, archive.ENotFound)
	}
}

func checkCorrupt(t *testing.T, op string, err error) {
	t.Helper()
	if !errors.Is(err, archive.ErrCorrupt) {
		t.Errorf("%s of a damaged blob: error %v, want archive.ErrCorrupt", op, err)
	}
}

func testRoundTrip(t *testing.T, st archive.BlobStore) {
	for _, size := range []int{1, 100, 4 << 10, 1<<20 + 3} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			b := Bytes(uint64(size), size)
			id := MustPut(t, st, b)
			if got := MustRead(t, st, id); !bytes.Equal(got, b) {
				t.Errorf("read back %d bytes, not the %d put", len(got), len(b))
			}
			n, err := st.Stat(t.Context(), id)
			if err != nil || n != int64(size) {
				t.Errorf("Stat = %d, %v; want %d, nil", n, err, size)
			}
		})
	}
}

func testEmpty(t *testing.T, st archive.BlobStore) {
	id := MustPut(t, st, nil)
	const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if id.String() != emptySHA256 {
		t.Errorf("id of the empty blob = %s, want %s", id, emptySHA256)
	}
	if got := MustRead(t, st, id); len(got) != 0 {
		t.Errorf("read %d bytes of the empty blob", len(got))
	}
	if n, err := st.Stat(t.Context(), id); err != nil || n != 0 {
		t.Errorf("Stat = %d, %v; want 0, nil", n, err)
	}
	checkList(t, st, id)
}

func testDedup(t *testing.T, st archive.BlobStore) {
	b := Bytes(1, 10<<10)
	id1 := MustPut(t, st, b)
	id2 := MustPut(t, st, b)
	if id1 != id2 {
		t.Errorf("same content, two ids: %s, %s", id1, id2)
	}
	other := MustPut(t, st, Bytes(2, 10<<10))
	checkList(t, st, id1, other)
	if got := MustRead(t, st, id1); !bytes.Equal(got, b) {
		t.Error("content changed by a second Put")
	}
}

func testLarge(t *testing.T, st archive.BlobStore) {
	if testing.Short() {
		t.Skip("large blob skipped in short mode")
	}
	const size = 64 << 20
	h := sha256.New()
	if _, err := io.Copy(h, Stream(7, size)); err != nil {
		t.Fatal(err)
	}
	want := archive.BlobID(h.Sum(nil))

	id, n, err := st.Put(t.Context(), Stream(7, size))
	if err != nil {
		t.Fatalf("Put: %v", err)
	}
	if id != want || n != size {
		t.Fatalf("Put = %s, %d; want %s, %d", id, n, want, size)
	}
	rc, err := st.Open(t.Context(), id)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	h.Reset()
	n, err = io.Copy(h, rc)
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	if got := archive.BlobID(h.Sum(nil)); got != want || n != size {
		t.Errorf("read back %d bytes hashing to %s, want %d bytes hashing to %s", n, got, size, want)
	}
}

func testConcurrentSame(t *testing.T, st archive.BlobStore) {
	const workers = 8
	b := Bytes(3, 1<<20+7)
	want := archive.Hash(b)
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for i := range workers {
		wg.Go(func() {
			id, n, err := st.Put(t.Context(), bytes.NewReader(b))
			switch {
			case err != nil:
				errs[i] = err
			case id != want || n != int64(len(b)):
				errs[i] = fmt.Errorf("got %s, %d; want %s, %d", id, n, want, len(b))
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Put %d: %v", i, err)
		}
	}
	checkList(t, st, want)
	if got := MustRead(t, st, want); !bytes.Equal(got, b) {
		t.Error("content damaged by concurrent Puts")
	}
}

func testConcurrentDistinct(t *testing.T, st archive.BlobStore) {
	const workers = 8
	blobs := make([][]byte, workers)
	ids := make([]archive.BlobID, workers)
	for i := range blobs {
		blobs[i] = Bytes(uint64(100+i), 64<<10)
		ids[i] = archive.Hash(blobs[i])
	}
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for i := range workers {
		wg.Go(func() {
			id, _, err := st.Put(t.Context(), bytes.NewReader(blobs[i]))
			if err == nil && id != ids[i] {
				err = fmt.Errorf("got %s, want %s", id, ids[i])
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Put %d: %v", i, err)
		}
	}
	checkList(t, st, ids...)
	for i, id := range ids {
		if got := MustRead(t, st, id); !bytes.Equal(got, blobs[i]) {
			t.Errorf("blob %d read back wrong", i)
		}
	}
}

func testMissing(t *testing.T, st archive.BlobStore) {
	MustPut(t, st, []byte("something else"))
	id := archive.Hash([]byte("never stored"))
	ctx := t.Context()

	rc, err := st.Open(ctx, id)
	if err == nil {
		rc.Close()
	}
	checkNotFound(t, "Open", err)
	_, err = st.Stat(ctx, id)
	checkNotFound(t, "Stat", err)
	_, _, err = st.LocalPath(ctx, id)
	checkNotFound(t, "LocalPath", err)
	if v, ok := st.(Verifier); ok {
		checkNotFound(t, "Verify", v.Verify(ctx, id))
	}
}

func testWalk(t *testing.T, st archive.BlobStore) {
	checkList(t, st) // empty store
	var ids []archive.BlobID
	for i := range 20 {
		ids = append(ids, MustPut(t, st, Bytes(uint64(200+i), 10+i)))
	}
	checkList(t, st, ids...)
}

func testWalkStop(t *testing.T, st archive.BlobStore) {
	for i := range 5 {
		MustPut(t, st, Bytes(uint64(300+i), 10))
	}
	stop := errors.New("stop")
	calls := 0
	err := st.Walk(t.Context(), func(archive.BlobID) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) {
		t.Errorf("Walk returned %v, want the error of fn", err)
	}
	if calls != 1 {
		t.Errorf("Walk called fn %d times after it failed, want 1", calls)
	}
}

func testDelete(t *testing.T, st archive.BlobStore) {
	ctx := t.Context()
	b := []byte("delete me")
	id := MustPut(t, st, b)
	keep := MustPut(t, st, []byte("keep me"))
	if err := st.Delete(ctx, id); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	_, err := st.Stat(ctx, id)
	checkNotFound(t, "Stat after Delete", err)
	checkList(t, st, keep)
	if err := st.Delete(ctx, id); err != nil {
		t.Errorf("Delete of a deleted blob: %v", err)
	}
	if err := st.Delete(ctx, archive.Hash([]byte("never stored"))); err != nil {
		t.Errorf("Delete of a missing blob: %v", err)
	}
	MustPut(t, st, b) // again after Delete
	if got := MustRead(t, st, id); !bytes.Equal(got, b) {
		t.Error("content put again after Delete read back wrong")
	}
}

func testLocalPath(t *testing.T, st archive.BlobStore) {
	b := Bytes(4, 5000)
	id := MustPut(t, st, b)
	p, release, err := st.LocalPath(t.Context(), id)
	if err != nil {
		t.Fatalf("LocalPath: %v", err)
	}
	defer release()
	got, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read local path: %v", err)
	}
	if !bytes.Equal(got, b) {
		t.Error("local path holds other bytes")
	}
}

func testSeek(t *testing.T, st archive.BlobStore) {
	b := Bytes(5, 100<<10)
	id := MustPut(t, st, b)
	rc, err := st.Open(t.Context(), id)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()

	// As http.ServeContent does: size from the end, then back to the start.
	if end, err := rc.Seek(0, io.SeekEnd); err != nil || end != int64(len(b)) {
		t.Fatalf("Seek(0, SeekEnd) = %d, %v; want %d, nil", end, err, len(b))
	}
	if _, err := rc.Seek(0, io.SeekStart); err != nil {
		t.Fatalf("Seek(0, SeekStart): %v", err)
	}
	if _, err := io.ReadFull(rc, make([]byte, 512)); err != nil {
		t.Fatalf("read head: %v", err)
	}
	if _, err := rc.Seek(0, io.SeekStart); err != nil {
		t.Fatalf("Seek(0, SeekStart): %v", err)
	}
	if got, err := io.ReadAll(rc); err != nil || !bytes.Equal(got, b) {
		t.Errorf("read after Seek to 0: %d bytes, %v; want the %d put", len(got), err, len(b))
	}

	const off = 12345
	if pos, err := rc.Seek(off, io.SeekStart); err != nil || pos != off {
		t.Fatalf("Seek(%d) = %d, %v", off, pos, err)
	}
	if got, err := io.ReadAll(rc); err != nil || !bytes.Equal(got, b[off:]) {
		t.Errorf("read from %d: %d bytes, %v; want the %d put", off, len(got), err, len(b)-off)
	}
}

func testReaderError(t *testing.T, st archive.BlobStore) {
	boom := errors.New("boom")
	r := io.MultiReader(Stream(6, 1<<20+5), iotest.ErrReader(boom))
	if _, _, err := st.Put(t.Context(), r); !errors.Is(err, boom) {
		t.Errorf("Put from a failing reader: %v, want the reader's error", err)
	}
	checkList(t, st)
}

func testCanceled(t *testing.T, st archive.BlobStore) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, _, err := st.Put(ctx, bytes.NewReader([]byte("canceled"))); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with a canceled context: %v, want context.Canceled", err)
	}
	checkList(t, st)
}

func (s Suite) testCorrupt(t *testing.T, st archive.BlobStore) {
	if s.Corrupt == nil {
		t.Skip("no Corrupt hook")
	}
	ctx := t.Context()
	b := Bytes(8, 70<<10)
	id := MustPut(t, st, b)
	if v, ok := st.(Verifier); ok {
		if err := v.Verify(ctx, id); err != nil {
			t.Errorf("Verify of a sound blob: %v", err)
		}
	}
	s.Corrupt(t, st, id)

	_, err := read(ctx, st, id)
	checkCorrupt(t, "Open and ReadAll", err)

	// Part read, back to the start, then to the end.
	rc, err := st.Open(ctx, id)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer rc.Close()
	if _, err := io.ReadFull(rc, make([]byte, 512)); err != nil {
		t.Fatalf("read head: %v", err)
	}
	if _, err := rc.Seek(0, io.SeekStart); err != nil {
		t.Fatalf("Seek: %v", err)
	}
	_, err = io.ReadAll(rc)
	checkCorrupt(t, "ReadAll after Seek to 0", err)

	if v, ok := st.(Verifier); ok {
		checkCorrupt(t, "Verify", v.Verify(ctx, id))
	}
}
