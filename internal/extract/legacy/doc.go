// Package legacy extracts the binary office formats of the 1990s and
// 2000s: Word 97–2003 (.doc, catdoc with antiword as fallback), Excel
// 97–2003 and 5/95 (.xls, xls2csv), PowerPoint 97–2003 (.ppt, read in Go;
// catppt as fallback) and WordPerfect (.wpd, wpd2text). External programs
// run only through package tool: sandboxed, with time, memory and output
// limits.
//
// The compound file container (MS-CFB) is read in Go for every Office
// file: its property sets give the title, subject, author, keywords,
// comments, application, creation and save dates and page count (MS-OLEPS);
// Word's FIB and Excel's FILEPASS record tell encryption before any tool
// runs. Files that are no compound file are extract.ErrUnsupported rather
// than handed to catdoc, which would print their bytes as text.
//
// Tool choice for .doc, measured on the corpus's 14 .doc files: catdoc
// took 45 ms for all of them, antiword 68 ms; catdoc found text in three
// files where antiword found none (a Word 6 file, a document whose text is
// all hyperlinks, one with phonetic guides) and it prints headers and
// footers, which antiword drops. antiword found one footnote catdoc
// missed. So catdoc first (field instructions such as HYPERLINK stripped),
// antiword when catdoc fails or prints nothing.
package legacy
