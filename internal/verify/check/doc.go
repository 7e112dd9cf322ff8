// Package check is trove's integrity check: it proves that the archive
// still holds every byte it claims to, and that the catalog, the blob store
// and the full-text index agree.
//
// Run re-hashes the blobs in the store (all of them, or a seeded sample of
// their bytes), in parallel and streaming, and cross-checks three layers:
//
//   - store against catalog: corrupt blobs (bytes that no longer hash to
//     their name, or a size other than the catalog's), missing blobs
//     (catalog rows or release files without a stored file) and orphan
//     blobs (stored files nothing refers to);
//   - catalog against itself: orphan items (rows pointing to a blob row, a
//     dataset or a parent that does not exist), and SQLite's own check of
//     every table;
//   - index against catalog: extracted blobs with chunks missing from the
//     index, index rows that belong to no chunk (stale), and FTS5's own
//     integrity check of each full-text table.
//
// Every damage names the blob (SHA-256 and catalog row) and the items that
// use it (dataset and path), so that an operator knows what is lost. With
// Options.Repair, Run rebuilds what can be rebuilt from this machine: stale
// index rows are deleted, missing index entries are re-extracted from the
// store, a damaged inverted index is rebuilt from its text, and item rows
// nothing can reach are removed. Bytes cannot be rebuilt: corrupt and
// missing blobs are named, with how to recover them.
//
// The package speaks in archive.BlobStore and in a small Catalog interface
// (implemented by internal/sqlite); cmd/trove wires it.
package check
