package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// ReportItems calls fn for every item of dataset datasetID that p may read,
// in item order, with its metadata, failure and container counts: the input
// of the plausibility report (internal/verify). A dataset p may not read
// yields nothing (the caller has already looked the dataset up as p). fn
// must not call back into the database: the rows are read as fn runs.
func (d *DB) ReportItems(ctx context.Context, p archive.Principal, datasetID int64, fn func(*archive.Item) error) error {
	rows, err := d.db.QueryContext(ctx, `SELECT `+itemCols+itemFrom+`WHERE i.dataset_id = ? AND `+accessClause(p, "d")+` ORDER BY i.id`, datasetID)
	if err != nil {
		return fmt.Errorf("report items: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return fmt.Errorf("report items: %w", err)
		}
		if err := fn(it); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("report items: %w", err)
	}
	return nil
}

// SetVerdict records an editor's verdict on a dataset and its audit entry
// in one transaction. Only editors and admins may (EUnauthorized for anyone
// else); ENotFound when the dataset does not exist; EInvalid for a bad
// state or note. v's note is trimmed, and By, UserID and Time are set from
// by and the database clock.
func (d *DB) SetVerdict(ctx context.Context, by archive.Principal, v *archive.Verdict) error {
	if !by.SeesAll() {
		return archive.Errorf(archive.EUnauthorized, "recording a verdict needs the editor or admin role")
	}
	if err := v.Validate(); err != nil {
		return err
	}
	v.UserID, v.By, v.Time = by.UserID, by.Name, d.now().Truncate(time.Second)
	if v.By == "" {
		v.By = "unknown"
	}
	tx, err := d.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the audit chain needs the write lock
	if err != nil {
		return fmt.Errorf("set verdict: %w", err)
	}
	defer tx.Rollback()
	var slug string
	if err := tx.QueryRowContext(ctx, `SELECT slug FROM datasets WHERE id = ?`, v.DatasetID).Scan(&slug); errors.Is(err, sql.ErrNoRows) {
		return archive.Errorf(archive.ENotFound, "dataset not found")
	} else if err != nil {
		return fmt.Errorf("set verdict: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO verdicts (dataset_id, verdict, note, user_id, user, time) VALUES (?, ?, ?, ?, ?, ?)`,
		v.DatasetID, string(v.State), v.Note, v.UserID, v.By, v.Time.Unix()); err != nil {
		return fmt.Errorf("set verdict: %w", err)
	}
	detail := slug + ": " + string(v.State)
	if v.Note != "" {
		detail += ": " + v.Note
	}
	if err := d.recordTx(ctx, tx, &archive.AuditEntry{Time: v.Time, UserID: by.UserID, User: v.By, Action: archive.AuditVerdict,
		DatasetID: v.DatasetID, Detail: detail}); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("set verdict: %w", err)
	}
	return nil
}

const verdictCols = `v.dataset_id, v.verdict, v.note, v.user_id, v.user, v.time`

func scanVerdict(sc rowScanner) (*archive.Verdict, error) {
	var v archive.Verdict
	var state string
	var t int64
	if err := sc.Scan(&v.DatasetID, &state, &v.Note, &v.UserID, &v.By, &t); err != nil {
		return nil, err
	}
	v.State, v.Time = archive.VerdictState(state), time.Unix(t, 0).UTC()
	return &v, nil
}

// Verdict returns the latest verdict on a dataset p may read; a dataset
// nobody has judged is unverified (zero Time, no author). ENotFound when
// the dataset is absent or hidden from p.
func (d *DB) Verdict(ctx context.Context, p archive.Principal, datasetID int64) (*archive.Verdict, error) {
	var ok int
	err := d.db.QueryRowContext(ctx, `SELECT 1 FROM datasets d WHERE d.id = ? AND `+accessClause(p, "d"), datasetID).Scan(&ok)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, archive.Errorf(archive.ENotFound, "dataset not found")
	} else if err != nil {
		return nil, fmt.Errorf("verdict: %w", err)
	}
	v, err := scanVerdict(d.db.QueryRowContext(ctx, `SELECT `+verdictCols+` FROM verdicts v WHERE v.dataset_id = ? ORDER BY v.id DESC LIMIT 1`, datasetID))
	if errors.Is(err, sql.ErrNoRows) {
		return &archive.Verdict{DatasetID: datasetID, State: archive.VerdictUnverified}, nil
	} else if err != nil {
		return nil, fmt.Errorf("verdict: %w", err)
	}
	return v, nil
}

// Verdicts returns the history of verdicts on a dataset p may read, newest
// first (at most limit; limit <= 0 means 100). ENotFound when the dataset
// is absent or hidden from p.
func (d *DB) Verdicts(ctx context.Context, p archive.Principal, datasetID int64, limit int) ([]*archive.Verdict, error) {
	if limit <= 0 {
		limit = 100
	}
	if _, err := d.Verdict(ctx, p, datasetID); err != nil {
		return nil, err
	}
	return queryAll(ctx, d.db, "verdicts", scanVerdict, `SELECT `+verdictCols+` FROM verdicts v WHERE v.dataset_id = ? ORDER BY v.id DESC LIMIT ?`, datasetID, limit)
}
