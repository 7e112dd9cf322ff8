package geo

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
)

// Map is a world map to draw as SVG: every country of Natural Earth's
// 1:110m boundaries, in the Equal Earth projection (Šavrič, Patterson and
// Jenny, 2018), each a <path> inside a link when Areas says so, plus points
// (geotagged items) and a legend. The output uses CSS classes only (no
// style attributes, no script), so it can be inlined in a page served under
// a strict Content-Security-Policy and styled by its stylesheet:
//
//	.map-sea     the sphere behind the countries
//	.map-land    every country (and, per Area.Class, e.g. .shade-3)
//	.map-point   a point
//	.map-legend  the legend's group
type Map struct {
	// Label is the aria-label of the image (required for accessibility).
	Label string
	// Areas styles and links countries by ISO 3166-1 alpha-2 code. A
	// country without an Area is drawn plain, titled with its Natural
	// Earth name, without a link. A country too small for the 1:110m data
	// (Singapore, Malta, ...) is drawn as a small circle when it has an
	// Area with a Class.
	Areas map[string]Area
	// Points are drawn over the countries, in order.
	Points []Point
	// Legend entries are drawn as swatches at the bottom left.
	Legend []LegendEntry
	// Class is added to the <svg> element's class "worldmap".
	Class string
}

// Area is how a country is drawn.
type Area struct {
	Title string // <title>: the tooltip and accessible name, e.g. "France: 2 releases"
	Href  string // link target, "" for none
	Class string // extra CSS class, e.g. "shade-2"
}

// Point is a position drawn as a circle.
type Point struct {
	Lat, Lon float64
	Title    string
	Href     string // link target, "" for none
}

// LegendEntry is one swatch of the legend.
type LegendEntry struct {
	Class string // the class of the swatch, e.g. "shade-2"
	Label string // e.g. "2–4 releases"
}

// Size of the drawing in SVG user units (the viewBox).
const (
	Width  = 960
	Height = 467
)

// scale maps Equal Earth's unit coordinates (x within ±2.7064) to the width.
var scale = Width / (2 * equalEarthMaxX)

const equalEarthMaxX = 2.7064061476

// project returns the SVG coordinates of a position in degrees.
func project(lon, lat float64) (float64, float64) {
	const a1, a2, a3, a4 = 1.340264, -0.081106, 0.000893, 0.003796
	m := math.Sqrt(3) / 2
	lam := lon * math.Pi / 180
	th := math.Asin(m * math.Sin(lat*math.Pi/180))
	t2 := th * th
	t6 := t2 * t2 * t2
	x := 2 * math.Sqrt(3) * lam * math.Cos(th) / (3 * (9*a4*t6*t2 + 7*a3*t6 + 3*a2*t2 + a1))
	y := th * (a4*t6*t2 + a3*t6 + a2*t2 + a1)
	return Width/2 + x*scale, Height/2 - y*scale
}

// drawn is the projected outline of one country, ready to print.
type drawn struct {
	code, name string
	d          string // path data
}

var (
	drawOnce sync.Once
	drawList []drawn
	drawErr  error
	sphere   string
)

