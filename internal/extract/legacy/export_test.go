package legacy

import (
	"context"

	"github.com/trove-archive/trove/internal/archive"
)

// RunTool runs catdoc or xls2csv on path as Extract would, without the
// checks in Go first, and returns the classified error.
func RunTool(ctx context.Context, cfg Config, name, path string) error {
	cfg = cfg.withDefaults()
	var m metaStub
	switch name {
	case toolCatdoc:
		_, err := cfg.run(ctx, toolCatdoc, cfg.Catdoc, path, "-d", "utf-8", "-w")
		return encryptedErr(err, &m.Meta)
	default:
		_, err := cfg.run(ctx, toolXLS2CSV, cfg.XLS2CSV, path, "-d", "utf-8")
		return encryptedErr(err, &m.Meta)
	}
}

type metaStub struct{ Meta archive.Meta }
