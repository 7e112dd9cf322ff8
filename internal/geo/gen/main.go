// Command gen converts Natural Earth country boundaries, as shipped in
// TopoJSON by the npm package world-atlas, into the compact files that
// package geo embeds (internal/geo/data/countries-*.bin). scripts/geodata.sh
// fetches the packages with npm and runs it:
//
//	go run ./internal/geo/gen -atlas DIR/world-atlas/package -countries DIR/world-countries/package -out internal/geo/data
//
// Natural Earth identifies countries by ISO 3166-1 numeric codes; the
// alpha-2 codes come from world-countries (ccn3 → cca2). Features without
// an ISO code are resolved by name (see extraCodes) or dropped.
//
// Output format (then compressed with DEFLATE, RFC 1951):
//
//	"TGEO1\n"
//	float64 ×4, little endian: scale x, scale y, translate x, translate y (TopoJSON transform)
//	uvarint arcs; per arc: uvarint points, then zigzag varint x,y pairs
//	    (the first absolute, the others deltas, as in TopoJSON quantized arcs)
//	uvarint features; per feature: 2 bytes alpha-2, uvarint name length, name (UTF-8),
//	    uvarint polygons; per polygon: uvarint rings; per ring: uvarint arcs,
//	    zigzag varint arc indexes (negative ~i: arc i reversed)
package main

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math"
	"os"
	"path/filepath"
	"sort"
)

// extraCodes gives an ISO 3166-1 alpha-2 code to Natural Earth features
// that have none. De jure ISO assignment: breakaway and disputed areas
// go to the state ISO 3166 lists them under; Kosovo gets the user-assigned
// XK that the EU and most data sets use. Features left out (Siachen
// Glacier, Spratly Is., Scarborough Reef, Bajo Nuevo Bank, Serranilla
// Bank: contested between several states) are not in the data, so
// CountryAt answers "", false there.
var extraCodes = map[string]string{
	"Kosovo":                  "XK",
	"N. Cyprus":               "CY",
	"Cyprus U.N. Buffer Zone": "CY",
	"Somaliland":              "SO",
	"Dhekelia":                "GB", // UK sovereign base areas on Cyprus
	"Akrotiri":                "GB",
	"USNB Guantanamo Bay":     "CU",
	"Baikonur":                "KZ",
	"Coral Sea Is.":           "AU",
	"Clipperton I.":           "FR",
	"Indian Ocean Ter.":       "CX/CC", // split by longitude: Christmas Island east of 100°E, Cocos west
}

type topology struct {
	Transform struct {
		Scale     [2]float64 `json:"scale"`
		Translate [2]float64 `json:"translate"`
	} `json:"transform"`
	Objects struct {
		Countries struct {
			Geometries []geometry `json:"geometries"`
		} `json:"countries"`
	} `json:"objects"`
	Arcs [][][2]int64 `json:"arcs"`
}

type geometry struct {
	Type       string          `json:"type"`
	ID         string          `json:"id"`
	Arcs       json.RawMessage `json:"arcs"`
	Properties struct {
		Name string `json:"name"`
	} `json:"properties"`
}

type feature struct {
	code, name string
	polys      [][][]int64
}

func main() {
	atlas := flag.String("atlas", "", "folder of the unpacked world-atlas package")
	countries := flag.String("countries", "", "folder of the unpacked world-countries package")
	out := flag.String("out", "internal/geo/data", "output folder")
	flag.Parse()
	if *atlas == "" || *countries == "" {
		log.Fatal("gen: -atlas and -countries are required")
	}
	numeric, err := loadNumeric(filepath.Join(*countries, "countries.json"))
	if err != nil {
		log.Fatal(err)
	}
	for _, res := range []string{"110m", "10m"} {
		if err := convert(filepath.Join(*atlas, "countries-"+res+".json"), filepath.Join(*out, "countries-"+res+".bin"), numeric); err != nil {
			log.Fatal(err)
		}
	}
}

