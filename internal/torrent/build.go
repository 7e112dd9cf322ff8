package torrent

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"strings"

	"github.com/anacrolix/torrent/bencode"
	"github.com/anacrolix/torrent/metainfo"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/release"
)

// Piece length bounds: powers of two from 256 KiB to 16 MiB.
const (
	MinPieceLength = 256 << 10
	MaxPieceLength = 16 << 20
	// maxPieces is the piece count above which the piece length doubles,
	// so a release gets 1000 to 2000 pieces unless a bound is reached.
	maxPieces = 2000
	readSize  = 256 << 10
)

// PieceLength returns the piece length Build uses for a release of total
// bytes: the smallest power of two from MinPieceLength to MaxPieceLength
// that keeps the piece count at most 2000.
func PieceLength(total int64) int64 {
	pl := int64(MinPieceLength)
	for pl < MaxPieceLength && total > pl*maxPieces {
		pl *= 2
	}
	return pl
}

// Build computes the BitTorrent v1 info dictionary of a release: named
// m.Name, one file per manifest file in manifest order, pieces hashed
// over the files' bytes as read through open, spanning file boundaries.
// It returns the bencoded dictionary and its info-hash (hex, lower case).
// The result depends only on the manifest and the bytes, so anyone
// holding both can rebuild the same torrent.
//
// Each file must have exactly the manifest's size and SHA-256: a wrong
// size is an EInvalid error, a wrong hash an error wrapping
// archive.ErrCorrupt. A release without any byte is EInvalid, since a
// torrent needs at least one piece.
func Build(ctx context.Context, m *release.Manifest, open func(archive.BlobID) (io.ReadCloser, error)) (info []byte, infoHash string, err error) {
	if err := m.Validate(); err != nil {
		return nil, "", fmt.Errorf("torrent build: %w", err)
	}
	var total int64
	for _, f := range m.Files {
		total += f.Size
	}
	if total == 0 {
		return nil, "", fmt.Errorf("torrent build %s: %w", m.Name,
			archive.Errorf(archive.EInvalid, "release %s has no bytes to share", m.Name))
	}
	pl := PieceLength(total)
	ph := &pieceHasher{length: pl, h: sha1.New(), pieces: make([]byte, 0, (total+pl-1)/pl*sha1.Size)}
	buf := make([]byte, readSize)
	files := make([]metainfo.FileInfo, len(m.Files))
	for i, f := range m.Files {
		if err := hashFile(ctx, f, open, ph, buf); err != nil {
			return nil, "", fmt.Errorf("torrent build %s: %w", m.Name, err)
		}
		files[i] = metainfo.FileInfo{Length: f.Size, Path: strings.Split(f.Path, "/")}
	}
	mi := metainfo.Info{
		Name:        m.Name,
		PieceLength: pl,
		Pieces:      ph.finish(),
		Files:       files,
	}
	b, err := bencode.Marshal(mi)
	if err != nil {
		return nil, "", fmt.Errorf("torrent build %s: %w", m.Name, err)
	}
	sum := sha1.Sum(b)
	return b, hex.EncodeToString(sum[:]), nil
}

// hashFile feeds one file's bytes to the piece hasher and checks them
// against the manifest's size and SHA-256.
func hashFile(ctx context.Context, f release.ManifestFile, open func(archive.BlobID) (io.ReadCloser, error), ph *pieceHasher, buf []byte) error {
	rc, err := open(f.Blob())
	if err != nil {
		return fmt.Errorf("open %s: %w", f.Path, err)
	}
	defer rc.Close()
	sum := sha256.New()
	// One byte more than the manifest says reveals a longer file; the
	// underlying reader still sees its EOF when the size is right (the
	// store's reader checks the hash there).
	r := ctxReader{ctx, io.LimitReader(rc, f.Size+1)}
	n, err := io.CopyBuffer(io.MultiWriter(ph, sum), r, buf)
	if err != nil {
		return fmt.Errorf("read %s: %w", f.Path, err)
	}
	if n != f.Size {
		if n > f.Size {
			return archive.Errorf(archive.EInvalid, "file %s is longer than the manifest's %d bytes", f.Path, f.Size)
		}
		return archive.Errorf(archive.EInvalid, "file %s has %d bytes, the manifest says %d", f.Path, n, f.Size)
	}
	if hex.EncodeToString(sum.Sum(nil)) != f.SHA256 {
		return fmt.Errorf("file %s does not match the manifest's sha256: %w", f.Path, archive.ErrCorrupt)
	}
	return nil
}

// pieceHasher cuts the stream of a torrent's bytes into pieces and keeps
// the SHA-1 of each.
type pieceHasher struct {
	length int64 // piece length
	h      hash.Hash
	n      int64 // bytes of the current piece hashed so far
	pieces []byte
}

func (p *pieceHasher) Write(b []byte) (int, error) {
	total := len(b)
	for len(b) > 0 {
		k := min(int64(len(b)), p.length-p.n)
		p.h.Write(b[:k])
		p.n += k
		b = b[k:]
		if p.n == p.length {
			p.pieces = p.h.Sum(p.pieces)
			p.h.Reset()
			p.n = 0
		}
	}
	return total, nil
}

// finish hashes the last, shorter piece if any and returns the
// concatenated piece hashes.
func (p *pieceHasher) finish() []byte {
	if p.n > 0 {
		p.pieces = p.h.Sum(p.pieces)
		p.h.Reset()
		p.n = 0
	}
	return p.pieces
}

// ctxReader stops a copy when ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
