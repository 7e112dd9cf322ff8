package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

func cmdSearch(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "search", "search QUERY [--dataset D] [--limit N] [--offset N] [--sort relevance|newest|oldest] [--facets] [--json]")
	dataset := fs.String("dataset", "", "search one dataset only")
	limit := fs.Int("limit", 20, "results per page (at most 1000)")
	offset := fs.Int("offset", 0, "skip this many results")
	sortBy := fs.String("sort", "relevance", "relevance, newest or oldest")
	facets := fs.Bool("facets", false, "show counts by dataset, type, year, sender domain, language and country")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	q := strings.Join(pos, " ")
	a, err := m.open()
	if err != nil {
		return err
	}
	res, err := a.db.Search(ctx, archive.Admin(), archive.SearchRequest{Query: q, Dataset: *dataset, Limit: *limit,
		Offset: *offset, Sort: archive.Sort(*sortBy), Facets: *facets || *asJSON})
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(m.Stdout, searchJSON(q, res))
	}
	hl := highlighter(isTerminal(m.Stdout))
	for i, h := range res.Hits {
		it := h.Item
		date := ""
		if !it.Date.IsZero() {
			date = ", " + it.Date.Format("2006-01-02")
		}
		copies := ""
		if h.Copies > 0 {
			copies = fmt.Sprintf(", %d more copies", h.Copies)
		}
		page := ""
		if h.Page > 0 {
			page = fmt.Sprintf(", page %d", h.Page)
		}
		fmt.Fprintf(m.Stdout, "%d. %s/%s\n   item %d, %s%s%s%s\n", *offset+i+1, h.Dataset, it.Path, it.ID, it.Kind, date, page, copies)
		if h.Snippet != "" {
			fmt.Fprintf(m.Stdout, "   %s\n", hl.Replace(oneLine(h.Snippet)))
		}
	}
	fmt.Fprintf(m.Stdout, "%d result(s) in %s\n", res.Total, res.Took.Round(time.Microsecond*100))
	if *facets {
		for _, name := range []string{"dataset", "type", "year", "domain", "lang", "country"} {
			fc := res.Facets[name]
			if len(fc) == 0 {
				continue
			}
			var parts []string
			for _, f := range fc[:min(len(fc), 10)] {
				parts = append(parts, fmt.Sprintf("%s (%d)", f.Value, f.Count))
			}
			fmt.Fprintf(m.Stdout, "  %-8s %s\n", name+":", strings.Join(parts, ", "))
		}
	}
	return nil
}

func highlighter(tty bool) *strings.Replacer {
	if tty {
		return strings.NewReplacer("\x02", "\x1b[1;33m", "\x03", "\x1b[0m")
	}
	return strings.NewReplacer("\x02", "[", "\x03", "]")
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

type hitOut struct {
	ItemID  int64    `json:"item_id"`
	Dataset string   `json:"dataset"`
	Path    string   `json:"path"`
	Name    string   `json:"name"`
	Type    string   `json:"type"`
	MIME    string   `json:"mime"`
	Size    int64    `json:"size"`
	SHA256  string   `json:"sha256"`
	Date    string   `json:"date,omitempty"`
	Title   string   `json:"title,omitempty"`
	Score   float64  `json:"score"`
	Snippet string   `json:"snippet"`
	Matches []string `json:"matches,omitempty"`
	Page    int      `json:"page,omitempty"`
	Copies  int      `json:"copies,omitempty"`
}

type searchOut struct {
	Query  string                          `json:"query"`
	Total  int64                           `json:"total"`
	TookMS float64                         `json:"took_ms"`
	Hits   []hitOut                        `json:"hits"`
	Facets map[string][]archive.FacetCount `json:"facets,omitempty"`
}

func searchJSON(q string, res *archive.SearchResult) searchOut {
	out := searchOut{Query: q, Total: res.Total, TookMS: float64(res.Took.Microseconds()) / 1000, Hits: []hitOut{}, Facets: res.Facets}
	for _, h := range res.Hits {
		it := h.Item
		ho := hitOut{ItemID: it.ID, Dataset: h.Dataset, Path: it.Path, Name: it.Name, Type: string(it.Kind), MIME: it.MIME,
			Size: it.Size, SHA256: it.Blob.String(), Title: it.Meta.Title, Score: h.Score, Page: h.Page, Copies: h.Copies,
			Snippet: strings.NewReplacer("\x02", "", "\x03", "").Replace(h.Snippet), Matches: marked(h.Snippet)}
		if !it.Date.IsZero() {
			ho.Date = it.Date.Format(time.RFC3339)
		}
		out.Hits = append(out.Hits, ho)
	}
	return out
}

// marked returns the highlighted spans of a snippet.
func marked(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, 2)
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], 3)
		if j < 0 {
			return out
		}
		out = append(out, s[i+1:i+j])
		s = s[i+j+1:]
	}
}
