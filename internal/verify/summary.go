package verify

import (
	"fmt"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
)

// summarize writes the lines an editor reads first: what the dataset
// holds, its date span, the DKIM result, the red flags, and the verdict.
func summarize(r *Report) []string {
	var out []string
	c := r.Counts
	line := fmt.Sprintf("%s in %s (%s)", plural(c.Items, "item"), plural(c.TopLevel, "file"), archive.HumanBytes(c.Bytes))
	if len(c.Kinds) > 0 {
		var ks []string
		for _, k := range c.Kinds[:min(3, len(c.Kinds))] {
			ks = append(ks, fmt.Sprintf("%d %s", k.Count, k.Value))
		}
		line += ": mostly " + strings.Join(ks, ", ")
	}
	out = append(out, line+".")

	t := r.Timeline
	switch {
	case t.Dates == 0:
		out = append(out, "No usable dates.")
	case t.First == t.Last:
		out = append(out, fmt.Sprintf("Dates fall in %s (%s).", t.First, plural(t.Dates, "date")))
	default:
		out = append(out, fmt.Sprintf("Dates span %s to %s (%s).", t.First, t.Last, plural(t.Dates, "date")))
	}

	d := r.DKIM
	switch {
	case c.Emails == 0:
	case !d.Checked:
		out = append(out, fmt.Sprintf("DKIM: not checked yet for %s (run trove verify).", plural(c.Emails, "email")))
	default:
		signed := d.Messages - d.Count(archive.DKIMNone)
		pass := d.Count(archive.DKIMPass)
		line := fmt.Sprintf("DKIM: %d of %d signed messages verified (%s of all %d)", pass, signed, percent(pass, d.Messages), d.Messages)
		if n := d.Count(archive.DKIMFail); n > 0 {
			line += fmt.Sprintf("; %d failed", n)
		}
		if n := d.Count(archive.DKIMKeyMissing) + d.Count(archive.DKIMKeyRevoked); n > 0 {
			line += fmt.Sprintf("; %d without a usable key", n)
		}
		out = append(out, line+".")
	}

	var flags []string
	for _, rs := range r.Outliers.Reasons {
		flags = append(flags, fmt.Sprintf("%d %s", rs.Count, reasonText(rs.Reason, rs.Count)))
	}
	if len(flags) == 0 {
		out = append(out, "No implausible dates.")
	} else {
		out = append(out, "Red flags: "+strings.Join(flags, ", ")+".")
	}

	if r.ExtLies.Total > 0 {
		lt := r.ExtLies.Types[0]
		out = append(out, fmt.Sprintf("%s whose extension names another type (e.g. .%s holding %s).",
			capital(plural(r.ExtLies.Total, "file")), lt.Ext, lt.Kind))
	}
	if f := r.Failures; f.Total > 0 {
		var rs []string
		for _, x := range f.Reasons[:min(3, len(f.Reasons))] {
			rs = append(rs, fmt.Sprintf("%d %s", x.Count, x.Reason))
		}
		out = append(out, fmt.Sprintf("Extraction failed for %s (%s).", plural(f.Total, "item"), strings.Join(rs, ", ")))
	}
	if dp := r.Duplicates; dp.Copies > 0 {
		out = append(out, fmt.Sprintf("%s of %s (%s).", capital(plural(dp.Copies, "duplicate copy")), plural(dp.Contents, "content"), archive.HumanBytes(dp.Bytes)))
	}
	v := r.Verdict
	line = "Editors' verdict: " + v.Verdict
	if v.Time != nil {
		line += " (" + v.Time.Format("2006-01-02") + ")"
	}
	out = append(out, line+".")
	return out
}

// reasonText says an outlier reason in words.
func reasonText(reason string, n int64) string {
	s := map[string]string{
		ReasonFuture:         "in the future",
		ReasonBefore1971:     "before 1971",
		ReasonBeforeSoftware: "before their software existed",
		ReasonBeforeFormat:   "before their file format existed",
		ReasonModBeforeCreat: "modified before created",
	}[reason]
	if s == "" {
		s = reason
	}
	if n == 1 {
		return "date " + s
	}
	return "dates " + s
}

// ReasonText is reasonText for templates: the reason in words, without
// a count.
func ReasonText(reason string) string { return strings.TrimPrefix(reasonText(reason, 2), "dates ") }

func plural(n int64, word string) string {
	if n == 1 {
		return "1 " + word
	}
	switch {
	case strings.HasSuffix(word, "copy"):
		word = strings.TrimSuffix(word, "y") + "ies"
	default:
		word += "s"
	}
	return fmt.Sprintf("%d %s", n, word)
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func percent(n, total int64) string {
	if total == 0 {
		return "0%"
	}
	return fmt.Sprintf("%.0f%%", float64(n)*100/float64(total))
}
