package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/country"
	"github.com/trove-archive/trove/internal/country/detect"
	"github.com/trove-archive/trove/internal/ingest"
	"github.com/trove-archive/trove/internal/sqlite"
)

// cmdCountries lists the country table and (re)runs document-country
// detection over a dataset ingested before it existed (docs/countries.md).
func cmdCountries(ctx context.Context, m *Main, args []string) error {
	if len(args) == 0 {
		return usagef("countries: want list or detect")
	}
	switch args[0] {
	case "list":
		return countriesList(m, args[1:])
	case "detect":
		return countriesDetect(ctx, m, args[1:])
	}
	return usagef("countries: unknown subcommand %q (want list or detect)", args[0])
}

type countryOut struct {
	Code          string   `json:"code"`
	Code3         string   `json:"code3"`
	Numeric       string   `json:"numeric,omitempty"`
	Name          string   `json:"name"`
	Official      string   `json:"official"`
	Native        []string `json:"native,omitempty"`
	Region        string   `json:"region,omitempty"`
	RegionCode    string   `json:"region_code,omitempty"`
	SubRegion     string   `json:"subregion,omitempty"`
	SubRegionCode string   `json:"subregion_code,omitempty"`
}

func countriesList(m *Main, args []string) error {
	fs := newFlags(m, "countries list", "countries list [--region NAME] [--json]")
	region := fs.String("region", "", "only countries of this UN M49 region or sub-region (e.g. Europe, Western Africa)")
	asJSON := fs.Bool("json", false, "print JSON")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("countries list: no operands expected")
	}
	var out []countryOut
	for _, c := range country.All() {
		if *region != "" && !strings.EqualFold(c.Region, *region) && !strings.EqualFold(c.SubRegion, *region) && !strings.EqualFold(c.Intermediate, *region) {
			continue
		}
		out = append(out, countryOut{c.Code, c.Code3, c.Numeric, c.Name, c.Official, c.Native, c.Region, c.RegionCode, c.SubRegion, c.SubRegionCode})
	}
	if *asJSON {
		return writeJSON(m.Stdout, out)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CODE\tCODE3\tNUM\tNAME\tNATIVE\tREGION\tSUB-REGION")
	for _, c := range out {
		native := ""
		if len(c.Native) > 0 {
			native = c.Native[0]
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.Code, c.Code3, c.Numeric, c.Name, native, c.Region, c.SubRegion)
	}
	return tw.Flush()
}

func countriesDetect(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "countries detect", "countries detect DATASET")
	pos, a, err := m.operands(fs, args, 1, "exactly one DATASET")
	if err != nil {
		return err
	}
	ds, err := a.db.Dataset(ctx, archive.Admin(), pos[0])
	if err != nil {
		return err
	}
	var blobs, assigned int
	per := map[string]int{}
	err = a.db.EachBlobText(ctx, ds.ID, detect.MaxText, func(bt *sqlite.BlobText) error {
		c := detect.New()
		for _, t := range bt.Text {
			c.Text([]byte(t))
		}
		bc := ingest.CountriesOf(c, &bt.Meta)
		blobs++
		for _, cc := range detect.Assigned(bc.Countries) {
			per[cc]++
			assigned++
		}
		return a.db.SetBlobCountries(ctx, bt.ID, bc)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "%s: %d documents scanned, %d document-country assignments, %d countries\n", ds.Slug, blobs, assigned, len(per))
	return nil
}
