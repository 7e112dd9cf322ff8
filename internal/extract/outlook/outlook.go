package outlook

import (
	"context"
	"time"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/tool"
)

// Config bounds and locates the work. Zero values select the defaults.
type Config struct {
	// ReadpstPath is the readpst program; default "readpst" in PATH.
	ReadpstPath string
	// TempDir holds readpst's private output folder while a PST is
	// extracted; default os.TempDir().
	TempDir string
	// Timeout bounds one readpst run (default tool.DefaultTimeout).
	Timeout time.Duration
	// MemLimit bounds readpst's address space (default tool.DefaultMemLimit).
	MemLimit int64
	// MaxOutputRatio bounds what readpst may write, as a multiple of the
	// PST's size (default 20); MaxOutputBytes is an absolute cap on top
	// (default 256 GiB) and MinOutputBytes a floor for small files
	// (default 64 MiB). More fails with extract.ErrBomb.
	MaxOutputRatio int64
	MaxOutputBytes int64
	MinOutputBytes int64
	// MaxBodyBytes bounds one .msg property value held in memory (a body,
	// the compressed RTF and its expansion); default 64 MiB. Attachments
	// are streamed and not bounded by it.
	MaxBodyBytes int64
}

// DefaultConfig returns the values a zero Config stands for.
func DefaultConfig() Config {
	return Config{
		ReadpstPath:    "readpst",
		Timeout:        tool.DefaultTimeout,
		MemLimit:       tool.DefaultMemLimit,
		MaxOutputRatio: 20,
		MaxOutputBytes: 256 << 30,
		MinOutputBytes: 64 << 20,
		MaxBodyBytes:   64 << 20,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if c.ReadpstPath == "" {
		c.ReadpstPath = d.ReadpstPath
	}
	if c.Timeout <= 0 {
		c.Timeout = d.Timeout
	}
	if c.MemLimit <= 0 {
		c.MemLimit = d.MemLimit
	}
	if c.MaxOutputRatio <= 0 {
		c.MaxOutputRatio = d.MaxOutputRatio
	}
	if c.MaxOutputBytes <= 0 {
		c.MaxOutputBytes = d.MaxOutputBytes
	}
	if c.MinOutputBytes <= 0 {
		c.MinOutputBytes = d.MinOutputBytes
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = d.MaxBodyBytes
	}
	return c
}

// New returns the .msg and the PST extractors, for cmd/trove to register.
func New(cfg Config) []extract.Extractor {
	return []extract.Extractor{NewMSG(cfg), NewPST(cfg)}
}

// Check reports readpst, the tool the PST extractor runs.
func Check(ctx context.Context) []tool.Status {
	st := tool.Status{
		Name:     "readpst",
		Formats:  []string{"pst", "ost"},
		Degraded: "Outlook mailboxes (.pst, .ost) are stored but not opened: their messages are not extracted or searchable (.msg files do not need it)",
		Install:  "apt-get install pst-utils",
	}
	return []tool.Status{tool.Check(ctx, st, "", "-V")}
}
