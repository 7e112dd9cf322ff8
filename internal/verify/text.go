package verify

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// WriteText writes the report for a terminal: the summary first, then each
// section.
func (r *Report) WriteText(w io.Writer) error {
	bw := bufio.NewWriter(w)
	// Names and paths come from the leak: control characters (terminal
	// escapes) are shown as '?'.
	p := func(format string, args ...any) { fmt.Fprint(bw, printable(fmt.Sprintf(format, args...))) }
	p("Plausibility report: %s (%s), %s\n\n", r.Title, r.Dataset, r.Generated.Format(time.RFC3339))
	for _, l := range r.Summary {
		p("  %s\n", l)
	}
	v := r.Verdict
	p("\nVerdict: %s", v.Verdict)
	if v.Time != nil {
		p(" (%s", v.Time.Format("2006-01-02 15:04 MST"))
		if v.By != "" {
			p(", %s", v.By)
		}
		p(")")
	}
	p("\n")
	if v.Note != "" {
		p("  %s\n", v.Note)
	}

	p("\nDKIM by signing domain\n")
	switch {
	case !r.DKIM.Checked:
		p("  not checked\n")
	default:
		p("  all %d messages: %s\n", r.DKIM.Messages, sharesText(r.DKIM.Verdicts))
		for _, d := range r.DKIM.Domains {
			name := d.Domain
			if name == "" {
				name = "(unsigned)"
			}
			p("  %-32s %6d  %s\n", name, d.Messages, sharesText(d.Verdicts))
		}
		if r.DKIM.OtherDomains > 0 {
			p("  and %d more domains (see --json)\n", r.DKIM.OtherDomains)
		}
	}

	t := r.Timeline
	p("\nTimeline (by %s; %d dates, %d before 1971, %d in the future)\n", t.Unit, t.Dates, t.Before, t.Future)
	var top int64
	for _, b := range t.Buckets {
		top = max(top, b.Total())
	}
	for _, b := range t.Buckets {
		bar := ""
		if top > 0 {
			bar = strings.Repeat("#", int((b.Total()*40+top-1)/top))
		}
		mark := ""
		if b.Flagged > 0 {
			mark = fmt.Sprintf("  ! %d flagged", b.Flagged)
		}
		p("  %-7s %6d %s%s\n", b.Start, b.Total(), bar, mark)
	}

	p("\nImplausible dates (%d items)\n", r.Outliers.Total)
	if len(r.Outliers.Reasons) == 0 {
		p("  none\n")
	}
	for _, rs := range r.Outliers.Reasons {
		p("  %s: %d\n", ReasonText(rs.Reason), rs.Count)
		for _, ex := range rs.Examples {
			p("    #%d %s: %s", ex.Item, ex.Path, ex.Field)
			if ex.Date != nil {
				p(" %s", ex.Date.Format(time.RFC3339))
			}
			if ex.Detail != "" {
				p(" (%s)", ex.Detail)
			}
			p("\n")
		}
	}

	p("\nExtensions that lie (%d files)\n", r.ExtLies.Total)
	if len(r.ExtLies.Types) == 0 {
		p("  none\n")
	}
	for _, lt := range r.ExtLies.Types {
		p("  .%s holding %s (%s): %d\n", lt.Ext, lt.Kind, lt.MIME, lt.Count)
		for _, ex := range lt.Examples[:min(3, len(lt.Examples))] {
			p("    #%d %s\n", ex.Item, ex.Path)
		}
	}

	p("\nSoftware (creator and producer; %d contents name one)\n", r.Software.Items)
	if len(r.Software.Entries) == 0 {
		p("  none recorded\n")
	}
	for _, e := range r.Software.Entries {
		year := ""
		if e.FirstRelease > 0 {
			year = fmt.Sprintf("  (since %d)", e.FirstRelease)
		}
		p("  %6d  %s%s\n", e.Items, e.Name, year)
	}
	if r.Software.Others > 0 {
		p("  %6d  others\n", r.Software.Others)
	}

	d := r.Duplicates
	p("\nDuplicates: %d contents occur more than once; %d extra copies, %s\n", d.Contents, d.Copies, archive.HumanBytes(d.Bytes))
	for _, x := range d.Examples {
		p("  %d× %s (%s): %s\n", x.Count, x.SHA256[:16], archive.HumanBytes(x.Size), strings.Join(x.Paths, ", "))
	}

	p("\nExtraction failures (%d items)\n", r.Failures.Total)
	if len(r.Failures.Reasons) == 0 {
		p("  none\n")
	}
	for _, rs := range r.Failures.Reasons {
		p("  %s: %d\n", rs.Reason, rs.Count)
		for _, ex := range rs.Examples[:min(3, len(rs.Examples))] {
			p("    #%d %s: %s\n", ex.Item, ex.Path, ex.Detail)
		}
	}
	return bw.Flush()
}

func sharesText(vs []VerdictShare) string {
	var parts []string
	for _, v := range vs {
		parts = append(parts, fmt.Sprintf("%s %d (%.0f%%)", v.Verdict, v.Messages, v.Share*100))
	}
	return strings.Join(parts, ", ")
}

// printable replaces control characters other than newline with '?'.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || (r >= 0x20 && r != 0x7f && (r < 0x80 || r > 0x9f)) {
			return r
		}
		return '?'
	}, s)
}
