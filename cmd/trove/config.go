package main

import (
	"os"
	"path/filepath"

	"github.com/trove-archive/trove/internal/archive"
)

// Config is trove's configuration: defaults, then environment (TROVE_*),
// then flags.
type Config struct {
	DataDir string // catalog.db and blobs/ live here
}

// DefaultConfig returns the defaults with the environment applied.
func DefaultConfig() Config {
	c := Config{DataDir: defaultDataDir()}
	if v := os.Getenv("TROVE_DATA"); v != "" {
		c.DataDir = v
	}
	return c
}

func defaultDataDir() string {
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "trove")
	}
	if h, err := os.UserHomeDir(); err == nil {
		return filepath.Join(h, ".local", "share", "trove")
	}
	return "trove-data"
}

// Validate checks the configuration once, before anything opens.
func (c *Config) Validate() error {
	if c.DataDir == "" {
		return archive.Errorf(archive.EInvalid, "no data folder: set --data or TROVE_DATA")
	}
	return nil
}

func (c *Config) catalogPath() string { return filepath.Join(c.DataDir, "catalog.db") }
func (c *Config) blobDir() string     { return filepath.Join(c.DataDir, "blobs") }
