package geo

import (
	"bytes"
	"compress/flate"
	"embed"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
)

//go:embed data/*.bin
var dataFS embed.FS

// feature is one Natural Earth feature: a country or a part with its own
// name (several features may share a code, e.g. Cyprus and N. Cyprus).
type feature struct {
	Code  string
	Name  string
	Polys []polygon
}

// polygon is an outer ring followed by its holes, in degrees: x longitude,
// y latitude.
type polygon struct {
	Rings [][]point
	Box   box
}

type point struct{ X, Y float64 }

type box struct{ MinX, MinY, MaxX, MaxY float64 }

func (b box) contains(x, y float64) bool {
	return x >= b.MinX && x <= b.MaxX && y >= b.MinY && y <= b.MaxY
}

type dataset struct {
	features []feature
	minY     float64 // southernmost latitude of the data
}

var (
	loadOnce = map[string]*sync.Once{"10m": {}, "110m": {}}
	loaded   = map[string]*dataset{}
	loadErr  = map[string]error{}
	loadMu   sync.Mutex
)

// load decodes an embedded data file once.
func load(res string) (*dataset, error) {
	loadOnce[res].Do(func() {
		d, err := decodeFile("data/countries-" + res + ".bin")
		loadMu.Lock()
		loaded[res], loadErr[res] = d, err
		loadMu.Unlock()
	})
	loadMu.Lock()
	defer loadMu.Unlock()
	return loaded[res], loadErr[res]
}

func decodeFile(name string) (*dataset, error) {
	z, err := dataFS.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("geo read %s: %w", name, err)
	}
	raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(z)))
	if err != nil {
		return nil, fmt.Errorf("geo inflate %s: %w", name, err)
	}
	d, err := decode(raw)
	if err != nil {
		return nil, fmt.Errorf("geo decode %s: %w", name, err)
	}
	return d, nil
}

var errFormat = errors.New("bad geo data")

// decode parses the format written by ./gen (described there).
func decode(b []byte) (*dataset, error) {
	r := bytes.NewReader(b)
	magic := make([]byte, 6)
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != "TGEO1\n" {
		return nil, errFormat
	}
	var tf [4]float64
	for i := range tf {
		var u uint64
		if err := binary.Read(r, binary.LittleEndian, &u); err != nil {
			return nil, errFormat
		}
		tf[i] = math.Float64frombits(u)
	}
	count := func(max int) (int, error) {
		n, err := binary.ReadUvarint(r)
		if err != nil || n > uint64(max) || n > uint64(r.Len()) {
			return 0, errFormat
		}
		return int(n), nil
	}
	nArcs, err := count(1 << 20)
	if err != nil {
		return nil, err
	}
	arcs := make([][]point, nArcs)
	for i := range arcs {
		n, err := count(1 << 22)
		if err != nil {
			return nil, err
		}
		var x, y int64
		arcs[i] = make([]point, n)
		for j := range n {
			dx, err1 := binary.ReadVarint(r)
			dy, err2 := binary.ReadVarint(r)
			if err1 != nil || err2 != nil {
				return nil, errFormat
			}
			x, y = x+dx, y+dy
			arcs[i][j] = point{float64(x)*tf[0] + tf[2], float64(y)*tf[1] + tf[3]}
		}
	}
	nFeat, err := count(1 << 12)
	if err != nil {
		return nil, err
	}
	d := &dataset{features: make([]feature, nFeat), minY: 90}
	for i := range d.features {
		code := make([]byte, 2)
		if _, err := io.ReadFull(r, code); err != nil {
			return nil, errFormat
		}
		n, err := count(256)
		if err != nil {
			return nil, err
		}
		name := make([]byte, n)
		if _, err := io.ReadFull(r, name); err != nil {
			return nil, errFormat
		}
		f := feature{Code: string(code), Name: string(name)}
		nPoly, err := count(1 << 16)
		if err != nil {
			return nil, err
		}
		for range nPoly {
			nRing, err := count(1 << 16)
			if err != nil {
				return nil, err
			}
			p := polygon{Box: box{math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)}}
			for range nRing {
				nIdx, err := count(1 << 20)
				if err != nil {
					return nil, err
				}
				var ring []point
				for k := range nIdx {
					idx, err := binary.ReadVarint(r)
					if err != nil {
						return nil, errFormat
					}
					rev := idx < 0
					if rev {
						idx = ^idx
					}
					if idx >= int64(len(arcs)) {
						return nil, errFormat
					}
					a := arcs[idx]
					start := len(ring)
					ring = append(ring, a...)
					if rev {
						s := ring[start:]
						for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
							s[i], s[j] = s[j], s[i]
						}
					}
					// Consecutive arcs share their end points.
					if k > 0 && start > 0 {
						ring = append(ring[:start], ring[start+1:]...)
					}
				}
				ring = unwrap(ring)
				for _, q := range ring {
					p.Box.MinX = min(p.Box.MinX, q.X)
					p.Box.MinY = min(p.Box.MinY, q.Y)
					p.Box.MaxX = max(p.Box.MaxX, q.X)
					p.Box.MaxY = max(p.Box.MaxY, q.Y)
				}
				p.Rings = append(p.Rings, ring)
			}
			d.minY = min(d.minY, p.Box.MinY)
			f.Polys = append(f.Polys, p)
		}
		d.features[i] = f
	}
	if r.Len() != 0 {
		return nil, errFormat
	}
	return d, nil
}

// unwrap makes a ring that crosses the antimeridian continuous: after a
// jump from 180° to -180° (or back) the following longitudes are shifted by
// 360°, so the ring spans e.g. 170°..190° and is a simple polygon in the
// plane. A ring that winds around a pole (Antarctica: the jumps do not
// cancel out) is left as it is: in the plane it already encloses the
// right side.
func unwrap(ring []point) []point {
	shift, jumps := 0.0, 0
	for i := 1; i < len(ring); i++ {
		switch dx := ring[i].X - ring[i-1].X; {
		case dx < -180:
			shift += 360
			jumps++
		case dx > 180:
			shift -= 360
			jumps++
		}
	}
	if jumps == 0 || shift != 0 {
		return ring
	}
	out := make([]point, len(ring))
	shift = 0
	for i, q := range ring {
		if i > 0 {
			switch dx := q.X - ring[i-1].X; {
			case dx < -180:
				shift += 360
			case dx > 180:
				shift -= 360
			}
		}
		out[i] = point{q.X + shift, q.Y}
	}
	// Keep the ring's longitudes mostly within -180..180+: a ring unwrapped
	// towards the west starts east of the line.
	minX := out[0].X
	for _, q := range out {
		minX = min(minX, q.X)
	}
	if minX < -180 {
		for i := range out {
			out[i].X += 360
		}
	}
	return out
}
