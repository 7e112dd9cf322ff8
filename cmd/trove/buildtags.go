//go:build !nosqlite || !sqlite_fts5

package main

// trove links one SQLite (mattn/go-sqlite3, with FTS5). The torrent
// library would link a second one unless built with the nosqlite tag, and
// the link fails with "multiple definition of sqlite3_...". Build with:
//
//	go build -tags sqlite_fts5,nosqlite ./cmd/trove   (or: make build)
const _ = build_with_tags_sqlite_fts5_comma_nosqlite_see_Makefile
