// Package pdf extracts the text and document information of PDF files with
// poppler's pdftotext, in one run per file: `pdftotext -htmlmeta` prints the
// Info dictionary (title, author, subject, keywords, creator, producer,
// dates) as an XHTML head, then the text in reading order, one form feed
// per page. Page count comes from the page breaks, encryption from the
// trailer's /Encrypt. The tool runs in its own process group under a
// per-file timeout; its output is streamed into the sink, never held whole
// in memory.
//
// Encrypted files are opened with the empty user password first (poppler's
// default), then with each password the sink offers, as user and as owner
// password.
package pdf
