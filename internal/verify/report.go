package verify

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// Source is what the report reads. internal/sqlite's DB implements it;
// every method filters by p inside its query, like the catalog.
type Source interface {
	// ReportItems calls fn for every item of a dataset p may read.
	ReportItems(ctx context.Context, p archive.Principal, datasetID int64, fn func(*archive.Item) error) error
	// Verdict is the dataset's latest verdict (unverified when none).
	Verdict(ctx context.Context, p archive.Principal, datasetID int64) (*archive.Verdict, error)
}

// DKIMSource is implemented by sources that hold DKIM results; without it
// the report's DKIM section says the messages were not checked.
type DKIMSource interface {
	DKIMSummary(ctx context.Context, p archive.Principal, datasetID int64) ([]archive.DKIMDomainCount, error)
}

// ReportVersion is the version of the report's JSON form; it changes only
// when a field changes meaning or goes away (fields may be added).
const ReportVersion = 1

// Limits on the examples a report lists, so that its size does not grow
// with the dataset.
const (
	maxExamples = 10  // per outlier reason, lying type, failure reason
	maxSoftware = 50  // software entries (the rest are counted in Others)
	maxDupes    = 20  // duplicated contents listed
	maxPaths    = 5   // paths listed per duplicated content
	maxLieTypes = 50  // extension → kind pairs
	maxDomains  = 100 // DKIM domains
	futureSlack = 24 * time.Hour
)

// Report is the plausibility report of one dataset. Its JSON form is
// documented in docs/verify.md; field names are stable.
type Report struct {
	Version    int             `json:"version"`
	Dataset    string          `json:"dataset"` // slug
	Title      string          `json:"title"`
	Generated  time.Time       `json:"generated"`
	Summary    []string        `json:"summary"`
	Verdict    VerdictOut      `json:"verdict"`
	Counts     Counts          `json:"counts"`
	DKIM       DKIMSection     `json:"dkim"`
	Timeline   Timeline        `json:"timeline"`
	Outliers   OutlierSection  `json:"outliers"`
	ExtLies    ExtLieSection   `json:"ext_lies"`
	Software   SoftwareSection `json:"software"`
	Duplicates DupSection      `json:"duplicates"`
	Failures   FailureSection  `json:"failures"`
}

// VerdictOut is the dataset's current verdict. By is shown to editors and
// admins only; Time is absent while the dataset is unverified by default.
type VerdictOut struct {
	Verdict string     `json:"verdict"`
	Note    string     `json:"note,omitempty"`
	By      string     `json:"by,omitempty"`
	Time    *time.Time `json:"time,omitempty"`
}

// Counts says what the dataset holds.
type Counts struct {
	Items    int64   `json:"items"`     // every item, members of containers included
	TopLevel int64   `json:"top_level"` // files as they came
	Emails   int64   `json:"emails"`
	Bytes    int64   `json:"bytes"` // sum of the sizes of top-level items
	Kinds    []Count `json:"kinds"` // items by kind, most first
}

// Count is a value with a number of items.
type Count struct {
	Value string `json:"value"`
	Count int64  `json:"count"`
}

// Example is one item illustrating a finding.
type Example struct {
	Item   int64      `json:"item"`
	Path   string     `json:"path"`
	Field  string     `json:"field,omitempty"` // which date: email_date, created, modified, file_time
	Date   *time.Time `json:"date,omitempty"`
	Detail string     `json:"detail,omitempty"`
}

// DKIMSection is the DKIM results by verdict and by signing domain.
// Counts are as the DKIM pass stored them (one per signing domain of each
// message, or one "none" row for an unsigned message).
type DKIMSection struct {
	Checked  bool           `json:"checked"` // the DKIM pass has run over this dataset
	Messages int64          `json:"messages"`
	Verdicts []VerdictShare `json:"verdicts"`
	Domains  []DomainDKIM   `json:"domains"`
	// OtherDomains counts the domains beyond the first maxDomains listed
	// (signed ones first).
	OtherDomains int64 `json:"other_domains"`
}

// VerdictShare is the number of messages with a verdict and their share
// (0 to 1) of the whole.
type VerdictShare struct {
	Verdict  string  `json:"verdict"`
	Messages int64   `json:"messages"`
	Share    float64 `json:"share"`
}

// DomainDKIM is one signing domain ("" for unsigned messages).
type DomainDKIM struct {
	Domain   string         `json:"domain"`
	Messages int64          `json:"messages"`
	Verdicts []VerdictShare `json:"verdicts"`
}

// Timeline is every date of the dataset in buckets of a month or a year
// (a year when the plausible dates span more than three years).
// Dates before 1971 and in the future are counted apart, not bucketed.
type Timeline struct {
	Unit    string   `json:"unit"`            // "month" or "year"
	First   string   `json:"first,omitempty"` // first bucket, e.g. "2001-09" or "2001"
	Last    string   `json:"last,omitempty"`
	Dates   int64    `json:"dates"` // bucketed dates
	Before  int64    `json:"before_1971"`
	Future  int64    `json:"future"`
	Buckets []Bucket `json:"buckets"`
}

