package sqlite

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"time"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
)

var _ archive.Auditor = (*DB)(nil)

// maxAuditDetail bounds an entry's detail (a search query, say), in bytes.
const maxAuditDetail = 4096

// auditDomain starts every hashed encoding, so that an audit hash can never
// be mistaken for a hash of something else.
const auditDomain = "trove-audit-v1\n"

// auditHash is the entry's chain hash: lowercase hex SHA-256 of
//
//	"trove-audit-v1\n" || prev || id || time || user_id || user || action ||
//	dataset_id || item_id || detail
//
// where every string (prev, the hex hash of the previous entry, "" for the
// first; user; action; detail) is its length as an 8-byte big-endian
// integer followed by its UTF-8 bytes, and every integer (id; time as unix
// nanoseconds, UTC; the IDs) is 8 bytes big-endian two's complement. The
// length prefixes make the encoding unambiguous: no two different entries
// encode to the same bytes.
func auditHash(e *archive.AuditEntry) string {
	h := sha256.New()
	h.Write([]byte(auditDomain))
	putString(h, e.Prev)
	putInt(h, e.ID)
	putInt(h, e.Time.UnixNano())
	putInt(h, e.UserID)
	putString(h, e.User)
	putString(h, e.Action)
	putInt(h, e.DatasetID)
	putInt(h, e.ItemID)
	putString(h, e.Detail)
	return hex.EncodeToString(h.Sum(nil))
}

func putInt(h hash.Hash, n int64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	h.Write(b[:])
}

func putString(h hash.Hash, s string) {
	putInt(h, int64(len(s)))
	h.Write([]byte(s))
}

// Record implements archive.Auditor. It fills in e's ID, Prev and Hash (and
// Time, when zero). Entries are appended one at a time under SQLite's write
// lock (BEGIN IMMEDIATE), so two writers never chain to the same parent.
func (d *DB) Record(ctx context.Context, e *archive.AuditEntry) error {
	tx, err := d.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock=immediate)
	if err != nil {
		return fmt.Errorf("audit record: %w", err)
	}
	defer tx.Rollback()
	if err := d.recordTx(ctx, tx, e); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("audit record: %w", err)
	}
	return nil
}

// recordTx appends e inside tx, which must hold the write lock, so that a
// change and its audit entry commit together.
func (d *DB) recordTx(ctx context.Context, tx *sql.Tx, e *archive.AuditEntry) error {
	if e.Action == "" {
		return archive.Errorf(archive.EInvalid, "audit entry without an action")
	}
	if !utf8.ValidString(e.Detail) || !utf8.ValidString(e.User) {
		return archive.Errorf(archive.EInvalid, "audit entry is not valid UTF-8")
	}
	e.Detail = truncateUTF8(e.Detail, maxAuditDetail)
	if e.Time.IsZero() {
		e.Time = d.now()
	}
	e.Time = e.Time.UTC()
	var lastID int64
	var lastHash string
	err := tx.QueryRowContext(ctx, `SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1`).Scan(&lastID, &lastHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("audit record: %w", err)
	}
	e.ID, e.Prev = lastID+1, lastHash
	e.Hash = auditHash(e)
	_, err = tx.ExecContext(ctx, `INSERT INTO audit (id, time, user_id, user, action, dataset_id, item_id, detail, prev, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		e.ID, e.Time.UnixNano(), e.UserID, e.User, e.Action, e.DatasetID, e.ItemID, e.Detail, e.Prev, e.Hash)
	if err != nil {
		return fmt.Errorf("audit record: %w", err)
	}
	return nil
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

const auditCols = `id, time, user_id, user, action, dataset_id, item_id, detail, prev, hash`

func scanAudit(sc interface{ Scan(...any) error }) (*archive.AuditEntry, error) {
	var e archive.AuditEntry
	var ns int64
	if err := sc.Scan(&e.ID, &ns, &e.UserID, &e.User, &e.Action, &e.DatasetID, &e.ItemID, &e.Detail, &e.Prev, &e.Hash); err != nil {
		return nil, err
	}
	e.Time = time.Unix(0, ns).UTC()
	return &e, nil
}

// AuditLog implements archive.Auditor: entries newest first. limit <= 0
// means 100.
func (d *DB) AuditLog(ctx context.Context, limit, offset int) ([]*archive.AuditEntry, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := d.db.QueryContext(ctx, `SELECT `+auditCols+` FROM audit ORDER BY id DESC LIMIT ? OFFSET ?`, limit, max(offset, 0))
	if err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	defer rows.Close()
	var out []*archive.AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("audit log: %w", err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("audit log: %w", err)
	}
	return out, nil
}

// VerifyAudit implements archive.Auditor. It reads the whole log in one
// statement (one consistent snapshot) and returns the ID of the first entry
// whose prev is not its predecessor's hash or whose hash does not match its
// fields: an edited entry, or the successor of a removed one. The chain
// cannot show entries cut from the end, nor a log rewritten from some point
// on with fresh hashes; compare the head hash (AuditLog(ctx, 1, 0)) with a
// copy kept elsewhere to catch those.
func (d *DB) VerifyAudit(ctx context.Context) (int64, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+auditCols+` FROM audit ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("audit verify: %w", err)
	}
	defer rows.Close()
	prev := ""
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return 0, fmt.Errorf("audit verify: %w", err)
		}
		if e.Prev != prev || auditHash(e) != e.Hash {
			return e.ID, nil
		}
		prev = e.Hash
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("audit verify: %w", err)
	}
	return 0, nil
}
