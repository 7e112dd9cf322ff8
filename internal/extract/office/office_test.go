package office_test

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/extract"
	"github.com/trove-archive/trove/internal/extract/office"
)

// sink records what an extractor produces.
type sink struct {
	text     bytes.Buffer
	meta     archive.Meta
	children []string
	failed   []string
	limit    int // Write fails once the text would exceed limit (0: no limit)
}

var errFull = errors.New("sink full")

func (s *sink) Write(p []byte) (int, error) {
	if s.limit > 0 && s.text.Len()+len(p) > s.limit {
		return 0, errFull
	}
	return s.text.Write(p)
}
func (s *sink) Meta() *archive.Meta { return &s.meta }
func (s *sink) Expect(int)          {}
func (s *sink) Child(_ context.Context, info extract.ChildInfo, r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.children = append(s.children, info.Name)
	return nil
}
func (s *sink) ChildFailed(info extract.ChildInfo, _ error) { s.failed = append(s.failed, info.Name) }
func (s *sink) Passwords() []string                         { return nil }

func extractFile(t testing.TB, cfg office.Config, path, mime string) (*sink, error) {
	t.Helper()
	s := &sink{}
	err := office.New(cfg).Extract(context.Background(), extract.Input{Path: path, Type: extract.Type{MIME: mime}}, s)
	return s, err
}

// part is one zip entry of a package built by a test.
type part struct{ name, body string }

