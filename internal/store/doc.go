// Package store keeps content-addressed blobs on the local file system. It
// implements archive.BlobStore.
//
// # Layout
//
// A blob is named by the lowercase hex SHA-256 of its bytes and kept in a
// folder two levels deep, named after the first two pairs of hex digits:
//
//	<dir>/
//	    tmp/                  writes in progress (put-*), never read from
//	    e3/
//	        b0/
//	            e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
//
// Blob files hold the bytes and nothing else: no header, no compression, no
// encryption, so external tools can read them in place (see Store.LocalPath).
// They are made read-only (0444) before they get their final name.
// Directories are created 0755. Any other name in the tree is ignored.
//
// # Writing
//
// Put streams its input into a new file in tmp/ while hashing it, so memory
// use does not depend on the size of the input. It then fsyncs the file and
// either deletes it, if a blob with the same ID is already stored, or renames
// it to its final name and fsyncs the shard folder (creating and fsyncing the
// shard folders first if needed). A crash therefore never leaves a partial
// blob under a final name; at worst it leaves a file in tmp/, which
// Store.CleanTemp removes.
//
// # Reading
//
// The reader returned by Store.Open hashes what is read sequentially from the
// start and, at the end, returns an error wrapping archive.ErrCorrupt instead
// of io.EOF if the bytes no longer match the ID. Store.Verify re-hashes a
// whole blob without returning its bytes.
package store
