package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// DKIM results (migrations/0007_dkim.sql), written by package verify/dkim.

const (
	mimeEmail   = "message/rfc822"
	mimeOutlook = "application/vnd.ms-outlook"
	mimePST     = "application/vnd.ms-outlook-pst"
)

// DKIMMessages lists the distinct email blobs of a dataset: RFC 822
// messages (loose, from mailboxes, attached) and Outlook .msg files. A
// message that is an Outlook .msg, or lies anywhere below a .msg or .pst
// item, is marked rebuilt: its bytes are not those that were signed.
func (d *DB) DKIMMessages(ctx context.Context, datasetID int64) ([]archive.DKIMMessage, error) {
	rows, err := queryAll(ctx, d.db, "dkim messages", func(sc rowScanner) (archive.DKIMMessage, error) {
		var m archive.DKIMMessage
		var sha []byte
		if err := sc.Scan(&sha, &m.Rebuilt); err != nil {
			return m, err
		}
		copy(m.Blob[:], sha)
		return m, nil
	}, `WITH RECURSIVE tree(id, rebuilt) AS (
			SELECT i.id, CASE b.mime WHEN ? THEN 'msg' WHEN ? THEN 'pst' ELSE '' END
			FROM items i JOIN blobs b ON b.id = i.blob_id WHERE i.dataset_id = ? AND i.parent_id = 0
			UNION ALL
			SELECT c.id, CASE WHEN t.rebuilt != '' THEN t.rebuilt WHEN b.mime = ? THEN 'msg' WHEN b.mime = ? THEN 'pst' ELSE '' END
			FROM tree t JOIN items c ON c.parent_id = t.id JOIN blobs b ON b.id = c.blob_id
		)
		SELECT b.sha256, max(CASE WHEN b.mime = ? THEN 'msg' ELSE t.rebuilt END)
		FROM tree t JOIN items i ON i.id = t.id JOIN blobs b ON b.id = i.blob_id
		WHERE b.mime IN (?, ?)
		GROUP BY b.id ORDER BY b.id`,
		mimeOutlook, mimePST, datasetID, mimeOutlook, mimePST, mimeOutlook, mimeEmail, mimeOutlook)
	return rows, err
}

