package ingest

import (
	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/country/detect"
	"github.com/trove-archive/trove/internal/geo"
	"github.com/trove-archive/trove/internal/sqlite"
)

// detectCountries feeds a chunk of text to the country detector.
func (s *sink) detectCountries(text []byte) {
	if s.countries == nil {
		s.countries = detect.New()
	}
	s.countries.Text(text)
}

// countryResult finishes country detection with the metadata (GPS,
// email addresses, title) once extraction is done.
func (s *sink) countryResult() *sqlite.BlobCountries {
	if s.countries == nil {
		s.countries = detect.New()
	}
	return CountriesOf(s.countries, &s.meta)
}

// CountriesOf completes a collector with a document's metadata and applies
// the thresholds: what the catalog stores for one blob.
func CountriesOf(c *detect.Collector, m *archive.Meta) *sqlite.BlobCountries {
	c.Meta(m)
	bc := &sqlite.BlobCountries{Countries: detect.Assign(c.Evidence())}
	if lat, lon, ok := c.GPS(); ok {
		bc.HasPos, bc.Lat, bc.Lon = true, lat, lon
		bc.PosCC, _ = geo.CountryAt(lat, lon)
	}
	return bc
}
