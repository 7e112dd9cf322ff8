package ocr

import (
	"slices"
	"strings"
)

// countryLangs maps ISO 3166-1 alpha-2 country codes to the tesseract
// languages of the documents one expects from there, most common first.
// English is added by LanguagesFor.
var countryLangs = map[string][]string{
	// English-speaking
	"US": {"eng"}, "GB": {"eng"}, "IE": {"eng"}, "AU": {"eng"}, "NZ": {"eng"},
	"NG": {"eng"}, "GH": {"eng"}, "SG": {"eng", "chi_sim", "msa"}, "PH": {"eng", "tgl"},
	"CA": {"eng", "fra"}, "ZA": {"eng", "afr"}, "KE": {"eng", "swa"}, "TZ": {"swa", "eng"},
	"IN": {"eng", "hin"}, "PK": {"urd", "eng"},
	// Western and Northern Europe
	"DE": {"deu"}, "AT": {"deu"}, "LI": {"deu"}, "CH": {"deu", "fra", "ita"},
	"FR": {"fra"}, "MC": {"fra"}, "BE": {"nld", "fra", "deu"}, "LU": {"fra", "deu", "ltz"},
	"NL": {"nld"}, "IT": {"ita"}, "SM": {"ita"}, "VA": {"ita", "lat"}, "MT": {"mlt", "eng"},
	"ES": {"spa", "cat"}, "AD": {"cat", "spa"}, "PT": {"por"},
	"SE": {"swe"}, "NO": {"nor"}, "DK": {"dan"}, "FI": {"fin", "swe"}, "IS": {"isl"},
	// Central and Eastern Europe
	"PL": {"pol"}, "CZ": {"ces"}, "SK": {"slk"}, "HU": {"hun"}, "RO": {"ron"}, "MD": {"ron", "rus"},
	"BG": {"bul"}, "GR": {"ell"}, "CY": {"ell", "tur"}, "SI": {"slv"}, "HR": {"hrv"},
	"RS": {"srp", "srp_latn"}, "ME": {"srp_latn", "srp"}, "BA": {"bos", "hrv", "srp"}, "MK": {"mkd"},
	"AL": {"sqi"}, "XK": {"sqi", "srp"}, "EE": {"est"}, "LV": {"lav"}, "LT": {"lit"},
	"RU": {"rus"}, "UA": {"ukr", "rus"}, "BY": {"bel", "rus"},
	// Caucasus and Central Asia
	"GE": {"kat"}, "AM": {"hye"}, "AZ": {"aze"}, "KZ": {"kaz", "rus"}, "UZ": {"uzb"},
	"KG": {"kir", "rus"}, "TJ": {"tgk", "rus"}, "TM": {"tuk", "rus"}, "MN": {"mon"},
	// Middle East and North Africa
	"TR": {"tur"}, "IL": {"heb", "ara"}, "IR": {"fas"}, "AF": {"fas", "pus"}, "IQ": {"ara", "kur"},
	"SA": {"ara"}, "AE": {"ara"}, "QA": {"ara"}, "KW": {"ara"}, "BH": {"ara"}, "OM": {"ara"},
	"YE": {"ara"}, "JO": {"ara"}, "LB": {"ara", "fra"}, "SY": {"ara"}, "PS": {"ara"},
	"EG": {"ara"}, "LY": {"ara"}, "SD": {"ara"}, "TN": {"ara", "fra"}, "DZ": {"ara", "fra"}, "MA": {"ara", "fra"},
	// Sub-Saharan Africa
	"ET": {"amh"}, "SN": {"fra"}, "CI": {"fra"}, "CM": {"fra"}, "CD": {"fra"}, "ML": {"fra"},
	"AO": {"por"}, "MZ": {"por"}, "SO": {"som", "ara"},
	// Americas
	"MX": {"spa"}, "AR": {"spa"}, "CO": {"spa"}, "CL": {"spa"}, "PE": {"spa"}, "VE": {"spa"},
	"EC": {"spa"}, "BO": {"spa"}, "PY": {"spa"}, "UY": {"spa"}, "CU": {"spa"}, "DO": {"spa"},
	"GT": {"spa"}, "HN": {"spa"}, "SV": {"spa"}, "NI": {"spa"}, "CR": {"spa"}, "PA": {"spa"},
	"BR": {"por"}, "HT": {"fra"},
	// Asia
	"CN": {"chi_sim"}, "TW": {"chi_tra"}, "HK": {"chi_tra", "eng"}, "MO": {"chi_tra", "por"},
	"JP": {"jpn"}, "KR": {"kor"}, "KP": {"kor"}, "VN": {"vie"}, "TH": {"tha"}, "LA": {"lao"},
	"KH": {"khm"}, "MM": {"mya"}, "MY": {"msa"}, "ID": {"ind"}, "BD": {"ben"}, "LK": {"sin", "tam"},
	"NP": {"nep"},
}

// countryAlias maps codes in common use that are not ISO 3166-1.
var countryAlias = map[string]string{"UK": "GB", "EL": "GR"}

// LanguagesFor returns the tesseract languages for documents from the
// given countries (ISO 3166-1 alpha-2 codes, any case): theirs in order,
// once each, then English, always. Unknown codes add nothing.
func LanguagesFor(countries []string) []string {
	var out []string
	for _, c := range countries {
		c = strings.ToUpper(strings.TrimSpace(c))
		if a, ok := countryAlias[c]; ok {
			c = a
		}
		for _, l := range countryLangs[c] {
			if !slices.Contains(out, l) {
				out = append(out, l)
			}
		}
	}
	if !slices.Contains(out, "eng") {
		out = append(out, "eng")
	}
	return out
}
