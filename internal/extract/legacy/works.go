package legacy

import (
	"context"
	"strings"

	"github.com/trove-archive/trove/internal/extract"
)

// Works extracts Microsoft Works word-processor documents (.wps, in OLE
// containers) with wps2text from libwps.
type Works struct{ cfg Config }

var _ extract.Extractor = (*Works)(nil)

func (*Works) Name() string    { return toolWPS2Text }
func (*Works) MIMEs() []string { return []string{extract.MIMEWorks} }

// Extract writes the document's text; the document properties come from
// the compound file's property sets, as for Word.
func (w *Works) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	if props, err := ReadProperties(in.Path); err == nil {
		props.fill(s.Meta())
	}
	out, err := w.cfg.run(ctx, toolWPS2Text, w.cfg.WPS2Text, in.Path)
	if err != nil {
		if se := stderrOf(err); strings.Contains(se, "Unsupported file format") {
			return &extract.ToolError{Tool: toolWPS2Text, Err: extract.ErrUnsupported, Stderr: se}
		}
		return encryptedErr(err, s.Meta())
	}
	return textOut(s, out)
}
