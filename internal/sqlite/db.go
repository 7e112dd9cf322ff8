package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	sqlite3 "github.com/mattn/go-sqlite3"

	"github.com/trove-archive/trove/internal/archive"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is the catalog and index database.
type DB struct {
	db   *sql.DB // readers (and short writes)
	path string

	// Now is the clock of accounts, sessions, tokens, grants and the audit
	// log; nil means time.Now. Tests set it before use.
	Now func() time.Time

	cache statsCache
	aggs  aggCache
	snaps facetSnaps
	pages pageCache
	lens  rankLens
	// bg counts the background builds of facet snapshots and rank
	// tables, which Close waits for: a command run after another in the
	// same process must not meet the first one's readers.
	bg sync.WaitGroup
	// computing bounds the searches computed at once (see Search).
	computing chan struct{}
}

var (
	_ archive.Catalog = (*DB)(nil)
	_ archive.Index   = (*DB)(nil)
)

const driverName = "sqlite3_trove"

func init() {
	// Every connection sorts and groups in memory (search facets group
	// thousands of rows). No mmap: mapped pages would count as the
	// process's memory and grow with the catalog.
	sql.Register(driverName, &sqlite3.SQLiteDriver{
		ConnectHook: func(c *sqlite3.SQLiteConn) error {
			_, err := c.Exec(`PRAGMA temp_store = MEMORY`, nil)
			return err
		},
	})
}

// Open opens (creating if needed) the database at path and migrates it.
func Open(path string) (*DB, error) {
	q := url.Values{}
	q.Set("_journal_mode", "WAL")
	q.Set("_synchronous", "NORMAL")
	q.Set("_busy_timeout", "30000")
	q.Set("_foreign_keys", "off")
	q.Set("_txlock", "immediate")
	q.Set("_cache_size", "-65536")
	registerRank() // before the first connection: see rank.go
	db, err := sql.Open(driverName, "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("sqlite open %s: %w", path, err)
	}
	db.SetMaxOpenConns(16)
	db.SetMaxIdleConns(16)
	d := &DB{db: db, path: path, computing: make(chan struct{}, runtime.NumCPU())}
	if err := d.migrate(); err != nil {
		db.Close()
		return nil, err
	}
	return d, nil
}

// Close closes the database.
func (d *DB) Close() error {
	d.bg.Wait()
	d.closeRank()
	return d.db.Close()
}

// SQL exposes the handle to tests and the integrity checker.
func (d *DB) SQL() *sql.DB { return d.db }

func (d *DB) migrate() error {
	var version int
	if err := d.db.QueryRow(`PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("sqlite migrate: %w", err)
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("sqlite migrate: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		n, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("sqlite migrate: bad migration name %s", name)
		}
		if n <= version {
			continue
		}
		body, err := migrations.ReadFile(name)
		if err != nil {
			return fmt.Errorf("sqlite migrate: %w", err)
		}
		tx, err := d.db.Begin()
		if err != nil {
			return fmt.Errorf("sqlite migrate: %w", err)
		}
		if _, err := tx.Exec(string(body)); err != nil {
			tx.Rollback()
			if strings.Contains(err.Error(), "no such module: fts5") {
				return errors.New("sqlite migrate: this binary was built without FTS5; build with -tags sqlite_fts5 (make build does)")
			}
			return fmt.Errorf("sqlite migrate %s: %w", base, err)
		}
		if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, n)); err != nil {
			tx.Rollback()
			return fmt.Errorf("sqlite migrate %s: %w", base, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("sqlite migrate %s: %w", base, err)
		}
	}
	return nil
}

// isUnique reports whether err is a UNIQUE constraint violation.
func isUnique(err error) bool {
	var se sqlite3.Error
	return errors.As(err, &se) && se.ExtendedCode == sqlite3.ErrConstraintUnique
}

// accessClause is the release-level filter on the datasets alias d for p,
// expressed inside the query (never applied after it). Grant IDs are
// integers written into the SQL text.
func accessClause(p archive.Principal, alias string) string {
	if p.SeesAll() {
		return "1"
	}
	// Public, or published by an embargo that has passed (the time, to the
	// minute so that the query text stays the same for a while, is an
	// integer written into the SQL text, like the grant IDs).
	c := "(" + alias + ".level = 'public' OR " + alias + ".embargo <= " + strconv.FormatInt(p.Clock().Truncate(time.Minute).Unix(), 10) + ")"
	if p.Role == archive.RoleJournalist {
		if ids := p.GrantedDatasets(); len(ids) > 0 {
			s := make([]string, len(ids))
			for i, id := range ids {
				s[i] = strconv.FormatInt(id, 10)
			}
			c = "(" + c + " OR (" + alias + ".level = 'limited' AND " + alias + ".id IN (" + strings.Join(s, ",") + ")))"
		}
	}
	return c
}

// rowScanner is *sql.Row and *sql.Rows.
type rowScanner interface{ Scan(...any) error }

// queryAll runs a query and scans every row with scan; what names the
// operation in errors.
func queryAll[T any](ctx context.Context, q querier, what string, scan func(rowScanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}
