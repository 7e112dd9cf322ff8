// Package table extracts databases and data tables: Microsoft Access
// (.mdb, .accdb) through mdbtools, SQLite through the sqlite3 shell (both
// run sandboxed by package tool; untrusted SQLite is never opened in
// process) and dBase/FoxPro tables (.dbf), parsed here. Each table
// becomes a child item "<table>.csv" of type text/csv, so the CSV
// extractor makes its rows searchable as "column: value".
package table

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/tool"
)

// Config bounds what one database may produce. A zero field takes its
// default (see DefaultConfig).
type Config struct {
	// MaxTables is the most tables emitted from one database; the rest
	// are left out and Extract fails with extract.ErrTooLarge.
	MaxTables int
	// MaxRows and MaxTableBytes cap the rows and CSV bytes of one table.
	// A table over either is emitted cut at a row boundary, and Extract
	// returns an error wrapping extract.ErrTooLarge after the other
	// tables.
	MaxRows       int64
	MaxTableBytes int64
	// Timeout bounds each run of an external tool; MemLimit its address
	// space.
	Timeout  time.Duration
	MemLimit int64
	// TempDir holds one table's CSV while it is produced ("" means the
	// system's temporary folder).
	TempDir string
}

// DefaultConfig returns the limits a zero Config stands for.
func DefaultConfig() Config {
	return Config{
		MaxTables:     10_000,
		MaxRows:       10_000_000,
		MaxTableBytes: 4 << 30,
		Timeout:       30 * time.Minute,
		MemLimit:      tool.DefaultMemLimit,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.MaxTables <= 0 {
		c.MaxTables = d.MaxTables
	}
	if c.MaxRows <= 0 {
		c.MaxRows = d.MaxRows
	}
	if c.MaxTableBytes <= 0 {
		c.MaxTableBytes = d.MaxTableBytes
	}
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	if c.MemLimit <= 0 {
		c.MemLimit = d.MemLimit
	}
	return c
}

// New returns the Access, SQLite and dBase extractors.
func New(cfg Config) []extract.Extractor {
	cfg = cfg.withDefaults()
	return []extract.Extractor{&Access{cfg: cfg}, &SQLite{cfg: cfg}, &DBF{cfg: cfg}}
}

// Check reports the external tools for `trove doctor`.
func Check(ctx context.Context) []tool.Status {
	return []tool.Status{
		tool.Check(ctx, tool.Status{Name: "mdb-tables", Formats: []string{"mdb", "accdb"},
			Degraded: "Microsoft Access databases are stored but not searchable", Install: "apt-get install mdbtools"},
			"", "--version"),
		tool.Check(ctx, tool.Status{Name: "mdb-export", Formats: []string{"mdb", "accdb"},
			Degraded: "Microsoft Access databases are stored but not searchable", Install: "apt-get install mdbtools"},
			"", "--version"),
		tool.Check(ctx, tool.Status{Name: "sqlite3", Formats: []string{"sqlite"},
			Degraded: "SQLite databases are stored but not searchable", Install: "apt-get install sqlite3"},
			"", "-version"),
	}
}

// errCut stops a table's producer at a limit; it is never returned.
var errCut = errors.New("table limit reached")

// run is the state of one Extract call.
type run struct {
	cfg    Config
	format string // "sqlite", for errors
	s      extract.Sink
	cut    []string // tables emitted cut at a limit
}

// childName makes a table name into the member name "<table>.csv"; path
// separators would make it look like a folder.
func childName(table string) string {
	t := strings.NewReplacer("/", "_", "\\", "_").Replace(table)
	if strings.TrimSpace(t) == "" {
		t = "table"
	}
	return t + ".csv"
}

// table produces one table's CSV through produce into a temporary file,
// then emits it as a child, or records it as failed. A non-nil error
// means stop (the sink's budget or ctx).
func (r *run) table(ctx context.Context, name string, produce func(ctx context.Context, w io.Writer) error) error {
	info := extract.ChildInfo{Name: childName(name), MIME: extract.MIMECSV}
	f, err := os.CreateTemp(r.cfg.TempDir, "trove-table-*.csv")
	if err != nil {
		return fmt.Errorf("%s: temp file: %w", r.format, err)
	}
	defer os.Remove(f.Name())
	defer f.Close()
	w := &cutWriter{w: f, maxRecords: r.cfg.MaxRows + 1, maxBytes: r.cfg.MaxTableBytes}
	perr := produce(ctx, w)
	if ctx.Err() != nil {
		return fmt.Errorf("%s: table %q: %w", r.format, name, context.Cause(ctx))
	}
	if perr != nil && !(w.cut && errors.Is(perr, errCut)) {
		r.s.ChildFailed(info, fmt.Errorf("%s: table %q: %w", r.format, name, perr))
		return nil
	}
	end := w.n
	if w.cut {
		end = w.boundary
		r.cut = append(r.cut, name)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("%s: rewind: %w", r.format, err)
	}
	return r.s.Child(ctx, info, io.LimitReader(f, end))
}

// done returns the error for the tables cut at a limit, or nil.
func (r *run) done(skipped int) error {
	var msgs []string
	if len(r.cut) > 0 {
		names := r.cut
		if len(names) > 5 {
			names = append(names[:5:5], "...")
		}
		msgs = append(msgs, fmt.Sprintf("%d table(s) cut at %d rows or %d bytes: %s",
			len(r.cut), r.cfg.MaxRows, r.cfg.MaxTableBytes, strings.Join(quoteAll(names), ", ")))
		m := r.s.Meta()
		if m.Extra == nil {
			m.Extra = map[string]string{}
		}
		m.Extra["tables_cut"] = strings.Join(r.cut, ", ")
	}
	if skipped > 0 {
		msgs = append(msgs, fmt.Sprintf("%d table(s) over the limit of %d left out", skipped, r.cfg.MaxTables))
	}
	if len(msgs) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %w: %s", r.format, extract.ErrTooLarge, strings.Join(msgs, "; "))
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

func setExtra(s extract.Sink, k, v string) {
	if v == "" {
		return
	}
	m := s.Meta()
	if m.Extra == nil {
		m.Extra = map[string]string{}
	}
	m.Extra[k] = v
}

// cutWriter writes CSV to w until maxRecords records (the header counts)
// or maxBytes bytes; beyond that it fails with errCut. boundary is the
// offset just after the last complete record, where a cut table ends.
// Records end at a line feed outside double quotes (RFC 4180, as
// sqlite3 and mdb-export write them).
type cutWriter struct {
	w          io.Writer
	maxRecords int64
	maxBytes   int64
	n          int64 // bytes written
	records    int64
	boundary   int64
	inQuote    bool
	full       bool // maxRecords reached: the next byte cuts
	cut        bool
}

func (c *cutWriter) Write(p []byte) (int, error) {
	if c.cut {
		return 0, errCut
	}
	lim := len(p)
	over := false
	if c.maxBytes > 0 && c.n+int64(lim) > c.maxBytes {
		lim, over = int(c.maxBytes-c.n), true
	}
	for i := 0; i < lim; i++ {
		if c.full {
			lim, over = i, true
			break
		}
		switch p[i] {
		case '"':
			c.inQuote = !c.inQuote
		case '\n':
			if !c.inQuote {
				c.records++
				c.boundary = c.n + int64(i) + 1
				if c.maxRecords > 0 && c.records >= c.maxRecords {
					c.full = true
				}
			}
		}
	}
	m, err := c.w.Write(p[:lim])
	c.n += int64(m)
	if err != nil {
		return m, err
	}
	if over {
		c.cut = true
		return m, errCut
	}
	return m, nil
}
