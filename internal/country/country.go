package country

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
)

//go:embed countries.json
var data []byte

// Country is one entry of ISO 3166-1 (plus Kosovo, XK, user-assigned).
type Country struct {
	Code    string // ISO 3166-1 alpha-2, upper case
	Code3   string // alpha-3
	Numeric string // ISO 3166-1 numeric (= UN M49 code), "" for XK
	Status  string // "officially-assigned" or "user-assigned" (XK)

	Name     string   // English common name
	Official string   // English official name
	Native   []string // common and official names in the country's own languages
	// Names are common names by ISO 639-3 language code (ara, deu, fra,
	// rus, spa, por, zho, ...).
	Names map[string]string

	Region, SubRegion         string // UN M49 names, e.g. Europe, Western Europe
	RegionCode, SubRegionCode string // UN M49 codes, e.g. 150, 155
	// Intermediate is the M49 intermediate region where there is one
	// (Africa and the Americas), e.g. Middle Africa (017).
	Intermediate, IntermediateCode string

	Demonyms       []string          // English and French, masculine and feminine
	DemonymsByLang map[string]string // masculine demonym by ISO 639-3 code
	CallingCodes   []string          // "+49"; "+1" for the whole NANP
	TLDs           []string          // ".de"
	Lat, Lon       float64           // a representative point (not a centroid)
	AltSpellings   []string          // other names in Latin script
}

// Source is a package the table was generated from.
type Source struct {
	Package, Version, License, URL string
}

type file struct {
	Sources []struct {
		Package string `json:"package"`
		Version string `json:"version"`
		License string `json:"license"`
		URL     string `json:"url"`
	} `json:"sources"`
	Countries []struct {
		Code             string            `json:"code"`
		Code3            string            `json:"code3"`
		Numeric          string            `json:"numeric"`
		Status           string            `json:"status"`
		Name             string            `json:"name"`
		Official         string            `json:"official"`
		Native           []string          `json:"native"`
		Names            map[string]string `json:"names"`
		Region           string            `json:"region"`
		RegionCode       string            `json:"region_code"`
		SubRegion        string            `json:"subregion"`
		SubRegionCode    string            `json:"subregion_code"`
		Intermediate     string            `json:"intermediate"`
		IntermediateCode string            `json:"intermediate_code"`
		Demonyms         []string          `json:"demonyms"`
		DemonymsByLang   map[string]string `json:"demonyms_by_lang"`
		CallingCodes     []string          `json:"calling_codes"`
		TLDs             []string          `json:"tlds"`
		Lat              float64           `json:"lat"`
		Lon              float64           `json:"lon"`
		Alt              []string          `json:"alt"`
	} `json:"countries"`
}

type table struct {
	all       []Country
	byCode    map[string]int
	byNumeric map[string]int
	byCode3   map[string]int
	sources   []Source
}

var load = sync.OnceValue(func() *table {
	var f file
	if err := json.Unmarshal(data, &f); err != nil {
		panic(fmt.Sprintf("country: embedded table: %v", err))
	}
	t := &table{byCode: map[string]int{}, byNumeric: map[string]int{}, byCode3: map[string]int{}}
	for _, s := range f.Sources {
		t.sources = append(t.sources, Source{s.Package, s.Version, s.License, s.URL})
	}
	for _, c := range f.Countries {
		t.all = append(t.all, Country{
			Code: c.Code, Code3: c.Code3, Numeric: c.Numeric, Status: c.Status,
			Name: c.Name, Official: c.Official, Native: c.Native, Names: c.Names,
			Region: c.Region, SubRegion: c.SubRegion, RegionCode: c.RegionCode, SubRegionCode: c.SubRegionCode,
			Intermediate: c.Intermediate, IntermediateCode: c.IntermediateCode,
			Demonyms: c.Demonyms, DemonymsByLang: c.DemonymsByLang,
			CallingCodes: c.CallingCodes, TLDs: c.TLDs, Lat: c.Lat, Lon: c.Lon, AltSpellings: c.Alt,
		})
	}
	slices.SortFunc(t.all, func(a, b Country) int { return strings.Compare(a.Code, b.Code) })
	for i, c := range t.all {
		t.byCode[c.Code] = i
		t.byCode3[c.Code3] = i
		if c.Numeric != "" {
			t.byNumeric[c.Numeric] = i
		}
	}
	return t
})

// Lookup finds a country by its ISO 3166-1 alpha-2 code, in any case.
func Lookup(code string) (Country, bool) {
	t := load()
	i, ok := t.byCode[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return Country{}, false
	}
	return t.all[i], true
}

// ByNumeric finds a country by its ISO 3166-1 numeric code ("276" → DE);
// leading zeros may be omitted ("20" → AD).
func ByNumeric(n string) (Country, bool) {
	t := load()
	n = strings.TrimSpace(n)
	if len(n) > 0 && len(n) < 3 {
		n = strings.Repeat("0", 3-len(n)) + n
	}
	i, ok := t.byNumeric[n]
	if !ok {
		return Country{}, false
	}
	return t.all[i], true
}

// ByCode3 finds a country by its ISO 3166-1 alpha-3 code, in any case.
func ByCode3(code string) (Country, bool) {
	t := load()
	i, ok := t.byCode3[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return Country{}, false
	}
	return t.all[i], true
}

// All returns every country, sorted by code. The slice is a copy; the
// countries' slices and maps are shared and must not be changed.
func All() []Country {
	return slices.Clone(load().all)
}

// Valid reports whether code is an alpha-2 code in the table (any case).
func Valid(code string) bool {
	_, ok := Lookup(code)
	return ok
}

// Sources lists the packages the table was generated from, with their
// versions and licences.
func Sources() []Source {
	return slices.Clone(load().sources)
}
