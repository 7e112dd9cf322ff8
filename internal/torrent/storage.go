package torrent

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"sync"
	"sync/atomic"

	g "github.com/anacrolix/generics"
	"github.com/anacrolix/torrent/metainfo"
	"github.com/anacrolix/torrent/storage"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/store"
)

// errReadOnly is returned by every write to a seeder's storage: it
// serves blobs of the store and never downloads.
var errReadOnly = errors.New("torrent storage is read-only")

// blobFiles keeps a bounded number of blob files open for a seeder, each
// opened with Store.OpenVerified, so a blob is re-hashed whenever it is
// opened again after its verification has expired: a corrupt blob is
// never served. Files are shared by all torrents and read with ReadAt,
// which is safe concurrently.
type blobFiles struct {
	st  *store.Store
	max int

	mu   sync.Mutex
	open map[archive.BlobID]*openBlob
	lru  list.List // of *openBlob, most recently used first
}

type openBlob struct {
	id      archive.BlobID
	f       *os.File
	refs    int
	evicted bool // out of the map; closed when refs drop to 0
	elem    *list.Element
}

func newBlobFiles(st *store.Store, max int) *blobFiles {
	return &blobFiles{st: st, max: max, open: map[archive.BlobID]*openBlob{}}
}

// acquire returns the open file of blob id, opening (and verifying) it if
// needed. The caller must release it.
func (b *blobFiles) acquire(ctx context.Context, id archive.BlobID) (*openBlob, error) {
	b.mu.Lock()
	if ob, ok := b.open[id]; ok {
		ob.refs++
		b.lru.MoveToFront(ob.elem)
		b.mu.Unlock()
		return ob, nil
	}
	b.mu.Unlock()

	// Verifying may take a while: not under the lock. The store lets one
	// check run per blob and makes concurrent openers wait for it.
	f, err := b.st.OpenVerified(ctx, id)
	if err != nil {
		return nil, err
	}

	b.mu.Lock()
	defer b.mu.Unlock()
	if ob, ok := b.open[id]; ok { // opened meanwhile by another reader
		f.Close()
		ob.refs++
		b.lru.MoveToFront(ob.elem)
		return ob, nil
	}
	ob := &openBlob{id: id, f: f, refs: 1}
	ob.elem = b.lru.PushFront(ob)
	b.open[id] = ob
	for b.lru.Len() > b.max {
		old := b.lru.Back().Value.(*openBlob)
		b.evictLocked(old)
	}
	return ob, nil
}

func (b *blobFiles) evictLocked(ob *openBlob) {
	b.lru.Remove(ob.elem)
	delete(b.open, ob.id)
	ob.evicted = true
	if ob.refs == 0 {
		ob.f.Close()
	}
}

func (b *blobFiles) release(ob *openBlob) {
	b.mu.Lock()
	defer b.mu.Unlock()
	ob.refs--
	if ob.evicted && ob.refs == 0 {
		ob.f.Close()
	}
}

// forget closes blob id's file if it is open and unused: after a read
// found it damaged, the next read opens and verifies it again.
func (b *blobFiles) forget(id archive.BlobID) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ob, ok := b.open[id]; ok {
		b.evictLocked(ob)
	}
}

// closeAll closes every file not in use; files in use close on release.
func (b *blobFiles) closeAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, ob := range b.open {
		b.evictLocked(ob)
	}
}

// readAt reads len(p) bytes of blob id at off; fewer is an error.
func (b *blobFiles) readAt(ctx context.Context, id archive.BlobID, p []byte, off int64) error {
	ob, err := b.acquire(ctx, id)
	if err != nil {
		return err
	}
	defer b.release(ob)
	n, err := ob.f.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF // the blob got shorter: damaged
	}
	b.forget(id)
	return fmt.Errorf("store read %s: %w", id, err)
}

// span is one non-empty file of a torrent, where its bytes lie in the
// torrent's byte stream.
type span struct {
	blob archive.BlobID
	off  int64 // offset of the file's first byte in the torrent
	size int64
}

// releaseStorage is the storage of one seeded release: a read-only
// storage.ClientImpl whose pieces read the release's blobs in place.
type releaseStorage struct {
	blobs *blobFiles
	spans []span // non-empty files in torrent order
	total int64
}

var _ storage.ClientImpl = (*releaseStorage)(nil)

