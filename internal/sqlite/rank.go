package sqlite

/*
#cgo LDFLAGS: -lm
#include "rank.h"
*/
import "C"

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sync"
	"unsafe"
)

// Ranking. FTS5's bm25() reads each matching row's length in tokens with a
// prepared statement on the fts_docsize table, one B-tree search and one
// statement run per row: on a broad query that is most of the ranking's
// cost. trove_rank(fts, TABLE) (rank.c) computes the same bm25 score, with
// the same statistics and in the same order of operations, but reads the
// lengths from a table in memory: every row's length for one catalog
// generation, built in the background like the facet snapshot (about 12
// bytes per chunk). A row the table does not hold (written after it was
// built) has its length read as bm25 does, so the scores stay exact.
//
// The function is registered with SQLite as an automatic extension, so
// that every connection opened after the first Open has it.

var registerRank = sync.OnceValue(func() bool { return C.trove_rank_register() == 0 })

// rankLens hands out the length table of the current generation.
type rankLens struct {
	mu       sync.Mutex
	gen      int64
	id       int64 // the C table's ID; 0: none
	building bool
	// sync builds the table in the caller; off never uses one (tests).
	sync, off bool
}

// rankExpr returns the SQL expression that ranks fts rows for generation
// gen with its arguments: trove_rank with the generation's table when it
// is built, else bm25 (while it is built, or when the table is off). With
// wait, a missing table is built in the caller rather than in the
// background.
func (d *DB) rankExpr(gen int64, wait bool) (string, []any) {
	l := &d.lens
	l.mu.Lock()
	if l.off || !registerRank() {
		l.mu.Unlock()
		return "bm25(fts)", nil
	}
	if l.id != 0 && l.gen == gen {
		id := l.id
		l.mu.Unlock()
		return "trove_rank(fts, ?)", []any{id}
	}
	if l.building {
		l.mu.Unlock()
		return "bm25(fts)", nil
	}
	l.building = true
	syncBuild := wait || l.sync
	l.mu.Unlock()
	build := func() int64 {
		id, err := d.buildLens(context.Background(), gen)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.building = false
		if err != nil {
			return 0
		}
		if l.off || (l.id != 0 && l.gen > gen) {
			C.trove_drop(C.longlong(id)) // closed, or a newer one arrived meanwhile
			return 0
		}
		if l.id != 0 {
			C.trove_drop(C.longlong(l.id))
		}
		l.id, l.gen = id, gen
		return id
	}
	if syncBuild {
		if id := build(); id != 0 {
			return "trove_rank(fts, ?)", []any{id}
		}
		return "bm25(fts)", nil
	}
	d.bg.Add(1)
	go func() {
		defer d.bg.Done()
		build()
	}()
	return "bm25(fts)", nil
}

// closeRank frees the length table, and the tables built from now on.
func (d *DB) closeRank() {
	l := &d.lens
	l.mu.Lock()
	l.off = true
	if l.id != 0 {
		C.trove_drop(C.longlong(l.id))
		l.id = 0
	}
	l.mu.Unlock()
}

// SetRankTable turns the in-memory length table on or off (on by
// default); off, searches rank with FTS5's bm25. For tests and
// measurements.
func (d *DB) SetRankTable(on bool) {
	d.closeRank()
	d.lens.mu.Lock()
	d.lens.off = !on
	d.lens.sync = on
	d.lens.mu.Unlock()
}

// buildLens reads every row's length from fts_docsize, in a read
// transaction that also reads the generation, so that the table is never
// labelled with a generation it does not reflect.
func (d *DB) buildLens(ctx context.Context, want int64) (int64, error) {
	tx, err := d.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, fmt.Errorf("rank table: %w", err)
	}
	defer tx.Rollback()
	var gen int64
	if err := tx.QueryRowContext(ctx, `SELECT n FROM generation WHERE id = 1`).Scan(&gen); err != nil {
		return 0, fmt.Errorf("rank table: %w", err)
	}
	if gen != want {
		return 0, fmt.Errorf("rank table: generation moved")
	}
	var n int64
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM fts_docsize`).Scan(&n); err != nil {
		return 0, fmt.Errorf("rank table: %w", err)
	}
	rowids := make([]int64, 0, n)
	lens := make([]int32, 0, n)
	rows, err := tx.QueryContext(ctx, `SELECT id, sz FROM fts_docsize ORDER BY id`)
	if err != nil {
		return 0, fmt.Errorf("rank table: %w", err)
	}
	defer rows.Close()
	var id int64
	var sz []byte
	for rows.Next() {
		if err := rows.Scan(&id, &sz); err != nil {
			return 0, fmt.Errorf("rank table: %w", err)
		}
		total, ok := docsizeTotal(sz)
		if !ok {
			continue // left out: bm25's own lookup answers for it
		}
		rowids = append(rowids, id)
		lens = append(lens, total)
	}
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("rank table: %w", err)
	}
	var rp *C.longlong
	var lp *C.int
	if len(rowids) > 0 {
		rp, lp = (*C.longlong)(unsafe.Pointer(&rowids[0])), (*C.int)(unsafe.Pointer(&lens[0]))
	}
	t := C.trove_rank_install(C.long(len(rowids)), rp, lp)
	if t == 0 {
		return 0, fmt.Errorf("rank table: out of memory")
	}
	return int64(t), nil
}

// docsizeTotal adds up the column sizes of an fts_docsize record: one
// SQLite varint per column. ok is false for a malformed record or a total
// beyond int32.
func docsizeTotal(rec []byte) (total int32, ok bool) {
	var sum int64
	for len(rec) > 0 {
		v, n := sqliteVarint(rec)
		if n == 0 {
			return 0, false
		}
		rec = rec[n:]
		sum += int64(v)
		if v > 1<<31 || sum > 1<<31-1 {
			return 0, false
		}
	}
	return int32(sum), true
}

// sqliteVarint decodes SQLite's variable-length integer: big-endian groups
// of 7 bits, the high bit set on all but the last byte, the ninth byte
// holding 8 bits. n is 0 when rec ends inside the number.
func sqliteVarint(rec []byte) (v uint64, n int) {
	for i := 0; i < 9 && i < len(rec); i++ {
		b := rec[i]
		if i == 8 {
			return v<<8 | uint64(b), 9
		}
		v = v<<7 | uint64(b&0x7f)
		if b&0x80 == 0 {
			return v, i + 1
		}
	}
	return 0, 0
}

// Memory returns the bytes SQLite holds now (page caches, statements,
// FTS5 buffers) and the most it held since the process started.
func Memory() (used, highwater int64) {
	return int64(C.trove_sqlite_memory(0)), int64(C.trove_sqlite_memory(1))
}

// collected is the set of blobs a ranking pass scored, as a bitmap, for
// the catalog generation it ranked in.
type collected struct {
	gen  int64
	bits []uint64
}

// newCollector makes a C bitmap for blobs 0 to maxBlob; 0 if out of memory.
func newCollector(maxBlob int64) int64 {
	return int64(C.trove_collect_new(C.long(maxBlob/64+1), C.int(chunkBits)))
}

// collectorBits copies the bitmap of collector id and frees the collector.
func collectorBits(id int64) []uint64 {
	defer C.trove_drop(C.longlong(id))
	var words C.long
	p := C.trove_collect_bits(C.longlong(id), &words)
	if p == nil {
		return nil
	}
	return slices.Clone(unsafe.Slice((*uint64)(unsafe.Pointer(p)), int(words)))
}
