package web

import (
	"bytes"
	"html/template"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// The result list and facets as the search page's template wrote them
// before search_html.go: the reference the Go rendering must match.
const refHits = `<ol class="hits" start="{{.First}}">
{{- range .Hits}}
<li class="hit">
<h3><a href="{{.URL}}">{{.Title}}</a></h3>
<p class="meta"><span class="path">{{.Dataset}}/{{.Item.Path}}</span></p>
<p class="meta">{{.Item.Kind}}{{with .Item.Meta.Email}}{{if .From}} from {{.From}}{{end}}{{end}} · {{bytes .Item.Size}}{{with date .Item.Date}} · {{.}}{{end}}{{if .Page}} · page {{.Page}}{{end}}{{if .Copies}} · {{.Copies}} more {{if eq .Copies 1}}copy{{else}}copies{{end}}{{end}}</p>
{{- if .Snippet}}
<p class="snippet">{{snippet .Snippet}}</p>
{{- end}}
</li>
{{- end}}
</ol>`

const refFacets = `<aside class="facets" aria-labelledby="facets-h">
<h2 id="facets-h">Narrow down</h2>
{{- range .Facets}}
<section>
<h3>{{.Label}}</h3>
<ul>
{{- range .Values}}
<li>{{if .Active}}<a class="active" href="{{.URL}}" title="Remove this filter"><span class="vh">Remove filter: </span>{{.Label}} ✕</a>{{else}}<a href="{{.URL}}">{{.Label}}</a>{{end}} <span class="count">{{.Count}}</span></li>
{{- end}}
</ul>
</section>
{{- end}}
</aside>`

// TestSearchHTMLEscapes: hits and facets whose every field holds markup,
// quotes and ampersands render as html/template rendered them (which
// escapes '+' too, harmlessly), so no value can break out of its element
// or attribute.
func TestSearchHTMLEscapes(t *testing.T) {
	evil := `<script>alert("x")</script> & 'q' +1`
	hits := []hitView{
		{Hit: archive.Hit{Dataset: "ds<b>", Snippet: "a \x02" + evil + "\x03 b", Page: 3, Copies: 1,
			Item: &archive.Item{ID: 7, Path: "mail/" + evil + ".eml", Kind: archive.KindEmail, Size: 2048, Date: time.Date(2019, 3, 5, 0, 0, 0, 0, time.UTC),
				Meta: archive.Meta{Email: &archive.Email{From: evil + " <a@b.example>"}}}},
			URL: "/items/7", Title: evil},
		{Hit: archive.Hit{Dataset: "d", Copies: 4, Item: &archive.Item{ID: 8, Path: "x", Kind: archive.KindPDF}}, URL: "/items/8?a=1&b=2", Title: "plain"},
		{Hit: archive.Hit{Dataset: "d", Item: &archive.Item{ID: 9, Path: "y", Meta: archive.Meta{Email: &archive.Email{}}}}, URL: "/items/9", Title: ""},
	}
	groups := []facetGroup{
		{Label: "Type " + evil, Values: []facetValue{{Label: evil, Count: 3, URL: "/search?" + url.Values{"q": {evil}, "dataset": {"x"}}.Encode(), Active: true}, {Label: "pdf", Count: 1, URL: "/search?q=a+b"}}},
		{Label: "Year", Values: []facetValue{{Label: "2019", Count: 12, URL: "/search?q=date%3A2019"}}},
	}
	data := struct {
		First  int
		Hits   []hitView
		Facets []facetGroup
	}{41, hits, groups}
	for _, c := range []struct {
		name, ref string
		got       template.HTML
	}{{"hits", refHits, hitsHTML(hits, 41)}, {"facets", refFacets, facetsHTML(groups)}} {
		tpl := template.Must(template.New(c.name).Funcs(funcs).Parse(c.ref))
		var want bytes.Buffer
		if err := tpl.Execute(&want, data); err != nil {
			t.Fatal(err)
		}
		w := strings.ReplaceAll(want.String(), "&#43;", "+")
		if string(c.got) != w {
			t.Errorf("%s:\n got %s\nwant %s", c.name, c.got, w)
		}
		if strings.Contains(string(c.got), "<script>") || strings.Contains(string(c.got), `"x"`) {
			t.Errorf("%s: markup not escaped: %s", c.name, c.got)
		}
	}
	// URLs are built encoded (url.Values); one that was not still cannot
	// leave its attribute.
	raw := string(facetsHTML([]facetGroup{{Label: "x", Values: []facetValue{{Label: "v", URL: `/s?q="><script>`}}}}))
	if strings.Contains(raw, `"><script>`) {
		t.Errorf("raw URL broke out: %s", raw)
	}
	if hitsHTML(nil, 1) != "" || facetsHTML(nil) != "" {
		t.Error("empty lists render something")
	}
}
