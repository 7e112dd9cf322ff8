package ingest

import (
	"strings"

	"github.com/abadojack/whatlanggo"
)

// minLangText is the least text worth guessing a language from.
const minLangText = 200

// minLangConfidence is the least confidence a guess needs.
const minLangConfidence = 0.5

// detectLang guesses the language of an item's text (its first chunk) as
// an ISO 639-1 code, for the lang: filter and facet, when the file's own
// metadata did not say. "" when the text is short or the guess unsure.
func detectLang(text []byte) string {
	if len(text) < minLangText {
		return ""
	}
	s := string(text)
	if len(s) > 8<<10 {
		s = strings.ToValidUTF8(s[:8<<10], "")
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
