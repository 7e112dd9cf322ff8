// Package geo knows where the countries are, offline: it resolves GPS
// positions to ISO 3166-1 alpha-2 codes (CountryAt) and draws world maps as
// SVG on the server (Map), both from Natural Earth boundaries (public
// domain) as packaged in TopoJSON by the npm package world-atlas 2.0.2
// (ISC licence). The data is converted by ./gen (see scripts/geodata.sh)
// into data/countries-10m.bin (lookups) and data/countries-110m.bin
// (drawing), embedded in the binary; nothing is fetched at run time.
//
// Natural Earth features without an ISO code are mapped de jure (Northern
// Cyprus → CY, Somaliland → SO, Kosovo → XK, Baikonur → KZ, ...); disputed
// reefs and the Siachen Glacier are left out and resolve to nothing. See
// docs/countries.md.
package geo
