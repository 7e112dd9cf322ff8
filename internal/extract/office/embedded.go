package office

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/trove-archive/trove/internal/extract"
)

// embedded emits the files embedded in an OOXML package as children for the
// ingest to sniff and extract: OLE objects and packages in */embeddings/
// (a workbook in a report, a PDF in a memo), and the parts named in extra
// (a DOCX's alternative-format chunks). Images in */media/ are not emitted.
func (p *pkg) embedded(s extract.Sink, extra []string) error {
	var names []string
	for _, n := range p.names {
		if !strings.HasSuffix(n, "/") && strings.EqualFold(path.Base(path.Dir(n)), "embeddings") {
			names = append(names, n)
		}
	}
	for _, n := range extra {
		if f, ok := p.files[strings.ToLower(n)]; ok && !slices.Contains(names, f.Name) {
			names = append(names, strings.TrimPrefix(f.Name, "/"))
		}
	}
	if len(names) == 0 {
		return nil
	}
	s.Expect(len(names))
	for _, n := range names {
		info := extract.ChildInfo{Name: n}
		if f := p.files[strings.ToLower(n)]; f.Modified.Year() > 1980 { // 1980-01-01 means unset
			info.ModTime = f.Modified
		}
		rc, err := p.open(n)
		if err != nil {
			if errors.Is(err, extract.ErrBomb) || p.ctx.Err() != nil {
				return err
			}
			s.ChildFailed(info, err)
			continue
		}
		err = s.Child(p.ctx, info, rc)
		rc.Close()
		switch {
		case err == nil:
		case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return err
		case errors.Is(err, extract.ErrCorrupt) && !errors.Is(err, extract.ErrBomb):
			// The member's bytes were damaged (our reader failed), not the
			// sink's budget: record it and go on with the next one.
			s.ChildFailed(info, fmt.Errorf("office child %s: %w", n, err))
		default:
			return fmt.Errorf("office child %s: %w", n, err)
		}
	}
	return nil
}

// odfObjects lists the content parts of the objects embedded in an
// OpenDocument package (charts, formulas, nested documents: "Object 1/").
func (p *pkg) odfObjects() []string {
	var out []string
	for _, n := range p.names {
		dir, base := path.Split(n)
		if base == "content.xml" && strings.HasPrefix(dir, "Object ") && strings.Count(dir, "/") == 1 {
			out = append(out, n)
		}
	}
	slices.SortFunc(out, naturalCompare)
	return out
}
