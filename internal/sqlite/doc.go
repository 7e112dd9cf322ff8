// Package sqlite is trove's embedded catalog and full-text index: one SQLite
// database in WAL mode holding datasets, blobs, items and their FTS5 index,
// so that an item and its index entries commit together and access filters
// live in the same query as the search. It implements archive.Catalog and
// archive.Index, compiling the query language of package query to FTS5.
//
// Build with the sqlite_fts5 tag (the Makefile does): FTS5 is compiled into
// mattn/go-sqlite3 only then.
package sqlite
