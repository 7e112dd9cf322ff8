package legacy

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf16"

	"golang.org/x/text/encoding"

	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/text"
)

// Excel extracts Excel 97–2003 (BIFF8) and Excel 5/95 (BIFF5) workbooks in
// a compound file with xls2csv. Each sheet starts with a "Sheet: <name>"
// line (names read from the workbook stream in Go) and sheets are
// separated by form feeds. When a sheet's first row looks like a header,
// each cell is written as "column: value", cells separated by tabs, as the
// CSV extractor does. Bare BIFF2–4 worksheets are extract.ErrUnsupported.
type Excel struct{ cfg Config }

var _ extract.Extractor = (*Excel)(nil)

func (*Excel) Name() string    { return toolXLS2CSV }
func (*Excel) MIMEs() []string { return []string{extract.MIMEXLS} }

func (x *Excel) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	c, closeFile, err := openOLE(in.Path, "xls")
	if err != nil {
		return err
	}
	defer closeFile()
	m := s.Meta()
	c.properties().fill(m)
	var book *workbook
	for _, name := range []string{"Workbook", "Book", "WORKBOOK", "BOOK"} {
		if e := c.find(name); e != nil {
			b, err := c.read(e, x.cfg.MaxStream)
			if err != nil {
				return fmt.Errorf("xls: %w", err)
			}
			book = readWorkbook(b)
			break
		}
	}
	if book == nil {
		return fmt.Errorf("xls: %w: no Workbook stream", extract.ErrUnsupported)
	}
	if book.encrypted {
		m.Encrypted = true
		return fmt.Errorf("xls: %w", extract.ErrEncrypted)
	}
	out, err := x.cfg.run(ctx, toolXLS2CSV, x.cfg.XLS2CSV, in.Path, "-d", "utf-8", "-q", "3")
	if err != nil {
		return encryptedErr(err, m)
	}
	sheets := bytes.Split(out, []byte("\f"))
	if len(sheets) > 1 && len(bytes.TrimSpace(sheets[len(sheets)-1])) == 0 {
		sheets = sheets[:len(sheets)-1] // the break after the last sheet
	}
	names := book.sheets
	var b strings.Builder
	if len(names) != len(sheets) {
		// xls2csv skips empty sheets: name them all once, not per sheet
		if len(nonEmpty(names)) > 0 {
			b.WriteString("Sheets: " + strings.Join(nonEmpty(names), ", ") + "\n")
		}
		names = nil
	}
	for i, sh := range sheets {
		if i > 0 {
			b.WriteString("\f")
		}
		if names != nil && names[i] != "" {
			b.WriteString("Sheet: " + names[i] + "\n")
		}
		writeRows(&b, sh)
	}
	if err := textOut(s, []byte(b.String())); err != nil {
		return err
	}
	return trailer(s, m)
}

// workbook is what the BIFF records of the workbook globals tell.
type workbook struct {
	sheets    []string // worksheet names, in order (BOUNDSHEET records)
	encrypted bool     // a FILEPASS record
}

// readWorkbook walks the records of the workbook globals substream (up to
// its EOF record). It never fails; a damaged stream yields what was read.
func readWorkbook(b []byte) *workbook {
	w := &workbook{}
	biff8 := false
	var dec *encoding.Decoder
	for off, n := 0, 0; off+4 <= len(b) && n < 1<<20; n++ {
		typ := binary.LittleEndian.Uint16(b[off:])
		l := int(binary.LittleEndian.Uint16(b[off+2:]))
		if off+4+l > len(b) {
			break
		}
		d := b[off+4 : off+4+l]
		off += 4 + l
		switch typ {
		case 0x0809: // BOF
			if n == 0 && len(d) >= 2 {
				biff8 = binary.LittleEndian.Uint16(d) == 0x0600
			}
		case 0x000A: // EOF of the globals
			return w
		case 0x002F: // FILEPASS
			w.encrypted = true
		case 0x0042: // CODEPAGE
			if len(d) >= 2 {
				dec = codepage(int(binary.LittleEndian.Uint16(d)))
			}
		case 0x0085: // BOUNDSHEET
			if len(d) < 8 {
				continue
			}
			kind := d[5] // 0 worksheet, 1 macro sheet, 2 chart, 6 VBA module
			if kind != 0 {
				continue
			}
			w.sheets = append(w.sheets, sheetName(d[6:], biff8, dec))
		}
	}
	return w
}

func sheetName(d []byte, biff8 bool, dec *encoding.Decoder) string {
	n := int(d[0])
	if !biff8 {
		if 1+n > len(d) {
			return ""
		}
		return clean(decodeString(d[1:1+n], dec))
	}
	if len(d) < 2 {
		return ""
	}
	if d[1]&1 == 0 { // compressed: Latin-1 bytes
		if 2+n > len(d) {
			return ""
		}
		r := make([]rune, n)
		for i, c := range d[2 : 2+n] {
			r[i] = rune(c)
		}
		return clean(string(r))
	}
	if 2+2*n > len(d) {
		return ""
	}
	u := make([]uint16, n)
	for i := range u {
		u[i] = binary.LittleEndian.Uint16(d[2+2*i:])
	}
	return clean(string(utf16.Decode(u)))
}

// writeRows writes one sheet of xls2csv's output: with a header row, cells
// as "column: value" separated by tabs; empty cells left out.
func writeRows(b *strings.Builder, sheet []byte) {
	r := csv.NewReader(bytes.NewReader(sheet))
	r.LazyQuotes = true
	r.FieldsPerRecord = -1
	var header []string
	first := true
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			// unparseable from here: keep the rest as text
			off := r.InputOffset()
			if off < int64(len(sheet)) {
				b.Write(sheet[off:])
				b.WriteByte('\n')
			}
			return
		}
		if first {
			first = false
			if isHeader(rec) {
				header = make([]string, len(rec))
				for i, h := range rec {
					header[i] = cell(h)
				}
				b.WriteString(strings.Join(nonEmpty(header), "\t") + "\n")
				continue
			}
		}
		var line strings.Builder
		for i, v := range rec {
			if v = cell(v); v == "" {
				continue
			}
			if line.Len() > 0 {
				line.WriteByte('\t')
			}
			if i < len(header) && header[i] != "" {
				line.WriteString(header[i] + ": ")
			}
			line.WriteString(v)
		}
		if line.Len() > 0 {
			b.WriteString(line.String() + "\n")
		}
	}
}

var (
	isHeader = text.IsHeader
	cell     = text.Cell
	nonEmpty = text.NonEmpty
)
