package office

import (
	"archive/zip"
	"bufio"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/corpus"
)

var scanStrings = []string{"Name", "operation northern", "Amount"}

// bothSheets extracts a worksheet with sheetText (encoding/xml) and with
// sheetScan.
func bothSheets(data []byte) (want string, werr error, got string, gerr error) {
	var a, b bytes.Buffer
	tw := newTextWriter(&a)
	werr = sheetText(newDecoder(bytes.NewReader(data)), tw, scanStrings)
	if werr == io.EOF {
		werr = nil
	}
	tw.flush()
	tw2 := newTextWriter(&b)
	gerr = sheetScan(bufio.NewReaderSize(bytes.NewReader(data), 64<<10), tw2, scanStrings)
	if gerr == io.EOF {
		gerr = nil
	}
	tw2.flush()
	return a.String(), werr, b.String(), gerr
}

// bothShared reads a shared strings part with sharedStrings and sharedScan.
func bothShared(data []byte) (want []string, werr error, got []string, gerr error) {
	want, werr = sharedStrings(newDecoder(bytes.NewReader(data)))
	if werr == io.EOF {
		werr = nil
	}
	got, gerr = sharedScan(bufio.NewReaderSize(bytes.NewReader(data), 64<<10))
	if gerr == io.EOF {
		gerr = nil
	}
	return
}

var sharedSeed = `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="urn:x" count="4"><si><t>Name</t></si><si><r><t xml:space="preserve">operation north</t></r><r><rPr><b/></rPr><t>ern &amp; co</t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si><si/><si><t/></si><phoneticPr fontId="1"/></sst>`

var sheetSeeds = []string{
	`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>2</v></c></row>` +
		`<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2"><f>SUM(1,2)</f><v>1599.99</v></c><c r="C2" t="b"><v>1</v></c></row>` +
		`<row r="3"><c r="A3" t="inlineStr"><is><t>inline &amp; text &#x263A; &#65;</t></is></c><c r="B3"/><c r="C3" t="str"><f>A1</f><v>Name</v></c><c r="D3" t="s"><v>99</v></c></row>` +
		`</sheetData><headerFooter><oddHeader>&amp;L&amp;"Arial,Bold"&amp;12Internal &amp;&amp; secret&amp;RPage &amp;P of &amp;N</oddHeader></headerFooter></worksheet>`,
	`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\r\n" + `<x:worksheet xmlns:x="urn:x"><!-- c --><x:sheetData><x:row><x:c t='inlineStr'><x:is><x:t xml:space="preserve">a` + "\r\n" + `b<![CDATA[<c>&amp;]]></x:t><x:rPh><x:t>skip</x:t></x:rPh></x:is></x:c><x:c><x:v/></x:c><x:c t="b"><x:v>0</x:v></x:c></x:row><x:row/></x:sheetData></x:worksheet>`,
	`<worksheet><sheetData><row><c><f t="shared" ref="A1:A3" si="0"/><v>3</v></c><c t="e"><v>#DIV/0!</v></c></row></sheetData><extLst><ext><x14:id>{x}</x14:id></ext></extLst></worksheet>`,
}

// TestSheetScanLikeEncodingXML: the byte scanner gives the same text as
// encoding/xml on built sheets and on every worksheet of the corpus's
// spreadsheets.
func TestSheetScanLikeEncodingXML(t *testing.T) {
	sheets := sheetSeeds
	sharedParts := []string{sharedSeed}
	if corpus.Root() != "" {
		filepath.WalkDir(corpus.Root(), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.EqualFold(filepath.Ext(p), ".xlsx") {
				return nil
			}
			zr, err := zip.OpenReader(p)
			if err != nil {
				return nil
			}
			defer zr.Close()
			for _, f := range zr.File {
				shared := f.Name == "xl/sharedStrings.xml"
				if !shared && !strings.HasPrefix(f.Name, "xl/worksheets/sheet") || f.UncompressedSize64 > 8<<20 {
					continue
				}
				rc, err := f.Open()
				if err != nil {
					continue
				}
				b, _ := io.ReadAll(rc)
				rc.Close()
				if shared {
					sharedParts = append(sharedParts, string(b))
				} else {
					sheets = append(sheets, string(b))
				}
			}
			return nil
		})
	} else {
		t.Log("../shared/corpus absent: built sheets only")
	}
	for i, s := range sheets {
		want, werr, got, gerr := bothSheets([]byte(s))
		if werr != nil {
			t.Errorf("sheet %d: encoding/xml: %v", i, werr)
			continue
		}
		if gerr != nil || got != want {
			t.Errorf("sheet %d: scanner %q (%v), encoding/xml %q", i, got, gerr, want)
		}
	}
	for i, s := range sharedParts {
		want, werr, got, gerr := bothShared([]byte(s))
		if werr != nil {
			t.Errorf("shared strings %d: encoding/xml: %v", i, werr)
			continue
		}
		if gerr != nil || !slices.Equal(got, want) {
			t.Errorf("shared strings %d: scanner %q (%v), encoding/xml %q", i, got, gerr, want)
		}
	}
	t.Logf("%d worksheets and %d shared string tables compared", len(sheets), len(sharedParts))
	if len(sheets) == len(sheetSeeds) && corpus.Root() != "" {
		t.Error("no worksheet found in the corpus")
	}
}

// FuzzSheetScan: wherever encoding/xml reads a worksheet, the scanner reads
// the same text; it never panics on anything.
func FuzzSheetScan(f *testing.F) {
	for _, s := range append(sheetSeeds, sharedSeed) {
		f.Add([]byte(s))
	}
	f.Add([]byte(`<c t="s"><v>1</v></c><c`))
	f.Add([]byte(`<a>&#0;</a>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if !plainUTF8(data[:min(len(data), 512)]) {
			return
		}
		want, werr, got, gerr := bothSheets(data)
		if werr == nil && (gerr != nil || got != want) {
			t.Fatalf("sheet: scanner %q (%v), encoding/xml %q", got, gerr, want)
		}
		sw, swerr, sg, sgerr := bothShared(data)
		if swerr == nil && (sgerr != nil || !slices.Equal(sg, sw)) {
			t.Fatalf("shared strings: scanner %q (%v), encoding/xml %q", sg, sgerr, sw)
		}
	})
}