func loadNumeric(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read countries: %w", err)
	}
	var list []struct {
		CCA2 string `json:"cca2"`
		CCN3 string `json:"ccn3"`
	}
	if err := json.Unmarshal(b, &list); err != nil {
		return nil, fmt.Errorf("parse countries: %w", err)
	}
	m := map[string]string{}
	for _, c := range list {
		if c.CCN3 != "" {
			m[c.CCN3] = c.CCA2
		}
	}
	return m, nil
}

func convert(in, out string, numeric map[string]string) error {
	b, err := os.ReadFile(in)
	if err != nil {
		return fmt.Errorf("read topology: %w", err)
	}
	var t topology
	if err := json.Unmarshal(b, &t); err != nil {
		return fmt.Errorf("parse topology %s: %w", in, err)
	}
	var feats []feature
	for _, g := range t.Objects.Countries.Geometries {
		var polys [][][]int64
		switch g.Type {
		case "Polygon":
			var p [][]int64
			if err := json.Unmarshal(g.Arcs, &p); err != nil {
				return fmt.Errorf("parse %s: %w", g.Properties.Name, err)
			}
			polys = [][][]int64{p}
		case "MultiPolygon":
			if err := json.Unmarshal(g.Arcs, &polys); err != nil {
				return fmt.Errorf("parse %s: %w", g.Properties.Name, err)
			}
		default:
			continue
		}
		code := numeric[g.ID]
		if code == "" {
			code = extraCodes[g.Properties.Name]
		}
		switch code {
		case "":
			log.Printf("%s: no code for %q (id %q), left out", filepath.Base(in), g.Properties.Name, g.ID)
			continue
		case "CX/CC":
			var cx, cc [][][]int64
			for _, p := range polys {
				if arcLon(t, p[0][0]) > 100 {
					cx = append(cx, p)
				} else {
					cc = append(cc, p)
				}
			}
			feats = append(feats, feature{"CX", "Christmas I.", cx}, feature{"CC", "Cocos Is.", cc})
			continue
		}
		feats = append(feats, feature{code, g.Properties.Name, polys})
	}
	sort.SliceStable(feats, func(i, j int) bool { return feats[i].code < feats[j].code })

	var buf bytes.Buffer
	buf.WriteString("TGEO1\n")
	for _, f := range []float64{t.Transform.Scale[0], t.Transform.Scale[1], t.Transform.Translate[0], t.Transform.Translate[1]} {
		binary.Write(&buf, binary.LittleEndian, math.Float64bits(f))
	}
	uv := func(n int) { buf.Write(binary.AppendUvarint(nil, uint64(n))) }
	sv := func(n int64) { buf.Write(binary.AppendVarint(nil, n)) }
	uv(len(t.Arcs))
	for _, a := range t.Arcs {
		uv(len(a))
		for _, p := range a {
			sv(p[0])
			sv(p[1])
		}
	}
	uv(len(feats))
	for _, f := range feats {
		buf.WriteString(f.code)
		uv(len(f.name))
		buf.WriteString(f.name)
		uv(len(f.polys))
		for _, p := range f.polys {
			uv(len(p))
			for _, ring := range p {
				uv(len(ring))
				for _, a := range ring {
					sv(a)
				}
			}
		}
	}
	var z bytes.Buffer
	w, err := flate.NewWriter(&z, flate.BestCompression)
	if err != nil {
		return err
	}
	w.Write(buf.Bytes())
	if err := w.Close(); err != nil {
		return err
	}
	if err := os.WriteFile(out, z.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	log.Printf("%s: %d features, %d arcs, %d bytes (%d raw)", out, len(feats), len(t.Arcs), z.Len(), buf.Len())
	return nil
}

// arcLon returns the longitude of the first point of arc i (~i reversed:
// its last point; either is on the ring).
func arcLon(t topology, i int64) float64 {
	if i < 0 {
		i = ^i
	}
	return float64(t.Arcs[i][0][0])*t.Transform.Scale[0] + t.Transform.Translate[0]
}
