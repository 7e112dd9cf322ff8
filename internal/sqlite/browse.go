package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// maxFolders bounds the subfolders Folder lists under one folder.
const maxFolders = 10000

// cleanPrefix turns a folder path ("", "site", "site/Mail/") into the form
// stored paths start with: "" for the top, else "site/Mail/".
func cleanPrefix(prefix string) string {
	prefix = strings.Trim(prefix, "/")
	if prefix == "" {
		return ""
	}
	return prefix + "/"
}

// Folder lists one folder of a dataset's top-level files (parent_id = 0):
// the files directly in it, by path, limit and offset applying to them, and
// the names of its subfolders (at most 10,000), which are implied by the "/"
// in top-level paths ("site/Mail/x.eml" is in folder "site/Mail"). The
// access filter is part of every query: a dataset p may not read has no
// files and no folders, exactly like a missing one.
func (d *DB) Folder(ctx context.Context, p archive.Principal, datasetID int64, prefix string, limit, offset int) ([]*archive.Item, []string, error) {
	prefix = cleanPrefix(prefix)
	if limit <= 0 {
		limit = 1000
	}
	if offset < 0 {
		offset = 0
	}
	// Paths under "a/b/" lie in ["a/b/", "a/b0"): '0' follows '/' in byte
	// order, so the range uses the (parent_id, path) index.
	where := `i.parent_id = 0 AND i.dataset_id = ? AND ` + accessClause(p, "d")
	args := []any{datasetID}
	if prefix != "" {
		where += ` AND i.path >= ? AND i.path < ?`
		args = append(args, prefix, upper(prefix))
	}
	n := len(prefix) + 1 // substr is 1-based
	files, err := d.items(ctx, `SELECT `+itemCols+itemFrom+`WHERE `+where+
		fmt.Sprintf(` AND instr(substr(i.path, %d), '/') = 0 ORDER BY i.path, i.id LIMIT ? OFFSET ?`, n),
		append(args, limit, offset)...)
	if err != nil {
		return nil, nil, fmt.Errorf("folder %q: %w", prefix, err)
	}

	// Subfolders by skip scan: find the first path below the folder that has
	// another "/", take its next element, then seek past everything in it.
	var folders []string
	lo := prefix
	for len(folders) < maxFolders {
		q := `SELECT i.path FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE i.parent_id = 0 AND i.dataset_id = ? AND ` +
			accessClause(p, "d") + ` AND i.path >= ?`
		a := []any{datasetID, lo}
		if prefix != "" {
			q += ` AND i.path < ?`
			a = append(a, upper(prefix))
		}
		q += fmt.Sprintf(` AND instr(substr(i.path, %d), '/') > 0 ORDER BY i.path LIMIT 1`, n)
		var path string
		err := d.db.QueryRowContext(ctx, q, a...).Scan(&path)
		if errors.Is(err, sql.ErrNoRows) {
			break
		} else if err != nil {
			return nil, nil, fmt.Errorf("folder %q: %w", prefix, err)
		}
		name, _, _ := strings.Cut(path[len(prefix):], "/")
		folders = append(folders, name)
		lo = upper(prefix + name + "/")
	}
	return files, folders, nil
}

// upper returns the smallest string above every path that starts with
// prefix, which ends in "/".
func upper(prefix string) string { return prefix[:len(prefix)-1] + "0" }

// DatasetByID returns the dataset with this ID if p may read it, without
// its counts (Items, Bytes and Failed are zero), or ENotFound.
func (d *DB) DatasetByID(ctx context.Context, p archive.Principal, id int64) (*archive.Dataset, error) {
	var ds archive.Dataset
	var countries, level string
	var created, updated int64
	err := d.db.QueryRowContext(ctx, `SELECT d.id, d.slug, d.title, d.description, d.countries, d.source, d.level, d.created, d.updated
		FROM datasets d WHERE d.id = ? AND `+accessClause(p, "d"), id).Scan(
		&ds.ID, &ds.Slug, &ds.Title, &ds.Description, &countries, &ds.Source, &level, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, archive.Errorf(archive.ENotFound, "dataset %d not found", id)
	} else if err != nil {
		return nil, fmt.Errorf("find dataset %d: %w", id, err)
	}
	if countries != "" {
		ds.Countries = strings.Split(countries, ",")
	}
	ds.Level = archive.ReleaseLevel(level)
	ds.Created, ds.Updated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	return &ds, nil
}

// stubCols are the fields of a limited dataset that everyone may see, so
// that journalists can find it and ask for access: no counts, countries,
// source note or items.
const stubCols = `d.id, d.slug, d.title, d.description, d.level, d.created`

func scanStub(sc interface{ Scan(...any) error }) (*archive.Dataset, error) {
	var ds archive.Dataset
	var level string
	var created int64
	if err := sc.Scan(&ds.ID, &ds.Slug, &ds.Title, &ds.Description, &level, &created); err != nil {
		return nil, err
	}
	ds.Level = archive.ReleaseLevel(level)
	ds.Created = time.Unix(created, 0).UTC()
	return &ds, nil
}

// Stub returns the public stub of a limited or public dataset (ID, slug,
// title, description, level and creation time only), whoever asks. A
// private or missing dataset is ENotFound.
func (d *DB) Stub(ctx context.Context, slug string) (*archive.Dataset, error) {
	ds, err := scanStub(d.db.QueryRowContext(ctx, `SELECT `+stubCols+` FROM datasets d WHERE d.slug = ? AND d.level IN ('limited', 'public')`, slug))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, archive.Errorf(archive.ENotFound, "dataset %q not found", slug)
	} else if err != nil {
		return nil, fmt.Errorf("find dataset %s: %w", slug, err)
	}
	return ds, nil
}

// Stubs lists the stubs of every limited dataset, by slug (see Stub).
func (d *DB) Stubs(ctx context.Context) ([]*archive.Dataset, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+stubCols+` FROM datasets d WHERE d.level = 'limited' ORDER BY d.slug`)
	if err != nil {
		return nil, fmt.Errorf("list dataset stubs: %w", err)
	}
	defer rows.Close()
	var out []*archive.Dataset
	for rows.Next() {
		ds, err := scanStub(rows)
		if err != nil {
			return nil, fmt.Errorf("list dataset stubs: %w", err)
		}
		out = append(out, ds)
	}
	return out, rows.Err()
}
