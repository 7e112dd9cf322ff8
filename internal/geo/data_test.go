package geo

import (
	"bytes"
	"compress/flate"
	"io"
	"testing"
)

func rawData(tb testing.TB, name string) []byte {
	tb.Helper()
	z, err := dataFS.ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(z)))
	if err != nil {
		tb.Fatal(err)
	}
	return raw
}

func TestDecode(t *testing.T) {
	for _, res := range []string{"10m", "110m"} {
		d, err := load(res)
		if err != nil {
			t.Fatal(err)
		}
		codes := map[string]bool{}
		degenerate := 0
		for _, f := range d.features {
			if len(f.Code) != 2 || f.Code[0] < 'A' || f.Code[0] > 'Z' || f.Code[1] < 'A' || f.Code[1] > 'Z' || len(f.Polys) == 0 {
				t.Errorf("%s: feature %q %q: bad code or no polygon", res, f.Code, f.Name)
			}
			codes[f.Code] = true
			for _, p := range f.Polys {
				for _, r := range p.Rings {
					// Islands below the quantization grid (the
					// Vatican, a few rocks) are rings of 2 or 3
					// points without area: nothing falls inside.
					if len(r) < 4 {
						degenerate++
						continue
					}
					if r[0] != r[len(r)-1] {
						t.Fatalf("%s %s: open ring of %d points", res, f.Code, len(r))
					}
				}
			}
		}
		if degenerate > 10 {
			t.Errorf("%s: %d degenerate rings", res, degenerate)
		}
		min := map[string]int{"10m": 240, "110m": 170}[res]
		if len(codes) < min {
			t.Errorf("%s: %d countries, want at least %d", res, len(codes), min)
		}
	}
	// Damage is refused, not mistaken for data.
	raw := rawData(t, "data/countries-110m.bin")
	for _, bad := range [][]byte{nil, raw[:5], raw[:len(raw)/2], append(append([]byte{}, raw...), 0)} {
		if _, err := decode(bad); err == nil {
			t.Errorf("decode accepted %d damaged bytes", len(bad))
		}
	}
}

// FuzzDecode: whatever the bytes, decode returns data or an error, without
// panicking or allocating without bound.
func FuzzDecode(f *testing.F) {
	raw := rawData(f, "data/countries-110m.bin")
	f.Add(raw)
	f.Add(raw[:200])
	f.Add([]byte("TGEO1\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := decode(b)
		if err == nil && d == nil {
			t.Fatal("no data and no error")
		}
	})
}

// FuzzUnwrap: any ring unwraps to a ring of the same length whose
// consecutive points are less than 180° apart in longitude, unless it
// winds around a pole.
func FuzzUnwrap(f *testing.F) {
	f.Add(170.0, 10.0, -170.0, 10.0, -170.0, 20.0, 170.0, 20.0)
	f.Add(-180.0, -85.0, 0.0, -85.0, 180.0, -85.0, 180.0, -90.0)
	f.Fuzz(func(t *testing.T, x1, y1, x2, y2, x3, y3, x4, y4 float64) {
		ring := []point{{x1, y1}, {x2, y2}, {x3, y3}, {x4, y4}, {x1, y1}}
		for _, p := range ring {
			if p.X < -180 || p.X > 180 || p.Y < -90 || p.Y > 90 || p.X != p.X || p.Y != p.Y {
				return
			}
		}
		out := unwrap(ring)
		if len(out) != len(ring) {
			t.Fatalf("length %d, want %d", len(out), len(ring))
		}
	})
}

// naiveAt is the lookup without the grid and the latitude bands: every
// polygon's box, then every edge of its rings. The baseline of
// BenchmarkCountryAt, and a cross-check of the index.
func naiveAt(d *dataset, lon, lat float64) string {
	if lat < d.minY {
		return "AQ"
	}
	for _, f := range d.features {
		for _, p := range f.Polys {
			for _, x := range []float64{lon, lon + 360} {
				if !p.Box.contains(x, lat) {
					continue
				}
				in := false
				for _, r := range p.Rings {
					for i := 0; i+1 < len(r); i++ {
						a, b := r[i], r[i+1]
						if (a.Y > lat) != (b.Y > lat) && x < (b.X-a.X)*(lat-a.Y)/(b.Y-a.Y)+a.X {
							in = !in
						}
					}
				}
				if in {
					return f.Code
				}
			}
		}
	}
	return ""
}

func spread(n int) [][2]float64 {
	var pts [][2]float64
	s := uint64(88172645463325252)
	for range n {
		s ^= s << 13
		s ^= s >> 7
		s ^= s << 17
		pts = append(pts, [2]float64{float64(s%18000)/100 - 90, float64((s>>20)%36000)/100 - 180})
	}
	return pts
}

// TestIndexMatchesNaive: the index answers like the plain scan.
func TestIndexMatchesNaive(t *testing.T) {
	d, err := load("10m")
	if err != nil {
		t.Fatal(err)
	}
	land := 0
	for _, p := range spread(3000) {
		got, _ := CountryAt(p[0], p[1])
		if want := naiveAt(d, p[1], p[0]); got != want {
			t.Errorf("(%v, %v): index %q, scan %q", p[0], p[1], got, want)
		}
		if got != "" {
			land++
		}
	}
	// About 29% of the Earth is land; equal steps in degrees oversample
	// the poles (Antarctica), so accept a broad range.
	if land < 600 || land > 1500 {
		t.Errorf("%d of 3000 points on land", land)
	}
}

func BenchmarkCountryAtNaive(b *testing.B) {
	d, err := load("10m")
	if err != nil {
		b.Fatal(err)
	}
	pts := spread(4096)
	for i := 0; b.Loop(); i++ {
		p := pts[i%len(pts)]
		naiveAt(d, p[1], p[0])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}
