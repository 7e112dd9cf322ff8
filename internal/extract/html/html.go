// Package html extracts the visible text and title of HTML documents:
// scripts, styles and other invisible elements are dropped, block elements
// become line breaks. The charset comes from the BOM, the meta tag, or a
// guess (UTF-8, else windows-1252).
package html

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	nethtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
	"golang.org/x/net/html/charset"

	"github.com/trove-archive/trove/internal/extract"
)

// Extractor handles text/html.
type Extractor struct{}

var _ extract.Extractor = Extractor{}

// New returns the HTML extractor.
func New() Extractor { return Extractor{} }

func (Extractor) Name() string    { return "html" }
func (Extractor) MIMEs() []string { return []string{extract.MIMEHTML} }

func (Extractor) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	f, err := os.Open(in.Path)
	if err != nil {
		return fmt.Errorf("html open: %w", err)
	}
	defer f.Close()
	title, err := Text(f, "", s)
	if err != nil {
		return err
	}
	if title != "" && s.Meta().Title == "" {
		s.Meta().Title = title
	}
	return nil
}

// Text writes the visible text of the HTML document read from r to w and
// returns its <title>. declared is a charset named outside the document
// (an HTTP or MIME Content-Type), or "".
func Text(r io.Reader, declared string, w io.Writer) (title string, err error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(1024)
	enc, _, _ := charset.DetermineEncoding(head, "text/html; charset="+declared)
	dec := enc.NewDecoder().Reader(br)
	bw := bufio.NewWriterSize(w, 64<<10)
	z := nethtml.NewTokenizer(dec)
	skip := 0 // depth inside script/style/etc.
	inTitle := false
	var tb strings.Builder
	lastNL := true
	for {
		tt := z.Next()
		switch tt {
		case nethtml.ErrorToken:
			if z.Err() == io.EOF {
				if err := bw.Flush(); err != nil {
					return "", fmt.Errorf("html write: %w", err)
				}
				return strings.Join(strings.Fields(tb.String()), " "), nil
			}
			return "", fmt.Errorf("html parse: %w", z.Err())
		case nethtml.StartTagToken, nethtml.EndTagToken, nethtml.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			switch a {
			case atom.Script, atom.Style, atom.Noscript, atom.Template, atom.Svg, atom.Head:
				if a == atom.Head {
					// the head holds the title: only skip its scripts and styles
					continue
				}
				if tt == nethtml.StartTagToken {
					skip++
				} else if tt == nethtml.EndTagToken && skip > 0 {
					skip--
				}
			case atom.Title:
				inTitle = tt == nethtml.StartTagToken
			case atom.Br, atom.P, atom.Div, atom.Li, atom.Tr, atom.H1, atom.H2, atom.H3, atom.H4,
				atom.H5, atom.H6, atom.Table, atom.Ul, atom.Ol, atom.Blockquote, atom.Pre, atom.Section,
				atom.Article, atom.Header, atom.Footer, atom.Hr, atom.Dt, atom.Dd:
				if !lastNL {
					bw.WriteByte('\n')
					lastNL = true
				}
			case atom.Td, atom.Th:
				if !lastNL {
					bw.WriteByte('\t')
				}
			}
		case nethtml.TextToken:
			if skip > 0 {
				continue
			}
			t := string(z.Text())
			if inTitle {
				tb.WriteString(t)
				continue
			}
			t = strings.Join(strings.Fields(t), " ")
			if t == "" {
				continue
			}
			if !lastNL {
				bw.WriteByte(' ')
			}
			bw.WriteString(t)
			lastNL = false
		}
	}
}
