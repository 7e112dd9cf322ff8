package ingest

import (
	"strings"
	"unicode"

	"github.com/abadojack/whatlanggo"
)

// minLangText is the least text worth guessing a language from.
const minLangText = 200

// langSample is how much of the text the guess reads.
const langSample = 1 << 10

// minLangConfidence is the least confidence a guess needs.
const minLangConfidence = 0.5

// detectLang guesses the language of an item's text (its first chunk) as
// an ISO 639-1 code, for the lang: filter and facet, when the file's own
// metadata did not say. "" when the text is short or the guess unsure.
func detectLang(text []byte) string {
	if len(text) < minLangText {
		return ""
	}
	// whatlanggo sorts every trigram of its input: 1 KiB (some 150
	// words) is plenty for a guess and costs a seventh of what 8 KiB did,
	// which was 40% of an ingest's CPU time (BenchmarkDetectLang).
	if len(text) > langSample {
		text = text[:langSample]
	}
	s := strings.ToValidUTF8(string(text), "")
	if l := stopwordLang(s); l != "" {
		return l
	}
	info := whatlanggo.Detect(s)
	// IsReliable asks for 0.8; closely related languages in one script
	// (Russian and Ukrainian, Spanish and Portuguese) score lower on
	// clear text, so take 0.5.
	if info.Confidence < minLangConfidence {
		return ""
	}
	return info.Lang.Iso6391()
}

// stopwords are the most frequent function words of the languages most
// leaks are written in, words that are rare in the others. Prose in one of
// them is mostly made of these, so counting them names its language at the
// cost of one map lookup per word; whatlanggo (trigram profiles of 84
// languages, about 1 ms a document) decides everything else: short or
// mixed text, tables, other languages and scripts.
var stopwords = map[string]string{}

func init() {
	for lang, words := range map[string]string{
		"en": "the and of to that for with was are this have from by which were been has their would there they",
		"de": "der die und das ist nicht mit sich dem den auf eine für sind wird von auch wurde werden bei nach oder zum zur",
		"fr": "le les et des est une dans pour qui sur par pas ce sont avec au aux été mais cette nous vous elle",
		"es": "el los las y del que por con para una su al lo como más pero sus fue ha este está son entre",
		"it": "il di che gli della sono per non nel dei alla delle anche come più questo è stato degli sul tra",
		"pt": "os da das não uma em para com do dos que ao pelo pela são foi mais seu sua também mas ou está",
		"nl": "het een van niet dat op te zijn voor met die aan ook bij wordt werd naar deze om",
		"ru": "и в не на что с по как это из за для от к но его она они был была было также или при",
	} {
		for _, w := range strings.Fields(words) {
			if _, dup := stopwords[w]; dup {
				stopwords[w] = "" // shared by two languages: no evidence
				continue
			}
			stopwords[w] = lang
		}
	}
}

// stopwordLang returns the language whose stopwords dominate s, or "" when
// none does clearly (then whatlanggo decides).
func stopwordLang(s string) string {
	counts := map[string]int{}
	words := 0
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\''
	}) {
		words++
		w := strings.ToLower(f)
		if l := stopwords[w]; l != "" {
			counts[l]++
		}
	}
	best, second := "", 0
	for l, n := range counts {
		if best == "" || n > counts[best] || n == counts[best] && l < best {
			if best != "" {
				second = max(second, counts[best])
			}
			best = l
		} else {
			second = max(second, n)
		}
	}
	// At least a tenth of the words, and three times any other language.
	if best == "" || counts[best] < 8 || counts[best]*10 < words || counts[best] < 3*second {
		return ""
	}
	return best
}
