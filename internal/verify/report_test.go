package verify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/verify"
)

// memSource is a Source over a list of items, with optional DKIM counts.
type memSource struct {
	items   []*archive.Item
	verdict *archive.Verdict
}

func (m *memSource) ReportItems(_ context.Context, _ archive.Principal, _ int64, fn func(*archive.Item) error) error {
	for _, it := range m.items {
		if err := fn(it); err != nil {
			return err
		}
	}
	return nil
}

func (m *memSource) Verdict(context.Context, archive.Principal, int64) (*archive.Verdict, error) {
	if m.verdict != nil {
		return m.verdict, nil
	}
	return &archive.Verdict{State: archive.VerdictUnverified}, nil
}

type dkimSource struct {
	memSource
	counts []archive.DKIMDomainCount
}

func (d *dkimSource) DKIMSummary(context.Context, archive.Principal, int64) ([]archive.DKIMDomainCount, error) {
	return d.counts, nil
}

var now = time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 10, 0, 0, 0, time.UTC) }

func blob(b byte) archive.BlobID {
	var id archive.BlobID
	id[0] = b
	return id
}

// leak is a small dataset with one finding of each kind.
func leak() []*archive.Item {
	mail := func(id int64, b byte, date time.Time) *archive.Item {
		return &archive.Item{ID: id, ParentID: 1, Path: "box.mbox/" + string(rune('a'+id)), Kind: archive.KindEmail, MIME: "message/rfc822",
			Blob: blob(b), Size: 100, Status: archive.StatusOK, Meta: archive.Meta{Email: &archive.Email{Date: date}}}
	}
	return []*archive.Item{
		{ID: 1, Path: "box.mbox", Kind: archive.KindArchive, Blob: blob(1), Size: 5000, FileTime: day(2003, 2, 1), Status: archive.StatusOK},
		mail(2, 2, day(2002, 1, 10)),
		mail(3, 3, day(2002, 3, 10)),
		mail(4, 4, day(2031, 1, 1)),  // future
		mail(5, 2, day(2002, 1, 10)), // duplicate of 2
		{ID: 6, Path: "report.pdf", Kind: archive.KindPDF, MIME: "application/pdf", Blob: blob(6), Size: 700, Status: archive.StatusOK,
			FileTime: day(2002, 6, 1),
			Meta:     archive.Meta{Producer: "Microsoft® Word 2010", Created: day(2002, 2, 1), Modified: day(2002, 2, 2)}}, // before Word 2010
		{ID: 7, Path: "old.pdf", Kind: archive.KindPDF, MIME: "application/pdf", Blob: blob(7), Size: 700, Status: archive.StatusOK,
			Meta: archive.Meta{Producer: "GPL Ghostscript 9.5", Created: day(1990, 1, 1)}}, // before PDF
		{ID: 8, Path: "memo.docx", Kind: archive.KindWord, MIME: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			Blob: blob(8), Size: 900, Status: archive.StatusOK,
			Meta: archive.Meta{Creator: "Microsoft Office Word", Created: day(2002, 5, 1), Modified: day(2002, 4, 1)}}, // before OOXML, modified before created
		{ID: 9, Path: "photo.pdf", Ext: "pdf", ExtLies: true, Kind: archive.KindImage, MIME: "image/jpeg", Blob: blob(9), Size: 50, Status: archive.StatusOK,
			FileTime: time.Unix(0, 0).UTC()}, // 1970
		{ID: 10, Path: "locked.zip", Kind: archive.KindArchive, Blob: blob(10), Size: 60, Status: archive.StatusFailed,
			Failure: &archive.Failure{Reason: "encrypted", Message: "password required"}},
	}
}

