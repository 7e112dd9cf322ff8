package geo_test

import (
	"testing"

	"github.com/trove-archive/trove/internal/geo"
)

func TestCountryAt(t *testing.T) {
	tests := []struct {
		name     string
		lat, lon float64
		want     string
	}{
		{"Strasbourg cathedral", 48.5818, 7.7509, "FR"},
		{"Kehl town hall", 48.5727, 7.8155, "DE"},
		{"Basel Münster", 47.5565, 7.5925, "CH"},
		{"Saint-Louis (by Basel)", 47.5900, 7.5600, "FR"},
		{"Weil am Rhein (by Basel)", 47.5950, 7.6200, "DE"},
		{"El Paso downtown", 31.7587, -106.4869, "US"},
		{"Ciudad Juárez centre", 31.7200, -106.4600, "MX"},
		{"Detroit downtown", 42.3314, -83.0458, "US"},
		{"Windsor", 42.3000, -83.0200, "CA"},
		{"Geneva", 46.2044, 6.1432, "CH"},
		{"Annemasse (by Geneva)", 46.1934, 6.2342, "FR"},
		{"Gex (by Geneva)", 46.3333, 6.0578, "FR"},
		{"Gibraltar rock", 36.1350, -5.3480, "GI"},
		{"La Línea de la Concepción", 36.1680, -5.3480, "ES"},
		{"Algeciras", 36.1408, -5.4562, "ES"},
		{"Ceuta", 35.8894, -5.3213, "ES"},
		{"Tangier", 35.7595, -5.8340, "MA"},
		{"Singapore", 1.3521, 103.8198, "SG"},
		{"Johor Bahru", 1.4927, 103.7414, "MY"},
		{"Baarle-Nassau", 51.4430, 4.9290, "NL"},
		{"Lesotho inside South Africa", -29.61, 28.23, "LS"},
		{"Bloemfontein", -29.0852, 26.1596, "ZA"},
		{"Rome (the Vatican is below the grid)", 41.8967, 12.4822, "IT"},
		{"Nicosia south", 35.1600, 33.3600, "CY"},
		{"Northern Cyprus (Mesaoria)", 35.25, 33.65, "CY"},
		{"Pristina", 42.6629, 21.1655, "XK"},
		{"Hargeisa (Somaliland)", 9.5600, 44.0650, "SO"},
		{"Suva, Fiji (east of 180)", -18.1416, 178.4419, "FJ"},
		{"Taveuni, Fiji near 180", -16.85, -179.97, "FJ"},
		{"Lau islands, Fiji west of 180", -17.23, -178.96, "FJ"},
		{"Chukotka, Russia, east of 180", 66.0, -172.0, "RU"},
		{"Chukotka west of 180", 65.5, 175.0, "RU"},
		{"Wrangel Island, both sides of 180", 71.25, -179.5, "RU"},
		{"Nunavut, same latitude as Chukotka", 65, -110, "CA"},
		{"Greenland", 72, -40, "GL"},
		{"South Pole", -90, 0, "AQ"},
		{"Vostok station", -78.46, 106.84, "AQ"},
		{"Christmas Island", -10.49, 105.62, "CX"},
		{"Tokyo", 35.6762, 139.6503, "JP"},
		{"São Paulo", -23.5505, -46.6333, "BR"},
	}
	for _, tt := range tests {
		got, ok := geo.CountryAt(tt.lat, tt.lon)
		if got != tt.want || !ok {
			t.Errorf("%s (%v, %v): CountryAt = %q, %v; want %q", tt.name, tt.lat, tt.lon, got, ok, tt.want)
		}
	}
}

func TestCountryAtSea(t *testing.T) {
	tests := []struct {
		name     string
		lat, lon float64
	}{
		{"mid-Atlantic", 30, -40},
		{"North Sea", 56, 3},
		{"Mediterranean between Sicily and Libya", 35, 15},
		{"Strait of Gibraltar", 35.97, -5.60},
		{"Denmark Strait (Russia's latitudes)", 67, -25},
		{"Norwegian Sea", 70, 0},
		{"Atlantic at Fiji's latitude", -16.8, 0},
		{"Indian Ocean at Fiji's latitude", -16.8, 60},
		{"Bering Sea", 58, -178},
		{"Pacific on the antimeridian", 0, 180},
		{"Pacific west of the antimeridian", 0, -180},
		{"North Pole", 90, 0},
		{"Gulf of Guinea null island", 0, 0},
		{"Singapore Strait", 1.22, 103.85},
		{"invalid latitude", 91, 0},
		{"invalid longitude", 0, 181},
	}
	for _, tt := range tests {
		if got, ok := geo.CountryAt(tt.lat, tt.lon); ok || got != "" {
			t.Errorf("%s (%v, %v): CountryAt = %q, %v; want sea", tt.name, tt.lat, tt.lon, got, ok)
		}
	}
}

func BenchmarkCountryAt(b *testing.B) {
	if err := geo.Ready(); err != nil {
		b.Fatal(err)
	}
	// A fixed pseudo-random spread of points over the globe (xorshift).
	var pts [][2]float64
	s := uint64(88172645463325252)
	for range 4096 {
		s ^= s << 13
		s ^= s >> 7
		s ^= s << 17
		lat := float64(s%18000)/100 - 90
		lon := float64((s>>20)%36000)/100 - 180
		pts = append(pts, [2]float64{lat, lon})
	}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		p := pts[i%len(pts)]
		geo.CountryAt(p[0], p[1])
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lookups/s")
}
