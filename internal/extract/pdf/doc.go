// Package pdf extracts the text and document information of PDF files with
// poppler's pdftotext, in one run per file: `pdftotext -htmlmeta` prints the
// Info dictionary (title, author, subject, keywords, creator, producer,
// dates) as an XHTML head, then the text in reading order, one form feed
// per page. Page count comes from the page breaks, encryption from the
// trailer's /Encrypt. The tool runs through package tool (sandboxed, in its
// own process group, under a per-file timeout); its output is streamed into
// the sink, never held whole in memory.
//
// With an OCR engine configured (Config.OCR), pages with (almost) no text
// layer (fewer than MinPageText non-space characters: scans) are read by
// OCR once pdftotext is done, and their text is put in their place. Text
// after the first such page waits in a temporary file (not in memory)
// until then.
//
// Encrypted files are opened with the empty user password first (poppler's
// default), then with each password the sink offers, as user and as owner
// password.
package pdf
