package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/country"
)

// BlobCountries is what country detection found in one blob: countries
// with evidence, and the GPS position if it has one.
type BlobCountries struct {
	Countries []archive.DocumentCountry
	HasPos    bool
	Lat, Lon  float64
	PosCC     string // the country of the position, "" at sea
}

// applyCountries replaces a blob's detected countries (inside the writer's
// transaction or a backfill's).
func applyCountries(exec func(q string, args ...any) error, blobID int64, bc *BlobCountries) error {
	if err := exec(`DELETE FROM blob_countries WHERE blob_id = ?`, blobID); err != nil {
		return err
	}
	if err := exec(`DELETE FROM blob_positions WHERE blob_id = ?`, blobID); err != nil {
		return err
	}
	if bc == nil {
		return nil
	}
	for _, dc := range bc.Countries {
		ev, err := json.Marshal(dc.Evidence)
		if err != nil {
			return fmt.Errorf("countries of blob %d: %w", blobID, err)
		}
		if err := exec(`INSERT OR REPLACE INTO blob_countries (blob_id, country, assigned, evidence) VALUES (?, ?, ?, ?)`,
			blobID, dc.Country, dc.Assigned, string(ev)); err != nil {
			return err
		}
	}
	if bc.HasPos {
		return exec(`INSERT OR REPLACE INTO blob_positions (blob_id, lat, lon, country) VALUES (?, ?, ?, ?)`, blobID, bc.Lat, bc.Lon, bc.PosCC)
	}
	return nil
}

// SetBlobCountries stores a blob's detected countries outside an ingest
// (trove countries detect), and bumps the catalog generation so that
// cached facets are recomputed.
func (d *DB) SetBlobCountries(ctx context.Context, blobID int64, bc *BlobCountries) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("set countries of blob %d: %w", blobID, err)
	}
	defer tx.Rollback()
	exec := func(q string, args ...any) error {
		_, err := tx.ExecContext(ctx, q, args...)
		return err
	}
	if err := applyCountries(exec, blobID, bc); err != nil {
		return fmt.Errorf("set countries of blob %d: %w", blobID, err)
	}
	if err := exec(`UPDATE generation SET n = n + 1 WHERE id = 1`); err != nil {
		return fmt.Errorf("set countries of blob %d: %w", blobID, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set countries of blob %d: %w", blobID, err)
	}
	return nil
}

// BlobText is an extracted blob with its metadata and text, for
// re-running detection over data ingested before.
type BlobText struct {
	ID   int64
	Meta archive.Meta
	Text []string // chunks in order; chunk 0 first
}

// EachBlobText calls fn for each extracted blob of a dataset, in id order,
// with its metadata and text (at most about maxText bytes). The CLI reads as an administrator; no access filter.
func (d *DB) EachBlobText(ctx context.Context, datasetID int64, maxText int, fn func(*BlobText) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT DISTINCT b.id, b.meta FROM items i JOIN blobs b ON b.id = i.blob_id
		WHERE i.dataset_id = ? AND b.status = 'ok' ORDER BY b.id`, datasetID)
	if err != nil {
		return fmt.Errorf("dataset blobs: %w", err)
	}
	type row struct {
		id   int64
		meta sql.NullString
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.id, &r.meta); err != nil {
			rows.Close()
			return fmt.Errorf("dataset blobs: %w", err)
		}
		all = append(all, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("dataset blobs: %w", err)
	}
	for _, r := range all {
		bt := &BlobText{ID: r.id}
		if r.meta.Valid && r.meta.String != "" {
			if err := json.Unmarshal([]byte(r.meta.String), &bt.Meta); err != nil {
				return fmt.Errorf("blob %d meta: %w", r.id, err)
			}
		}
		lo, hi := r.id<<chunkBits, r.id<<chunkBits|chunkMask
		crows, err := d.db.QueryContext(ctx, `SELECT body FROM fts WHERE rowid BETWEEN ? AND ? ORDER BY rowid`, lo, hi)
		if err != nil {
			return fmt.Errorf("blob %d text: %w", r.id, err)
		}
		size := 0
		for crows.Next() && size < maxText {
			var body string
			if err := crows.Scan(&body); err != nil {
				crows.Close()
				return fmt.Errorf("blob %d text: %w", r.id, err)
			}
			size += len(body)
			bt.Text = append(bt.Text, body)
		}
		crows.Close()
		if err := fn(bt); err != nil {
			return err
		}
	}
	return nil
}

// ItemCountries returns the countries detected in an item's document, with
// their evidence, assigned ones first. ENotFound when p may not read it.
func (d *DB) ItemCountries(ctx context.Context, p archive.Principal, itemID int64) ([]archive.DocumentCountry, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT c.country, c.assigned, c.evidence FROM items i JOIN datasets d ON d.id = i.dataset_id
		JOIN blob_countries c ON c.blob_id = i.blob_id WHERE i.id = ? AND `+accessClause(p, "d")+`
		ORDER BY c.assigned DESC, c.country`, itemID)
	if err != nil {
		return nil, fmt.Errorf("item %d countries: %w", itemID, err)
	}
	defer rows.Close()
	var out []archive.DocumentCountry
	for rows.Next() {
		var dc archive.DocumentCountry
		var ev string
		if err := rows.Scan(&dc.Country, &dc.Assigned, &ev); err != nil {
			return nil, fmt.Errorf("item %d countries: %w", itemID, err)
		}
		if err := json.Unmarshal([]byte(ev), &dc.Evidence); err != nil {
			return nil, fmt.Errorf("item %d countries: %w", itemID, err)
		}
		out = append(out, dc)
	}
	return out, rows.Err()
}

