package table

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/trove-archive/trove/internal/extract"
)

// DBF extracts a dBase III/IV/7, FoxBASE, FoxPro or Visual FoxPro table.
// Memo fields point into a separate .dbt/.fpt file, which is not read.
type DBF struct{ cfg Config }

var _ extract.Extractor = (*DBF)(nil)

func (*DBF) Name() string    { return "dbf" }
func (*DBF) MIMEs() []string { return []string{extract.MIMEDBF} }

func (e *DBF) Extract(ctx context.Context, in extract.Input, s extract.Sink) error {
	f, err := os.Open(in.Path)
	if err != nil {
		return fmt.Errorf("dbf open: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("dbf stat: %w", err)
	}
	t, err := readDBF(f, fi.Size())
	if err != nil {
		return err
	}
	m := s.Meta()
	if !t.modified.IsZero() {
		m.Modified = t.modified
	}
	setExtra(s, "dbf_version", t.versionName())
	setExtra(s, "records", strconv.FormatInt(t.records, 10))
	setExtra(s, "fields", strconv.Itoa(len(t.fields)))
	setExtra(s, "charset", t.charsetName)
	name := strings.TrimSuffix(path.Base(strings.ReplaceAll(in.Name, "\\", "/")), path.Ext(in.Name))
	if name == "" || name == "." || name == "/" {
		name = "table"
	}
	r := &run{cfg: e.cfg, format: "dbf", s: s}
	s.Expect(1)
	var short error
	err = r.table(ctx, name, func(ctx context.Context, w io.Writer) error {
		short = t.writeCSV(ctx, w, e.cfg.MaxRows+2) // one row more than the cap, to be cut
		if errors.Is(short, extract.ErrCorrupt) {
			return nil // a truncated table: emit what is there
		}
		return short
	})
	if err != nil {
		return err
	}
	if err := r.done(0); err != nil {
		return err
	}
	if errors.Is(short, extract.ErrCorrupt) {
		return short
	}
	return nil
}

// dbfField is one column.
type dbfField struct {
	name   string
	typ    byte
	off    int // in the record, after the deletion flag
	length int
	dec    int
	system bool // Visual FoxPro's hidden _NullFlags
}

// dbfTable is a parsed header with the reader for the records.
type dbfTable struct {
	r           io.ReaderAt
	version     byte
	modified    time.Time
	records     int64 // as the header declares
	present     int64 // as the file holds
	headerLen   int64
	recordLen   int
	fields      []dbfField
	charset     encoding.Encoding // nil: Windows-1252
	charsetName string
	visualFox   bool
}

// maxFields bounds the descriptors read (dBase allows 255, Visual FoxPro 255, dBase 7 1024).
const maxFields = 2048

// readDBF parses the header and field descriptors of a table of size bytes.
func readDBF(r io.ReaderAt, size int64) (*dbfTable, error) {
	var h [32]byte
	if _, err := r.ReadAt(h[:], 0); err != nil {
		return nil, fmt.Errorf("dbf: header: %w: %v", extract.ErrCorrupt, err)
	}
	t := &dbfTable{
		r:         r,
		version:   h[0],
		records:   int64(binary.LittleEndian.Uint32(h[4:])),
		headerLen: int64(binary.LittleEndian.Uint16(h[8:])),
		recordLen: int(binary.LittleEndian.Uint16(h[10:])),
	}
	t.visualFox = h[0] == 0x30 || h[0] == 0x31 || h[0] == 0x32
	t.modified = dbfDate(h[1], h[2], h[3])
	t.charset, t.charsetName = codePage(h[29])
	if t.recordLen < 1 || t.headerLen < 33 || t.headerLen > size {
		return nil, fmt.Errorf("dbf: %w: header length %d, record length %d", extract.ErrCorrupt, t.headerLen, t.recordLen)
	}
	hdr := make([]byte, t.headerLen)
	if _, err := r.ReadAt(hdr, 0); err != nil {
		return nil, fmt.Errorf("dbf: header: %w: %v", extract.ErrCorrupt, err)
	}
	// dBase 7: 68-byte header, 48-byte descriptors.
	descStart, descLen, nameLen, typeAt, lenAt := 32, 32, 11, 11, 16
	if h[0]&0x07 == 4 && len(hdr) >= 68+48+1 && hdr[32] != 0x0D && (len(hdr)-69)%48 == 0 {
		descStart, descLen, nameLen, typeAt, lenAt = 68, 48, 32, 32, 33
	}
	off := 0
	for p := descStart; p+descLen <= len(hdr) && hdr[p] != 0x0D && len(t.fields) < maxFields; p += descLen {
		d := hdr[p : p+descLen]
		name := string(d[:nameLen])
		if i := strings.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		fl := dbfField{name: t.decode([]byte(strings.TrimSpace(name))), typ: d[typeAt], off: off,
			length: int(d[lenAt]), dec: int(d[lenAt+1])}
		if fl.typ == 'C' && !t.visualFox && descLen == 32 {
			fl.length += fl.dec << 8 // Clipper: long character fields
			fl.dec = 0
		}
		if descLen == 32 && t.visualFox && d[18]&0x01 != 0 {
			fl.system = true
		}
		off += fl.length
		t.fields = append(t.fields, fl)
	}
	if len(t.fields) == 0 {
		return nil, fmt.Errorf("dbf: %w: no fields", extract.ErrCorrupt)
	}
	if 1+off != t.recordLen {
		// A Clipper-style length that was a decimal count after all.
		off = 0
		for i := range t.fields {
			if t.fields[i].typ == 'C' && t.fields[i].length > 255 {
				t.fields[i].length &= 0xFF
			}
			t.fields[i].off = off
			off += t.fields[i].length
		}
		if 1+off > t.recordLen {
			return nil, fmt.Errorf("dbf: %w: fields take %d bytes, records %d", extract.ErrCorrupt, 1+off, t.recordLen)
		}
	}
	t.present = (size - t.headerLen) / int64(t.recordLen)
	return t, nil
}

func (t *dbfTable) versionName() string {
	switch t.version {
	case 0x02, 0xFB:
		return "FoxBASE"
	case 0x03:
		return "dBase III / FoxBASE+"
	case 0x04:
		return "dBase 7"
	case 0x05:
		return "dBase 5"
	case 0x30, 0x31, 0x32:
		return "Visual FoxPro"
	case 0x43, 0x63, 0x8B, 0xCB:
		return "dBase IV"
	case 0x83:
		return "dBase III+ with memo"
	case 0x8C:
		return "dBase 7 with memo"
	case 0xF5:
		return "FoxPro 2 with memo"
	}
	return fmt.Sprintf("0x%02X", t.version)
}

// dbfDate reads the last-update date: years since 1900, though some
// writers store the year modulo 100.
func dbfDate(y, m, d byte) time.Time {
	if m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}
	}
	year := 1900 + int(y)
	if y < 80 {
		year = 2000 + int(y)
	}
	return time.Date(year, time.Month(m), int(d), 0, 0, 0, 0, time.UTC)
}

