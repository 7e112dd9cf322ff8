package text_test

import (
	"bytes"
	"context"
	"io"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
)

// sink collects what an extractor produces.
type sink struct {
	bytes.Buffer
	meta archive.Meta
}

func (s *sink) Meta() *archive.Meta { return &s.meta }
func (s *sink) Expect(int)          {}
func (s *sink) Child(_ context.Context, _ extract.ChildInfo, r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	return err
}
func (s *sink) ChildFailed(extract.ChildInfo, error) {}
func (s *sink) Passwords() []string                  { return nil }