func mustZip(t testing.TB, parts ...part) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, p.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func mustWrite(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func normalize(s string) string { return strings.Join(strings.Fields(s), " ") }

const (
	relsNS  = `xmlns="http://schemas.openxmlformats.org/package/2006/relationships"`
	relBase = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
	wNS     = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`
	coreXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>Quarterly &amp; more</dc:title><dc:subject>operation silver narwhal 6727</dc:subject><dc:creator>Jaynell Alday</dc:creator><cp:keywords>budget, operation copper heron 1234</cp:keywords><cp:lastModifiedBy>Meagan Washington</cp:lastModifiedBy><dcterms:created xsi:type="dcterms:W3CDTF">2018-10-20T08:35:40Z</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2018-10-20T15:35:40Z</dcterms:modified></cp:coreProperties>`
	appXML = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Microsoft Office Word</Application><Pages>3</Pages><Company>Florida Statewide Intelligence Center</Company></Properties>`
)

// docx builds a DOCX whose body is body (inside w:body) and that has a
// header, a footer and footnotes.
func docx(t testing.TB, body string) []byte {
	return mustZip(t,
		part{"[Content_Types].xml", `<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		part{"_rels/.rels", `<Relationships ` + relsNS + `><Relationship Id="rId1" Type="` + relBase + `officeDocument" Target="word/document.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId3" Type="` + relBase + `extended-properties" Target="docProps/app.xml"/></Relationships>`},
		part{"word/_rels/document.xml.rels", `<Relationships ` + relsNS + `><Relationship Id="rId9" Type="` + relBase + `footer" Target="footer1.xml"/><Relationship Id="rId8" Type="` + relBase + `header" Target="/word/header1.xml"/><Relationship Id="rId7" Type="` + relBase + `footnotes" Target="footnotes.xml"/><Relationship Id="rId6" Type="` + relBase + `hyperlink" Target="http://example.org/" TargetMode="External"/></Relationships>`},
		part{"word/document.xml", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document ` + wNS + `><w:body>` + body + `<w:sectPr><w:pgSz w:w="12240"/></w:sectPr></w:body></w:document>`},
		part{"word/header1.xml", `<w:hdr ` + wNS + `><w:p><w:r><w:t>CONFIDENTIAL header</w:t></w:r></w:p></w:hdr>`},
		part{"word/footer1.xml", `<w:ftr ` + wNS + `><w:p><w:r><w:t>Page footer</w:t></w:r></w:p></w:ftr>`},
		part{"word/footnotes.xml", `<w:footnotes ` + wNS + `><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote><w:footnote w:id="1"><w:p><w:r><w:t xml:space="preserve"> A footnote.</w:t></w:r></w:p></w:footnote></w:footnotes>`},
		part{"docProps/core.xml", coreXML},
		part{"docProps/app.xml", appXML},
	)
}

func TestDOCXBuilt(t *testing.T) {
	body := `<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr>` +
		`<w:r><w:rPr><w:b/></w:rPr><w:t xml:space="preserve">Please cite operation am</w:t></w:r>` +
		`<w:r><w:t>ber falcon 4471</w:t></w:r><w:r><w:t xml:space="preserve"> when forwarding.</w:t></w:r></w:p>` +
		`<w:p><w:r><w:t>left</w:t><w:tab/><w:t>right</w:t><w:br/><w:t>next line</w:t></w:r></w:p>` +
		`<w:p/><w:p><w:r><w:t>De</w:t></w:r><w:del><w:r><w:delText>leted</w:delText></w:r></w:del></w:p>` +
		`<w:tbl><w:tr><w:tc><w:p><w:r><w:t>a1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>b1</w:t></w:r></w:p></w:tc></w:tr>` +
		`<w:tr><w:tc><w:p><w:r><w:t>a2</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>b2</w:t></w:r></w:p></w:tc></w:tr></w:tbl>` +
		`<w:p><w:r><mc:AlternateContent xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><mc:Choice Requires="wps"><w:drawing><w:txbxContent><w:p><w:r><w:t>In a text box</w:t></w:r></w:p></w:txbxContent></w:drawing></mc:Choice>` +
		`<mc:Fallback><w:pict><w:txbxContent><w:p><w:r><w:t>In a text box</w:t></w:r></w:p></w:txbxContent></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>`
	s, err := extractFile(t, office.Config{}, mustWrite(t, "t.docx", docx(t, body)), extract.MIMEDOCX)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	want := "Please cite operation amber falcon 4471 when forwarding.\n" +
		"left\tright\nnext line\n" +
		"Deleted\n" +
		"a1\tb1\na2\tb2\n" +
		"In a text box\n" +
		"CONFIDENTIAL header\nPage footer\n A footnote.\n" +
		"Subject: operation silver narwhal 6727\nKeywords: budget, operation copper heron 1234"
	if got := s.text.String(); got != want {
		t.Errorf("text:\n%q\nwant\n%q", got, want)
	}
	m := s.meta
	if m.Title != "Quarterly & more" || m.Author != "Jaynell Alday" || m.Subject != "operation silver narwhal 6727" ||
		m.Keywords != "budget, operation copper heron 1234" || m.Creator != "Microsoft Office Word" || m.Pages != 3 {
		t.Errorf("meta = %+v", m)
	}
	if want := time.Date(2018, 10, 20, 8, 35, 40, 0, time.UTC); !m.Created.Equal(want) {
		t.Errorf("Created = %v, want %v", m.Created, want)
	}
	if want := time.Date(2018, 10, 20, 15, 35, 40, 0, time.UTC); !m.Modified.Equal(want) {
		t.Errorf("Modified = %v, want %v", m.Modified, want)
	}
	if m.Extra["last_modified_by"] != "Meagan Washington" || m.Extra["company"] != "Florida Statewide Intelligence Center" {
		t.Errorf("Extra = %v", m.Extra)
	}
}

const ssNS = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`

func xlsx(t testing.TB, sheet1, sheet2 string) []byte {
	return mustZip(t,
		part{"[Content_Types].xml", `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>`},
		part{"_rels/.rels", `<Relationships ` + relsNS + `><Relationship Id="rId1" Type="` + relBase + `officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		part{"xl/workbook.xml", `<workbook ` + ssNS + `><sheets><sheet name="Budget 2019" sheetId="1" r:id="rId2"/><sheet name="Names" sheetId="2" state="hidden" r:id="rId1"/></sheets></workbook>`},
		part{"xl/_rels/workbook.xml.rels", `<Relationships ` + relsNS + `><Relationship Id="rId1" Type="` + relBase + `worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="` + relBase + `worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="` + relBase + `sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		part{"xl/sharedStrings.xml", `<sst ` + ssNS + ` count="3" uniqueCount="3"><si><t>Name</t></si><si><r><t xml:space="preserve">operation north</t></r><r><rPr><b/></rPr><t>ern gauntlet 1408</t></r><rPh sb="0" eb="1"><t>PHONETIC</t></rPh></si><si><t>Amount</t></si></sst>`},
		part{"xl/worksheets/sheet2.xml", `<worksheet ` + ssNS + `><sheetData>` + sheet1 + `</sheetData><headerFooter><oddHeader>&amp;L&amp;"Arial,Bold"&amp;12Internal &amp;&amp; secret&amp;RPage &amp;P of &amp;N</oddHeader></headerFooter></worksheet>`},
		part{"xl/worksheets/sheet1.xml", `<worksheet ` + ssNS + `><sheetData>` + sheet2 + `</sheetData></worksheet>`},
	)
}

func TestXLSXBuilt(t *testing.T) {
	sheet1 := `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>2</v></c></row>` +
		`<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2"><f>SUM(1,2)</f><v>1599.99</v></c><c r="C2" t="b"><v>1</v></c></row>` +
		`<row r="3"><c r="A3" t="inlineStr"><is><t>inline text</t></is></c><c r="B3"/><c r="C3" t="str"><f>A1</f><v>Name</v></c><c r="D3" t="s"><v>99</v></c></row>`
	sheet2 := `<row r="1"><c r="A1" t="inlineStr"><is><t>Hidden sheet cell</t></is></c></row>`
	s, err := extractFile(t, office.Config{}, mustWrite(t, "t.xlsx", xlsx(t, sheet1, sheet2)), extract.MIMEXLSX)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	want := "Sheet: Budget 2019\n" +
		"Name\tAmount\n" +
		"operation northern gauntlet 1408\t1599.99\tTRUE\n" +
		"inline text\tName\n" +
		"Internal & secret Page of" +
		"\fSheet: Names\nHidden sheet cell"
	if got := s.text.String(); got != want {
		t.Errorf("text:\n%q\nwant\n%q", got, want)
	}
}

func TestPPTXOrder(t *testing.T) {
	const pNS = `xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
	slide := func(text string) string {
		return `<p:sld ` + pNS + `><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:rPr lang="en-US"/><a:t>` + text +
			`</a:t></a:r><a:br/><a:r><a:t>second line</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>`
	}
	data := mustZip(t,
		part{"_rels/.rels", `<Relationships ` + relsNS + `><Relationship Id="rId1" Type="` + relBase + `officeDocument" Target="ppt/presentation.xml"/></Relationships>`},
		part{"ppt/presentation.xml", `<p:presentation ` + pNS + `><p:sldIdLst><p:sldId id="257" r:id="rId3"/><p:sldId id="256" r:id="rId2"/><p:sldId id="258" r:id="rId4"/></p:sldIdLst></p:presentation>`},
		part{"ppt/_rels/presentation.xml.rels", `<Relationships ` + relsNS + `><Relationship Id="rId2" Type="` + relBase + `slide" Target="slides/slide1.xml"/><Relationship Id="rId3" Type="` + relBase + `slide" Target="slides/slide2.xml"/><Relationship Id="rId4" Type="` + relBase + `slide" Target="slides/missing.xml"/></Relationships>`},
		part{"ppt/slides/slide1.xml", slide("Moved to the end")},
		part{"ppt/slides/slide2.xml", slide("Shown first")},
		part{"ppt/slides/_rels/slide2.xml.rels", `<Relationships ` + relsNS + `><Relationship Id="rId1" Type="` + relBase + `notesSlide" Target="../notesSlides/notesSlide7.xml"/></Relationships>`},
		part{"ppt/notesSlides/notesSlide7.xml", `<p:notes ` + pNS + `><p:cSld><p:spTree><p:sp><p:txBody><a:p><a:r><a:t>Speaker notes</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:notes>`},
	)
	s, err := extractFile(t, office.Config{}, mustWrite(t, "t.pptx", data), extract.MIMEPPTX)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	want := "Shown first\nsecond line\nSpeaker notes\fMoved to the end\nsecond line\f"
	if got := s.text.String(); got != want {
		t.Errorf("text:\n%q\nwant\n%q", got, want)
	}
	if s.meta.Pages != 3 {
		t.Errorf("Pages = %d, want 3 (one slide is missing)", s.meta.Pages)
	}
}

func TestODTBuilt(t *testing.T) {
	const ns = `xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"`
	data := mustZip(t,
		part{"mimetype", extract.MIMEODT},
		part{"content.xml", `<office:document-content ` + ns + `><office:body><office:text>` +
			`<text:h>Title</text:h><text:p>one<text:s text:c="3"/>two<text:tab/>three<text:line-break/>four` +
			`<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>The note.</text:p></text:note-body></text:note> continues.</text:p>` +
			`<table:table><table:table-row><table:table-cell><text:p>c1</text:p></table:table-cell><table:table-cell table:number-columns-repeated="1000000"/><table:table-cell><text:p>c2</text:p></table:table-cell></table:table-row></table:table>` +
			`</office:text></office:body></office:document-content>`},
		part{"meta.xml", `<office:document-meta ` + ns + `><office:meta><dc:title>ODT title</dc:title><meta:initial-creator>Ann Author</meta:initial-creator><dc:creator>Bob Editor</dc:creator><meta:keyword>alpha</meta:keyword><meta:keyword>beta</meta:keyword><dc:subject>operation amber falcon 4471</dc:subject><meta:creation-date>2009-10-05T19:04:01</meta:creation-date><dc:date>2009-10-05T21:22:38.5</dc:date><meta:document-statistic meta:page-count="4"/></office:meta></office:document-meta>`},
	)
	// No MIME type: the package's mimetype entry decides.
	s, err := extractFile(t, office.Config{}, mustWrite(t, "t.odt", data), "")
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	want := "Title\none   two\tthree\nfour continues.\nc1\tc2\nThe note.\n" +
		"Subject: operation amber falcon 4471\nKeywords: alpha, beta"
	if got := s.text.String(); got != want {
		t.Errorf("text:\n%q\nwant\n%q", got, want)
	}
	m := s.meta
	if m.Title != "ODT title" || m.Author != "Ann Author" || m.Extra["last_modified_by"] != "Bob Editor" ||
		m.Keywords != "alpha, beta" || m.Pages != 4 {
		t.Errorf("meta = %+v", m)
	}
	if want := time.Date(2009, 10, 5, 19, 4, 1, 0, time.UTC); !m.Created.Equal(want) {
		t.Errorf("Created = %v, want %v", m.Created, want)
	}
	if want := time.Date(2009, 10, 5, 21, 22, 38, 5e8, time.UTC); !m.Modified.Equal(want) {
		t.Errorf("Modified = %v, want %v", m.Modified, want)
	}
}

// The package's own content type wins over a wrong sniff.
func TestFormatFromPackage(t *testing.T) {
	path := mustWrite(t, "t.docx", xlsx(t, `<row><c t="inlineStr"><is><t>cell</t></is></c></row>`, ""))
	s, err := extractFile(t, office.Config{}, path, extract.MIMEDOCX)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if got := s.text.String(); !strings.HasPrefix(got, "Sheet: Budget 2019\ncell") {
		t.Errorf("text = %q, want the workbook's", got)
	}
}

func TestLimits(t *testing.T) {
	big := strings.Repeat(`<w:p><w:r><w:t>all work and no play makes jack a dull boy</w:t></w:r></w:p>`, 10000) // 800 KB, compresses well
	path := mustWrite(t, "big.docx", docx(t, big))
	if _, err := extractFile(t, office.Config{}, path, extract.MIMEDOCX); err != nil {
		t.Fatalf("default limits: %v", err)
	}
	_, err := extractFile(t, office.Config{MaxBytes: 256 << 10}, path, extract.MIMEDOCX)
	if !errors.Is(err, extract.ErrBomb) {
		t.Errorf("MaxBytes: err = %v, want ErrBomb", err)
	}
	_, err = extractFile(t, office.Config{MaxEntries: 5}, path, extract.MIMEDOCX)
	if !errors.Is(err, extract.ErrBomb) {
		t.Errorf("MaxEntries: err = %v, want ErrBomb", err)
	}
}

func TestCorrupt(t *testing.T) {
	valid := docx(t, `<w:p><w:r><w:t>hello</w:t></w:r></w:p>`)
	tests := map[string]struct {
		data []byte
		mime string
	}{
		"not a zip":     {[]byte("PK\x03\x04 but not really a zip"), extract.MIMEDOCX},
		"empty":         {nil, extract.MIMEXLSX},
		"truncated":     {valid[:len(valid)/2], extract.MIMEDOCX},
		"no document":   {mustZip(t, part{"[Content_Types].xml", "<Types/>"}), extract.MIMEDOCX},
		"bad xml":       {mustZip(t, part{"word/document.xml", `<w:document ` + wNS + `><w:body><w:p>`}), extract.MIMEDOCX},
		"no worksheets": {mustZip(t, part{"xl/workbook.xml", `<workbook/>`}), extract.MIMEXLSX},
		"no slides":     {mustZip(t, part{"ppt/presentation.xml", `<presentation/>`}), extract.MIMEPPTX},
		"no content":    {mustZip(t, part{"mimetype", extract.MIMEODS}), extract.MIMEODS},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := extractFile(t, office.Config{}, mustWrite(t, "f", tt.data), tt.mime)
			if !errors.Is(err, extract.ErrCorrupt) {
				t.Errorf("err = %v, want ErrCorrupt", err)
			}
		})
	}
	_, err := extractFile(t, office.Config{}, mustWrite(t, "f.zip", mustZip(t, part{"a.txt", "x"})), "")
	if !errors.Is(err, extract.ErrUnsupported) {
		t.Errorf("plain zip: err = %v, want ErrUnsupported", err)
	}
}

func TestDamagedEmbedding(t *testing.T) {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, p := range []part{
		{"word/document.xml", `<w:document ` + wNS + `><w:body><w:p><w:r><w:t>body</w:t></w:r></w:p></w:body></w:document>`},
		{"word/embeddings/bad.bin", "bytes whose checksum is wrong"},
		{"word/embeddings/good.bin", "fine"},
	} {
		h := &zip.FileHeader{Name: p.name, Method: zip.Store,
			CompressedSize64: uint64(len(p.body)), UncompressedSize64: uint64(len(p.body))}
		h.CRC32 = crc32.ChecksumIEEE([]byte(p.body))
		if strings.Contains(p.name, "bad") {
			h.CRC32++
		}
		w, err := zw.CreateRaw(h)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, p.body)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	s, err := extractFile(t, office.Config{}, mustWrite(t, "e.docx", b.Bytes()), extract.MIMEDOCX)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if len(s.failed) != 1 || s.failed[0] != "word/embeddings/bad.bin" {
		t.Errorf("failed children = %q, want the damaged one", s.failed)
	}
	if !slices.Contains(s.children, "word/embeddings/good.bin") {
		t.Errorf("children = %q, want good.bin", s.children)
	}
}

func TestSinkAndContext(t *testing.T) {
	big := strings.Repeat(`<w:p><w:r><w:t>all work and no play makes jack a dull boy</w:t></w:r></w:p>`, 10000)
	path := mustWrite(t, "big.docx", docx(t, big))
	s := &sink{limit: 100 << 10}
	err := office.New(office.Config{}).Extract(context.Background(), extract.Input{Path: path, Type: extract.Type{MIME: extract.MIMEDOCX}}, s)
	if !errors.Is(err, errFull) {
		t.Errorf("full sink: err = %v, want the sink's error", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = office.New(office.Config{}).Extract(ctx, extract.Input{Path: path, Type: extract.Type{MIME: extract.MIMEDOCX}}, &sink{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: err = %v, want context.Canceled", err)
	}
}

type corpusCase struct {
	file     string
	mime     string
	contains []string // after white space is normalized
	exact    []string // as extracted (tabs, line breaks)
	absent   []string
	children []string // names of embedded files emitted
	check    func(t *testing.T, m archive.Meta, text string)
}

func date(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func wantMeta(t *testing.T, field string, got, want any) {
	t.Helper()
	if gt, ok := got.(time.Time); ok {
		if !gt.Equal(want.(time.Time)) {
			t.Errorf("%s = %v, want %v", field, got, want)
		}
		return
	}
	if got != want {
		t.Errorf("%s = %q, want %q", field, got, want)
	}
}

// Expectations from Apache Tika's tests (expected.json, peer_assertion_hints).
var corpusCases = []corpusCase{
	{file: "word/testWORD_various.docx", mime: extract.MIMEDOCX,
		contains: []string{"Footnote appears here", "This is a footnote.", "This is the header text.",
			"This is the footer text.", "Here is a text box", "Bold", "italic", "underline", "superscript",
			"subscript", "Here is a citation:", "Figure 1 This is a caption for Figure 1", "(Kramer)",
			"Row 1 Col 1 Row 1 Col 2 Row 1 Col 3 Row 2 Col 1 Row 2 Col 2 Row 2 Col 3",
			"Row 1 column 1 Row 2 column 1 Row 1 column 2 Row 2 column 2", "This is a hyperlink",
			"Here is a list:", "Bullet 1", "Bullet 2", "Bullet 3", "Here is a numbered list:",
			"Number bullet 1", "Number bullet 2", "Number bullet 3", "Keyword1 Keyword2", "Subject is here"},
		check: func(t *testing.T, m archive.Meta, _ string) {
			wantMeta(t, "Keywords", m.Keywords, "Keyword1 Keyword2")
			wantMeta(t, "Subject", m.Subject, "Subject is here")
		}},
	{file: "word/testWORD.docx", mime: extract.MIMEDOCX,
		contains: []string{"Sample Word Document", "This is a sample Microsoft Word Document.",
			"This document includes text that is BOLD and ITALIC.", "This is the header for our document",
			"This is the footer for our document"},
		exact: []string{"Main Heading\nHeading Level 1\n"},
		check: func(t *testing.T, m archive.Meta, _ string) {
			wantMeta(t, "Title", m.Title, "Sample Word Document")
			wantMeta(t, "Author", m.Author, "Keith Bennett")
			wantMeta(t, "last_modified_by", m.Extra["last_modified_by"], "Nick Burch")
			wantMeta(t, "Created", m.Created, date("2008-12-11T16:04:00Z"))
			wantMeta(t, "Pages", m.Pages, 2)
		}},
	{file: "word/testComment.docx", mime: extract.MIMEDOCX, contains: []string{"Here is some text.", "Here is a comment"}},
	{file: "word/testWORD_text_box.docx", mime: extract.MIMEDOCX,
		contains: []string{"This text is directly in the body of the document.",
			"This text is inside of a text box in the body of the document.",
			"This text is inside of a text box in the header of the document.",
			"This text is inside of a text box in the footer of the document."}},
	{file: "word/testWORD_2006ml.docx", mime: extract.MIMEDOCX,
		contains: []string{"My Document Title", "My Document Subtitle", "This is          10 spaces"},
		check: func(t *testing.T, m archive.Meta, text string) {
			for _, s := range []string{"engaging title page", "This is an engaging title page", "This is a text box", "This is the Author\n"} {
				if n := strings.Count(text, s); n != 1 {
					t.Errorf("%q occurs %d times, want 1", s, n)
				}
			}
			wantMeta(t, "Created", m.Created, date("2016-11-29T00:58:00Z"))
			wantMeta(t, "Modified", m.Modified, date("2016-11-29T17:54:00Z"))
			wantMeta(t, "Title", m.Title, "My Document Title")
			wantMeta(t, "Author", m.Author, "This is the Author")
			wantMeta(t, "last_modified_by", m.Extra["last_modified_by"], "Allison, Timothy B.")
		}},
	{file: "word/testWORD_custom_props.docx", mime: extract.MIMEDOCX,
		check: func(t *testing.T, m archive.Meta, _ string) {
			wantMeta(t, "Author", m.Author, "EJ04325S")
			wantMeta(t, "last_modified_by", m.Extra["last_modified_by"], "Etienne Jouvin")
			wantMeta(t, "Created", m.Created, date("2011-07-29T16:52:00Z"))
			wantMeta(t, "Modified", m.Modified, date("2012-01-03T22:14:00Z"))
			wantMeta(t, "Creator", m.Creator, "Microsoft Office Word")
			wantMeta(t, "Pages", m.Pages, 1)
			wantMeta(t, "Title", m.Title, "My Title")
			wantMeta(t, "Keywords", m.Keywords, "My Keyword")
			wantMeta(t, "Subject", m.Subject, "My subject")
		}},
	{file: "word/testWORD_embeded.docx", mime: extract.MIMEDOCX,
		children: []string{"word/embeddings/Microsoft_Office_Word_97_-_2003_Document1.doc",
			"word/embeddings/Microsoft_Office_PowerPoint_Presentation2.pptx",
			"word/embeddings/Microsoft_Office_Excel_Worksheet1.xlsx"}},
	{file: "word/EmbeddedPDF.docx", mime: extract.MIMEDOCX, children: []string{"word/embeddings/oleObject1.bin"}},
	{file: "word/testAltChunkHTML.docx", mime: extract.MIMEDOCX, children: []string{"word/htmlDoc.html"}},
	{file: "excel/testEXCEL_embeded.xlsx", mime: extract.MIMEXLSX,
		children: []string{"xl/embeddings/Microsoft_Office_Word_Document2.docx"}},
	{file: "word/footnotes.docx", mime: extract.MIMEDOCX, contains: []string{"snoska"}},
	{file: "word/testWORD_numbered_list.docx", mime: extract.MIMEDOCX, contains: []string{"add a list here"}},
	{file: "word/testWORD_macros.docm", mime: extract.MIMEDOCX, contains: []string{"quick"}},
	{file: "excel/testEXCEL.strict.xlsx", mime: extract.MIMEXLSX,
		contains: []string{"Test spreadsheet", "This one is red", "cb=10"},
		exact:    []string{"Sheet: First Sheet\n", "\fSheet: Sheet Number 2\n", "\fSheet: Sheet3"},
		check: func(t *testing.T, m archive.Meta, _ string) {
			wantMeta(t, "Title", m.Title, "Sample Spreadsheet")
			wantMeta(t, "Author", m.Author, "Nick Burch")
			wantMeta(t, "Subject", m.Subject, "Spreadsheet for testing")
		}},
	{file: "excel/testEXCEL_headers_footers.xlsx", mime: extract.MIMEXLSX,
		contains: []string{"John Smith1", "John Smith50", "1 Corporate HQ", "Header - Corporate Spreadsheet",
			"Header - For Internal Use Only", "Header - Author: John Smith", "Footer - Corporate Spreadsheet",
			"Footer - For Internal Use Only", "Footer - Author: John Smith"},
		check: func(t *testing.T, m archive.Meta, _ string) {
			wantMeta(t, "Title", m.Title, "Internal spreadsheet")
			wantMeta(t, "Author", m.Author, "Aeham Abushwashi")
		}},
	{file: "excel/testEXCEL_custom_props.xlsx", mime: extract.MIMEXLSX,
		check: func(t *testing.T, m archive.Meta, _ string) {
			wantMeta(t, "Author", m.Author, "")
			wantMeta(t, "Created", m.Created, date("2006-09-12T15:06:44Z"))
			wantMeta(t, "Modified", m.Modified, date("2011-08-22T14:24:38Z"))
			wantMeta(t, "Creator", m.Creator, "Microsoft Excel")
		}},
	{file: "excel/testEXCEL_phonetic.xlsx", mime: extract.MIMEXLSX,
		absent: []string{"\u65E5\u672C\u30AA\u30E9\u30AF\u30EB \u30CB\u30DB\u30F3"}},
	{file: "excel/testComment.xlsx", mime: extract.MIMEXLSX, contains: []string{"Here is some text", "Here is a comment"}},
	{file: "ppt/testPPT_various.pptx", mime: extract.MIMEPPTX,
		contains: []string{"Footnote appears here", "[1] This is a footnote.", "This is the header text.",
			"This is the footer text.", "Here is a text box", "Bold", "italic underline superscript subscript",
			"Here is a citation:", "Figure 1 This is a caption for Figure 1", "(Kramer)", "Row 1 Col 1",
			"Row 1 column 1", "Row 2 column 2", "This is a hyperlink", "Here is a list:", "Bullet 1", "Bullet 2",
			"Bullet 3", "Here is a numbered list:", "Number bullet 1", "Keyword1 Keyword2", "Subject is here",
			"Suddenly some Japanese text:", "\uff08\uff27\uff28\uff31\uff09"},
		exact: []string{"Row 1 Col 1\tRow 1 Col 2\tRow 1 Col 3\n", "Row 2 Col 2\tRow 2 Col 3"},
		check: func(t *testing.T, m archive.Meta, _ string) {
			wantMeta(t, "Keywords", m.Keywords, "Keyword1 Keyword2")
		}},
	{file: "ppt/testPPT_custom_props.pptx", mime: extract.MIMEPPTX,
		check: func(t *testing.T, m archive.Meta, _ string) {
			wantMeta(t, "Author", m.Author, "JOUVIN ETIENNE")
			wantMeta(t, "last_modified_by", m.Extra["last_modified_by"], "EJ04325S")
			wantMeta(t, "Created", m.Created, date("2011-08-22T13:30:53Z"))
			wantMeta(t, "Modified", m.Modified, date("2011-08-22T13:32:49Z"))
			wantMeta(t, "Pages", m.Pages, 1)
			wantMeta(t, "Title", m.Title, "Test extraction properties pptx")
		}},
	// Tika leaves out the footer placeholder of the slide; it is on the slide, so it is kept here.
	{file: "ppt/testPPT_masterFooter.pptx", mime: extract.MIMEPPTX, contains: []string{"Master footer is here"}},
	{file: "ppt/testPPT.pptx", mime: extract.MIMEPPTX,
		contains: []string{"Attachment Test", "Different words to test against", "Black Panther"},
		check: func(t *testing.T, m archive.Meta, text string) {
			wantMeta(t, "Pages", m.Pages, 3)
			wantMeta(t, "page separators", strings.Count(text, "\f"), 2)
		}},
	{file: "odf/testODFwithOOo3.odt", mime: extract.MIMEODT,
		contains: []string{"Tika is part of the Lucene project.", "Solr", "one embedded", "Rectangle Title",
			"a blue background and dark border", "This is a rather difficult test document"},
		check: func(t *testing.T, m archive.Meta, _ string) {
			wantMeta(t, "Modified", m.Modified, date("2009-10-05T21:22:38Z"))
			wantMeta(t, "Created", m.Created, date("2009-10-05T19:04:01Z"))
			wantMeta(t, "Title", m.Title, "Apache Tika")
			wantMeta(t, "Subject", m.Subject, "Test document")
			wantMeta(t, "description", m.Extra["description"], "A rather complex document")
			wantMeta(t, "Author", m.Author, "Bart Hanssens")
		}},
	{file: "odf/testFooter.odt", mime: extract.MIMEODT,
		contains: []string{"Here is some text...", "Here is some text on page 2", "Here is footer text"}},
	{file: "odf/testFooter.ods", mime: extract.MIMEODS, contains: []string{"Here is a footer in the center area"},
		exact: []string{"Sheet: Sheet1\nData 1\tData 2\nData 3\tData 4\fSheet: Sheet2\fSheet: Sheet3"}},
	{file: "odf/LibreOfficeCalc_ods_1.3.ods", mime: extract.MIMEODS,
		exact: []string{"Sheet: Sheet1\nThis\tis\tan\texample\tspreadsheet\n0\t1\t2\t3\t4"}},
	{file: "odf/LibreOfficeWriter_odt_1.3.odt", mime: extract.MIMEODT, contains: []string{"This is an example document"}},
	{file: "odf/testMasterFooter.odp", mime: extract.MIMEODP, contains: []string{"Master footer is here"}},
	{file: "odf/testODTNoMeta.odt", mime: extract.MIMEODT, contains: []string{"Test text"}},
	{file: "odf/LibreOfficeImpress_odp_1.3.odp", mime: extract.MIMEODP,
		check: func(t *testing.T, m archive.Meta, text string) {
			wantMeta(t, "Pages", m.Pages, 2)
			wantMeta(t, "page separators", strings.Count(text, "\f"), 1)
		}},
}

func TestCorpus(t *testing.T) {
	for _, tt := range corpusCases {
		t.Run(tt.file, func(t *testing.T) {
			s, err := extractFile(t, office.Config{}, corpus.File(t, "tika/"+tt.file), tt.mime)
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			text := s.text.String()
			norm := normalize(text)
			for _, want := range tt.contains {
				if !strings.Contains(norm, normalize(want)) {
					t.Errorf("text lacks %q", want)
				}
			}
			for _, want := range tt.exact {
				if !strings.Contains(text, want) {
					t.Errorf("text lacks %q", want)
				}
			}
			for _, bad := range tt.absent {
				if strings.Contains(text, bad) {
					t.Errorf("text has %q", bad)
				}
			}
			for _, c := range tt.children {
				if !slices.Contains(s.children, c) {
					t.Errorf("children %q lack %q", s.children, c)
				}
			}
			if tt.check != nil {
				tt.check(t, s.meta, text)
			}
			if t.Failed() {
				t.Logf("text:\n%s", text)
			}
		})
	}
}

func TestCorpusFailures(t *testing.T) {
	tests := []struct {
		file string
		mime string
		want error
	}{
		{"odf/testODTEncrypted.odt", extract.MIMEODT, extract.ErrEncrypted},
		{"odf/testODTnotaZipFile.odt", extract.MIMEODT, extract.ErrCorrupt},
		{"word/testWORD_truncated.docx", extract.MIMEDOCX, extract.ErrCorrupt},
		// The sniffer calls XLSB an XLSX; its parts are binary.
		{"excel/testEXCEL.xlsb", extract.MIMEXLSX, extract.ErrUnsupported},
		// Encrypted OOXML is an OLE compound file, sniffed as such; if it
		// reaches this extractor anyway it is no zip.
		{"word/testWORD_protected_passtika.docx", extract.MIMEDOCX, extract.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s, err := extractFile(t, office.Config{}, corpus.File(t, "tika/"+tt.file), tt.mime)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.want == extract.ErrEncrypted && !s.meta.Encrypted {
				t.Error("Meta.Encrypted not set")
			}
		})
	}
}

var corpusMIMEs = map[string]string{
	".docx": extract.MIMEDOCX, ".docm": extract.MIMEDOCX, ".dotx": extract.MIMEDOCX,
	".xlsx": extract.MIMEXLSX, ".xlsm": extract.MIMEXLSX, ".xltx": extract.MIMEXLSX,
	".pptx": extract.MIMEPPTX, ".pptm": extract.MIMEPPTX, ".ppsx": extract.MIMEPPTX,
	".odt": extract.MIMEODT, ".ods": extract.MIMEODS, ".odp": extract.MIMEODP,
}

// corpusFiles lists the OOXML and OpenDocument files of the corpus.
func corpusFiles(tb testing.TB) []string {
	dir := corpus.Dir(tb)
	var out []string
	for _, fam := range []string{"word", "excel", "ppt", "odf", "images", "pdf"} {
		files, _ := filepath.Glob(filepath.Join(dir, "tika", fam, "*"))
		for _, f := range files {
			if _, ok := corpusMIMEs[filepath.Ext(f)]; ok {
				out = append(out, f)
			}
		}
	}
	return out
}

// TestEveryCorpusFile runs every OOXML and OpenDocument file of the corpus:
// each extracts, or fails with a sentinel the ingest can record.
func TestEveryCorpusFile(t *testing.T) {
	files := corpusFiles(t)
	if len(files) == 0 {
		t.Skip("no office files in the corpus")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			t.Parallel()
			s, err := extractFile(t, office.Config{}, f, corpusMIMEs[filepath.Ext(f)])
			if err != nil {
				if r := extract.Reason(err); r == "internal" {
					t.Errorf("err = %v: reason %q, want a sentinel", err, r)
				}
				return
			}
			if s.text.Len() == 0 && s.meta.Title == "" && s.meta.Author == "" && len(s.children) == 0 {
				t.Errorf("neither text, properties nor children")
			}
		})
	}
}

// BenchmarkXLSX extracts a sheet of 20,000 rows (shared strings, numbers,
// formulas), the shape of database exports in leaks.
func BenchmarkXLSX(b *testing.B) {
	var rows strings.Builder
	for i := 1; i <= 20000; i++ {
		fmt.Fprintf(&rows, `<row r="%d"><c r="A%d" t="s"><v>%d</v></c><c r="B%d"><v>%d.5</v></c><c r="C%d"><f>B%d*2</f><v>%d</v></c><c r="D%d" t="inlineStr"><is><t>note %d</t></is></c></row>`,
			i, i, i%3, i, i, i, i, i*2, i, i)
	}
	path := mustWrite(b, "big.xlsx", xlsx(b, rows.String(), `<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>`))
	st, _ := os.Stat(path)
	b.SetBytes(st.Size())
	for b.Loop() {
		if _, err := extractFile(b, office.Config{}, path, extract.MIMEXLSX); err != nil {
			b.Fatal(err)
		}
	}
}
