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

// CreateDataset implements archive.Catalog.
func (d *DB) CreateDataset(ctx context.Context, ds *archive.Dataset) error {
	if ds.Level == "" {
		ds.Level = archive.LevelPrivate
	}
	if err := ds.Validate(); err != nil {
		return err
	}
	if err := d.checkCountries(ctx, ds); err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	ds.Created, ds.Updated = now, now
	res, err := d.db.ExecContext(ctx, `INSERT INTO datasets (slug, title, description, countries, source, level, created, updated, embargo, ocr_langs)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ds.Slug, ds.Title, ds.Description, strings.Join(ds.Countries, ","), ds.Source, string(ds.Level), now.Unix(), now.Unix(), unixOrNull(ds.Embargo), strings.Join(ds.OCRLangs, ","))
	if isUnique(err) {
		return archive.Errorf(archive.EConflict, "dataset %q already exists", ds.Slug)
	} else if err != nil {
		return fmt.Errorf("create dataset %s: %w", ds.Slug, err)
	}
	ds.ID, err = res.LastInsertId()
	if err != nil {
		return fmt.Errorf("create dataset %s: %w", ds.Slug, err)
	}
	return nil
}

// UpdateDataset implements archive.Catalog.
func (d *DB) UpdateDataset(ctx context.Context, ds *archive.Dataset) error {
	if err := ds.Validate(); err != nil {
		return err
	}
	if err := d.checkCountries(ctx, ds); err != nil {
		return err
	}
	ds.Updated = time.Now().UTC().Truncate(time.Second)
	res, err := d.db.ExecContext(ctx, `UPDATE datasets SET title = ?, description = ?, countries = ?, source = ?, level = ?, updated = ?, embargo = ?, ocr_langs = ?
		WHERE id = ?`, ds.Title, ds.Description, strings.Join(ds.Countries, ","), ds.Source, string(ds.Level), ds.Updated.Unix(), unixOrNull(ds.Embargo), strings.Join(ds.OCRLangs, ","), ds.ID)
	if err != nil {
		return fmt.Errorf("update dataset %s: %w", ds.Slug, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return archive.Errorf(archive.ENotFound, "dataset %q not found", ds.Slug)
	}
	return nil
}

const datasetCols = `d.id, d.slug, d.title, d.description, d.countries, d.source, d.level, d.created, d.updated, d.embargo, d.ocr_langs`

func scanDataset(sc interface{ Scan(...any) error }) (*archive.Dataset, error) {
	var ds archive.Dataset
	var countries, level string
	var created, updated int64
	var embargo sql.NullInt64
	var ocrLangs string
	if err := sc.Scan(&ds.ID, &ds.Slug, &ds.Title, &ds.Description, &countries, &ds.Source, &level, &created, &updated, &embargo, &ocrLangs); err != nil {
		return nil, err
	}
	if countries != "" {
		ds.Countries = strings.Split(countries, ",")
	}
	ds.Level = archive.ReleaseLevel(level)
	ds.Created, ds.Updated = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	if ocrLangs != "" {
		ds.OCRLangs = strings.Split(ocrLangs, ",")
	}
	if embargo.Valid {
		ds.Embargo = time.Unix(embargo.Int64, 0).UTC()
	}
	return &ds, nil
}

// Datasets implements archive.Catalog.
func (d *DB) Datasets(ctx context.Context, p archive.Principal) ([]*archive.Dataset, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+datasetCols+` FROM datasets d WHERE `+accessClause(p, "d")+` ORDER BY d.slug`)
	if err != nil {
		return nil, fmt.Errorf("list datasets: %w", err)
	}
	defer rows.Close()
	var out []*archive.Dataset
	for rows.Next() {
		ds, err := scanDataset(rows)
		if err != nil {
			return nil, fmt.Errorf("list datasets: %w", err)
		}
		out = append(out, ds)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list datasets: %w", err)
	}
	return out, d.withCounts(ctx, out...)
}

// Dataset implements archive.Catalog.
func (d *DB) Dataset(ctx context.Context, p archive.Principal, slug string) (*archive.Dataset, error) {
	ds, err := scanDataset(d.db.QueryRowContext(ctx, `SELECT `+datasetCols+` FROM datasets d WHERE d.slug = ? AND `+accessClause(p, "d"), slug))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, archive.Errorf(archive.ENotFound, "dataset %q not found", slug)
	} else if err != nil {
		return nil, fmt.Errorf("find dataset %s: %w", slug, err)
	}
	return ds, d.withCounts(ctx, ds)
}

// TypeCounts returns, for a dataset, the number of items of each kind.
func (d *DB) TypeCounts(ctx context.Context, p archive.Principal, datasetID int64) ([]archive.FacetCount, error) {
	st, err := d.visibleStats(ctx, p, datasetID)
	if err != nil {
		return nil, err
	}
	return st.types, nil
}

// FailureCounts returns, for a dataset, the number of failed items by reason.
func (d *DB) FailureCounts(ctx context.Context, p archive.Principal, datasetID int64) ([]archive.FacetCount, error) {
	st, err := d.visibleStats(ctx, p, datasetID)
	if err != nil {
		return nil, err
	}
	return st.failures, nil
}

// PublishDue makes public, for good, every dataset whose embargo has passed
// (they already read as public from that moment), records each change in
// the audit log, and returns their slugs. trove serve runs it every minute.
func (d *DB) PublishDue(ctx context.Context, now time.Time) ([]string, error) {
	rows, err := d.db.QueryContext(ctx, `UPDATE datasets SET level = 'public', embargo = NULL, updated = ?
		WHERE embargo IS NOT NULL AND embargo <= ? RETURNING id, slug, level`, now.Unix(), now.Unix())
	if err != nil {
		return nil, fmt.Errorf("publish due datasets: %w", err)
	}
	type pub struct {
		id   int64
		slug string
	}
	var done []pub
	for rows.Next() {
		var p pub
		var level string
		if err := rows.Scan(&p.id, &p.slug, &level); err != nil {
			rows.Close()
			return nil, fmt.Errorf("publish due datasets: %w", err)
		}
		done = append(done, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("publish due datasets: %w", err)
	}
	var slugs []string
	for _, p := range done {
		slugs = append(slugs, p.slug)
		e := &archive.AuditEntry{Time: now.UTC(), User: "embargo", Action: archive.AuditLevel, DatasetID: p.id, Detail: "public (embargo ended)"}
		if err := d.Record(ctx, e); err != nil {
			return slugs, err
		}
	}
	return slugs, nil
}