func TestBuild(t *testing.T) {
	src := &dkimSource{memSource: memSource{items: leak(), verdict: &archive.Verdict{State: archive.VerdictPlausible, Note: "headers consistent", By: "eddie", Time: day(2024, 5, 1)}},
		counts: []archive.DKIMDomainCount{
			{Domain: "example.com", Verdict: archive.DKIMPass, Messages: 2},
			{Domain: "Example.com", Verdict: archive.DKIMFail, Messages: 1},
			{Domain: "", Verdict: archive.DKIMNone, Messages: 1},
		}}
	ds := &archive.Dataset{ID: 1, Slug: "leak", Title: "The leak"}
	r, err := verify.Build(t.Context(), src, archive.Admin(), ds, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.Counts.Items != 10 || r.Counts.TopLevel != 6 || r.Counts.Emails != 4 || r.Counts.Bytes != 5000+700+700+900+50+60 {
		t.Errorf("counts %+v", r.Counts)
	}
	reasons := map[string]int64{}
	for _, rs := range r.Outliers.Reasons {
		reasons[rs.Reason] = rs.Count
	}
	want := map[string]int64{
		verify.ReasonFuture: 1, verify.ReasonBefore1971: 1,
		verify.ReasonBeforeSoftware: 2, // created and modified of report.pdf
		verify.ReasonBeforeFormat:   2, // old.pdf created; memo.docx modified (its creation may predate a conversion)
		verify.ReasonModBeforeCreat: 1,
	}
	for k, v := range want {
		if reasons[k] != v {
			t.Errorf("outliers %s = %d, want %d (all: %v)", k, reasons[k], v, reasons)
		}
	}
	if r.Outliers.Total != 5 {
		t.Errorf("items with outliers = %d, want 5", r.Outliers.Total)
	}
	for _, rs := range r.Outliers.Reasons {
		if rs.Reason == verify.ReasonBeforeSoftware && !strings.Contains(rs.Examples[0].Detail, "Microsoft Word 2010 was first released in 2010") {
			t.Errorf("before_software detail: %+v", rs.Examples[0])
		}
	}
	// Timeline: 1990 (flagged) … 2003 by year (14 buckets); the 2031 and
	// 1970 dates apart.
	tl := r.Timeline
	if tl.Unit != "year" || tl.First != "1990" || tl.Last != "2003" || len(tl.Buckets) != 14 || tl.Future != 1 || tl.Before != 1 {
		t.Fatalf("timeline %s %s..%s %d buckets, future %d, before %d", tl.Unit, tl.First, tl.Last, len(tl.Buckets), tl.Future, tl.Before)
	}
	if b := tl.Buckets[0]; b.Created != 1 || b.Flagged != 1 {
		t.Errorf("1990 = %+v", b)
	}
	// 2002: 2 emails (the duplicate is not counted twice), report.pdf and
	// memo.docx created and modified (three flagged), a file time.
	if b := tl.Buckets[12]; b.Email != 2 || b.Created != 2 || b.Modified != 2 || b.File != 1 || b.Flagged != 3 {
		t.Errorf("2002 = %+v", b)
	}
	if tl.Dates != 9 {
		t.Errorf("dates = %d", tl.Dates)
	}
	if r.ExtLies.Total != 1 || r.ExtLies.Types[0].Ext != "pdf" || r.ExtLies.Types[0].Kind != "image" || r.ExtLies.Types[0].Examples[0].Item != 9 {
		t.Errorf("ext lies %+v", r.ExtLies)
	}
	sw := map[string]verify.SoftwareEntry{}
	for _, e := range r.Software.Entries {
		sw[e.Name] = e
	}
	if r.Software.Items != 3 || sw["Microsoft Word 2010"].FirstRelease != 2010 || sw["Ghostscript"].Items != 1 || sw["Microsoft Word"].FirstRelease != 1983 {
		t.Errorf("software %+v", r.Software)
	}
	if d := r.Duplicates; d.Contents != 1 || d.Copies != 1 || d.Bytes != 100 || len(d.Examples) != 1 || d.Examples[0].Count != 2 ||
		d.Examples[0].Items[0] != 2 || d.Examples[0].Items[1] != 5 {
		t.Errorf("duplicates %+v", d)
	}
	if f := r.Failures; f.Total != 1 || f.Reasons[0].Reason != "encrypted" || f.Reasons[0].Examples[0].Detail != "password required" {
		t.Errorf("failures %+v", f)
	}
	d := r.DKIM
	if !d.Checked || d.Messages != 4 || len(d.Domains) != 2 || d.Domains[0].Domain != "example.com" || d.Domains[0].Messages != 3 {
		t.Fatalf("dkim %+v", d)
	}
	if s := d.Domains[0].Verdicts; s[0].Verdict != "pass" || s[0].Share != 0.6666 || s[1].Verdict != "fail" {
		t.Errorf("example.com shares %+v", s)
	}
	if d.Share(archive.DKIMPass) != 0.5 {
		t.Errorf("pass share %v", d.Share(archive.DKIMPass))
	}
	if r.Verdict.Verdict != "plausible" || r.Verdict.By != "eddie" || r.Verdict.Time == nil {
		t.Errorf("verdict %+v", r.Verdict)
	}
	sum := strings.Join(r.Summary, "\n")
	for _, w := range []string{"10 items in 6 files", "Dates span 1990 to 2003", "DKIM: 2 of 3 signed messages verified (50% of all 4); 1 failed",
		"1 date in the future", "2 dates before their software existed", "1 file whose extension", ".pdf holding image",
		"Extraction failed for 1 item (1 encrypted)", "1 duplicate copy of 1 content", "verdict: plausible (2024-05-01)"} {
		if !strings.Contains(sum, w) {
			t.Errorf("summary lacks %q:\n%s", w, sum)
		}
	}
	if n := len(r.Summary); n < 5 || n > 9 {
		t.Errorf("summary has %d lines", n)
	}

	// Readers who are not staff do not learn who recorded the verdict.
	r2, err := verify.Build(t.Context(), src, archive.Anonymous(), ds, now)
	if err != nil || r2.Verdict.By != "" || r2.Verdict.Note != "headers consistent" {
		t.Errorf("anonymous verdict %+v %v", r2.Verdict, err)
	}

	// The JSON form: stable names, and every list is a list (never null).
	js, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	json.Unmarshal(js, &m)
	for _, k := range []string{"version", "dataset", "generated", "summary", "verdict", "counts", "dkim", "timeline", "outliers", "ext_lies", "software", "duplicates", "failures"} {
		if _, ok := m[k]; !ok {
			t.Errorf("JSON lacks %q", k)
		}
	}
	var text bytes.Buffer
	if err := r.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(text.String(), "Plausibility report: The leak (leak)") || !strings.Contains(text.String(), "example.com") ||
		strings.Index(text.String(), "10 items") > strings.Index(text.String(), "Timeline") {
		t.Errorf("text:\n%s", text.String())
	}
}

func TestEmptyDataset(t *testing.T) {
	r, err := verify.Build(t.Context(), &memSource{}, archive.Admin(), &archive.Dataset{ID: 1, Slug: "empty"}, now)
	if err != nil {
		t.Fatal(err)
	}
	if r.DKIM.Checked || r.Timeline.Dates != 0 || len(r.Timeline.Buckets) != 0 || r.Verdict.Verdict != "unverified" || r.Verdict.Time != nil {
		t.Errorf("%+v", r)
	}
	js, _ := json.Marshal(r)
	if bytes.Contains(js, []byte("null")) {
		t.Errorf("null in JSON: %s", js)
	}
	checkSVG(t, verify.Chart(r.Timeline), 0)
}

func TestYearBuckets(t *testing.T) {
	var items []*archive.Item
	for i, y := range []int{1995, 1999, 1999, 2010} {
		items = append(items, &archive.Item{ID: int64(i + 1), Path: "f", Blob: blob(byte(i + 1)), FileTime: day(y, 7, 1)})
	}
	r, err := verify.Build(t.Context(), &memSource{items: items}, archive.Admin(), &archive.Dataset{ID: 1, Slug: "x"}, now)
	if err != nil {
		t.Fatal(err)
	}
	tl := r.Timeline
	if tl.Unit != "year" || len(tl.Buckets) != 16 || tl.Buckets[4].Start != "1999" || tl.Buckets[4].File != 2 || tl.Buckets[1].Total() != 0 {
		t.Fatalf("timeline %+v", tl)
	}
	svg := verify.Chart(tl)
	checkSVG(t, svg, 16)
	if !strings.Contains(svg, "<title>1999: 2 dates (2 file time)</title>") {
		t.Errorf("bar title missing:\n%s", svg)
	}
}

// checkSVG parses the chart as XML and counts its bars.
func checkSVG(t *testing.T, svg string, bars int) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	d.Strict = true
	var n, titles int
	var root string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("chart is not XML: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Space + " " + se.Name.Local
			}
			for _, a := range se.Attr {
				if a.Name.Local == "class" && a.Value == "bar" {
					n++
				}
				if a.Name.Local == "style" {
					t.Error("style attribute in the chart")
				}
			}
			if se.Name.Local == "title" {
				titles++
			}
		}
	}
	if root != "http://www.w3.org/2000/svg svg" {
		t.Errorf("root %q", root)
	}
	if n != bars {
		t.Errorf("%d bars, want %d", n, bars)
	}
	if titles != bars+1 {
		t.Errorf("%d titles, want %d", titles, bars+1)
	}
}

