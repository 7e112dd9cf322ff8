package verify

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
)

// Date fields, as the report names them.
const (
	FieldEmail    = "email_date"
	FieldCreated  = "created"
	FieldModified = "modified"
	FieldFile     = "file_time"
)

// maxSoftwareNames bounds the distinct software names counted; more go to
// Others (a dataset of scans may name thousands of devices).
const maxSoftwareNames = 10000

// builder accumulates the report in one pass over the items, in item
// order. Dates, software and outliers count each content once (its first
// occurrence); file times, lying extensions and failures count each item.
type builder struct {
	now, future time.Time

	counts   Counts
	kinds    map[string]int64
	months   map[int]*Bucket // year*12 + month-1
	before   int64
	inFuture int64

	outliers     map[string]*ReasonSet
	outlierItems int64

	lies map[[2]string]*LieType

	software  map[string]*SoftwareEntry
	known     map[string]software // identify's answers by raw string (strings repeat)
	swItems   int64
	swDropped int64

	blobs map[archive.BlobID]*blobSeen

	failures map[string]*ReasonSet
}

type blobSeen struct {
	count int64
	size  int64
	items []int64
	paths []string
}

func newBuilder(now time.Time) *builder {
	return &builder{now: now, future: now.Add(futureSlack), kinds: map[string]int64{}, months: map[int]*Bucket{},
		outliers: map[string]*ReasonSet{}, known: map[string]software{}, lies: map[[2]string]*LieType{}, software: map[string]*SoftwareEntry{},
		blobs: map[archive.BlobID]*blobSeen{}, failures: map[string]*ReasonSet{}}
}

func example(it *archive.Item) Example { return Example{Item: it.ID, Path: it.Path} }

func (b *builder) add(it *archive.Item) error {
	b.counts.Items++
	if it.ParentID == 0 {
		b.counts.TopLevel++
		b.counts.Bytes += it.Size
	}
	if it.Kind == archive.KindEmail {
		b.counts.Emails++
	}
	b.kinds[string(it.Kind)]++

	first := b.seeBlob(it)

	// File times belong to the occurrence.
	flagged := false
	if !it.FileTime.IsZero() {
		reason := b.plausible(it.FileTime)
		b.date(it.FileTime, FieldFile, reason == "")
		if reason != "" {
			b.outlier(reason, it, FieldFile, it.FileTime, "")
			flagged = true
		}
	}
	if it.ExtLies {
		b.lie(it)
	}
	if it.Status == archive.StatusFailed {
		reason, msg := "unknown", ""
		if it.Failure != nil {
			reason, msg = cmp.Or(it.Failure.Reason, "unknown"), it.Failure.Message
		}
		rs := reasonSet(b.failures, reason)
		rs.Count++
		if len(rs.Examples) < maxExamples {
			ex := example(it)
			ex.Detail = truncate(msg, 200)
			rs.Examples = append(rs.Examples, ex)
		}
	}
	if first && b.content(it) {
		flagged = true
	}
	if flagged {
		b.outlierItems++
	}
	return nil
}

// seeBlob counts an occurrence of the item's content and reports whether it
// is the first.
func (b *builder) seeBlob(it *archive.Item) bool {
	s := b.blobs[it.Blob]
	if s == nil {
		b.blobs[it.Blob] = &blobSeen{count: 1, size: it.Size, items: []int64{it.ID}, paths: []string{it.Path}}
		return true
	}
	s.count++
	if len(s.items) < maxPaths {
		s.items = append(s.items, it.ID)
		s.paths = append(s.paths, it.Path)
	}
	return false
}

