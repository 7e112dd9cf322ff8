package verify

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// A software rule names a family of producing applications and the year of
// its first public release: a document created or modified before 1
// January of that year cannot have been written by it, so the date (or the
// software string) is false.
//
// Years are those of the first public release (for Microsoft Office, the
// release to manufacturing, which often falls in the year before the
// version's name), from the vendors' release histories as summarised by
// Wikipedia's articles on each product ("Microsoft Office" version history,
// "Adobe Acrobat" version history, "LibreOffice", "OpenOffice.org",
// "pdfTeX", "Quartz 2D", "Skia Graphics Engine", "Ghostscript", "iText",
// "Microsoft Print to PDF" in "Windows 10"). Where sources differ the
// earlier year is used, so that a flag is never raised by a doubtful year.
// A rule matches case-insensitively anywhere in the creator or producer
// string; the first matching rule wins, so versioned rules come first.
type softwareRule struct {
	re   *regexp.Regexp
	name string // display name; "$1" is replaced by the first group
	year int    // first release; 0: look the group up in versions
	// versions maps the first group (a version) to its release year.
	versions map[string]int
}

// officeYears: Microsoft Office versions named by year, with the year of
// their release to manufacturing.
var officeYears = map[string]int{
	"95": 1995, "97": 1996, "98": 1998, "2000": 1999, "2001": 2000, "2002": 2001, "xp": 2001,
	"2003": 2003, "2004": 2004, "2007": 2006, "2008": 2008, "2010": 2010, "2011": 2010,
	"2013": 2012, "2016": 2015, "2019": 2018, "2021": 2021, "2024": 2024,
}

// acrobatYears: Acrobat (Distiller, PDFMaker, Pro) major versions.
var acrobatYears = map[string]int{
	"1": 1993, "2": 1994, "3": 1996, "4": 1999, "5": 2001, "6": 2003, "7": 2005, "8": 2006,
	"9": 2008, "10": 2010, "11": 2012, "15": 2015, "17": 2017, "18": 2017, "19": 2018,
	"20": 2019, "21": 2020, "22": 2021, "23": 2022, "24": 2023,
}

var softwareRules = []softwareRule{
	{re: re(`microsoft.{0,12}(?:word|excel|powerpoint|outlook|publisher|office).{0,6}for (?:microsoft|office) 365`), name: "Microsoft 365", year: 2011},
	{re: re(`microsoft.{0,12}(?:office )?(word|excel|powerpoint|outlook|publisher|visio)\s+(\d{2,4}|xp)\b`), name: "Microsoft $1 $2", versions: officeYears},
	{re: re(`microsoft.{0,12}(?:office )?word`), name: "Microsoft Word", year: 1983},
	{re: re(`microsoft.{0,12}(?:office )?excel`), name: "Microsoft Excel", year: 1985},
	{re: re(`microsoft.{0,12}(?:office )?powerpoint`), name: "Microsoft PowerPoint", year: 1987},
	{re: re(`microsoft.{0,3}print to pdf`), name: "Microsoft Print to PDF", year: 2015},
	{re: re(`libreoffice`), name: "LibreOffice", year: 2011},
	{re: re(`openoffice`), name: "OpenOffice.org", year: 2002},
	{re: re(`staroffice`), name: "StarOffice", year: 1994},
	{re: re(`acrobat distiller (\d+)`), name: "Acrobat Distiller $1", versions: acrobatYears},
	{re: re(`acrobat pdfmaker (\d+)`), name: "Acrobat PDFMaker $1", versions: acrobatYears},
	{re: re(`acrobat distiller`), name: "Acrobat Distiller", year: 1993},
	{re: re(`pdfmaker`), name: "Acrobat PDFMaker", year: 1999},
	{re: re(`adobe acrobat`), name: "Adobe Acrobat", year: 1993},
	{re: re(`pdftex`), name: "pdfTeX", year: 1996},
	{re: re(`quartz pdfcontext`), name: "Quartz PDFContext (macOS)", year: 2001},
	{re: re(`skia/pdf`), name: "Skia/PDF (Chrome)", year: 2008},
	{re: re(`ghostscript`), name: "Ghostscript", year: 1988},
	{re: re(`itext\W{0,3}7`), name: "iText 7", year: 2016},
	{re: re(`itext\W{0,3}5`), name: "iText 5", year: 2009},
	{re: re(`itext`), name: "iText", year: 2000},
	{re: re(`wkhtmltopdf`), name: "wkhtmltopdf", year: 2008},
	{re: re(`google docs`), name: "Google Docs", year: 2006},
}

func re(s string) *regexp.Regexp { return regexp.MustCompile(`(?i)` + s) }

// software is what a creator or producer string names.
type software struct {
	Name string // the rule's display name, or the cleaned string itself
	Year int    // first release; 0 when unknown
}

// identify names the software of a creator or producer string and its first
// release year, when a rule knows it.
func identify(s string) software {
	s = cleanSoftware(s)
	for _, r := range softwareRules {
		m := r.re.FindStringSubmatch(s)
		if m == nil {
			continue
		}
		name, year := r.name, r.year
		for i := 1; i < len(m); i++ {
			name = strings.Replace(name, "$"+strconv.Itoa(i), displayPart(m[i]), 1)
		}
		if r.versions != nil {
			v := strings.ToLower(m[len(m)-1])
			y, ok := r.versions[v]
			if !ok {
				continue // an unknown version: a later rule names the family
			}
			year = y
		}
		return software{Name: name, Year: year}
	}
	return software{Name: s}
}

var productNames = map[string]string{"xp": "XP", "powerpoint": "PowerPoint"}

func displayPart(s string) string {
	if s == "" {
		return s
	}
	if n, ok := productNames[strings.ToLower(s)]; ok {
		return n
	}
	return strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
}

// cleanSoftware trims a creator or producer string, drops ® and ™ and
// collapses white space, and bounds its length.
func cleanSoftware(s string) string {
	s = strings.NewReplacer("®", "", "™", "", "(R)", "", "(TM)", "").Replace(s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = strings.ToValidUTF8(s[:120], "")
	}
	return s
}

// Formats: the year each family of file formats was first published, before
// which no document in it can have been saved (PDF 1.0: June 1993; Office
// Open XML: the Office 12 beta of November 2005 wrote it before ECMA-376 of
// December 2006; OpenDocument: OASIS, May 2005), and the
// first standard for email headers with a Date field (RFC 733, November
// 1977; RFC 822 followed in 1982).
const (
	yearPDF   = 1993
	yearOOXML = 2005
	yearODF   = 2005
	yearEmail = 1977
)

// floor is the earliest plausible date of any record: 1 January 1971, the
// year after the Unix epoch, so that zero timestamps (1970-01-01) and
// anything before electronic documents count as false.
var floor = time.Date(1971, 1, 1, 0, 0, 0, 0, time.UTC)

// formatYear is the first year a file of this MIME type can date from, and
// the format's name; 0 when unknown.
func formatYear(mime string) (int, string) {
	switch {
	case mime == "application/pdf":
		return yearPDF, "PDF"
	case strings.Contains(mime, "openxmlformats"):
		return yearOOXML, "Office Open XML"
	case strings.HasPrefix(mime, "application/vnd.oasis.opendocument"):
		return yearODF, "OpenDocument"
	}
	return 0, ""
}
