// Package pdf extracts the text and document information of PDF files with
// poppler's command-line tools: pdfinfo for the Info dictionary (title,
// author, dates, page count, encryption) and pdftotext for the text, in
// reading order, one form feed between pages. The tools run in their own
// process group under a per-file timeout; their output is streamed into the
// sink, never held whole in memory.
//
// Encrypted files are opened with the empty user password first (poppler's
// default), then with each password the sink offers, as user and as owner
// password.
package pdf
