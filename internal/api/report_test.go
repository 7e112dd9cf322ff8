package api_test

import (
	"bytes"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
)

// TestReportAndVerdict: the report and the verdict follow the access rules
// (hidden is exactly absent), and only staff learn who recorded a verdict.
func TestReportAndVerdict(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := newEnv(t, f, nil)
	for _, lvl := range []archive.ReleaseLevel{archive.LevelPublic, archive.LevelLimited, archive.LevelPrivate} {
		v := &archive.Verdict{DatasetID: f.datasets[lvl].ID, State: archive.VerdictDisputed, Note: "the dates do not hold"}
		if err := f.db.SetVerdict(t.Context(), archive.Principal{UserID: 9, Name: "eddie", Role: archive.RoleEditor}, v); err != nil {
			t.Fatal(err)
		}
	}
	for _, rd := range readers(f) {
		absent := e.get(rd.name, "/datasets/nothing/report")
		for lvl, ds := range f.datasets {
			path := "/datasets/" + ds.Slug
			if !rd.sees[lvl] {
				// The same answer as for a missing slug (the message names the slug asked for).
				r := e.get(rd.name, path+"/report")
				if r.status != absent.status || !bytes.Equal(bytes.ReplaceAll(r.body, []byte(ds.Slug), []byte("nothing")), absent.body) {
					t.Errorf("%s: hidden %s report differs from absent: %s", rd.name, lvl, r)
				}
				continue
			}
			var rep struct {
				Dataset string
				Counts  struct{ Items int64 }
				Verdict struct{ Verdict, Note, By string }
				Summary []string
			}
			e.getJSON(rd.name, path+"/report", 200, &rep)
			if rep.Dataset != ds.Slug || rep.Counts.Items == 0 || len(rep.Summary) < 5 || rep.Verdict.Verdict != "disputed" || rep.Verdict.Note != "the dates do not hold" {
				t.Errorf("%s %s report: %+v", rd.name, lvl, rep)
			}
			var out struct {
				Verdict struct{ Verdict, By, Time string }
			}
			e.getJSON(rd.name, path, 200, &out)
			if out.Verdict.Verdict != "disputed" || out.Verdict.Time == "" {
				t.Errorf("%s %s dataset verdict: %+v", rd.name, lvl, out.Verdict)
			}
			staff := rd.p.SeesAll()
			if (rep.Verdict.By == "eddie") != staff || (out.Verdict.By == "eddie") != staff {
				t.Errorf("%s %s: author shown to non-staff or hidden from staff: %q %q", rd.name, lvl, rep.Verdict.By, out.Verdict.By)
			}
		}
	}
}
