package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/trove-archive/trove/internal/archive"
)

// The integrity check's view of the catalog and index (package
// verify/check): read-only queries that list what is inconsistent, and the
// few repairs that only remove rows nothing can reach or rebuild the
// full-text index from the text it holds. Everything is streamed through
// callbacks, so memory does not grow with the catalog.

// indexTables are the tables whose rowids are (blob id << 20) | chunk: the
// FTS5 tables (through their docsize shadow tables, which hold one small row
// per document) and chunk_pages.
var indexTables = []struct{ name, rows string }{
	{"fts", "fts_docsize"},
	{"fts_tri", "fts_tri_docsize"},
	{"chunk_pages", "chunk_pages"},
}

// CheckBlobs calls fn for every blob row: its row id, content ID and size.
func (d *DB) CheckBlobs(ctx context.Context, fn func(row int64, id archive.BlobID, size int64) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT id, sha256, size FROM blobs`)
	if err != nil {
		return fmt.Errorf("check blobs: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var row, size int64
		var sha []byte
		if err := rows.Scan(&row, &sha, &size); err != nil {
			return fmt.Errorf("check blobs: %w", err)
		}
		var id archive.BlobID
		if len(sha) != len(id) {
			return fmt.Errorf("check blobs: row %d: sha256 of %d bytes", row, len(sha))
		}
		copy(id[:], sha)
		if err := fn(row, id, size); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check blobs: %w", err)
	}
	return nil
}

// CheckReleaseFiles calls fn for every file of every release: the release
// name, the file's path in it and its content ID.
func (d *DB) CheckReleaseFiles(ctx context.Context, fn func(release, path string, id archive.BlobID) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT r.name, f.path, f.sha256 FROM release_files f JOIN releases r ON r.id = f.release_id ORDER BY r.id, f.seq`)
	if err != nil {
		return fmt.Errorf("check release files: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var name, path string
		var sha []byte
		if err := rows.Scan(&name, &path, &sha); err != nil {
			return fmt.Errorf("check release files: %w", err)
		}
		var id archive.BlobID
		copy(id[:], sha)
		if err := fn(name, path, id); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check release files: %w", err)
	}
	return nil
}

// CheckBlobItems calls fn for the first limit items (by id) that hold blob
// row, with their dataset's slug ("" if the dataset row is missing) and
// path, and returns how many items hold it in all.
func (d *DB) CheckBlobItems(ctx context.Context, row int64, limit int, fn func(item int64, dataset, path string) error) (int, error) {
	var total int
	if err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM items WHERE blob_id = ?`, row).Scan(&total); err != nil {
		return 0, fmt.Errorf("check blob items %d: %w", row, err)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT i.id, coalesce(d.slug, ''), i.path FROM items i LEFT JOIN datasets d ON d.id = i.dataset_id
		WHERE i.blob_id = ? ORDER BY i.id LIMIT ?`, row, limit)
	if err != nil {
		return 0, fmt.Errorf("check blob items %d: %w", row, err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var slug, path string
		if err := rows.Scan(&id, &slug, &path); err != nil {
			return 0, fmt.Errorf("check blob items %d: %w", row, err)
		}
		if err := fn(id, slug, path); err != nil {
			return 0, err
		}
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("check blob items %d: %w", row, err)
	}
	return total, nil
}