// Bucket is one month or year: dates by field, and how many of them are
// flagged as outliers.
type Bucket struct {
	Start    string `json:"start"` // "2001-09" or "2001"
	Email    int64  `json:"email"`
	Created  int64  `json:"created"`
	Modified int64  `json:"modified"`
	File     int64  `json:"file"`
	Flagged  int64  `json:"flagged"`
}

// Total is the bucket's number of dates.
func (b Bucket) Total() int64 { return b.Email + b.Created + b.Modified + b.File }

// Outlier reasons.
const (
	ReasonFuture         = "future"                  // after the report's time (+ a day)
	ReasonBefore1971     = "before_1971"             // before 1971: a zero or forged clock
	ReasonBeforeSoftware = "before_software"         // before the producing software's first release
	ReasonBeforeFormat   = "before_format"           // before the file format (PDF, OOXML, ODF, email) existed
	ReasonModBeforeCreat = "modified_before_created" // modified more than a minute before it was created
)

// OutlierSection is the implausible dates, by reason.
type OutlierSection struct {
	Total   int64       `json:"total"` // items with at least one
	Reasons []ReasonSet `json:"reasons"`
}

// ReasonSet is the findings of one reason with a few examples.
type ReasonSet struct {
	Reason   string    `json:"reason"`
	Count    int64     `json:"count"`
	Examples []Example `json:"examples"`
}

// ExtLieSection is the files whose extension names another type than their
// content, by declared extension and sniffed kind.
type ExtLieSection struct {
	Total int64     `json:"total"`
	Types []LieType `json:"types"`
}

// LieType is one declared extension holding one kind of content.
type LieType struct {
	Ext      string    `json:"ext"`
	Kind     string    `json:"kind"`
	MIME     string    `json:"mime"`
	Count    int64     `json:"count"`
	Examples []Example `json:"examples"`
}

// SoftwareSection is the producing software (creator and producer
// metadata) by the number of contents naming it.
type SoftwareSection struct {
	Items   int64           `json:"items"` // contents naming any software
	Entries []SoftwareEntry `json:"entries"`
	Others  int64           `json:"others"` // contents naming software beyond the entries listed
}

// SoftwareEntry is one application. FirstRelease is the year of its first
// release when trove knows it (docs/verify.md lists the table).
type SoftwareEntry struct {
	Name         string `json:"name"`
	Items        int64  `json:"items"`
	FirstRelease int    `json:"first_release,omitempty"`
}

// DupSection is the contents stored more than once.
type DupSection struct {
	Contents int64     `json:"contents"` // distinct contents occurring more than once
	Copies   int64     `json:"copies"`   // occurrences beyond the first
	Bytes    int64     `json:"bytes"`    // bytes of those extra occurrences
	Examples []DupItem `json:"examples"`
}

// DupItem is one duplicated content.
type DupItem struct {
	SHA256 string   `json:"sha256"`
	Size   int64    `json:"size"`
	Count  int64    `json:"count"` // occurrences
	Items  []int64  `json:"items"`
	Paths  []string `json:"paths"`
}

// FailureSection is the items whose extraction failed, by reason.
type FailureSection struct {
	Total   int64       `json:"total"`
	Reasons []ReasonSet `json:"reasons"`
}

// Build reads a dataset through src as p and writes its report, judging
// dates against now. ds must have been read as p (so that p may read it).
func Build(ctx context.Context, src Source, p archive.Principal, ds *archive.Dataset, now time.Time) (*Report, error) {
	r, err := itemPass(ctx, src, p, ds, now)
	if err != nil {
		return nil, err
	}
	r.Dataset, r.Title, r.Generated = ds.Slug, ds.Title, now.UTC().Truncate(time.Second)
	v, err := src.Verdict(ctx, p, ds.ID)
	if err != nil {
		return nil, fmt.Errorf("report %s: %w", ds.Slug, err)
	}
	r.Verdict = verdictOut(v, p)
	if ds2, ok := src.(DKIMSource); ok {
		counts, err := ds2.DKIMSummary(ctx, p, ds.ID)
		if err != nil {
			return nil, fmt.Errorf("report %s: dkim: %w", ds.Slug, err)
		}
		r.DKIM = dkimSection(counts)
	} else {
		r.DKIM = dkimSection(nil)
	}
	r.Summary = summarize(r)
	return r, nil
}

// Generationer is implemented by sources that count their writes: the
// pass over a dataset's items is then kept until the next write (and for
// an hour at most, since outliers are judged against the clock).
type Generationer interface {
	Generation(ctx context.Context) (int64, error)
}

type passKey struct {
	dataset, gen int64
	hour         int64
}

