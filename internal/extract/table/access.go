package table

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/tool"
)

// Access extracts the user tables of a Microsoft Access database (Jet
// .mdb, ACE .accdb) with mdbtools: mdb-tables lists them, mdb-export
// writes each as CSV (binary columns left out).
type Access struct{ cfg Config }

var _ extract.Extractor = (*Access)(nil)

func (*Access) Name() string    { return "mdbtools" }
func (*Access) MIMEs() []string { return []string{extract.MIMEAccess} }

func (e *Access) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	path, err := filepath.Abs(in.Path)
	if err != nil {
		return fmt.Errorf("table: %w", err)
	}
	in.Path = path
	r := &run{cfg: e.cfg, format: "access", s: s}
	var out bytes.Buffer
	err = tool.Run(ctx, tool.Cmd{
		Name: "mdb-tables", Args: []string{"-1", in.Path}, Read: []string{in.Path},
		Stdout: &out, MaxOutput: maxListing, Timeout: e.cfg.Timeout, MemLimit: e.cfg.MemLimit,
	})
	if err != nil {
		return fmt.Errorf("access: table list: %w", err)
	}
	var tables []string
	for _, l := range strings.Split(out.String(), "\n") {
		if l = strings.TrimRight(l, "\r"); l != "" {
			tables = append(tables, l)
		}
	}
	setExtra(s, "tables", strconv.Itoa(len(tables)))
	skipped := 0
	if len(tables) > e.cfg.MaxTables {
		skipped = len(tables) - e.cfg.MaxTables
		tables = tables[:e.cfg.MaxTables]
	}
	s.Expect(len(tables))
	for _, t := range tables {
		err := r.table(ctx, t, func(ctx context.Context, w io.Writer) error {
			return tool.Run(ctx, tool.Cmd{
				Name: "mdb-export",
				Args: []string{"-D", "%Y-%m-%d", "-T", "%Y-%m-%d %H:%M:%S", "-b", "strip", "--", in.Path, t},
				Read: []string{in.Path}, Stdout: w, Timeout: e.cfg.Timeout, MemLimit: e.cfg.MemLimit,
			})
		})
		if err != nil {
			return err
		}
	}
	return r.done(skipped)
}
