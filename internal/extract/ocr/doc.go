// Package ocr reads the text in images and in scanned PDF pages with
// Tesseract. Every run goes through package tool: sandboxed, with a time
// limit per page, an address-space limit and a cap on the text taken.
//
// Images are handed to tesseract as they are when its image library
// (leptonica) reads the format; a PNG, JPEG or GIF it cannot read is
// decoded with Go's decoders and written as a PNG into a private temporary
// folder first. A file that is no image is refused before tesseract sees it
// (tesseract would take an unknown file for a list of image paths).
// PDF pages are rendered one at a time with poppler's pdftoppm into a
// private temporary folder, then read.
//
// Text is UTF-8; a form feed ('\f') separates pages (the pages of a
// multi-page TIFF, or the PDF pages asked for), none follows the last.
package ocr