func TestChartFlagsAndEscaping(t *testing.T) {
	tl := verify.Timeline{Unit: "month", First: "2002-01", Last: "2002-03", Dates: 7, Before: 2, Future: 1, Buckets: []verify.Bucket{
		{Start: "2002-01", Email: 3}, {Start: "2002-02"}, {Start: "<2002&03>", Created: 2, Modified: 2, Flagged: 1}}}
	svg := verify.Chart(tl)
	checkSVG(t, svg, 3)
	if strings.Count(svg, `class="flag"`) != 2 { // legend + one bucket
		t.Errorf("flag marks: %d", strings.Count(svg, `class="flag"`))
	}
	for _, w := range []string{"2 dates before 1971", "1 date in the future", "&lt;2002&amp;03&gt;"} {
		if !strings.Contains(svg, w) {
			t.Errorf("chart lacks %q", w)
		}
	}
}

func TestSoftwareYears(t *testing.T) {
	tests := []struct {
		creator string
		created time.Time
		flagged bool
	}{
		{"Microsoft® Word 2010", day(2009, 12, 31), true},
		{"Microsoft® Word 2010", day(2010, 1, 1), false},
		{"Microsoft Office Word 2007", day(2006, 6, 1), false}, // released to manufacturing in 2006
		{"Microsoft® Word for Microsoft 365", day(2010, 1, 1), true},
		{"Microsoft Word - 2019 budget.doc", day(1999, 1, 1), false}, // a file name, not a version
		{"LibreOffice 7.3", day(2010, 5, 1), true},
		{"OpenOffice.org 3.2", day(2001, 5, 1), true},
		{"Acrobat Distiller 9.0.0 (Windows)", day(2007, 1, 1), true},
		{"Acrobat Distiller 5.0.5 (Windows)", day(2002, 1, 1), false},
		{"pdfTeX-1.40.25", day(1995, 1, 1), true},
		{"Mac OS X 10.4.11 Quartz PDFContext", day(2000, 1, 1), true},
		{"Skia/PDF m120", day(2007, 1, 1), true},
		{"Microsoft: Print To PDF", day(2014, 1, 1), true},
		{"iText® 7.1.0 ©2000-2017 iText Group NV", day(2015, 1, 1), true},
		{"iText 2.1.7 by 1T3XT", day(2001, 1, 1), false},
		{"Canon iR-ADV C5535", day(1999, 1, 1), false}, // unknown: never flagged
	}
	for _, tt := range tests {
		it := &archive.Item{ID: 1, Path: "x.bin", Blob: blob(1), MIME: "application/octet-stream", Meta: archive.Meta{Producer: tt.creator, Created: tt.created}}
		r, err := verify.Build(t.Context(), &memSource{items: []*archive.Item{it}}, archive.Admin(), &archive.Dataset{ID: 1, Slug: "x"}, now)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Outliers.Total == 1; got != tt.flagged {
			t.Errorf("%q created %s: flagged %v, want %v (%+v)", tt.creator, tt.created.Format("2006-01-02"), got, tt.flagged, r.Outliers)
		}
	}
}

