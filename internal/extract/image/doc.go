// Package image reads the metadata of photos and scans: EXIF (camera, time
// taken, description, author, software, GPS position) from JPEG APP1
// segments, TIFF files and PNG eXIf chunks, PNG text chunks, and the image
// dimensions. The EXIF parser is a small bounded reader of TIFF IFDs (EXIF
// 2.3); it never allocates more than the file holds and never follows an
// offset twice.
package image
