package web_test

import (
	"context"
	"encoding/xml"
	"io"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
)

// TestReportAccess: every reader sees the report of the datasets it may
// read; any other is the same 404 as a missing dataset (no stub).
func TestReportAccess(t *testing.T) {
	e := newEnv(t)
	for _, who := range readers {
		absent := e.get(who, "/datasets/no-such-leak/report")
		if absent.status != 404 {
			t.Fatalf("%s: missing report %d", who, absent.status)
		}
		for _, lvl := range levels {
			r := e.get(who, "/datasets/"+slugOf(lvl)+"/report")
			if !sees[who][lvl] {
				if r.status != absent.status || r.body != absent.body {
					t.Errorf("%s %s: hidden report differs from missing (%d)", who, lvl, r.status)
				}
				continue
			}
			if r.status != 200 {
				t.Fatalf("%s %s: %d\n%s", who, lvl, r.status, r.body)
			}
			items := "3 items in 2 files"
			if lvl == archive.LevelPublic {
				items = "4 items in 3 files" // and big.pdf
			}
			for _, want := range []string{"Plausibility report", items, "<svg", `class="bar"`, "<caption", "Editors&#39; verdict", "unverified",
				"DKIM signatures by sending domain", "Not checked yet"} {
				if !strings.Contains(r.body, want) {
					t.Errorf("%s %s: report lacks %q", who, lvl, want)
				}
			}
			if form := strings.Contains(r.body, `action="/datasets/`+slugOf(lvl)+`/verdict"`); form != (who == editor || who == admin) {
				t.Errorf("%s %s: verdict form shown = %v", who, lvl, form)
			}
			if regexp.MustCompile(`(?i)<script|\sstyle=`).MatchString(r.body) {
				t.Errorf("%s %s: script or inline style", who, lvl)
			}
			// The chart is well-formed XML inside the page.
			svg := r.body[strings.Index(r.body, "<svg"):]
			svg = svg[:strings.Index(svg, "</svg>")+len("</svg>")]
			d := xml.NewDecoder(strings.NewReader(svg))
			for {
				if _, err := d.Token(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatalf("chart: %v", err)
				}
			}
		}
	}
}

func TestVerdictForm(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	path := "/datasets/pub-leak/verdict"
	// A new form each time: post adds the reader's token to it.
	form := func() url.Values {
		return url.Values{"verdict": {"plausible"}, "note": {"Headers match the <mail> server's logs."}}
	}
	if r := e.post(anon, path, form()); r.status != 303 || !strings.HasPrefix(r.header.Get("Location"), "/login") {
		t.Errorf("anonymous: %d %q", r.status, r.header.Get("Location"))
	}
	for _, who := range []string{journalist, granted, expired} {
		if r := e.post(who, path, form()); r.status != 403 {
			t.Errorf("%s: %d", who, r.status)
		}
	}
	bad := url.Values{"verdict": {"plausible"}, "csrf": {"wrong"}}
	if r := e.post(editor, path, bad); r.status != 403 {
		t.Errorf("without token: %d", r.status)
	}
	if r := e.post(editor, path, url.Values{"verdict": {"genuine"}, "note": {"kept"}}); r.status != 400 || !strings.Contains(r.body, "want unverified") ||
		!strings.Contains(r.body, ">kept</textarea>") {
		t.Errorf("bad verdict: %d", r.status)
	}
	if r := e.post(editor, "/datasets/no-such-leak/verdict", form()); r.status != 404 {
		t.Errorf("missing dataset: %d", r.status)
	}
	verdicts := func() []*archive.AuditEntry {
		log, _ := e.db.AuditLog(ctx, 100, 0)
		var out []*archive.AuditEntry
		for _, x := range log {
			if x.Action == archive.AuditVerdict {
				out = append(out, x)
			}
		}
		return out
	}
	if log := verdicts(); len(log) != 0 {
		t.Fatalf("refused forms were audited: %+v", log[0])
	}
	r := e.post(editor, path, form())
	if r.status != 303 || r.header.Get("Location") != "/datasets/pub-leak/report#verdict" {
		t.Fatalf("verdict: %d %q\n%s", r.status, r.header.Get("Location"), r.body)
	}
	if r := e.post(admin, "/datasets/priv-leak/verdict", url.Values{"verdict": {"disputed"}}); r.status != 303 {
		t.Errorf("admin on a private dataset: %d", r.status)
	}
	log := verdicts()
	if len(log) != 2 || log[1].Action != archive.AuditVerdict || log[1].User != "eddie" || !strings.Contains(log[1].Detail, "pub-leak: plausible") {
		t.Errorf("audit: %+v", log)
	}

	// Everyone who reads the dataset sees the verdict and its note; only
	// staff see who recorded it.
	for _, who := range readers {
		for _, p := range []string{"/datasets/pub-leak", "/datasets/pub-leak/report"} {
			r := e.get(who, p)
			if !strings.Contains(r.body, "verdict-plausible") || !strings.Contains(r.body, "Headers match the &lt;mail&gt; server&#39;s logs.") {
				t.Errorf("%s %s: verdict not shown", who, p)
			}
			if staff := who == editor || who == admin; strings.Contains(r.body, "(eddie)") != staff {
				t.Errorf("%s %s: author shown = %v", who, p, !staff)
			}
		}
	}
	if r := e.get(anon, "/datasets/pub-leak"); !strings.Contains(r.body, `href="/datasets/pub-leak/report"`) {
		t.Error("dataset page does not link to the report")
	}
	if r := e.get(editor, "/datasets/pub-leak/report"); !strings.Contains(r.body, "History (1)") || !strings.Contains(r.body, `value="plausible" checked`) {
		t.Error("editor's report lacks the history or the current state")
	}
}