func TestDKIMDomainsBounded(t *testing.T) {
	src := &dkimSource{}
	for i := range 120 {
		src.counts = append(src.counts, archive.DKIMDomainCount{Domain: strings.Repeat("a", i%7+1) + string(rune('a'+i%26)) + ".example", Verdict: archive.DKIMNone, Messages: int64(i + 5)})
	}
	src.counts = append(src.counts, archive.DKIMDomainCount{Domain: "signed.example", Verdict: archive.DKIMPass, Messages: 1})
	r, err := verify.Build(t.Context(), src, archive.Admin(), &archive.Dataset{ID: 1, Slug: "x"}, now)
	if err != nil {
		t.Fatal(err)
	}
	d := r.DKIM
	if len(d.Domains) != 100 || d.Domains[0].Domain != "signed.example" || d.OtherDomains+100 != int64(countDomains(src.counts)) {
		t.Errorf("%d domains, first %q, %d others", len(d.Domains), d.Domains[0].Domain, d.OtherDomains)
	}
}

func countDomains(c []archive.DKIMDomainCount) int {
	m := map[string]bool{}
	for _, x := range c {
		m[x.Domain] = true
	}
	return len(m)
}

// genSource counts its item passes and reports a generation.
type genSource struct {
	memSource
	gen    int64
	passes int
}

func (g *genSource) Generation(context.Context) (int64, error) { return g.gen, nil }

func (g *genSource) ReportItems(ctx context.Context, p archive.Principal, id int64, fn func(*archive.Item) error) error {
	g.passes++
	return g.memSource.ReportItems(ctx, p, id, fn)
}

// TestItemPassCached: a source with a generation is read once per
// generation (and hour); a write starts a new pass, and callers changing
// their copy do not change what the next caller gets.
func TestItemPassCached(t *testing.T) {
	src := &genSource{memSource: memSource{items: leak()}, gen: 1}
	ds := &archive.Dataset{ID: 4242, Slug: "cached"}
	first, err := verify.Build(context.Background(), src, archive.Principal{}, ds, now)
	if err != nil {
		t.Fatal(err)
	}
	first.Summary = nil
	first.Dataset = "changed by a caller"
	second, err := verify.Build(context.Background(), src, archive.Admin(), ds, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if src.passes != 1 {
		t.Errorf("%d passes over the items for one generation, want 1", src.passes)
	}
	if second.Dataset != "cached" || len(second.Summary) == 0 {
		t.Errorf("second report changed by the first caller: %q, %d summary lines", second.Dataset, len(second.Summary))
	}
	src.gen = 2
	src.items = src.items[:1]
	third, err := verify.Build(context.Background(), src, archive.Principal{}, ds, now.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if src.passes != 2 || third.Counts.Items == second.Counts.Items {
		t.Errorf("after a write: %d passes, items %d then %d", src.passes, second.Counts.Items, third.Counts.Items)
	}
}