// content judges the dates and software of a content's first occurrence
// and reports whether a date was flagged.
func (b *builder) content(it *archive.Item) bool {
	m := &it.Meta
	flagged := false
	flag := func(reason, field string, t time.Time, detail string) {
		b.outlier(reason, it, field, t, detail)
		flagged = true
	}

	var sw []software
	for _, s := range []string{m.Creator, m.Producer} {
		if strings.TrimSpace(s) == "" {
			continue
		}
		x, ok := b.known[s]
		if !ok {
			x = identify(s)
			if len(b.known) < maxSoftwareNames {
				b.known[s] = x
			}
		}
		if x.Name == "" {
			continue
		}
		if !slices.ContainsFunc(sw, func(y software) bool { return y.Name == x.Name }) {
			sw = append(sw, x)
		}
	}
	if len(sw) > 0 {
		b.swItems++
		for _, x := range sw {
			e := b.software[x.Name]
			if e == nil {
				if len(b.software) >= maxSoftwareNames {
					b.swDropped++
					continue
				}
				e = &SoftwareEntry{Name: x.Name, FirstRelease: x.Year}
				b.software[x.Name] = e
			}
			e.Items++
		}
	}
	fmtYear, fmtName := formatYear(it.MIME)

	type dated struct {
		field string
		t     time.Time
	}
	var dates []dated
	if m.Email != nil && !m.Email.Date.IsZero() {
		dates = append(dates, dated{FieldEmail, m.Email.Date})
	}
	if !m.Created.IsZero() {
		dates = append(dates, dated{FieldCreated, m.Created})
	}
	if !m.Modified.IsZero() {
		dates = append(dates, dated{FieldModified, m.Modified})
	}
	for _, d := range dates {
		reason := b.plausible(d.t)
		ok := reason == ""
		if !ok {
			flag(reason, d.field, d.t, "")
		}
		if ok && d.field == FieldEmail && d.t.Year() < yearEmail {
			flag(ReasonBeforeFormat, d.field, d.t, fmt.Sprintf("email headers with a Date were first standardised in %d (RFC 733)", yearEmail))
			ok = false
		}
		// The format and the software are those of the last save: a creation
		// date survives conversion (an .xls of 1996 saved as .xlsx keeps it),
		// so outside PDF it is judged only when there is no modification date.
		judged := d.field == FieldModified || it.MIME == "application/pdf" || m.Modified.IsZero()
		if ok && judged && d.field != FieldEmail {
			if fmtYear > 0 && d.t.Year() < fmtYear {
				flag(ReasonBeforeFormat, d.field, d.t, fmt.Sprintf("%s was first published in %d", fmtName, fmtYear))
				ok = false
			}
			for _, x := range sw {
				if ok && x.Year > 0 && d.t.Year() < x.Year {
					flag(ReasonBeforeSoftware, d.field, d.t, fmt.Sprintf("%s was first released in %d", x.Name, x.Year))
					ok = false
				}
			}
		}
		b.date(d.t, d.field, ok)
	}
	if !m.Created.IsZero() && !m.Modified.IsZero() && m.Modified.Before(m.Created.Add(-time.Minute)) {
		flag(ReasonModBeforeCreat, FieldModified, m.Modified, "created "+m.Created.UTC().Format(time.RFC3339))
	}
	return flagged
}

// plausible returns the reason a date is impossible on its face (before
// 1971, or in the future), or "".
func (b *builder) plausible(t time.Time) string {
	switch {
	case t.Before(floor):
		return ReasonBefore1971
	case t.After(b.future):
		return ReasonFuture
	}
	return ""
}

// date puts a date in its month, or counts it apart when it is before 1971
// or in the future. ok is false for a flagged date.
func (b *builder) date(t time.Time, field string, ok bool) {
	t = t.UTC()
	switch {
	case t.Before(floor):
		b.before++
		return
	case t.After(b.future):
		b.inFuture++
		return
	}
	k := t.Year()*12 + int(t.Month()) - 1
	bk := b.months[k]
	if bk == nil {
		bk = &Bucket{}
		b.months[k] = bk
	}
	switch field {
	case FieldEmail:
		bk.Email++
	case FieldCreated:
		bk.Created++
	case FieldModified:
		bk.Modified++
	default:
		bk.File++
	}
	if !ok {
		bk.Flagged++
	}
}

func (b *builder) outlier(reason string, it *archive.Item, field string, t time.Time, detail string) {
	rs := reasonSet(b.outliers, reason)
	rs.Count++
	if len(rs.Examples) < maxExamples {
		ex := example(it)
		ex.Field, ex.Detail = field, detail
		if tt := t.UTC(); tt.Year() >= 1 && tt.Year() <= 9999 {
			ex.Date = &tt // JSON (RFC 3339) holds years 0001 to 9999 only
		} else {
			ex.Detail = strings.TrimPrefix(ex.Detail+"; year "+strconv.Itoa(tt.Year()), "; ")
		}
		rs.Examples = append(rs.Examples, ex)
	}
}

func reasonSet(m map[string]*ReasonSet, reason string) *ReasonSet {
	rs := m[reason]
	if rs == nil {
		rs = &ReasonSet{Reason: reason, Examples: []Example{}}
		m[reason] = rs
	}
	return rs
}

func (b *builder) lie(it *archive.Item) {
	k := [2]string{it.Ext, string(it.Kind)}
	lt := b.lies[k]
	if lt == nil {
		if len(b.lies) >= maxLieTypes*20 {
			k = [2]string{"*", "*"} // bound the map; the section lists the largest anyway
			if lt = b.lies[k]; lt == nil {
				lt = &LieType{Ext: "*", Kind: "*", Examples: []Example{}}
				b.lies[k] = lt
			}
		} else {
			lt = &LieType{Ext: it.Ext, Kind: string(it.Kind), MIME: it.MIME, Examples: []Example{}}
			b.lies[k] = lt
		}
	}
	lt.Count++
	if len(lt.Examples) < maxExamples {
		lt.Examples = append(lt.Examples, example(it))
	}
}

