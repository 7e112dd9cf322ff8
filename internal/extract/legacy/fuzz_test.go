package legacy

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/trove-archive/trove/internal/corpus"
)

// addSeeds adds small compound files of the corpus, when it is there
// (big seeds make the fuzzer's minimisation crawl).
func addSeeds(f *testing.F) {
	root := corpus.Root()
	if root == "" {
		return
	}
	for _, rel := range []string{
		"office/mscfb/test.ppt", "office/mscfb/test.xls", "tika/word/testWORD6.doc",
		"tika/word/testWORD_custom_props.doc", "tika/ppt/testPPT_comment.ppt", "tika/excel/testEXCEL_5.xls",
	} {
		if b, err := os.ReadFile(filepath.Join(root, "corpus", rel)); err == nil && len(b) <= 8<<10 {
			f.Add(b)
		}
	}
}

// FuzzCompoundFile: the compound file reader, the property sets, the
// workbook records and the PowerPoint reader never panic or hang on
// hostile bytes.
func FuzzCompoundFile(f *testing.F) {
	f.Add(append([]byte(nil), cfbMagic...))
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := openCFB(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			return
		}
		_ = c.properties()
		for _, n := range []string{"Workbook", "PowerPoint Document", "Current User", "WordDocument"} {
			if e := c.find(n); e != nil {
				d, err := c.read(e, 64<<20)
				if err != nil {
					continue
				}
				readWorkbook(d)
				if n == "PowerPoint Document" {
					var cur []byte
					if ce := c.find("Current User"); ce != nil {
						cur, _ = c.read(ce, 1<<20)
					}
					readPresentation(d, cur)
					var tc textCollector
					tc.walk(d, 0)
				}
			}
		}
	})
}

// FuzzPropertySet: a property set stream alone.
func FuzzPropertySet(f *testing.F) {
	f.Add([]byte("\xFE\xFF\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		parsePropertySet(b)
	})
}

// FuzzPowerPoint: a PowerPoint Document stream and a Current User stream.
func FuzzPowerPoint(f *testing.F) {
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, doc, cur []byte) {
		readPresentation(doc, cur)
		var tc textCollector
		tc.walk(doc, 0)
		readWorkbook(doc)
	})
}
