package verify

import (
	"fmt"
	"html"
	"strings"
)

// Chart geometry, in SVG user units (the image scales to its container).
const (
	chartW      = 760
	chartH      = 260
	chartLeft   = 56
	chartRight  = 16
	chartTop    = 36
	chartBottom = 44
	maxLabels   = 12
)

// series are the stacked parts of a bar, bottom first, with their CSS class
// (internal/web/static/style.css colours them) and legend label.
var series = []struct {
	class, label string
	get          func(Bucket) int64
}{
	{"s-email", "email Date", func(b Bucket) int64 { return b.Email }},
	{"s-created", "created", func(b Bucket) int64 { return b.Created }},
	{"s-modified", "modified", func(b Bucket) int64 { return b.Modified }},
	{"s-file", "file time", func(b Bucket) int64 { return b.File }},
}

// Chart draws the timeline as a standalone SVG document fragment (an <svg>
// element with the SVG namespace, valid inline in HTML and on its own): one
// group of class "bar" per bucket, stacked by field, each with a <title>
// giving its counts; a mark of class "flag" above buckets holding flagged
// dates; the counts before 1971 and in the future at the ends of the axis.
// Styling is by class only (no style attributes), so a strict
// Content-Security-Policy holds. Every text is escaped.
func Chart(t Timeline) string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	title := "Timeline: no dates"
	if t.Dates > 0 {
		title = fmt.Sprintf("Timeline of %s by %s, %s to %s", plural(t.Dates, "date"), t.Unit, t.First, t.Last)
	}
	desc := fmt.Sprintf("Stacked bars by %s: email Date headers, document creation and modification dates, file times. %s before 1971 and %s in the future are not drawn.",
		t.Unit, plural(t.Before, "date"), plural(t.Future, "date"))
	w(`<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="chart-title chart-desc">`, chartW, chartH)
	w(`<title id="chart-title">%s</title><desc id="chart-desc">%s</desc>`, esc(title), esc(desc))

	// Legend.
	x := chartLeft
	for _, s := range series {
		w(`<rect class="%s" x="%d" y="8" width="12" height="12"/><text class="legend" x="%d" y="18">%s</text>`, s.class, x, x+16, esc(s.label))
		x += 16 + 8*len(s.label) + 18
	}
	w(`<path class="flag" d="M%d 20 l6 -12 l6 12 z"/><text class="legend" x="%d" y="18">flagged</text>`, x, x+16)

	plotW := float64(chartW - chartLeft - chartRight)
	plotH := float64(chartH - chartTop - chartBottom)
	base := float64(chartH - chartBottom)
	var top int64
	for _, bk := range t.Buckets {
		top = max(top, bk.Total())
	}
	scale := niceMax(top)

	// Axes and ticks.
	w(`<g class="axis">`)
	w(`<line x1="%d" y1="%g" x2="%d" y2="%g"/>`, chartLeft, base, chartW-chartRight, base)
	w(`<line x1="%d" y1="%d" x2="%d" y2="%g"/>`, chartLeft, chartTop, chartLeft, base)
	for _, v := range []int64{0, scale / 2, scale} {
		y := base - float64(v)/float64(max(scale, 1))*plotH
		w(`<line class="grid" x1="%d" y1="%.1f" x2="%d" y2="%.1f"/><text class="tick" x="%d" y="%.1f" text-anchor="end">%d</text>`,
			chartLeft, y, chartW-chartRight, y, chartLeft-6, y+4, v)
	}
	w(`</g>`)

	n := len(t.Buckets)
	if n > 0 {
		bw := plotW / float64(n)
		gap := min(bw*0.15, 2)
		every := (n + maxLabels - 1) / maxLabels
		for i, bk := range t.Buckets {
			x0 := float64(chartLeft) + float64(i)*bw
			w(`<g class="bar"><title>%s</title>`, esc(bucketTitle(bk)))
			y := base
			for _, s := range series {
				v := s.get(bk)
				if v == 0 {
					continue
				}
				h := float64(v) / float64(scale) * plotH
				y -= h
				w(`<rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"/>`, s.class, x0+gap/2, y, bw-gap, h)
			}
			if bk.Flagged > 0 {
				cx := x0 + bw/2
				w(`<path class="flag" d="M%.1f %.1f l-5 -9 l10 0 z"/>`, cx, y-2)
			}
			w(`</g>`)
			if i%every == 0 {
				w(`<text class="tick" x="%.1f" y="%g" text-anchor="middle">%s</text>`, x0+bw/2, base+16, esc(bk.Start))
			}
		}
	}
	if t.Before > 0 {
		w(`<text class="flag-text" x="%d" y="%d">◀ %s before 1971</text>`, chartLeft, chartH-6, esc(plural(t.Before, "date")))
	}
	if t.Future > 0 {
		w(`<text class="flag-text" x="%d" y="%d" text-anchor="end">%s in the future ▶</text>`, chartW-chartRight, chartH-6, esc(plural(t.Future, "date")))
	}
	if n == 0 {
		w(`<text class="tick" x="%d" y="%d" text-anchor="middle">no dates</text>`, chartLeft+int(plotW)/2, int(base)-int(plotH)/2)
	}
	w(`</svg>`)
	return b.String()
}

func bucketTitle(bk Bucket) string {
	s := fmt.Sprintf("%s: %s", bk.Start, plural(bk.Total(), "date"))
	var parts []string
	for _, x := range series {
		if v := x.get(bk); v > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", v, x.label))
		}
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	if bk.Flagged > 0 {
		s += fmt.Sprintf("; %d flagged", bk.Flagged)
	}
	return s
}

// niceMax rounds n up to 2, 4, 6, 8 or 10 times a power of ten, so that
// the middle tick is a whole number.
func niceMax(n int64) int64 {
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{2, 4, 6, 8, 10} {
			if m*p >= n {
				return m * p
			}
		}
	}
}

func esc(s string) string { return html.EscapeString(s) }
