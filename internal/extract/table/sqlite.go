package table

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/tool"
)

// SQLite extracts the tables of a SQLite database through the sqlite3
// shell, read-only, immutable and in safe mode (no ATTACH, extensions or
// file functions), with untrusted schema functions off.
type SQLite struct{ cfg Config }

var _ extract.Extractor = (*SQLite)(nil)

func (*SQLite) Name() string    { return "sqlite3" }
func (*SQLite) MIMEs() []string { return []string{extract.MIMESQLite} }

// maxListing caps the shell's output for the list of tables and columns.
const maxListing = 64 << 20

// sqliteTable is one table and its columns (nil when unknown).
type sqliteTable struct {
	name string
	cols []string
}

// userTables selects the tables to export in creation order: ordinary
// and virtual tables (full-text indexes hold text), but not SQLite's own
// tables nor the shadow tables that store a virtual table's data.
const userTables = `m.type = 'table' AND m.name NOT LIKE 'sqlite\_%' ESCAPE '\'
AND NOT EXISTS (SELECT 1 FROM sqlite_master AS v WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL%'
  AND v.name <> m.name AND substr(m.name, 1, length(v.name) + 1) = v.name || '_')`

// listSQL lists the tables and their columns.
const listSQL = `SELECT m.name, p.name FROM sqlite_master AS m JOIN pragma_table_info(m.name) AS p
WHERE ` + userTables + ` ORDER BY m.rowid, p.cid;`

// listNamesSQL is the fallback when a broken table definition (or a
// virtual table's missing module) makes pragma_table_info fail.
const listNamesSQL = `SELECT m.name FROM sqlite_master AS m WHERE ` + userTables + ` ORDER BY m.rowid;`

func (e *SQLite) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	path, err := filepath.Abs(in.Path)
	if err != nil {
		return fmt.Errorf("table: %w", err)
	}
	in.Path = path
	r := &run{cfg: e.cfg, format: "sqlite", s: s}
	tables, err := e.list(ctx, in.Path)
	if err != nil {
		return err
	}
	setExtra(s, "tables", strconv.Itoa(len(tables)))
	skipped := 0
	if len(tables) > e.cfg.MaxTables {
		skipped = len(tables) - e.cfg.MaxTables
		tables = tables[:e.cfg.MaxTables]
	}
	s.Expect(len(tables))
	for _, t := range tables {
		err := r.table(ctx, t.name, func(ctx context.Context, w io.Writer) error {
			return e.export(ctx, in.Path, t, w)
		})
		if err != nil {
			return err
		}
	}
	return r.done(skipped)
}

// shell runs one SQL statement through sqlite3 with CSV output.
func (e *SQLite) shell(ctx context.Context, path, sql string, w io.Writer, max int64) error {
	return tool.Run(ctx, tool.Cmd{
		Name: "sqlite3",
		Args: []string{"-init", "/dev/null", "-readonly", "-safe", "-batch", "-bail", "-csv", "-noheader",
			"-cmd", "PRAGMA trusted_schema=OFF;", sqliteURI(path), sql},
		Read:      []string{path},
		Stdout:    w,
		MaxOutput: max,
		Timeout:   e.cfg.Timeout,
		MemLimit:  e.cfg.MemLimit,
	})
}

func (e *SQLite) list(ctx context.Context, path string) ([]sqliteTable, error) {
	var out bytes.Buffer
	err := e.shell(ctx, path, listSQL, &out, maxListing)
	if err == nil {
		recs, perr := readCSV(out.Bytes(), 2)
		if perr != nil {
			return nil, fmt.Errorf("sqlite: table list: %w: %v", extract.ErrCorrupt, perr)
		}
		var tables []sqliteTable
		for _, rec := range recs {
			if n := len(tables); n > 0 && tables[n-1].name == rec[0] {
				tables[n-1].cols = append(tables[n-1].cols, rec[1])
				continue
			}
			tables = append(tables, sqliteTable{name: rec[0], cols: []string{rec[1]}})
		}
		return tables, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	out.Reset()
	if err2 := e.shell(ctx, path, listNamesSQL, &out, maxListing); err2 != nil {
		return nil, fmt.Errorf("sqlite: table list: %w", err)
	}
	recs, perr := readCSV(out.Bytes(), 1)
	if perr != nil {
		return nil, fmt.Errorf("sqlite: table list: %w: %v", extract.ErrCorrupt, perr)
	}
	tables := make([]sqliteTable, len(recs))
	for i, rec := range recs {
		tables[i] = sqliteTable{name: rec[0]}
	}
	return tables, nil
}

// export writes one table as CSV with a header line. Blobs are written
// as "[blob N bytes]".
func (e *SQLite) export(ctx context.Context, path string, t sqliteTable, w io.Writer) error {
	limit := " LIMIT " + strconv.FormatInt(e.cfg.MaxRows+1, 10)
	if t.cols == nil {
		// Column names unknown: let the shell write the header.
		return tool.Run(ctx, tool.Cmd{
			Name: "sqlite3",
			Args: []string{"-init", "/dev/null", "-readonly", "-safe", "-batch", "-bail", "-csv", "-header",
				"-cmd", "PRAGMA trusted_schema=OFF;", sqliteURI(path), "SELECT * FROM " + quoteIdent(t.name) + limit + ";"},
			Read: []string{path}, Stdout: w, Timeout: e.cfg.Timeout, MemLimit: e.cfg.MemLimit,
		})
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(t.cols); err != nil {
		return err
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	sel := make([]string, len(t.cols))
	for i, c := range t.cols {
		q := quoteIdent(c)
		sel[i] = "CASE typeof(" + q + ") WHEN 'blob' THEN '[blob ' || length(" + q + ") || ' bytes]' ELSE " + q + " END"
	}
	sql := "SELECT " + strings.Join(sel, ", ") + " FROM " + quoteIdent(t.name) + limit + ";"
	return e.shell(ctx, path, sql, w, 0)
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// sqliteURI makes a read-only, immutable URI filename for path, so that
// SQLite neither writes nor looks for a journal or WAL beside it.
func sqliteURI(path string) string {
	var b strings.Builder
	b.WriteString("file:")
	for i := 0; i < len(path); i++ {
		c := path[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("/-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	b.WriteString("?mode=ro&immutable=1")
	return b.String()
}

// readCSV parses the shell's CSV output into records of n fields.
func readCSV(b []byte, n int) ([][]string, error) {
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = n
	return r.ReadAll()
}
