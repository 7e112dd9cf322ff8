package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/trove-archive/trove/internal/sqlite"
	"github.com/trove-archive/trove/internal/store"
)

// app holds what commands open: the catalog and the blob store.
type app struct {
	db    *sqlite.DB
	store *store.Store
}

// open opens the data folder once per Run.
func (m *Main) open() (*app, error) {
	if m.app != nil {
		return m.app, nil
	}
	if err := os.MkdirAll(m.Config.DataDir, 0o750); err != nil {
		return nil, fmt.Errorf("open data folder: %w", err)
	}
	st, err := store.Open(m.Config.blobDir())
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(m.Config.catalogPath())
	if err != nil {
		return nil, err
	}
	m.app = &app{db: db, store: st}
	return m.app, nil
}

func (a *app) Close() error { return a.db.Close() }

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