// passes caches item passes: a report page costs a pass over every item
// of the dataset (about 0.3 s per 20,000 items), which a reader could
// otherwise make the server repeat at will.
var passes struct {
	sync.Mutex
	m map[passKey]*Report
}

// itemPass returns the report's sections built from the items (a fresh
// copy: callers set the other fields). ds was read as p, so p reads all
// its items, as every other reader of it does: the pass does not depend
// on the reader.
func itemPass(ctx context.Context, src Source, p archive.Principal, ds *archive.Dataset, now time.Time) (*Report, error) {
	g, ok := src.(Generationer)
	var key passKey
	if ok {
		gen, err := g.Generation(ctx)
		if err != nil {
			return nil, fmt.Errorf("report %s: %w", ds.Slug, err)
		}
		key = passKey{ds.ID, gen, now.Unix() / 3600}
		passes.Lock()
		r := passes.m[key]
		passes.Unlock()
		if r != nil {
			cp := *r
			return &cp, nil
		}
	}
	b := newBuilder(now)
	if err := src.ReportItems(ctx, p, ds.ID, b.add); err != nil {
		return nil, fmt.Errorf("report %s: %w", ds.Slug, err)
	}
	r := b.finish()
	if ok {
		passes.Lock()
		if passes.m == nil || len(passes.m) >= 64 {
			passes.m = map[passKey]*Report{}
		}
		cp := *r
		passes.m[key] = &cp
		passes.Unlock()
	}
	return r, nil
}

func verdictOut(v *archive.Verdict, p archive.Principal) VerdictOut {
	out := VerdictOut{Verdict: string(v.State), Note: v.Note}
	if !v.Time.IsZero() {
		t := v.Time.UTC()
		out.Time = &t
	}
	if p.SeesAll() {
		out.By = v.By // staff names are for staff
	}
	return out
}

// dkimSection groups the stored counts by verdict and by domain.
func dkimSection(counts []archive.DKIMDomainCount) DKIMSection {
	s := DKIMSection{Checked: len(counts) > 0, Verdicts: []VerdictShare{}, Domains: []DomainDKIM{}}
	total := map[string]int64{}
	byDomain := map[string]map[string]int64{}
	for _, c := range counts {
		if c.Messages <= 0 {
			continue
		}
		v := string(c.Verdict)
		s.Messages += c.Messages
		total[v] += c.Messages
		d := strings.ToLower(c.Domain)
		if byDomain[d] == nil {
			byDomain[d] = map[string]int64{}
		}
		byDomain[d][v] += c.Messages
	}
	s.Verdicts = shares(total)
	for d, m := range byDomain {
		dd := DomainDKIM{Domain: d, Verdicts: shares(m)}
		for _, n := range m {
			dd.Messages += n
		}
		s.Domains = append(s.Domains, dd)
	}
	// Signed domains first (an editor looks for them), then by messages.
	signed := func(d DomainDKIM) int64 { return d.Messages - byDomain[d.Domain][string(archive.DKIMNone)] }
	slices.SortFunc(s.Domains, func(a, b DomainDKIM) int {
		return cmp.Or(cmp.Compare(signed(b), signed(a)), cmp.Compare(b.Messages, a.Messages), cmp.Compare(a.Domain, b.Domain))
	})
	if len(s.Domains) > maxDomains {
		s.OtherDomains = int64(len(s.Domains) - maxDomains)
		s.Domains = s.Domains[:maxDomains]
	}
	return s
}

// shares lists verdicts in the order of archive.DKIMVerdicts (unknown ones
// after, by name) with their share of the total.
func shares(m map[string]int64) []VerdictShare {
	var total int64
	for _, n := range m {
		total += n
	}
	out := []VerdictShare{}
	order := func(v string) int {
		if i := slices.Index(archive.DKIMVerdicts, archive.DKIMVerdict(v)); i >= 0 {
			return i
		}
		return len(archive.DKIMVerdicts)
	}
	for v, n := range m {
		out = append(out, VerdictShare{Verdict: v, Messages: n, Share: ratio(n, total)})
	}
	slices.SortFunc(out, func(a, b VerdictShare) int {
		return cmp.Or(cmp.Compare(order(a.Verdict), order(b.Verdict)), cmp.Compare(a.Verdict, b.Verdict))
	})
	return out
}

// ratio is n/total rounded to four decimals (0 when total is 0).
func ratio(n, total int64) float64 {
	if total == 0 {
		return 0
	}
	return float64(n*10000/total) / 10000
}

// Share returns the share (0 to 1) of messages with verdict v.
func (s DKIMSection) Share(v archive.DKIMVerdict) float64 {
	for _, x := range s.Verdicts {
		if x.Verdict == string(v) {
			return x.Share
		}
	}
	return 0
}

// Count returns the messages with verdict v.
func (s DKIMSection) Count(v archive.DKIMVerdict) int64 {
	for _, x := range s.Verdicts {
		if x.Verdict == string(v) {
			return x.Messages
		}
	}
	return 0
}