// DatasetsMentioning lists readable datasets whose documents were detected
// as cc, with the number of such items (FacetCount.Value = dataset slug),
// most first.
func (d *DB) DatasetsMentioning(ctx context.Context, p archive.Principal, cc string) ([]archive.FacetCount, error) {
	return queryAll(ctx, d.db, "datasets mentioning "+cc, scanFacet,
		`SELECT d.slug, count(*) AS n FROM blob_countries c JOIN items i ON i.blob_id = c.blob_id JOIN datasets d ON d.id = i.dataset_id
		WHERE c.country = ? AND c.assigned = 1 AND `+accessClause(p, "d")+` GROUP BY d.id ORDER BY n DESC, d.slug`, strings.ToUpper(cc))
}

// DocumentCountries counts items per detected country for a dataset (0 =
// all readable datasets), most first.
func (d *DB) DocumentCountries(ctx context.Context, p archive.Principal, datasetID int64) ([]archive.FacetCount, error) {
	q := `SELECT c.country, count(*) AS n FROM blob_countries c JOIN items i ON i.blob_id = c.blob_id JOIN datasets d ON d.id = i.dataset_id
		WHERE c.assigned = 1 AND ` + accessClause(p, "d")
	var args []any
	if datasetID != 0 {
		q += ` AND i.dataset_id = ?`
		args = append(args, datasetID)
	}
	q += ` GROUP BY c.country ORDER BY n DESC, c.country`
	return queryAll(ctx, d.db, "document countries", scanFacet, q, args...)
}

func scanFacet(sc rowScanner) (archive.FacetCount, error) {
	var f archive.FacetCount
	err := sc.Scan(&f.Value, &f.Count)
	return f, err
}

// GeoPoints lists readable items with a GPS position in a dataset (0 = all
// readable datasets), at most limit (default 10,000).
func (d *DB) GeoPoints(ctx context.Context, p archive.Principal, datasetID int64, limit int) ([]archive.GeoPoint, error) {
	if limit <= 0 {
		limit = 10000
	}
	q := `SELECT i.id, i.name, g.lat, g.lon, g.country FROM blob_positions g JOIN items i ON i.blob_id = g.blob_id
		JOIN datasets d ON d.id = i.dataset_id WHERE ` + accessClause(p, "d")
	var args []any
	if datasetID != 0 {
		q += ` AND i.dataset_id = ?`
		args = append(args, datasetID)
	}
	q += ` ORDER BY i.id LIMIT ?`
	args = append(args, limit)
	return queryAll(ctx, d.db, "geo points", func(sc rowScanner) (archive.GeoPoint, error) {
		var g archive.GeoPoint
		err := sc.Scan(&g.ItemID, &g.Name, &g.Lat, &g.Lon, &g.Country)
		return g, err
	}, q, args...)
}

// countryCond is the country: filter: the item's dataset is about cc, or
// its document was detected as cc.
func countryCond(cc string) (string, []any) {
	cc = strings.ToUpper(cc)
	return "((',' || d.countries || ',') LIKE ? OR i.blob_id IN (SELECT blob_id FROM blob_countries WHERE country = ? AND assigned = 1))",
		[]any{"%," + cc + ",%", cc}
}

// checkCountries validates a dataset's countries against the country
// table (archive only checks their shape). Codes the dataset already has
// are accepted, so that a dataset stored before validation existed can
// still be edited; new ones must be in the table.
func (d *DB) checkCountries(ctx context.Context, ds *archive.Dataset) error {
	var stored string
	if ds.ID != 0 {
		if err := d.db.QueryRowContext(ctx, `SELECT countries FROM datasets WHERE id = ?`, ds.ID).Scan(&stored); err != nil && err != sql.ErrNoRows {
			return fmt.Errorf("check countries of %s: %w", ds.Slug, err)
		}
	}
	var fresh []string
	for _, c := range ds.Countries {
		if !strings.Contains(","+stored+",", ","+c+",") {
			fresh = append(fresh, c)
		}
	}
	return country.Check(fresh)
}
