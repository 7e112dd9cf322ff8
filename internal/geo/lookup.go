package geo

import (
	"math"
	"sync"
)

// CountryAt returns the ISO 3166-1 alpha-2 code of the country containing
// the point (WGS 84 degrees), or "", false at sea, on land no state is
// listed for, or for an invalid position. Boundaries are Natural Earth's
// 1:10m (about 200 m apart on the quantization grid), so a point within a
// few hundred metres of a border or coast may resolve to the neighbour or
// to nothing. Points south of the data (85.2°S) are in Antarctica (AQ).
func CountryAt(lat, lon float64) (string, bool) {
	ix, err := lookupIndex()
	if err != nil || math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return "", false
	}
	return ix.at(lon, lat)
}

// Ready decodes the lookup data now rather than at the first CountryAt, and
// reports a damaged embedded file (a build problem).
func Ready() error {
	_, err := lookupIndex()
	return err
}

// index finds candidate polygons through a grid of 1° cells, then tests
// only the edges of each ring that cross the point's latitude band.
type index struct {
	cells [360 * 180][]int32 // polygon numbers whose box touches the cell
	polys []indexedPoly
	minY  float64
}

type indexedPoly struct {
	code  string
	box   box
	rings []ringIndex
}

type ringIndex struct {
	pts   []point
	minY  float64
	bandH float64
	bands [][]int32 // edge start indexes per latitude band
}

var (
	ixOnce sync.Once
	ix     *index
	ixErr  error
)

func lookupIndex() (*index, error) {
	ixOnce.Do(func() {
		var d *dataset
		if d, ixErr = load("10m"); ixErr == nil {
			ix = newIndex(d)
		}
	})
	return ix, ixErr
}

func newIndex(d *dataset) *index {
	x := &index{minY: d.minY}
	for _, f := range d.features {
		for _, p := range f.Polys {
			n := int32(len(x.polys))
			ip := indexedPoly{code: f.Code, box: p.Box}
			for _, r := range p.Rings {
				ip.rings = append(ip.rings, newRingIndex(r))
			}
			x.polys = append(x.polys, ip)
			r0 := row(p.Box.MinY)
			r1 := row(p.Box.MaxY)
			c0 := int(math.Floor(p.Box.MinX + 180))
			c1 := min(int(math.Floor(p.Box.MaxX+180)), c0+359)
			for r := r0; r <= r1; r++ {
				for c := c0; c <= c1; c++ {
					k := r*360 + (c%360+360)%360
					x.cells[k] = append(x.cells[k], n)
				}
			}
		}
	}
	return x
}

func cell(lon, lat float64) (col, r int) {
	col = int(math.Floor(lon + 180))
	return min(max(col, 0), 359), row(lat)
}

func row(lat float64) int { return min(max(int(math.Floor(lat+90)), 0), 179) }

func newRingIndex(pts []point) ringIndex {
	r := ringIndex{pts: pts, minY: math.Inf(1)}
	maxY := math.Inf(-1)
	for _, p := range pts {
		r.minY = min(r.minY, p.Y)
		maxY = max(maxY, p.Y)
	}
	n := len(pts)/8 + 1
	r.bandH = (maxY - r.minY) / float64(n)
	if r.bandH <= 0 {
		r.bandH = 1
	}
	r.bands = make([][]int32, n)
	for i := 0; i+1 < len(pts); i++ {
		a, b := pts[i].Y, pts[i+1].Y
		lo, hi := r.band(min(a, b)), r.band(max(a, b))
		for k := lo; k <= hi; k++ {
			r.bands[k] = append(r.bands[k], int32(i))
		}
	}
	return r
}

func (r *ringIndex) band(y float64) int {
	k := int((y - r.minY) / r.bandH)
	return min(max(k, 0), len(r.bands)-1)
}

// contains is the even-odd crossing test (W. R. Franklin's PNPOLY) over
// the edges of the point's band.
func (r *ringIndex) contains(x, y float64) bool {
	in := false
	for _, i := range r.bands[r.band(y)] {
		a, b := r.pts[i], r.pts[i+1]
		if (a.Y > y) != (b.Y > y) && x < (b.X-a.X)*(y-a.Y)/(b.Y-a.Y)+a.X {
			in = !in
		}
	}
	return in
}

func (x *index) at(lon, lat float64) (string, bool) {
	if lat < x.minY {
		return "AQ", true
	}
	c, r := cell(lon, lat)
	for _, n := range x.cells[r*360+c] {
		p := &x.polys[n]
		if p.contains(lon, lat) || (p.box.MaxX > 180 && p.contains(lon+360, lat)) {
			return p.code, true
		}
	}
	return "", false
}

func (p *indexedPoly) contains(x, y float64) bool {
	if !p.box.contains(x, y) {
		return false
	}
	in := false
	for i := range p.rings {
		if p.rings[i].contains(x, y) {
			in = !in
		}
	}
	return in
}
