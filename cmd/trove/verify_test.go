package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/corpus"
)

// TestVerifyMailbox ingests a real mailbox (SpamAssassin's public corpus,
// 150 messages of 2002) and the DKIM-signed messages of the shared corpus,
// then runs trove verify with the corpus's key archive and checks the
// report end to end: DKIM by domain, the timeline, the summary, verdicts.
func TestVerifyMailbox(t *testing.T) {
	dir := corpus.Dir(t)
	mbox := corpus.File(t, "spamassassin/mbox/spamassassin-sample-150.mboxrd.mbox")
	data := t.TempDir()
	mustRun(t, data, "dataset", "create", "mail", "--title", "Mail sample")
	mustRun(t, data, "ingest", "mail", mbox, filepath.Join(dir, "dkim"), "--quiet", "--no-ocr")

	out := mustRun(t, data, "verify", "mail", "--json", "--keys", filepath.Join(dir, "dkim", "dns-txt-records.zone"))
	var r struct {
		Dataset string
		Summary []string
		Counts  struct{ Items, Emails int64 }
		DKIM    struct {
			Checked  bool
			Messages int64
			Domains  []struct {
				Domain   string
				Verdicts []struct {
					Verdict  string
					Messages int64
				}
			}
		}
		Timeline struct {
			Unit    string
			Dates   int64
			Buckets []struct {
				Start string
				Email int64
			}
		}
		Verdict struct{ Verdict string }
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if r.Dataset != "mail" || r.Counts.Emails < 150 || !r.DKIM.Checked || r.DKIM.Messages < r.Counts.Emails-20 {
		t.Fatalf("report: %s %+v, dkim checked %v over %d messages", r.Dataset, r.Counts, r.DKIM.Checked, r.DKIM.Messages)
	}
	got := map[string]map[string]int64{}
	for _, d := range r.DKIM.Domains {
		got[d.Domain] = map[string]int64{}
		for _, v := range d.Verdicts {
			got[d.Domain][v.Verdict] = v.Messages
		}
	}
	// The corpus's expectations (dkim/EXPECTED.tsv).
	for _, w := range []struct {
		domain, verdict string
		min             int64
	}{
		{"gmail.com", "pass", 1}, {"gmail.com", "fail", 1}, {"football.example.com", "pass", 1}, {"football.example.com", "fail", 1},
		{"example.com", "pass", 1}, {"test.ex", "pass", 1},
	} {
		if got[w.domain][w.verdict] < w.min {
			t.Errorf("DKIM %s %s = %d, want at least %d (all: %v)", w.domain, w.verdict, got[w.domain][w.verdict], w.min, got)
		}
	}
	if got["kitterman.com"]["pass"] != 0 {
		t.Errorf("kitterman.com passes without a key: %v", got["kitterman.com"])
	}
	// The SpamAssassin messages are of 2002.
	var in2002 int64
	for _, b := range r.Timeline.Buckets {
		if strings.HasPrefix(b.Start, "2002") {
			in2002 += b.Email
		}
	}
	if in2002 < 100 || r.Timeline.Dates < r.Counts.Emails {
		t.Errorf("timeline: %d email dates in 2002, %d dates in all (%s)", in2002, r.Timeline.Dates, r.Timeline.Unit)
	}
	sum := strings.Join(r.Summary, "\n")
	if !strings.Contains(sum, "DKIM: ") || !strings.Contains(sum, "Dates span") || r.Verdict.Verdict != "unverified" {
		t.Errorf("summary:\n%s", sum)
	}

	// The text form begins with the summary.
	text := mustRun(t, data, "verify", "mail", "--no-dkim")
	if !strings.HasPrefix(text, "Plausibility report: Mail sample (mail)") || strings.Index(text, "DKIM: ") > strings.Index(text, "Timeline (by") ||
		!strings.Contains(text, "gmail.com") {
		t.Errorf("text report:\n%s", text)
	}

	// Verdicts: recorded, shown, audited; a bad one is a usage error.
	if _, err := run(t, data, "verify", "mail", "--verdict", "genuine"); archive.ErrorCode(err) != archive.EInvalid {
		t.Errorf("bad verdict: %v", err)
	}
	mustRun(t, data, "verify", "mail", "--verdict", "plausible", "--note", "DKIM holds for gmail.com", "--by", "eddie")
	out = mustRun(t, data, "verify", "mail", "--no-dkim", "--json")
	var r2 struct {
		Verdict struct{ Verdict, Note, By string }
	}
	json.Unmarshal([]byte(out), &r2)
	if r2.Verdict.Verdict != "plausible" || r2.Verdict.Note != "DKIM holds for gmail.com" || r2.Verdict.By != "eddie" {
		t.Errorf("verdict after recording: %+v", r2.Verdict)
	}
	if audit := mustRun(t, data, "audit", "list"); !strings.Contains(audit, "verdict") || !strings.Contains(audit, "mail: plausible") {
		t.Errorf("audit log lacks the verdict:\n%s", audit)
	}
}
