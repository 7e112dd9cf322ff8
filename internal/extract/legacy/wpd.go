package legacy

import (
	"context"
	"strings"

	"github.com/trove-archive/trove/internal/extract"
)

// WordPerfect extracts WordPerfect documents (versions 4.2 to X, in plain
// files or OLE containers) with wpd2text from libwpd. WordPerfect files
// carry no document properties wpd2text reports.
type WordPerfect struct{ cfg Config }

var _ extract.Extractor = (*WordPerfect)(nil)

func (*WordPerfect) Name() string    { return toolWPD2Text }
func (*WordPerfect) MIMEs() []string { return []string{extract.MIMEWordPerfect} }

// Extract writes the document's text. Errors wrap extract.ErrEncrypted
// (a password protected document), extract.ErrUnsupported (not a
// WordPerfect document), extract.ErrCorrupt, extract.ErrToolMissing,
// extract.ErrTimeout or extract.ErrTooLarge.
func (w *WordPerfect) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	out, err := w.cfg.run(ctx, toolWPD2Text, w.cfg.WPD2Text, in.Path)
	if err != nil {
		if se := stderrOf(err); strings.Contains(se, "Unsupported file format") || strings.Contains(se, "does not contain a WordPerfect stream") {
			return &extract.ToolError{Tool: toolWPD2Text, Err: extract.ErrUnsupported, Stderr: se}
		}
		return encryptedErr(err, s.Meta())
	}
	return textOut(s, out)
}