// CheckOrphanItems calls fn for every item that points to a row that does
// not exist: its blob row, its dataset or its parent item. The missing
// row's id is passed for each, 0 where the row exists.
func (d *DB) CheckOrphanItems(ctx context.Context, fn func(item int64, dataset, path string, noBlob, noDataset, noParent int64) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT i.id, coalesce(d.slug, ''), i.path,
			CASE WHEN b.id IS NULL THEN i.blob_id ELSE 0 END,
			CASE WHEN d.id IS NULL THEN i.dataset_id ELSE 0 END,
			CASE WHEN i.parent_id <> 0 AND p.id IS NULL THEN i.parent_id ELSE 0 END
		FROM items i
		LEFT JOIN blobs b ON b.id = i.blob_id
		LEFT JOIN datasets d ON d.id = i.dataset_id
		LEFT JOIN items p ON p.id = i.parent_id
		WHERE b.id IS NULL OR d.id IS NULL OR (i.parent_id <> 0 AND p.id IS NULL)
		ORDER BY i.id`)
	if err != nil {
		return fmt.Errorf("check items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, noBlob, noDataset, noParent int64
		var slug, path string
		if err := rows.Scan(&id, &slug, &path, &noBlob, &noDataset, &noParent); err != nil {
			return fmt.Errorf("check items: %w", err)
		}
		if err := fn(id, slug, path, noBlob, noDataset, noParent); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check items: %w", err)
	}
	return nil
}

// CheckIndexGaps calls fn for every extracted blob (status other than
// pending) whose text has chunks that are not in the full-text index: its
// row, content ID, chunk count and how many of its chunks are indexed.
// Every extracted blob has at least chunk 0 (its metadata).
func (d *DB) CheckIndexGaps(ctx context.Context, fn func(row int64, id archive.BlobID, chunks, indexed int) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT id, sha256, chunks, n FROM (
			SELECT b.id, b.sha256, b.chunks,
				(SELECT count(*) FROM fts_docsize x WHERE x.id BETWEEN b.id << 20 AND (b.id << 20) + b.chunks - 1) AS n
			FROM blobs b WHERE b.status <> 'pending' AND b.chunks > 0)
		WHERE n < chunks ORDER BY id`)
	if err != nil {
		return fmt.Errorf("check index gaps: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var row int64
		var chunks, n int
		var sha []byte
		if err := rows.Scan(&row, &sha, &chunks, &n); err != nil {
			return fmt.Errorf("check index gaps: %w", err)
		}
		var id archive.BlobID
		copy(id[:], sha)
		if err := fn(row, id, chunks, n); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check index gaps: %w", err)
	}
	return nil
}

// CheckStaleIndex calls fn for every row of fts, fts_tri and chunk_pages
// that belongs to no extracted chunk: its blob row does not exist, or its
// chunk number is not below the blob's chunk count. chunks is the blob's
// chunk count, -1 when the blob row does not exist. Rows of pending blobs
// (an extraction in progress or cut off) are not judged.
func (d *DB) CheckStaleIndex(ctx context.Context, fn func(table string, rowid int64, chunks int) error) error {
	for _, t := range indexTables {
		rowidCol := "id"
		if t.rows == "chunk_pages" {
			rowidCol = "rowid"
		}
		q := fmt.Sprintf(`SELECT x.%[1]s, coalesce(b.chunks, -1) FROM %[2]s x LEFT JOIN blobs b ON b.id = x.%[1]s >> %[3]d
			WHERE b.id IS NULL OR (b.status <> 'pending' AND (x.%[1]s & %[4]d) >= b.chunks) ORDER BY x.%[1]s`,
			rowidCol, t.rows, chunkBits, chunkMask)
		if err := d.staleRows(ctx, t.name, q, fn); err != nil {
			return err
		}
	}
	return nil
}

func (d *DB) staleRows(ctx context.Context, table, q string, fn func(table string, rowid int64, chunks int) error) error {
	rows, err := d.db.QueryContext(ctx, q)
	if err != nil {
		return fmt.Errorf("check stale index %s: %w", table, err)
	}
	defer rows.Close()
	for rows.Next() {
		var rowid int64
		var chunks int
		if err := rows.Scan(&rowid, &chunks); err != nil {
			return fmt.Errorf("check stale index %s: %w", table, err)
		}
		if err := fn(table, rowid, chunks); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("check stale index %s: %w", table, err)
	}
	return nil
}

