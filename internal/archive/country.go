package archive

// GeoPoint is an item with a GPS position (a photo, a video), for maps.
// Country is the ISO 3166-1 alpha-2 code of the position ("" at sea).
type GeoPoint struct {
	ItemID   int64
	Name     string
	Lat, Lon float64
	Country  string
}

// CountryEvidence is one reason to think a document is about a country:
// Kind is name, demonym, phone, iban, tld, gps or address; Text a short
// matched snippet; Count how often it occurred.
type CountryEvidence struct {
	Kind  string `json:"kind"`
	Text  string `json:"text"`
	Count int    `json:"count"`
}

// DocumentCountry is a country detected in a document (a blob) with its
// evidence. Assigned: the evidence passed the threshold (docs/countries.md),
// so the document counts for the country: filter and facet.
type DocumentCountry struct {
	Country  string
	Assigned bool
	Evidence []CountryEvidence
}
