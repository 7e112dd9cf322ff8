// Package office extracts text and document properties from Office Open
// XML (DOCX, XLSX, PPTX; ECMA-376 / ISO/IEC 29500, transitional and strict)
// and OpenDocument (ODT, ODS, ODP; OASIS ODF 1.0–1.3) files, in pure Go.
//
// Both are zip packages of XML parts. Parts are streamed through
// encoding/xml, never loaded whole, and the decompressed bytes read from one
// package are capped (Config.MaxBytes), as is the number of zip entries, so
// that a zip bomb ends in extract.ErrBomb.
//
// Text layout: paragraphs and table rows end lines, table cells are
// separated by tabs; a form feed separates slides and sheets; each sheet
// starts with a "Sheet: <name>" line. A DOCX's headers, footers, footnotes,
// endnotes and comments follow its body; a slide's notes and comments follow
// the slide; an OpenDocument's notes and comments follow its body, then the
// text of its embedded objects and master pages. Cells hold numbers as
// stored (no number formats applied). The document's subject, keywords and
// description end the text, so that a search finds them.
//
// Files embedded in an OOXML package (*/embeddings/, DOCX altChunk parts)
// are emitted as children for the ingest to extract; images are not.
package office