// writeCSV writes the header and up to maxRecords-1 records as CSV.
// Deleted records are kept, marked in a last column "_deleted". A file
// shorter than its declared record count yields the records present and
// an error wrapping extract.ErrCorrupt.
func (t *dbfTable) writeCSV(ctx context.Context, w io.Writer, maxRecords int64) error {
	cw := csv.NewWriter(w)
	var row []string
	for _, f := range t.fields {
		if !f.system {
			row = append(row, f.name)
		}
	}
	row = append(row, "_deleted")
	if err := cw.Write(row); err != nil {
		return err
	}
	n := min(t.records, t.present)
	br := bufio.NewReaderSize(io.NewSectionReader(t.r, t.headerLen, n*int64(t.recordLen)), 64<<10)
	rec := make([]byte, t.recordLen)
	for i := int64(0); i < n && i+1 < maxRecords; i++ {
		if i%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if _, err := io.ReadFull(br, rec); err != nil {
			return fmt.Errorf("dbf: record %d: %w: %v", i, extract.ErrCorrupt, err)
		}
		row = row[:0]
		for _, f := range t.fields {
			if !f.system {
				row = append(row, t.value(f, rec[1+f.off:1+f.off+f.length]))
			}
		}
		del := ""
		if rec[0] == '*' {
			del = "yes"
		}
		row = append(row, del)
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	if t.records > t.present {
		return fmt.Errorf("dbf: %w: %d records declared, %d present", extract.ErrCorrupt, t.records, t.present)
	}
	return nil
}

// value renders one field as text.
func (t *dbfTable) value(f dbfField, b []byte) string {
	switch f.typ {
	case 'C', 'V':
		return t.decode(trimField(b))
	case 'N', 'F':
		return strings.TrimSpace(string(trimField(b)))
	case 'D':
		s := strings.TrimSpace(string(b))
		if len(s) == 8 {
			if d, err := time.Parse("20060102", s); err == nil {
				return d.Format("2006-01-02")
			}
		}
		return t.decode(trimField(b))
	case 'L':
		switch strings.TrimSpace(string(b)) {
		case "T", "t", "Y", "y":
			return "true"
		case "F", "f", "N", "n":
			return "false"
		}
		return ""
	case 'I':
		if len(b) == 4 {
			return strconv.FormatInt(int64(int32(binary.LittleEndian.Uint32(b))), 10)
		}
	case 'Y':
		if len(b) == 8 {
			v := int64(binary.LittleEndian.Uint64(b))
			return strconv.FormatFloat(float64(v)/10000, 'f', 4, 64)
		}
	case 'B':
		if t.visualFox && len(b) == 8 {
			v := math.Float64frombits(binary.LittleEndian.Uint64(b))
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				return strconv.FormatFloat(v, 'g', -1, 64)
			}
		}
		return "" // a dBase IV memo block number
	case 'T':
		if len(b) == 8 {
			day := int64(int32(binary.LittleEndian.Uint32(b)))
			ms := int64(int32(binary.LittleEndian.Uint32(b[4:])))
			if day > 0 && ms >= 0 && ms < 86400000 {
				// Julian day 2440588 is 1970-01-01.
				ts := time.Unix((day-2440588)*86400+ms/1000, 0).UTC()
				return ts.Format("2006-01-02 15:04:05")
			}
		}
		return ""
	case 'M', 'G', 'P', 'W', 'Q', '0':
		return "" // memo pointers, pictures, binary
	}
	s := trimField(b)
	if utf8.Valid(s) && !hasControl(s) {
		return string(s)
	}
	return ""
}

