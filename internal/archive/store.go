package archive

import (
	"context"
	"io"
)

// BlobStore keeps content-addressed blobs. Implementations verify content on
// write (the ID is computed from the bytes) and on read (a blob whose bytes
// no longer hash to its ID is an error, never served).
type BlobStore interface {
	// Put stores the bytes of r and returns their ID and size. Storing content
	// that is already present is cheap and returns the same ID.
	Put(ctx context.Context, r io.Reader) (BlobID, int64, error)
	// Open returns the blob's bytes. The reader verifies the hash as it is
	// read to the end and returns ErrCorrupt from Read on mismatch.
	// A missing blob is an *Error with code ENotFound.
	Open(ctx context.Context, id BlobID) (io.ReadSeekCloser, error)
	// Stat returns the blob's size, or ENotFound.
	Stat(ctx context.Context, id BlobID) (int64, error)
	// LocalPath returns a path on the local file system holding the blob's
	// bytes, for external tools (pdftotext) and random access (zip). The
	// file must be treated as read-only. release removes any temporary copy.
	LocalPath(ctx context.Context, id BlobID) (path string, release func(), err error)
	// Walk calls fn for every stored blob ID, in no particular order.
	Walk(ctx context.Context, fn func(BlobID) error) error
	// Delete removes a blob; deleting a missing blob is not an error.
	Delete(ctx context.Context, id BlobID) error
}
