// Package image reads the metadata of photos and scans: EXIF (camera, time
// taken, description, author, software, GPS position) from JPEG APP1
// segments, TIFF files, PNG eXIf chunks and WebP EXIF chunks, PNG text
// chunks, and the image dimensions (BMP and WebP from their headers). The
// EXIF parser is a small bounded reader of TIFF IFDs (EXIF 2.3); it never
// allocates more than the file holds and never follows an offset twice.
//
// With an OCR engine configured (Config.OCR), the text in the image is
// read too (package ocr) and follows the metadata lines; Meta.Extra["ocr"]
// then names the engine, so that the catalog can mark OCR text.
package image