func trimField(b []byte) []byte {
	i := len(b)
	for i > 0 && (b[i-1] == ' ' || b[i-1] == 0) {
		i--
	}
	j := 0
	for j < i && b[j] == ' ' {
		j++
	}
	return b[j:i]
}

func hasControl(b []byte) bool {
	for _, c := range b {
		if c < 0x20 && c != '\t' {
			return true
		}
	}
	return false
}

// decode converts a character field to UTF-8: bytes that are valid UTF-8
// are kept (many tables in the wild hold UTF-8 whatever the code page
// byte says), others are read in the table's code page.
func (t *dbfTable) decode(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	enc := t.charset
	if enc == nil {
		enc = charmap.Windows1252
	}
	s, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	return string(s)
}

// codePage maps the language driver byte to a character set (nil for
// none or unknown: Windows-1252 is assumed).
func codePage(b byte) (encoding.Encoding, string) {
	switch b {
	case 0x01, 0x09, 0x0B, 0x0D, 0x0F, 0x11, 0x15, 0x18, 0x19, 0x1B:
		return charmap.CodePage437, "cp437"
	case 0x02, 0x0A, 0x0E, 0x10, 0x12, 0x14, 0x16, 0x1A, 0x1D, 0x25, 0x37:
		return charmap.CodePage850, "cp850"
	case 0x03, 0x57, 0x58, 0x59:
		return charmap.Windows1252, "windows-1252"
	case 0x04:
		return charmap.Macintosh, "macintosh"
	case 0x08, 0x17, 0x66:
		return charmap.CodePage865, "cp865"
	case 0x13, 0x7B:
		return japanese.ShiftJIS, "shift_jis"
	case 0x1C:
		return charmap.CodePage863, "cp863"
	case 0x1F, 0x22, 0x23, 0x40, 0x64, 0x87:
		return charmap.CodePage852, "cp852"
	case 0x24:
		return charmap.CodePage860, "cp860"
	case 0x26, 0x65:
		return charmap.CodePage866, "cp866"
	case 0x4D, 0x7A:
		return simplifiedchinese.GBK, "gbk"
	case 0x4E, 0x79:
		return korean.EUCKR, "euc-kr"
	case 0x4F, 0x78:
		return traditionalchinese.Big5, "big5"
	case 0x50, 0x7C:
		return charmap.Windows874, "windows-874"
	case 0x7D:
		return charmap.Windows1255, "windows-1255"
	case 0x7E:
		return charmap.Windows1256, "windows-1256"
	case 0x96:
		return charmap.MacintoshCyrillic, "x-mac-cyrillic"
	case 0xC8:
		return charmap.Windows1250, "windows-1250"
	case 0xC9:
		return charmap.Windows1251, "windows-1251"
	case 0xCA:
		return charmap.Windows1254, "windows-1254"
	case 0xCB:
		return charmap.Windows1253, "windows-1253"
	case 0xCC:
		return charmap.Windows1257, "windows-1257"
	}
	return nil, ""
}
