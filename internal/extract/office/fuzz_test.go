package office_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/office"
)

// fuzzLimits keep a fuzzed zip bomb cheap.
var fuzzLimits = office.Config{MaxBytes: 32 << 20, MaxEntries: 1000}

// addCorpusSeeds adds the corpus files of one kind, when the corpus is there.
func addCorpusSeeds(f *testing.F, exts ...string) {
	if corpus.Root() == "" {
		return
	}
	for _, p := range corpusFiles(f) {
		for _, ext := range exts {
			if filepath.Ext(p) != ext {
				continue
			}
			if b, err := os.ReadFile(p); err == nil && len(b) < 256<<10 {
				f.Add(b)
			}
		}
	}
}

func fuzzExtract(t *testing.T, data []byte, mime string) {
	path := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := extractFile(t, fuzzLimits, path, mime)
	if err != nil && extract.Reason(err) == "internal" && !errors.Is(err, errFull) {
		t.Errorf("err = %v: want nil or a sentinel", err)
	}
}

func FuzzDOCX(f *testing.F) {
	f.Add(docx(f, `<w:p><w:r><w:t>operation am</w:t></w:r><w:r><w:t>ber falcon</w:t><w:tab/><w:br/></w:r></w:p>`))
	f.Add(mustZip(f, part{"word/document.xml", `<w:document><w:body><w:tbl><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl></w:body></w:document>`}))
	addCorpusSeeds(f, ".docx", ".docm", ".pptx", ".odt", ".odp")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzExtract(t, data, extract.MIMEDOCX)
		fuzzExtract(t, data, extract.MIMEPPTX)
		fuzzExtract(t, data, extract.MIMEODT)
	})
}

func FuzzXLSX(f *testing.F) {
	f.Add(xlsx(f, `<row><c t="s"><v>1</v></c><c t="inlineStr"><is><t>x</t></is></c></row>`, `<row><c><v>2</v></c></row>`))
	addCorpusSeeds(f, ".xlsx", ".xlsm", ".ods")
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzExtract(t, data, extract.MIMEXLSX)
		fuzzExtract(t, data, extract.MIMEODS)
	})
}
