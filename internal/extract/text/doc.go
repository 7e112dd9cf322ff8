// Package text extracts plain text, delimited tables (CSV, TSV), JSON and
// XML. Everything streams: a file of any size goes through in bounded
// memory. Decode turns bytes in an unknown charset into UTF-8 (BOM, valid
// UTF-8, UTF-16 by its zero bytes, EBCDIC, else windows-1252); invalid
// UTF-8 met late in a file is read as windows-1252, byte by byte, rather
// than failing. Tables become one line per row, "column: value" pairs
// separated by tabs; JSON and XML become their strings (keys, values,
// character data, attribute values). Input that does not parse is written
// as decoded text from where parsing failed.
package text