// shapes projects the 1:110m countries once.
func shapes() ([]drawn, error) {
	drawOnce.Do(func() {
		d, err := load("110m")
		if err != nil {
			drawErr = err
			return
		}
		byCode := map[string]int{}
		for _, f := range d.features {
			i, ok := byCode[f.Code]
			if !ok {
				i = len(drawList)
				byCode[f.Code] = i
				drawList = append(drawList, drawn{code: f.Code, name: f.Name})
			}
			var b []byte
			for _, p := range f.Polys {
				for _, r := range p.Rings {
					for _, part := range splitAntimeridian(r) {
						b = appendRing(b, part)
					}
				}
			}
			drawList[i].d += string(b)
		}
		slices.SortFunc(drawList, func(a, b drawn) int { return cmpString(a.code, b.code) })
		var b []byte
		var edge []point
		for lat := -90.0; lat <= 90; lat += 5 {
			edge = append(edge, point{180, lat})
		}
		for lat := 90.0; lat >= -90; lat -= 5 {
			edge = append(edge, point{-180, lat})
		}
		sphere = string(appendRing(b, edge))
	})
	return drawList, drawErr
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// splitAntimeridian cuts a ring unwrapped past 180° (see unwrap) into the
// part west of the line and the part east of it, moved back by 360°.
func splitAntimeridian(r []point) [][]point {
	over := false
	for _, q := range r {
		if q.X > 180 {
			over = true
			break
		}
	}
	if !over {
		return [][]point{r}
	}
	var out [][]point
	if west := clipX(r, true); len(west) > 2 {
		out = append(out, west)
	}
	if east := clipX(r, false); len(east) > 2 {
		for i := range east {
			east[i].X -= 360
		}
		out = append(out, east)
	}
	return out
}

// clipX clips a ring to x ≤ 180 (keepWest) or x ≥ 180 (Sutherland–Hodgman
// against one line).
func clipX(r []point, keepWest bool) []point {
	in := func(q point) bool {
		if keepWest {
			return q.X <= 180
		}
		return q.X >= 180
	}
	var out []point
	for i := range r {
		cur, prev := r[i], r[(i+len(r)-1)%len(r)]
		if in(cur) {
			if !in(prev) {
				out = append(out, cross(prev, cur))
			}
			out = append(out, cur)
		} else if in(prev) {
			out = append(out, cross(prev, cur))
		}
	}
	return out
}

func cross(a, b point) point {
	t := (180 - a.X) / (b.X - a.X)
	return point{180, a.Y + t*(b.Y-a.Y)}
}

// appendRing appends a closed subpath in relative coordinates rounded to
// half a unit (a tenth of a degree at the equator: finer than the 1:110m
// data), skipping points that round to the previous one.
func appendRing(b []byte, r []point) []byte {
	var px, py int64
	n := 0
	for i, q := range r {
		fx, fy := project(q.X, q.Y)
		x, y := int64(math.Round(fx*2)), int64(math.Round(fy*2))
		switch {
		case i == 0:
			b = append(b, 'M')
			b = appendHalves(b, x)
			b = append(b, ',')
			b = appendHalves(b, y)
		case x == px && y == py:
			continue
		default:
			if n == 1 {
				b = append(b, 'l')
			} else {
				b = append(b, ' ')
			}
			b = appendHalves(b, x-px)
			b = append(b, ',')
			b = appendHalves(b, y-py)
		}
		px, py = x, y
		n++
	}
	return append(b, 'z')
}

func appendHalves(b []byte, v int64) []byte {
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	b = strconv.AppendInt(b, v/2, 10)
	if v%2 != 0 {
		b = append(b, '.', '5')
	}
	return b
}

// smallCentres gives the position of countries missing from the 1:110m
// data, from the 1:10m data: the centre of the box of their largest polygon.
func smallCentre(code string) (lon, lat float64, ok bool) {
	d, err := load("10m")
	if err != nil {
		return 0, 0, false
	}
	best := -1.0
	for _, f := range d.features {
		if f.Code != code {
			continue
		}
		for _, p := range f.Polys {
			w, h := p.Box.MaxX-p.Box.MinX, p.Box.MaxY-p.Box.MinY
			if w*h > best {
				best = w * h
				lon, lat = (p.Box.MinX+p.Box.MaxX)/2, (p.Box.MinY+p.Box.MaxY)/2
				if lon > 180 {
					lon -= 360
				}
			}
		}
	}
	return lon, lat, best >= 0
}

// SVG draws the map. The output is a standalone, deterministic SVG
// element (the same Map gives the same bytes), about 60 KB for the whole
// world.
func (m Map) SVG() ([]byte, error) {
	list, err := shapes()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	b.Grow(80 << 10)
	class := "worldmap"
	if m.Class != "" {
		class += " " + m.Class
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s" class="%s">`, Width, Height, esc(m.Label), esc(class))
	fmt.Fprintf(&b, "\n<path class=\"map-sea\" d=\"%s\"/>\n", sphere)
	seen := map[string]bool{}
	for _, c := range list {
		seen[c.code] = true
		a, ok := m.Areas[c.code]
		if !ok {
			a.Title = c.name
		}
		open(&b, a.Href)
		fmt.Fprintf(&b, `<path class="map-land%s" data-cc="%s" d="%s"><title>%s</title></path>`, extra(a.Class), c.code, c.d, esc(a.Title))
		closeLink(&b, a.Href)
	}
	var small []string
	for code, a := range m.Areas {
		if !seen[code] && a.Class != "" {
			small = append(small, code)
		}
	}
	slices.Sort(small)
	for _, code := range small {
		lon, lat, ok := smallCentre(code)
		if !ok {
			continue
		}
		a := m.Areas[code]
		x, y := project(lon, lat)
		open(&b, a.Href)
		fmt.Fprintf(&b, `<circle class="map-land map-small%s" data-cc="%s" cx="%s" cy="%s" r="3"><title>%s</title></circle>`, extra(a.Class), code, num(x), num(y), esc(a.Title))
		closeLink(&b, a.Href)
	}
	for _, p := range m.Points {
		if math.IsNaN(p.Lat) || math.IsNaN(p.Lon) || math.Abs(p.Lat) > 90 || math.Abs(p.Lon) > 180 {
			continue
		}
		x, y := project(p.Lon, p.Lat)
		open(&b, p.Href)
		fmt.Fprintf(&b, `<circle class="map-point" cx="%s" cy="%s" r="4"><title>%s</title></circle>`, num(x), num(y), esc(p.Title))
		closeLink(&b, p.Href)
	}
	if len(m.Legend) > 0 {
		y := Height - 14*len(m.Legend) - 6
		b.WriteString(`<g class="map-legend">`)
		for i, e := range m.Legend {
			fmt.Fprintf(&b, `<rect class="map-land%s" x="8" y="%d" width="16" height="10"/><text x="30" y="%d">%s</text>`, extra(e.Class), y+14*i, y+14*i+9, esc(e.Label))
		}
		b.WriteString(`</g>`)
	}
	b.WriteString("</svg>\n")
	return b.Bytes(), nil
}

// Names lists the countries the map draws (from the 1:110m data) with
// their Natural Earth names, by code.
func Names() (map[string]string, error) {
	list, err := shapes()
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(list))
	for _, c := range list {
		m[c.code] = c.name
	}
	return m, nil
}

func open(b *bytes.Buffer, href string) {
	if href != "" {
		fmt.Fprintf(b, `<a href="%s">`, esc(href))
	}
}

func closeLink(b *bytes.Buffer, href string) {
	if href != "" {
		b.WriteString("</a>")
	}
	b.WriteByte('\n')
}

func extra(class string) string {
	if class == "" {
		return ""
	}
	return " " + esc(class)
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

func esc(s string) string {
	var b bytes.Buffer
	xml.EscapeText(&b, []byte(s))
	return b.String()
}
