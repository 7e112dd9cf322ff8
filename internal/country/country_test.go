package country_test

import (
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/country"
)

func TestTable(t *testing.T) {
	all := country.All()
	if len(all) < 249 {
		t.Fatalf("%d countries, want the 249 of ISO 3166-1 (+XK)", len(all))
	}
	for i, c := range all {
		if i > 0 && all[i-1].Code >= c.Code {
			t.Fatalf("not sorted at %s", c.Code)
		}
		if len(c.Code) != 2 || len(c.Code3) != 3 || c.Name == "" {
			t.Errorf("%+v: incomplete", c)
		}
		if c.Code != "AQ" && (c.Region == "" || c.RegionCode == "") {
			t.Errorf("%s: no M49 region", c.Code)
		}
	}
	de, ok := country.Lookup("de")
	if !ok || de.Name != "Germany" || de.Code3 != "DEU" || de.Numeric != "276" || de.Region != "Europe" ||
		de.RegionCode != "150" || de.SubRegion != "Western Europe" || de.SubRegionCode != "155" {
		t.Fatalf("DE = %+v", de)
	}
	if !strings.Contains(strings.Join(de.Native, "|"), "Deutschland") || de.Names["rus"] != "Германия" || de.Names["zho"] != "德国" {
		t.Errorf("DE names: %v %v", de.Native, de.Names)
	}
	if len(de.CallingCodes) != 1 || de.CallingCodes[0] != "+49" || de.TLDs[0] != ".de" {
		t.Errorf("DE codes: %v %v", de.CallingCodes, de.TLDs)
	}
	if c, ok := country.ByNumeric("276"); !ok || c.Code != "DE" {
		t.Errorf("ByNumeric 276 = %v %v", c.Code, ok)
	}
	if c, ok := country.ByNumeric("20"); !ok || c.Code != "AD" {
		t.Errorf("ByNumeric 20 = %v %v", c.Code, ok)
	}
	ao, _ := country.Lookup("AO")
	if ao.SubRegion != "Sub-Saharan Africa" || ao.Intermediate != "Middle Africa" {
		t.Errorf("AO regions: %q %q", ao.SubRegion, ao.Intermediate)
	}
	// Not in UN M49: regions from the data (see gen).
	for cc, sub := range map[string]string{"TW": "Eastern Asia", "XK": "Southern Europe"} {
		if c, _ := country.Lookup(cc); c.SubRegion != sub {
			t.Errorf("%s sub-region %q, want %q", cc, c.SubRegion, sub)
		}
	}
	for _, code := range []string{"UK", "EU", "XX", "", "D"} {
		if country.Valid(code) {
			t.Errorf("Valid(%q) = true", code)
		}
	}
	if src := country.Sources(); len(src) != 2 || src[0].Package != "world-countries" || src[0].License != "ODbL-1.0" {
		t.Errorf("sources: %+v", src)
	}
}

func TestCheck(t *testing.T) {
	if err := country.Check([]string{"DE", "FR", "XK"}); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ code, want string }{
		{"UK", "GB (United Kingdom)"},
		{"SP", "not an ISO 3166-1"},
		{"QQ", "QA (Qatar)"},
		{"ZZ", "not an ISO 3166-1"},
	}
	for _, tt := range tests {
		err := country.Check([]string{"DE", tt.code})
		if archive.ErrorCode(err) != archive.EInvalid || !strings.Contains(err.Error(), tt.code) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Check(%s) = %v, want EInvalid naming it and %q", tt.code, err, tt.want)
		}
	}
	if s := country.Suggest("DEU"); len(s) == 0 || s[0].Code != "DE" {
		t.Errorf("Suggest(DEU) = %v", s)
	}
	if s := country.Suggest("Allemagne"); len(s) == 0 || s[0].Code != "DE" {
		t.Errorf("Suggest(Allemagne) = %v", s)
	}
}
