package ocr

import "context"

// WithoutLibs makes e believe leptonica lacks the given image libraries,
// so that images in those formats are converted (or refused).
func WithoutLibs(e *Engine, libs ...string) error {
	in, err := e.probe(context.Background())
	if err != nil {
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	m := map[string]bool{}
	for _, l := range libFor {
		m[l] = true
	}
	for _, l := range libs {
		delete(m, l)
	}
	in.libs = m
	return nil
}