// CheckIndexTables lists the full-text tables CheckIndexIntegrity checks.
func (d *DB) CheckIndexTables() []string { return []string{"fts", "fts_tri"} }

// CheckIndexIntegrity runs FTS5's own integrity check on table (one of
// CheckIndexTables), read-only: it reads the whole inverted index and every
// indexed text. It returns the problems found (none when the index is
// sound); err is for a check that could not run.
func (d *DB) CheckIndexIntegrity(ctx context.Context, table string) ([]string, error) {
	if table != "fts" && table != "fts_tri" {
		return nil, fmt.Errorf("check index integrity: unknown table %q", table)
	}
	return d.pragmaCheck(ctx, `PRAGMA integrity_check(`+table+`)`)
}

// CheckTables runs SQLite's quick_check on every ordinary table of the
// catalog (b-tree structure, records, NOT NULL), leaving out the full-text
// tables' own check (see CheckIndexIntegrity). It returns the problems found.
func (d *DB) CheckTables(ctx context.Context) ([]string, error) {
	names, err := queryAll(ctx, d.db, "check tables", func(sc rowScanner) (string, error) {
		var n string
		return n, sc.Scan(&n)
	}, `SELECT name FROM sqlite_schema WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name`)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, n := range names {
		p, err := d.pragmaCheck(ctx, `PRAGMA quick_check("`+strings.ReplaceAll(n, `"`, `""`)+`")`)
		if err != nil {
			return nil, err
		}
		out = append(out, p...)
	}
	return out, nil
}

// checkMmap is the memory map a check's connection reads the catalog
// through (SQLite caps it at 2 GiB by default): FTS5's check reads the
// whole index and every stored text once, and reading them mapped instead
// of page by page through read(2) made it about a fifth faster on the
// medium benchmark archive. Only the check's own connection maps, and only
// while it runs (see Open on why others do not).
const checkMmap = 1 << 40

func (d *DB) pragmaCheck(ctx context.Context, q string) ([]string, error) {
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, fmt.Sprintf(`PRAGMA mmap_size = %d`, int64(checkMmap))); err != nil {
		return nil, fmt.Errorf("check: %w", err)
	}
	defer conn.ExecContext(context.Background(), `PRAGMA mmap_size = 0`)
	msgs, err := queryAll(ctx, conn, "check", func(sc rowScanner) (string, error) {
		var s string
		return s, sc.Scan(&s)
	}, q)
	if err != nil {
		if isCorrupt(err) {
			return []string{err.Error()}, nil
		}
		return nil, err
	}
	var out []string
	for _, m := range msgs {
		if m != "ok" {
			out = append(out, m)
		}
	}
	return out, nil
}

// RepairIndexRows deletes rows of an index table (fts, fts_tri or
// chunk_pages) by rowid, in one transaction.
func (d *DB) RepairIndexRows(ctx context.Context, table string, rowids []int64) error {
	switch table {
	case "fts", "fts_tri", "chunk_pages":
	default:
		return fmt.Errorf("repair index: unknown table %q", table)
	}
	return d.repairTx(ctx, "repair index "+table, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `DELETE FROM `+table+` WHERE rowid = ?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, id := range rowids {
			if _, err := st.ExecContext(ctx, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// RepairRebuildIndex rebuilds a full-text table (fts or fts_tri) from the
// text it stores, the remedy for an inverted index that fails its
// integrity check.
func (d *DB) RepairRebuildIndex(ctx context.Context, table string) error {
	if table != "fts" && table != "fts_tri" {
		return fmt.Errorf("repair rebuild: unknown table %q", table)
	}
	return d.repairTx(ctx, "repair rebuild "+table, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO `+table+`(`+table+`) VALUES ('rebuild')`)
		return err
	})
}

