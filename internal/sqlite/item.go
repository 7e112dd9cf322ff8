package sqlite

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

const itemCols = `i.id, i.dataset_id, i.parent_id, i.name, i.path, b.sha256, b.size, b.mime, i.kind, i.ext, i.ext_lies,
	i.file_time, i.date, b.status, b.failure, b.meta, i.duplicate_of, b.children_expected, b.children_emitted, b.children_failed`

func scanItem(sc interface{ Scan(...any) error }) (*archive.Item, error) {
	var it archive.Item
	var sha []byte
	var fileTime, date sql.NullInt64
	var status string
	var failure, meta sql.NullString
	if err := sc.Scan(&it.ID, &it.DatasetID, &it.ParentID, &it.Name, &it.Path, &sha, &it.Size, &it.MIME, &it.Kind, &it.Ext, &it.ExtLies,
		&fileTime, &date, &status, &failure, &meta, &it.DuplicateOf, &it.ChildrenExpected, &it.ChildrenEmitted, &it.ChildrenFailed); err != nil {
		return nil, err
	}
	copy(it.Blob[:], sha)
	if fileTime.Valid {
		it.FileTime = time.Unix(fileTime.Int64, 0).UTC()
	}
	if date.Valid {
		it.Date = time.Unix(date.Int64, 0).UTC()
	}
	it.Status = archive.Status(status)
	if failure.Valid && failure.String != "" {
		it.Failure = new(archive.Failure)
		if err := json.Unmarshal([]byte(failure.String), it.Failure); err != nil {
			return nil, fmt.Errorf("item %d failure: %w", it.ID, err)
		}
	}
	if meta.Valid && meta.String != "" {
		if err := json.Unmarshal([]byte(meta.String), &it.Meta); err != nil {
			return nil, fmt.Errorf("item %d meta: %w", it.ID, err)
		}
	}
	return &it, nil
}

const itemFrom = ` FROM items i JOIN blobs b ON b.id = i.blob_id JOIN datasets d ON d.id = i.dataset_id `

// Item implements archive.Catalog.
func (d *DB) Item(ctx context.Context, p archive.Principal, id int64) (*archive.Item, error) {
	it, err := scanItem(d.db.QueryRowContext(ctx, `SELECT `+itemCols+itemFrom+`WHERE i.id = ? AND `+accessClause(p, "d"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, archive.Errorf(archive.ENotFound, "item %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("find item %d: %w", id, err)
	}
	return it, nil
}

// ItemByPath finds an item of a dataset by its full path.
func (d *DB) ItemByPath(ctx context.Context, p archive.Principal, datasetID int64, path string) (*archive.Item, error) {
	it, err := scanItem(d.db.QueryRowContext(ctx, `SELECT `+itemCols+itemFrom+`WHERE i.dataset_id = ? AND i.path = ? AND `+accessClause(p, "d")+` ORDER BY i.id LIMIT 1`, datasetID, path))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, archive.Errorf(archive.ENotFound, "item %q not found", path)
	} else if err != nil {
		return nil, fmt.Errorf("find item %q: %w", path, err)
	}
	return it, nil
}

// Parents implements archive.Catalog.
func (d *DB) Parents(ctx context.Context, p archive.Principal, id int64) ([]*archive.Item, error) {
	it, err := d.Item(ctx, p, id)
	if err != nil {
		return nil, err
	}
	var chain []*archive.Item
	for pid := it.ParentID; pid != 0 && len(chain) < 1000; {
		parent, err := d.Item(ctx, p, pid)
		if err != nil {
			return nil, err
		}
		chain = append([]*archive.Item{parent}, chain...)
		pid = parent.ParentID
	}
	return chain, nil
}

// Children implements archive.Catalog. Children of a duplicate container are
// those of the occurrence that was extracted.
func (d *DB) Children(ctx context.Context, p archive.Principal, id int64, limit, offset int) ([]*archive.Item, error) {
	it, err := d.Item(ctx, p, id)
	if err != nil {
		return nil, err
	}
	parent := id
	if it.DuplicateOf != 0 {
		parent = it.DuplicateOf
	}
	if limit <= 0 {
		limit = 1000
	}
	return d.items(ctx, `SELECT `+itemCols+itemFrom+`WHERE i.parent_id = ? AND `+accessClause(p, "d")+` ORDER BY i.path, i.id LIMIT ? OFFSET ?`, parent, limit, offset)
}

// Failures implements archive.Catalog.
func (d *DB) Failures(ctx context.Context, p archive.Principal, datasetID int64, limit int) ([]*archive.Item, error) {
	if limit <= 0 {
		limit = 1000
	}
	// The partial index on failed items, not the (dataset, path) index the
	// ORDER BY tempts the planner into: that one walks the whole dataset.
	return d.items(ctx, `SELECT `+itemCols+` FROM items i INDEXED BY items_failed JOIN blobs b ON b.id = i.blob_id JOIN datasets d ON d.id = i.dataset_id
		WHERE i.dataset_id = ? AND i.failed = 1 AND `+accessClause(p, "d")+` ORDER BY i.path LIMIT ?`, datasetID, limit)
}

func (d *DB) items(ctx context.Context, q string, args ...any) ([]*archive.Item, error) {
	return queryAll(ctx, d.db, "list items", func(sc rowScanner) (*archive.Item, error) { return scanItem(sc) }, q, args...)
}

// Text implements archive.Catalog: the body chunks in order.
func (d *DB) Text(ctx context.Context, p archive.Principal, id int64, w io.Writer) error {
	var blobID int64
	err := d.db.QueryRowContext(ctx, `SELECT i.blob_id FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE i.id = ? AND `+accessClause(p, "d"), id).Scan(&blobID)
	if errors.Is(err, sql.ErrNoRows) {
		return archive.Errorf(archive.ENotFound, "item %d not found", id)
	} else if err != nil {
		return fmt.Errorf("item text %d: %w", id, err)
	}
	rows, err := d.db.QueryContext(ctx, `SELECT body FROM fts WHERE rowid BETWEEN ? AND ? ORDER BY rowid`, blobID<<chunkBits, blobID<<chunkBits|chunkMask)
	if err != nil {
		return fmt.Errorf("item text %d: %w", id, err)
	}
	defer rows.Close()
	bw := bufio.NewWriter(w)
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return fmt.Errorf("item text %d: %w", id, err)
		}
		if _, err := bw.WriteString(s); err != nil {
			return fmt.Errorf("item text %d: %w", id, err)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("item text %d: %w", id, err)
	}
	return bw.Flush()
}

// fold lower-cases and strips diacritics for the *_norm filter columns, the
// same folding the full-text index applies.
func fold(s string) string {
	return strings.ToLower(foldDiacritics(s))
}

// ChildFailures lists the members of a container item that could not be read.
func (d *DB) ChildFailures(ctx context.Context, p archive.Principal, id int64) ([]ChildFailure, error) {
	var js sql.NullString
	err := d.db.QueryRowContext(ctx, `SELECT b.child_failures`+itemFrom+`WHERE i.id = ? AND `+accessClause(p, "d"), id).Scan(&js)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, archive.Errorf(archive.ENotFound, "item %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("child failures %d: %w", id, err)
	}
	if !js.Valid || js.String == "" {
		return nil, nil
	}
	var out []ChildFailure
	if err := json.Unmarshal([]byte(js.String), &out); err != nil {
		return nil, fmt.Errorf("child failures %d: %w", id, err)
	}
	return out, nil
}
