// Package archive is trove's domain: datasets, items, blobs, release levels,
// principals, coded errors, and the interfaces that adapters implement
// (BlobStore, Catalog, Index). It imports nothing else of trove's and only the
// standard library, so that every other package can depend on it.
package archive
