package office

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/extract"
)

// fields collects the text of the elements at depth level (the root is at
// depth 1), by local name; a repeated name's values are joined with ", ".
// Attributes of those elements are recorded as "name@attr".
func fields(d *xml.Decoder, level int) (map[string]string, error) {
	out := map[string]string{}
	depth := 0
	var cur string
	var b strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth == level {
				cur = t.Name.Local
				b.Reset()
				for _, a := range t.Attr {
					out[cur+"@"+a.Name.Local] = a.Value
				}
			}
		case xml.EndElement:
			if depth == level {
				if v := strings.TrimSpace(b.String()); v != "" {
					if old := out[cur]; old != "" {
						v = old + ", " + v
					}
					out[cur] = v
				}
			}
			depth--
		case xml.CharData:
			if depth >= level && b.Len() < 1<<20 {
				b.Write(t)
			}
		}
	}
}

// readFields parses one properties part. A missing or damaged part yields
// what could be read: properties are not worth failing the text for. Only
// a budget or context error is returned.
func (p *pkg) readFields(name string, level int) (map[string]string, error) {
	var f map[string]string
	err := p.parse(name, nil, func(d *xml.Decoder) error {
		var err error
		f, err = fields(d, level)
		return err
	})
	if err != nil && (errors.Is(err, extract.ErrBomb) || p.ctx.Err() != nil) {
		return nil, err
	}
	return f, nil
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseTime parses a W3CDTF (OOXML) or xsd:dateTime (ODF) value; a value
// without zone is taken as UTC.
func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func setTime(dst *time.Time, s string) {
	if t, ok := parseTime(s); ok && dst.IsZero() {
		*dst = t
	}
}

// ooxmlProps reads docProps/core.xml (ECMA-376 Part 2, §11) and
// docProps/app.xml (Part 1, §22.2) into m. pages says whether app.xml's page
// count is worth recording (it is Word's).
func (p *pkg) ooxmlProps(m *archive.Meta, pages bool) error {
	rs, _ := p.rels("")
	core, app := "docProps/core.xml", "docProps/app.xml"
	for _, r := range rs {
		switch {
		case relType(r.Type, "core-properties"):
			core = r.Target
		case relType(r.Type, "extended-properties"):
			app = r.Target
		}
	}
	if p.has(core) {
		f, err := p.readFields(core, 2)
		if err != nil {
			return err
		}
		setString(&m.Title, f["title"])
		setString(&m.Author, f["creator"])
		setString(&m.Subject, f["subject"])
		setString(&m.Keywords, f["keywords"])
		setString(&m.Language, f["language"])
		setTime(&m.Created, f["created"])
		setTime(&m.Modified, f["modified"])
		setExtra(m, "description", f["description"])
		setExtra(m, "last_modified_by", f["lastModifiedBy"])
		setExtra(m, "category", f["category"])
	}
	if p.has(app) {
		f, err := p.readFields(app, 2)
		if err != nil {
			return err
		}
		setString(&m.Creator, f["Application"])
		setExtra(m, "company", f["Company"])
		setExtra(m, "manager", f["Manager"])
		setExtra(m, "template", f["Template"])
		if n, err := strconv.Atoi(f["Pages"]); pages && err == nil && n > 0 && m.Pages == 0 {
			m.Pages = n
		}
	}
	return nil
}

// odfProps reads meta.xml (ODF 1.2 Part 1, §4) into m.
func (p *pkg) odfProps(m *archive.Meta, pages bool) error {
	if !p.has("meta.xml") {
		return nil
	}
	f, err := p.readFields("meta.xml", 3)
	if err != nil {
		return err
	}
	setString(&m.Title, f["title"])
	setString(&m.Author, f["initial-creator"])
	setString(&m.Author, f["creator"])
	setString(&m.Subject, f["subject"])
	setString(&m.Keywords, f["keyword"])
	setString(&m.Language, f["language"])
	setString(&m.Creator, f["generator"])
	setTime(&m.Created, f["creation-date"])
	setTime(&m.Modified, f["date"])
	setExtra(m, "description", f["description"])
	setExtra(m, "last_modified_by", f["creator"])
	if n, err := strconv.Atoi(f["document-statistic@page-count"]); pages && err == nil && n > 0 && m.Pages == 0 {
		m.Pages = n
	}
	return nil
}
