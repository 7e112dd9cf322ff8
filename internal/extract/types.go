package extract

import "github.com/trove-archive/trove/internal/archive"

// MIME types trove sniffs. Sniff (sniff.go) returns one of these, or
// MIMEOctet when it cannot tell.
const (
	MIMEOctet = "application/octet-stream"
	MIMEText  = "text/plain"
	MIMEHTML  = "text/html"
	MIMECSV   = "text/csv"
	MIMETSV   = "text/tab-separated-values"
	MIMEJSON  = "application/json"
	MIMEXML   = "application/xml"
	MIMERTF   = "application/rtf"
	MIMEPDF   = "application/pdf"

	MIMEDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	MIMEXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	MIMEPPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	MIMEODT  = "application/vnd.oasis.opendocument.text"
	MIMEODS  = "application/vnd.oasis.opendocument.spreadsheet"
	MIMEODP  = "application/vnd.oasis.opendocument.presentation"
	MIMEDOC  = "application/msword"
	MIMEXLS  = "application/vnd.ms-excel"
	MIMEPPT  = "application/vnd.ms-powerpoint"
	MIMEMSG  = "application/vnd.ms-outlook"
	MIMEPST  = "application/vnd.ms-outlook-pst"
	MIMEOLE  = "application/x-ole-storage" // a compound file of unknown kind

	MIMEEmail = "message/rfc822"
	MIMEMbox  = "application/mbox"

	MIMEZip      = "application/zip"
	MIMETar      = "application/x-tar"
	MIMEGzip     = "application/gzip"
	MIMEBzip2    = "application/x-bzip2"
	MIMEXz       = "application/x-xz"
	MIMESevenZip = "application/x-7z-compressed"
	MIMERar      = "application/vnd.rar"

	MIMEJPEG = "image/jpeg"
	MIMEPNG  = "image/png"
	MIMEGIF  = "image/gif"
	MIMETIFF = "image/tiff"
	MIMEBMP  = "image/bmp"
	MIMEWebP = "image/webp"

	MIMEMP3  = "audio/mpeg"
	MIMEWAV  = "audio/wav"
	MIMEFLAC = "audio/flac"
	MIMEOgg  = "audio/ogg"
	MIMEMP4  = "video/mp4"
	MIMEWebM = "video/webm"
	MIMEAVI  = "video/x-msvideo"
)

var kindOf = map[string]archive.Kind{
	MIMEText: archive.KindText, MIMEJSON: archive.KindText, MIMEXML: archive.KindText,
	MIMEHTML: archive.KindHTML, MIMECSV: archive.KindCSV, MIMETSV: archive.KindCSV,
	MIMERTF: archive.KindWord, MIMEPDF: archive.KindPDF,
	MIMEDOCX: archive.KindWord, MIMEODT: archive.KindWord, MIMEDOC: archive.KindWord,
	MIMEXLSX: archive.KindSpreadsheet, MIMEODS: archive.KindSpreadsheet, MIMEXLS: archive.KindSpreadsheet,
	MIMEPPTX: archive.KindPresentation, MIMEODP: archive.KindPresentation, MIMEPPT: archive.KindPresentation,
	MIMEMSG: archive.KindEmail, MIMEPST: archive.KindEmail, MIMEEmail: archive.KindEmail, MIMEMbox: archive.KindEmail,
	MIMEZip: archive.KindArchive, MIMETar: archive.KindArchive, MIMEGzip: archive.KindArchive,
	MIMEBzip2: archive.KindArchive, MIMEXz: archive.KindArchive, MIMESevenZip: archive.KindArchive, MIMERar: archive.KindArchive,
	MIMEJPEG: archive.KindImage, MIMEPNG: archive.KindImage, MIMEGIF: archive.KindImage,
	MIMETIFF: archive.KindImage, MIMEBMP: archive.KindImage, MIMEWebP: archive.KindImage,
	MIMEMP3: archive.KindAudio, MIMEWAV: archive.KindAudio, MIMEFLAC: archive.KindAudio, MIMEOgg: archive.KindAudio,
	MIMEMP4: archive.KindVideo, MIMEWebM: archive.KindVideo, MIMEAVI: archive.KindVideo,
}

// KindOf returns the family of a MIME type (KindOther when unknown).
func KindOf(mime string) archive.Kind {
	if k, ok := kindOf[mime]; ok {
		return k
	}
	if k, ok := kindOfMore[mime]; ok {
		return k
	}
	return archive.KindOther
}

// kindOfMore maps the MIME types added by registered sniffers to their kind.
var kindOfMore = map[string]archive.Kind{}

// registerSniffer adds a recogniser (returning "" when it does not know
// the bytes) and the kinds of the MIME types it returns. Call it from init.
func registerSniffer(f func(head []byte, ext string) string, kinds map[string]archive.Kind) {
	sniffers = append(sniffers, f)
	for m, k := range kinds {
		kindOfMore[m] = k
	}
}
