package geo_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/geo"
)

// svgNode is enough of SVG to check what the map draws.
type svgNode struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Nodes   []svgNode  `xml:",any"`
	Text    string     `xml:",chardata"`
}

func (n svgNode) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n svgNode) walk(f func(n, parent svgNode)) {
	for _, c := range n.Nodes {
		f(c, n)
		c.walk(f)
	}
}

func (n svgNode) title() string {
	for _, c := range n.Nodes {
		if c.XMLName.Local == "title" {
			return c.Text
		}
	}
	return ""
}

func sampleMap() geo.Map {
	return geo.Map{
		Label: "Releases by country <&>",
		Areas: map[string]geo.Area{
			"FR": {Title: "France: 2 releases", Href: "/countries/FR", Class: "shade-2"},
			"DE": {Title: "Germany: 0 releases", Href: "/countries/DE"},
			"SG": {Title: "Singapore: 1 release", Href: "/countries/SG", Class: "shade-1"},
			"FJ": {Title: "Fiji", Href: "/countries/FJ"},
		},
		Points: []geo.Point{{Lat: 48.85, Lon: 2.35, Title: `photo "1" <b>`, Href: "/items/7"}},
		Legend: []geo.LegendEntry{{Class: "shade-1", Label: "1 release"}, {Class: "shade-2", Label: "2–4 releases"}},
	}
}

func parseSVG(t *testing.T, b []byte) svgNode {
	t.Helper()
	var root svgNode
	dec := xml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&root); err != nil {
		t.Fatalf("SVG does not parse: %v", err)
	}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if cd, ok := tok.(xml.CharData); err != nil || !ok || len(bytes.TrimSpace(cd)) > 0 {
			t.Fatalf("content after the root element: %v %v", tok, err)
		}
	}
	return root
}

func TestMapSVG(t *testing.T) {
	b, err := sampleMap().SVG()
	if err != nil {
		t.Fatal(err)
	}
	root := parseSVG(t, b)
	if root.XMLName.Space != "http://www.w3.org/2000/svg" || root.XMLName.Local != "svg" {
		t.Fatalf("root = %v", root.XMLName)
	}
	if root.attr("role") != "img" || root.attr("aria-label") != "Releases by country <&>" {
		t.Errorf("role %q, aria-label %q", root.attr("role"), root.attr("aria-label"))
	}
	if len(b) > 150<<10 {
		t.Errorf("map is %d bytes; want it small", len(b))
	}
	if bytes.Contains(b, []byte("style=")) || bytes.Contains(b, []byte("<script")) {
		t.Error("map has a style attribute or a script")
	}
	type seen struct{ class, href, title string }
	byCC := map[string][]seen{}
	var points []seen
	countries := 0
	root.walk(func(n, parent svgNode) {
		if cc := n.attr("data-cc"); cc != "" {
			countries++
			byCC[cc] = append(byCC[cc], seen{n.attr("class"), parent.attr("href"), n.title()})
		}
		if n.attr("class") == "map-point" {
			points = append(points, seen{n.attr("class"), parent.attr("href"), n.title()})
		}
	})
	if countries < 170 {
		t.Errorf("%d countries drawn, want the whole world", countries)
	}
	for cc, want := range map[string]seen{
		"FR": {"map-land shade-2", "/countries/FR", "France: 2 releases"},
		"DE": {"map-land", "/countries/DE", "Germany: 0 releases"},
		"SG": {"map-land map-small shade-1", "/countries/SG", "Singapore: 1 release"},
		"FJ": {"map-land", "/countries/FJ", "Fiji"},
		"BR": {"map-land", "", "Brazil"},
	} {
		if got := byCC[cc]; len(got) != 1 || got[0] != want {
			t.Errorf("%s drawn as %+v, want %+v", cc, got, want)
		}
	}
	if len(points) != 1 || points[0].href != "/items/7" || points[0].title != `photo "1" <b>` {
		t.Errorf("points = %+v", points)
	}
	again, _ := sampleMap().SVG()
	if !bytes.Equal(b, again) {
		t.Error("two renderings of the same map differ")
	}
	if !bytes.Contains(b, []byte("2–4 releases")) {
		t.Error("legend missing")
	}

	// A country drawn across the antimeridian must not smear over the map:
	// every path of Russia and Fiji stays within the drawing.
	for _, cc := range []string{"RU", "FJ", "US"} {
		root.walk(func(n, _ svgNode) {
			if n.attr("data-cc") == cc {
				checkPathInside(t, cc, n.attr("d"))
			}
		})
	}

	path := os.Getenv("TROVE_MAP_OUT")
	if path == "" {
		path = filepath.Join(t.TempDir(), "map.svg")
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if xmllint, err := exec.LookPath("xmllint"); err == nil {
		if out, err := exec.Command(xmllint, "--noout", path).CombinedOutput(); err != nil {
			t.Errorf("xmllint: %v\n%s", err, out)
		}
	} else {
		t.Log("xmllint not installed (apt-get install libxml2-utils); checked with encoding/xml only")
	}
}

// checkPathInside follows the path data written by Map (M x,y then
// relative l steps, z) and fails when a subpath leaves the drawing or is
// wider than half of it.
func checkPathInside(t *testing.T, cc, d string) {
	t.Helper()
	for _, sub := range strings.Split(d, "z") {
		if sub == "" {
			continue
		}
		sub = strings.TrimPrefix(sub, "M")
		first, rest, _ := strings.Cut(sub, "l")
		var x, y float64
		minX, maxX := 1e9, -1e9
		for i, pair := range append([]string{first}, strings.Fields(rest)...) {
			var dx, dy float64
			if _, err := fmtSscan(pair, &dx, &dy); err != nil {
				t.Fatalf("%s: bad path step %q", cc, pair)
			}
			if i == 0 {
				x, y = dx, dy
			} else {
				x, y = x+dx, y+dy
			}
			minX, maxX = min(minX, x), max(maxX, x)
			if x < -0.2 || x > geo.Width+0.2 || y < -0.2 || y > geo.Height+0.2 {
				t.Fatalf("%s: point %v,%v outside the map", cc, x, y)
			}
		}
		if maxX-minX > geo.Width/2 {
			t.Errorf("%s: a subpath spans %v of %v units: smeared across the antimeridian", cc, maxX-minX, geo.Width)
		}
	}
}

func BenchmarkMapSVG(b *testing.B) {
	m := sampleMap()
	if _, err := m.SVG(); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := m.SVG(); err != nil {
			b.Fatal(err)
		}
	}
}