func newReleaseStorage(blobs *blobFiles, files []archive.ReleaseFile) *releaseStorage {
	s := &releaseStorage{blobs: blobs}
	for _, f := range files {
		if f.Size > 0 {
			s.spans = append(s.spans, span{blob: f.Blob, off: s.total, size: f.Size})
		}
		s.total += f.Size
	}
	return s
}

// OpenTorrent reports every piece complete; a piece whose blob turns out
// damaged or missing when read is reported incomplete from then on, so
// it is no longer offered to peers.
func (s *releaseStorage) OpenTorrent(ctx context.Context, info *metainfo.Info, ih metainfo.Hash) (storage.TorrentImpl, error) {
	if info.TotalLength() != s.total {
		return storage.TorrentImpl{}, fmt.Errorf("torrent storage %s: info has %d bytes, release files %d", ih.HexString(), info.TotalLength(), s.total)
	}
	t := &releaseTorrent{s: s, lost: make([]atomic.Bool, info.NumPieces())}
	piece := func(p metainfo.Piece) storage.PieceImpl { return &releasePiece{t: t, p: p} }
	return storage.TorrentImpl{
		Piece:         piece,
		PieceWithHash: func(p metainfo.Piece, _ g.Option[[]byte]) storage.PieceImpl { return piece(p) },
		Close:         func() error { return nil },
	}, nil
}

type releaseTorrent struct {
	s    *releaseStorage
	lost []atomic.Bool // per piece: a read found its data damaged or gone
}

// readAt fills p with the torrent's bytes at off.
func (t *releaseTorrent) readAt(p []byte, off int64) error {
	spans := t.s.spans
	i := sort.Search(len(spans), func(i int) bool { return spans[i].off+spans[i].size > off })
	for len(p) > 0 {
		if i >= len(spans) {
			return io.ErrUnexpectedEOF
		}
		sp := spans[i]
		within := off - sp.off
		n := min(int64(len(p)), sp.size-within)
		if err := t.s.blobs.readAt(context.Background(), sp.blob, p[:n], within); err != nil {
			return err
		}
		p = p[n:]
		off += n
		i++
	}
	return nil
}

type releasePiece struct {
	t *releaseTorrent
	p metainfo.Piece
}

var _ storage.PieceImpl = (*releasePiece)(nil)

func (rp *releasePiece) ReadAt(b []byte, off int64) (int, error) {
	if off < 0 || off > rp.p.Length() {
		return 0, os.ErrInvalid
	}
	eof := false
	if rest := rp.p.Length() - off; int64(len(b)) > rest {
		b, eof = b[:rest], true
	}
	if err := rp.t.readAt(b, rp.p.Offset()+off); err != nil {
		if lost(err) {
			rp.t.lost[rp.p.Index()].Store(true)
		}
		return 0, fmt.Errorf("torrent piece %d: %w", rp.p.Index(), err)
	}
	if eof {
		return len(b), io.EOF
	}
	return len(b), nil
}

// lost reports whether a read error means the data is damaged or gone,
// rather than a passing failure (too many open files, say).
func lost(err error) bool {
	return errors.Is(err, archive.ErrCorrupt) || errors.Is(err, io.ErrUnexpectedEOF) ||
		archive.ErrorCode(err) == archive.ENotFound
}

func (rp *releasePiece) WriteAt([]byte, int64) (int, error) { return 0, errReadOnly }

// MarkComplete is called after the client hashed the piece and found it
// good: it is offered again.
func (rp *releasePiece) MarkComplete() error {
	rp.t.lost[rp.p.Index()].Store(false)
	return nil
}

// MarkNotComplete is called when the client found the piece bad.
func (rp *releasePiece) MarkNotComplete() error {
	rp.t.lost[rp.p.Index()].Store(true)
	return nil
}

func (rp *releasePiece) Completion() storage.Completion {
	return storage.Completion{Ok: true, Complete: !rp.t.lost[rp.p.Index()].Load()}
}

// noStorage is a seeder client's default storage: torrents are only ever
// added with their own releaseStorage, and nothing may be written to the
// working directory by accident.
type noStorage struct{}

func (noStorage) OpenTorrent(context.Context, *metainfo.Info, metainfo.Hash) (storage.TorrentImpl, error) {
	return storage.TorrentImpl{}, errReadOnly
}