// RepairDeleteItems deletes item rows by id, in one transaction.
func (d *DB) RepairDeleteItems(ctx context.Context, ids []int64) error {
	return d.repairTx(ctx, "repair items", func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `DELETE FROM items WHERE id = ?`)
		if err != nil {
			return err
		}
		defer st.Close()
		for _, id := range ids {
			if _, err := st.ExecContext(ctx, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// repairTx runs fn in a write transaction that also bumps the generation
// counter, so that cached counts and facets are recomputed.
func (d *DB) repairTx(ctx context.Context, op string, fn func(*sql.Tx) error) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return fmt.Errorf("%s: %w", op, err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE generation SET n = n + 1 WHERE id = 1`); err != nil {
		tx.Rollback()
		return fmt.Errorf("%s: %w", op, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// isCorrupt reports whether err is SQLite's report of a damaged database.
func isCorrupt(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && (se.Code == sqlite3.ErrCorrupt || se.Code == sqlite3.ErrNotADB)
}

// ReindexTarget says how a blob whose index entries are lost can be
// extracted again: directly (a leaf), or, for a container, by repairing the
// top-level file it came in, the way an interrupted ingest is resumed.
type ReindexTarget struct {
	BlobRow   int64
	Kind      archive.Kind
	Container bool // extracted with members: re-extracted through its top-level file
	DatasetID int64
	Dataset   string
	TopItem   int64
	TopPath   string
	TopBlob   archive.BlobID
	TopSize   int64
	TopTime   time.Time
}

// ReindexTargets returns, for each blob row held by an item, its first
// item's dataset and top-level file. Rows no item holds are left out.
func (d *DB) ReindexTargets(ctx context.Context, rows []int64) ([]ReindexTarget, error) {
	var out []ReindexTarget
	for _, row := range rows {
		var t ReindexTarget
		var kind, slug string
		var emitted int64
		var first sql.NullInt64
		err := d.db.QueryRowContext(ctx, `SELECT b.kind, b.children_emitted, (SELECT min(id) FROM items WHERE blob_id = b.id) FROM blobs b WHERE b.id = ?`, row).
			Scan(&kind, &emitted, &first)
		if errors.Is(err, sql.ErrNoRows) || err == nil && !first.Valid {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("reindex target %d: %w", row, err)
		}
		var sha []byte
		var ftime sql.NullInt64
		err = d.db.QueryRowContext(ctx, `WITH RECURSIVE up(id, parent) AS (
				SELECT id, parent_id FROM items WHERE id = ?
				UNION ALL SELECT i.id, i.parent_id FROM items i JOIN up ON i.id = up.parent)
			SELECT t.id, t.dataset_id, coalesce(ds.slug, ''), t.path, b.sha256, t.file_size, t.file_time
			FROM up JOIN items t ON t.id = up.id JOIN blobs b ON b.id = t.blob_id LEFT JOIN datasets ds ON ds.id = t.dataset_id
			WHERE up.parent = 0 LIMIT 1`, first.Int64).
			Scan(&t.TopItem, &t.DatasetID, &slug, &t.TopPath, &sha, &t.TopSize, &ftime)
		if errors.Is(err, sql.ErrNoRows) {
			continue // its chain of parents is broken
		} else if err != nil {
			return nil, fmt.Errorf("reindex target %d: %w", row, err)
		}
		t.BlobRow, t.Kind, t.Container, t.Dataset = row, archive.Kind(kind), emitted > 0, slug
		copy(t.TopBlob[:], sha)
		if ftime.Valid {
			t.TopTime = time.Unix(ftime.Int64, 0)
		}
		out = append(out, t)
	}
	return out, nil
}

// RepairReopen marks a top-level item as not completely ingested, so that
// the next ingest of its file re-extracts its containers (see Resume in
// docs/design.md).
func (d *DB) RepairReopen(ctx context.Context, item int64) error {
	return d.repairTx(ctx, "repair reopen", func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE items SET complete = 0 WHERE id = ? AND parent_id = 0`, item)
		return err
	})
}
