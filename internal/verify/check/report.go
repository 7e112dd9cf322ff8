package check

import (
	"fmt"
	"io"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
)

var kindTitle = map[Kind]string{
	CorruptBlob:    "corrupt blob",
	MissingBlob:    "missing blob",
	OrphanBlob:     "orphan blob",
	CatalogCorrupt: "damaged catalog",
	OrphanItem:     "orphan item",
	MissingIndex:   "item without index entry",
	StaleIndex:     "stale index entry",
	IndexCorrupt:   "damaged index",
}

// Title is the kind's name in the text report.
func (k Kind) Title() string {
	if t, ok := kindTitle[k]; ok {
		return t
	}
	return string(k)
}

// String is one line naming the damage precisely.
func (d *Damage) String() string {
	var b strings.Builder
	b.WriteString(d.Kind.Title())
	if d.Blob != "" {
		fmt.Fprintf(&b, " %s", d.Blob)
	}
	if d.BlobRow != 0 && d.Kind != OrphanItem {
		fmt.Fprintf(&b, " (blob row %d)", d.BlobRow)
	}
	if d.Item != 0 {
		fmt.Fprintf(&b, " %d", d.Item)
		if d.Dataset != "" || d.Path != "" {
			fmt.Fprintf(&b, " (%s)", location(d.Dataset, d.Path))
		}
	}
	if d.Table != "" && d.Kind == IndexCorrupt {
		fmt.Fprintf(&b, " %s", d.Table)
	}
	fmt.Fprintf(&b, ": %s", d.Message)
	return b.String()
}

func location(dataset, path string) string {
	if dataset == "" {
		return path
	}
	return dataset + ":" + path
}

// WriteText writes the report for people: each damage with the items it
// touches and what repair did or how to recover, then a summary.
func (r *Report) WriteText(w io.Writer) error {
	for _, d := range r.Damage {
		fmt.Fprintln(w, d.String())
		for _, u := range d.UsedBy {
			switch {
			case u.Release != "":
				fmt.Fprintf(w, "    file of release %s: %s\n", u.Release, u.Path)
			default:
				fmt.Fprintf(w, "    used by item %d %s\n", u.Item, location(u.Dataset, u.Path))
			}
		}
		if more := d.UsedByTotal - len(d.UsedBy); more > 0 {
			fmt.Fprintf(w, "    and %d more\n", more)
		}
		if d.Fix != "" {
			state := "not repaired"
			if d.Repaired {
				state = "repaired"
			}
			fmt.Fprintf(w, "    %s: %s\n", state, d.Fix)
		}
	}
	s := r.Stats
	what := "every blob"
	if s.Sample > 0 {
		what = fmt.Sprintf("a %g%% sample (seed %d)", s.Sample, s.Seed)
	}
	fmt.Fprintf(w, "checked %d stored blobs (%s), hashed %s: %d blobs, %s in %.1fs (%.0f MB/s); %d catalog blobs, %d release files",
		s.StoredBlobs, archive.HumanBytes(s.StoredBytes), what, s.HashedBlobs, archive.HumanBytes(s.HashedBytes), s.Seconds, s.MBPerSecond,
		s.CatalogBlobs, s.ReleaseFiles)
	if !s.FullChecks {
		fmt.Fprint(w, "; SQLite's and FTS5's own checks skipped")
	}
	fmt.Fprintln(w)
	for _, e := range r.Errors {
		fmt.Fprintf(w, "repair error: %s\n", e)
	}
	switch {
	case r.Clean:
		fmt.Fprintln(w, "no damage found")
	case r.Repaired:
		fmt.Fprintf(w, "%s found, all repaired\n", r.summary())
	case r.Repair:
		fmt.Fprintf(w, "%s found, %d not repaired\n", r.summary(), r.Unrepaired())
	default:
		fmt.Fprintf(w, "%s found; trove check --repair rebuilds what can be rebuilt\n", r.summary())
	}
	return nil
}

// summary counts the damage by kind: "2 corrupt blobs, 1 orphan item".
func (r *Report) summary() string {
	var parts []string
	for _, k := range kindOrder {
		if n := r.Count(k); n > 0 {
			t := k.Title()
			if n > 1 {
				t = plural(t)
			}
			parts = append(parts, fmt.Sprintf("%d %s", n, t))
		}
	}
	return joinComma(parts)
}

func plural(s string) string {
	switch s {
	case "damaged catalog":
		return "damaged catalog tables"
	case "damaged index":
		return "damaged indexes"
	case "stale index entry":
		return "stale index entries"
	case "item without index entry":
		return "items without index entries"
	}
	return s + "s"
}
