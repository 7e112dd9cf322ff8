package main

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
)

// Config is trove's configuration: defaults, then environment (TROVE_*),
// then flags.
type Config struct {
	DataDir string // catalog.db and blobs/ live here
	// BaseURL is the archive's public address (e.g. https://archive.example),
	// used in torrents (web seeds) and manifests; env TROVE_BASE_URL.
	// Empty: serve uses its listen address.
	BaseURL string
	// Trackers are BitTorrent announce URLs written into torrents; env
	// TROVE_TRACKERS, comma-separated.
	Trackers []string
}

// DefaultConfig returns the defaults with the environment applied.
func DefaultConfig() Config {
	c := Config{DataDir: defaultDataDir()}
	if v := os.Getenv("TROVE_DATA"); v != "" {
		c.DataDir = v
	}
	c.BaseURL = strings.TrimRight(os.Getenv("TROVE_BASE_URL"), "/")
	for _, t := range strings.Split(os.Getenv("TROVE_TRACKERS"), ",") {
		if t = strings.TrimSpace(t); t != "" {
			c.Trackers = append(c.Trackers, t)
		}
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