func (b *builder) finish() *Report {
	r := &Report{Version: ReportVersion}
	r.Counts = b.counts
	r.Counts.Kinds = []Count{}
	for k, n := range b.kinds {
		r.Counts.Kinds = append(r.Counts.Kinds, Count{Value: k, Count: n})
	}
	sortCounts(r.Counts.Kinds)
	r.Timeline = b.timeline()

	r.Outliers = OutlierSection{Total: b.outlierItems, Reasons: sortedReasons(b.outliers)}

	r.ExtLies.Types = []LieType{}
	for _, lt := range b.lies {
		r.ExtLies.Total += lt.Count
		r.ExtLies.Types = append(r.ExtLies.Types, *lt)
	}
	slices.SortFunc(r.ExtLies.Types, func(a, b LieType) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Ext, b.Ext), cmp.Compare(a.Kind, b.Kind))
	})
	if len(r.ExtLies.Types) > maxLieTypes {
		r.ExtLies.Types = r.ExtLies.Types[:maxLieTypes]
	}

	r.Software = SoftwareSection{Items: b.swItems, Entries: []SoftwareEntry{}, Others: b.swDropped}
	for _, e := range b.software {
		r.Software.Entries = append(r.Software.Entries, *e)
	}
	slices.SortFunc(r.Software.Entries, func(a, b SoftwareEntry) int {
		return cmp.Or(cmp.Compare(b.Items, a.Items), cmp.Compare(a.Name, b.Name))
	})
	if len(r.Software.Entries) > maxSoftware {
		for _, e := range r.Software.Entries[maxSoftware:] {
			r.Software.Others += e.Items
		}
		r.Software.Entries = r.Software.Entries[:maxSoftware]
	}

	r.Duplicates.Examples = []DupItem{}
	for id, s := range b.blobs {
		if s.count < 2 {
			continue
		}
		r.Duplicates.Contents++
		r.Duplicates.Copies += s.count - 1
		r.Duplicates.Bytes += (s.count - 1) * s.size
		r.Duplicates.Examples = append(r.Duplicates.Examples, DupItem{SHA256: id.String(), Size: s.size, Count: s.count, Items: s.items, Paths: s.paths})
	}
	slices.SortFunc(r.Duplicates.Examples, func(a, b DupItem) int {
		return cmp.Or(cmp.Compare(b.Count*b.Size, a.Count*a.Size), cmp.Compare(b.Count, a.Count), cmp.Compare(a.Items[0], b.Items[0]))
	})
	if len(r.Duplicates.Examples) > maxDupes {
		r.Duplicates.Examples = r.Duplicates.Examples[:maxDupes]
	}

	r.Failures = FailureSection{Reasons: sortedReasons(b.failures)}
	for _, rs := range r.Failures.Reasons {
		r.Failures.Total += rs.Count
	}
	return r
}

func sortCounts(c []Count) {
	slices.SortFunc(c, func(a, b Count) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value)) })
}

func sortedReasons(m map[string]*ReasonSet) []ReasonSet {
	out := []ReasonSet{}
	for _, rs := range m {
		out = append(out, *rs)
	}
	slices.SortFunc(out, func(a, b ReasonSet) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Reason, b.Reason))
	})
	return out
}

// timeline lays the months out, every month (or year) from the first to
// the last, empty ones included, so that gaps show.
func (b *builder) timeline() Timeline {
	t := Timeline{Unit: "month", Before: b.before, Future: b.inFuture, Buckets: []Bucket{}}
	if len(b.months) == 0 {
		return t
	}
	lo, hi := int(^uint(0)>>1), -1
	for k, bk := range b.months {
		lo, hi = min(lo, k), max(hi, k)
		t.Dates += bk.Total()
	}
	if hi-lo >= 36 {
		t.Unit = "year"
		for y := lo / 12; y <= hi/12; y++ {
			bk := Bucket{Start: fmt.Sprintf("%04d", y)}
			for m := range 12 {
				if x := b.months[y*12+m]; x != nil {
					bk.Email += x.Email
					bk.Created += x.Created
					bk.Modified += x.Modified
					bk.File += x.File
					bk.Flagged += x.Flagged
				}
			}
			t.Buckets = append(t.Buckets, bk)
		}
	} else {
		for k := lo; k <= hi; k++ {
			bk := Bucket{}
			if x := b.months[k]; x != nil {
				bk = *x
			}
			bk.Start = fmt.Sprintf("%04d-%02d", k/12, k%12+1)
			t.Buckets = append(t.Buckets, bk)
		}
	}
	t.First, t.Last = t.Buckets[0].Start, t.Buckets[len(t.Buckets)-1].Start
	return t
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