// PutDKIM stores the checks of email blobs, replacing earlier results of
// the same blobs, in one transaction. Blobs unknown to the catalog are
// skipped.
func (d *DB) PutDKIM(ctx context.Context, checks []archive.DKIMCheck) error {
	tx, err := d.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("dkim store: %w", err)
	}
	defer tx.Rollback()
	keyIDs := map[archive.DKIMKey]int64{}
	for _, c := range checks {
		var blobID int64
		err := tx.QueryRowContext(ctx, `SELECT id FROM blobs WHERE sha256 = ?`, c.Blob[:]).Scan(&blobID)
		if err == sql.ErrNoRows {
			continue
		} else if err != nil {
			return fmt.Errorf("dkim store %s: %w", c.Blob, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM dkim_results WHERE blob_id = ?`, blobID); err != nil {
			return fmt.Errorf("dkim store %s: %w", c.Blob, err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM arc_sets WHERE blob_id = ?`, blobID); err != nil {
			return fmt.Errorf("dkim store %s: %w", c.Blob, err)
		}
		checked := c.Checked
		if checked.IsZero() {
			checked = time.Now()
		}
		for seq, r := range c.Results {
			var keyID sql.NullInt64
			if r.KeySource != "" {
				k := archive.DKIMKey{Domain: r.Domain, Selector: r.Selector, Record: r.KeyRecord, Source: r.KeySource, Fetched: r.KeyFetched.UTC()}
				id, ok := keyIDs[k]
				if !ok {
					if id, err = dkimKeyID(ctx, tx, k); err != nil {
						return err
					}
					keyIDs[k] = id
				}
				keyID = sql.NullInt64{Int64: id, Valid: true}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO dkim_results (blob_id, seq, domain, selector, algorithm, canon, headers, verdict, reason, key_id, checked)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				blobID, seq, r.Domain, r.Selector, r.Algorithm, r.Canonicalization, strings.Join(r.Headers, ":"),
				string(r.Verdict), r.Reason, keyID, checked.Unix()); err != nil {
				return fmt.Errorf("dkim store %s: %w", c.Blob, err)
			}
		}
		for _, a := range c.ARC {
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO arc_sets (blob_id, instance, domain, selector, algorithm, cv, auth_results)
				VALUES (?, ?, ?, ?, ?, ?, ?)`, blobID, a.Instance, a.Domain, a.Selector, a.Algorithm, a.ChainValidation, a.AuthResults); err != nil {
				return fmt.Errorf("dkim store %s: %w", c.Blob, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("dkim store: %w", err)
	}
	return nil
}

func dkimKeyID(ctx context.Context, tx *sql.Tx, k archive.DKIMKey) (int64, error) {
	var fetched int64
	if !k.Fetched.IsZero() {
		fetched = k.Fetched.Unix()
	}
	if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO dkim_keys (domain, selector, record, source, fetched) VALUES (?, ?, ?, ?, ?)`,
		k.Domain, k.Selector, k.Record, k.Source, fetched); err != nil {
		return 0, fmt.Errorf("dkim store key: %w", err)
	}
	var id int64
	if err := tx.QueryRowContext(ctx, `SELECT id FROM dkim_keys WHERE domain = ? AND selector = ? AND record = ? AND source = ? AND fetched = ?`,
		k.Domain, k.Selector, k.Record, k.Source, fetched).Scan(&id); err != nil {
		return 0, fmt.Errorf("dkim store key: %w", err)
	}
	return id, nil
}

// DKIMResults returns the stored results for one item (empty if never
// checked), in signature order; the ARC sets of the message are on the
// first result. ENotFound if p may not read the item.
func (d *DB) DKIMResults(ctx context.Context, p archive.Principal, itemID int64) ([]archive.DKIMResult, error) {
	var blobID int64
	err := d.db.QueryRowContext(ctx, `SELECT i.blob_id FROM items i JOIN datasets d ON d.id = i.dataset_id WHERE i.id = ? AND `+accessClause(p, "d"), itemID).Scan(&blobID)
	if err == sql.ErrNoRows {
		return nil, archive.Errorf(archive.ENotFound, "item %d not found", itemID)
	} else if err != nil {
		return nil, fmt.Errorf("dkim results %d: %w", itemID, err)
	}
	out, err := queryAll(ctx, d.db, "dkim results", func(sc rowScanner) (archive.DKIMResult, error) {
		var r archive.DKIMResult
		var headers, verdict string
		var src, rec sql.NullString
		var fetched sql.NullInt64
		if err := sc.Scan(&r.Domain, &r.Selector, &r.Algorithm, &r.Canonicalization, &headers, &verdict, &r.Reason, &src, &rec, &fetched); err != nil {
			return r, err
		}
		if headers != "" {
			r.Headers = strings.Split(headers, ":")
		}
		r.Verdict = archive.DKIMVerdict(verdict)
		r.KeySource, r.KeyRecord = src.String, rec.String
		if fetched.Valid && fetched.Int64 != 0 {
			r.KeyFetched = time.Unix(fetched.Int64, 0).UTC()
		}
		return r, nil
	}, `SELECT r.domain, r.selector, r.algorithm, r.canon, r.headers, r.verdict, r.reason, k.source, k.record, k.fetched
		FROM dkim_results r LEFT JOIN dkim_keys k ON k.id = r.key_id WHERE r.blob_id = ? ORDER BY r.seq`, blobID)
	if err != nil || len(out) == 0 {
		return out, err
	}
	arc, err := queryAll(ctx, d.db, "arc sets", func(sc rowScanner) (archive.ARCSet, error) {
		var a archive.ARCSet
		err := sc.Scan(&a.Instance, &a.Domain, &a.Selector, &a.Algorithm, &a.ChainValidation, &a.AuthResults)
		return a, err
	}, `SELECT instance, domain, selector, algorithm, cv, auth_results FROM arc_sets WHERE blob_id = ? ORDER BY instance`, blobID)
	if err != nil {
		return nil, err
	}
	out[0].ARC = arc
	return out, nil
}

// DKIMSummary counts email messages of a dataset by signing domain and
// verdict (a message counts once per signing domain, under the best of its
// signatures for that domain; unsigned messages count under their From
// domain with verdict "none"); filtered by p's access inside the query.
// Messages are distinct contents: two copies of one message count once.
func (d *DB) DKIMSummary(ctx context.Context, p archive.Principal, datasetID int64) ([]archive.DKIMDomainCount, error) {
	return queryAll(ctx, d.db, "dkim summary", func(sc rowScanner) (archive.DKIMDomainCount, error) {
		var c archive.DKIMDomainCount
		var v string
		err := sc.Scan(&c.Domain, &v, &c.Messages)
		c.Verdict = archive.DKIMVerdict(v)
		return c, err
	}, `WITH msg AS (
			SELECT DISTINCT i.blob_id FROM items i JOIN datasets d ON d.id = i.dataset_id
			WHERE i.dataset_id = ? AND `+accessClause(p, "d")+`
		), best AS (
			SELECT r.blob_id, r.domain, min(CASE r.verdict WHEN 'pass' THEN 0 WHEN 'fail' THEN 1 WHEN 'key_revoked' THEN 2
				WHEN 'key_missing' THEN 3 WHEN 'error' THEN 4 WHEN 'unverifiable' THEN 5 ELSE 6 END) AS rank
			FROM dkim_results r JOIN msg m ON m.blob_id = r.blob_id
			GROUP BY r.blob_id, r.domain
		)
		SELECT domain, CASE rank WHEN 0 THEN 'pass' WHEN 1 THEN 'fail' WHEN 2 THEN 'key_revoked' WHEN 3 THEN 'key_missing'
			WHEN 4 THEN 'error' WHEN 5 THEN 'unverifiable' ELSE 'none' END, count(*)
		FROM best GROUP BY domain, rank ORDER BY domain, rank`, datasetID)
}
