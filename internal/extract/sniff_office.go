package extract

import (
	"bytes"

	"github.com/trove-archive/trove/internal/archive"
)

// More document types: WordPerfect, iCalendar, vCard.
const (
	MIMEWordPerfect = "application/vnd.wordperfect"
	MIMEWorks       = "application/vnd.ms-works" // Works word processor, an OLE compound file
	MIMECalendar    = "text/calendar"
	MIMEVCard       = "text/vcard"
)

func init() {
	registerSniffer(sniffOffice, map[string]archive.Kind{
		MIMEWordPerfect: archive.KindWord,
		MIMEWorks:       archive.KindWord,
		MIMECalendar:    archive.KindText,
		MIMEVCard:       archive.KindText,
	})
	extFamily["wpd"] = []string{MIMEWordPerfect}
	extFamily["wps"] = []string{MIMEWorks}
	extFamily["wp"] = []string{MIMEWordPerfect}
	extFamily["wp5"] = []string{MIMEWordPerfect}
	extFamily["wp6"] = []string{MIMEWordPerfect}
	extFamily["ics"] = []string{MIMECalendar, MIMEText}
	extFamily["ifb"] = []string{MIMECalendar, MIMEText}
	extFamily["vcs"] = []string{MIMECalendar, MIMEText}
	extFamily["vcf"] = []string{MIMEVCard, MIMEText}
	extFamily["vcard"] = []string{MIMEVCard, MIMEText}
}

// sniffOffice recognises WordPerfect by its magic ("\xFFWPC" and a
// WordPerfect product type), and iCalendar and vCard by their first
// content line, after an optional BOM and white space, in any case.
func sniffOffice(head []byte, _ string) string {
	if len(head) >= 10 && string(head[:4]) == "\xFFWPC" && head[8] == 1 {
		return MIMEWordPerfect // product type 1: WordPerfect
	}
	t := bytes.TrimPrefix(head, bomUTF8)
	t = bytes.TrimLeft(t, " \t\r\n")
	switch {
	case hasPrefixFold(t, "BEGIN:VCALENDAR"):
		return MIMECalendar
	case hasPrefixFold(t, "BEGIN:VCARD"):
		return MIMEVCard
	}
	return ""
}
