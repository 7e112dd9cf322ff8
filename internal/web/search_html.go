package web

import (
	"html/template"
	"strconv"
	"strings"

	"github.com/trove-archive/trove/internal/archive"
)

// The result list and the facet lists are the repeated parts of the search
// page: written here rather than by html/template, whose escaping pipeline
// calls functions by reflection for every value of every hit and facet
// link (two thirds of the page's CPU for a page of 20 hits and 6 facets).
// Every value from the archive goes through template.HTMLEscapeString,
// inside element content or a double-quoted attribute; URLs are built here
// from url.Values.Encode (relative, percent-encoded) and escaped the same
// way. TestSearchHTMLEscapes feeds them markup.

func hitsHTML(hits []hitView, first int) template.HTML {
	if len(hits) == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(1024 * len(hits))
	esc := func(s string) { b.WriteString(template.HTMLEscapeString(s)) }
	b.WriteString(`<ol class="hits" start="`)
	b.WriteString(strconv.Itoa(first))
	b.WriteString(`">`)
	for _, h := range hits {
		it := h.Item
		b.WriteString("\n<li class=\"hit\">\n<h3><a href=\"")
		esc(h.URL)
		b.WriteString(`">`)
		esc(h.Title)
		b.WriteString("</a></h3>\n<p class=\"meta\"><span class=\"path\">")
		esc(h.Dataset)
		b.WriteString("/")
		esc(it.Path)
		b.WriteString("</span></p>\n<p class=\"meta\">")
		esc(string(it.Kind))
		if e := it.Meta.Email; e != nil && e.From != "" {
			b.WriteString(" from ")
			esc(e.From)
		}
		b.WriteString(" · ")
		esc(archive.HumanBytes(it.Size))
		if d := formatDate(it.Date); d != "" {
			b.WriteString(" · ")
			esc(d)
		}
		if h.Page != 0 {
			b.WriteString(" · page ")
			b.WriteString(strconv.Itoa(h.Page))
		}
		if h.Copies != 0 {
			b.WriteString(" · ")
			b.WriteString(strconv.Itoa(h.Copies))
			if h.Copies == 1 {
				b.WriteString(" more copy")
			} else {
				b.WriteString(" more copies")
			}
		}
		b.WriteString("</p>")
		if h.Snippet != "" {
			b.WriteString("\n<p class=\"snippet\">")
			b.WriteString(string(snippetHTML(h.Snippet)))
			b.WriteString("</p>")
		}
		b.WriteString("\n</li>")
	}
	b.WriteString("\n</ol>")
	return template.HTML(b.String())
}

func facetsHTML(groups []facetGroup) template.HTML {
	if len(groups) == 0 {
		return ""
	}
	var b strings.Builder
	b.Grow(4096)
	esc := func(s string) { b.WriteString(template.HTMLEscapeString(s)) }
	b.WriteString("<aside class=\"facets\" aria-labelledby=\"facets-h\">\n<h2 id=\"facets-h\">Narrow down</h2>")
	for _, g := range groups {
		b.WriteString("\n<section>\n<h3>")
		esc(g.Label)
		b.WriteString("</h3>\n<ul>")
		for _, v := range g.Values {
			b.WriteString("\n<li>")
			if v.Active {
				b.WriteString(`<a class="active" href="`)
				esc(v.URL)
				b.WriteString(`" title="Remove this filter"><span class="vh">Remove filter: </span>`)
				esc(v.Label)
				b.WriteString(" ✕</a>")
			} else {
				b.WriteString(`<a href="`)
				esc(v.URL)
				b.WriteString(`">`)
				esc(v.Label)
				b.WriteString("</a>")
			}
			b.WriteString(` <span class="count">`)
			b.WriteString(strconv.FormatInt(v.Count, 10))
			b.WriteString("</span></li>")
		}
		b.WriteString("\n</ul>\n</section>")
	}
	b.WriteString("\n</aside>")
	return template.HTML(b.String())
}
