package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	_ "github.com/mattn/go-sqlite3"
)

// TestMain lets the resume test run this binary as the trove command.
func TestMain(m *testing.M) {
	if os.Getenv("TROVE_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// run runs trove in-process with a data folder and returns stdout.
func run(t *testing.T, data string, args ...string) (string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &out, &errb
	m.Config.DataDir = data
	err := m.Run(context.Background(), args)
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return out.String(), fmt.Errorf("trove %s: %w (stderr: %s)", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), nil
}

func mustRun(t *testing.T, data string, args ...string) string {
	t.Helper()
	out, err := run(t, data, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func write(t *testing.T, dir, rel string, body []byte) {
	t.Helper()
	p := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, body, 0o644); err != nil {
		t.Fatal(err)
	}
}

func zipOf(t *testing.T, files map[string][]byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(files[n])
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func tgzOf(t *testing.T, name string, body []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), ModTime: time.Date(2019, 3, 1, 0, 0, 0, 0, time.UTC)})
	tw.Write(body)
	tw.Close()
	gz.Close()
	return b.Bytes()
}

// makeLeak writes a small leak with every container kind of this issue and
// some hostile files.
func makeLeak(t *testing.T, dir string) {
	write(t, dir, "site/notes.txt", []byte("Meeting notes: the quarterly invoice review.\nSee operation amber falcon 4471 for details.\n"))
	write(t, dir, "site/copy of notes.txt", []byte("Meeting notes: the quarterly invoice review.\nSee operation amber falcon 4471 for details.\n"))
	write(t, dir, "site/latin1.txt", []byte("Gr\xfc\xdfe aus M\xfcnchen, Herr M\xfcller.\n"))
	write(t, dir, "site/page.html", []byte(`<html><head><title>Portal Bulletin</title><style>.secretstyle{}</style></head><body><p>Bulletin about the harbor surveillance program.</p><script>var hiddenscript=1</script></body></html>`))
	write(t, dir, "site/exports/Users.csv", []byte("Name,Email,Agency\nAlice Smith,alice@example.org,County Sheriff\n"))
	write(t, dir, "site/東京.txt", []byte("東京都庁の会議録。予算について。\n"))
	att := base64.StdEncoding.EncodeToString([]byte("Attachment: the budget spreadsheet for operation cobalt heron 1234.\n"))
	inner := zipOf(t, map[string][]byte{"deep/inner.txt": []byte("Zipped inside an email: operation silver otter 5678.\n")})
	mail := "From: Alice Smith <alice@example.org>\r\nTo: Bob <bob@police.example.gov>\r\nSubject: =?UTF-8?Q?Quarterly_report_=E2=80=93_draft?=\r\n" +
		"Date: Tue, 05 Mar 2019 10:00:00 +0000\r\nMessage-ID: <1@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
		"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlease find the report attached.\r\n" +
		"--b\r\nContent-Type: text/plain; name=report.txt\r\nContent-Disposition: attachment; filename=report.txt\r\nContent-Transfer-Encoding: base64\r\n\r\n" + att + "\r\n" +
		"--b\r\nContent-Type: application/zip; name=files.zip\r\nContent-Disposition: attachment; filename=files.zip\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
		base64.StdEncoding.EncodeToString(inner) + "\r\n--b--\r\n"
	write(t, dir, "Mail/report.eml", []byte(mail))
	write(t, dir, "Mail/report.txt", []byte(mail)) // an email named .txt: the extension lies
	write(t, dir, "Mail/inbox.mbox", []byte("From alice@example.org Tue Mar  5 10:00:00 2019\nFrom: alice@example.org\nSubject: first\nMessage-ID: <a@example.org>\n\nFirst message about the dredging contract.\n\n"+
		"From bob@example.org Wed Mar  6 10:00:00 2019\nFrom: bob@example.org\nSubject: second\nMessage-ID: <b@example.org>\n\n>From the archive: second message about mooring.\n"))
	write(t, dir, "backups/site_backup.tar.gz", tgzOf(t, "backup/docs.zip", zipOf(t, map[string][]byte{"Documents/in.txt": []byte("Nested in a zip in a tar.gz: operation jade lynx 9012.\n")})))
	// Hostile: path traversal names, a corrupt zip, endless nesting.
	write(t, dir, "hostile/traversal.zip", zipOf(t, map[string][]byte{"../../../../tmp/trove-escape.txt": []byte("escape attempt text\n"), "/etc/abs.txt": []byte("absolute name\n")}))
	write(t, dir, "hostile/corrupt.zip", zipOf(t, map[string][]byte{"a.txt": []byte("x")})[:30])
	nest := []byte("the innermost file of a nesting doll\n")
	for i := 0; i < 20; i++ {
		nest = zipOf(t, map[string][]byte{fmt.Sprintf("level%d.zip", i): nest})
	}
	write(t, dir, "hostile/nested.zip", nest)
}

type summary struct {
	Files, Items, New, Duplicate, Unchanged, Failed int64
	FailedBy                                        map[string]int64 `json:"failed_by_reason"`
	MembersLost                                     int64            `json:"members_failed"`
	MembersBy                                       map[string]int64 `json:"members_failed_by_reason"`
}

type searchResult struct {
	Total int64
	Hits  []struct {
		ItemID  int64 `json:"item_id"`
		Path    string
		Type    string
		Snippet string
	}
	Facets map[string][]struct {
		Value string
		Count int64
	}
}

func search(t *testing.T, data string, args ...string) searchResult {
	t.Helper()
	out := mustRun(t, data, append([]string{"search", "--json"}, args...)...)
	var r searchResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("search %v: %v\n%s", args, err, out)
	}
	return r
}

func TestEndToEnd(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Log("pdftotext not installed: PDF extraction is not exercised here")
	}
	root := t.TempDir()
	leak, data := filepath.Join(root, "leak"), filepath.Join(root, "data")
	makeLeak(t, leak)
	mustRun(t, data, "dataset", "create", "blue", "--title", "Blue", "--country", "us", "--level", "public")
	out := mustRun(t, data, "ingest", "--json", "--quiet", "blue", leak)
	var s summary
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatalf("summary: %v\n%s", err, out)
	}
	if s.Files != 13 {
		t.Errorf("files = %d, want 13", s.Files)
	}
	if s.Duplicate < 1 {
		t.Errorf("duplicates = %d, want the copied notes counted", s.Duplicate)
	}
	if s.FailedBy["corrupt"] != 1 {
		t.Errorf("failed by reason = %v, want one corrupt zip", s.FailedBy)
	}
	if s.MembersBy["too_deep"] != 1 {
		t.Errorf("members failed = %v, want the nesting doll stopped once at the depth limit", s.MembersBy)
	}
	if _, err := os.Stat("/tmp/trove-escape.txt"); err == nil {
		t.Error("a member name escaped onto the file system")
	}
	// Nothing but the data folder was written.
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if strings.Contains(p, "escape") || strings.HasSuffix(p, "abs.txt") {
			t.Errorf("file written from a member name: %s", p)
		}
		return nil
	})

	cases := []struct {
		query string
		path  string // a hit's path must end with this
	}{
		{`"operation amber falcon 4471"`, "notes.txt"},
		{`"operation cobalt heron 1234"`, "/report.txt"},
		{`"operation silver otter 5678"`, "/files.zip/deep/inner.txt"},
		{`"operation jade lynx 9012"`, "site_backup.tar.gz/backup/docs.zip/Documents/in.txt"},
		{`muller`, "latin1.txt"},
		{`Müller`, "latin1.txt"},
		{`harbor surveillance`, "page.html"},
		{`dredging`, "<a@example.org>"},
		{`"From the archive"`, "<b@example.org>"},
		{`county sheriff`, "Users.csv"},
		{`東京都`, "東京.txt"},
		{`予算`, "東京.txt"},
		{`surveilance~`, "page.html"},
		{`surveil*`, "page.html"},
	}
	for _, c := range cases {
		r := search(t, data, c.query)
		found := false
		for _, h := range r.Hits {
			if strings.HasSuffix(h.Path, c.path) {
				found = true
			}
		}
		if !found {
			t.Errorf("search %s: no hit ending in %q; got %+v", c.query, c.path, r.Hits)
		}
	}
	// The nesting doll is cut off at the depth limit (16), recorded above.
	for _, q := range []string{"hiddenscript", "secretstyle", "innermost"} {
		if r := search(t, data, q); r.Total != 0 {
			t.Errorf("search %s: script and style must not be indexed, got %d hits", q, r.Total)
		}
	}
	// Filters and facets.
	r := search(t, data, "from:alice", "type:email")
	if r.Total < 2 {
		t.Errorf("from:alice type:email: %d hits, want the eml and its .txt twin's shared blob plus the mbox message", r.Total)
	}
	r = search(t, data, "report", "date:2019-03")
	if r.Total == 0 {
		t.Error("date:2019-03 found nothing")
	}
	if r := search(t, data, "report date:2020"); r.Total != 0 {
		t.Errorf("date:2020: %d hits, want 0", r.Total)
	}
	r = search(t, data, "invoice OR dredging")
	if r.Total < 2 {
		t.Errorf("OR: %d hits", r.Total)
	}
	if r := search(t, data, "invoice -meeting"); r.Total != 0 {
		t.Errorf("NOT: %d hits, want 0", r.Total)
	}
	if len(r.Facets["type"]) == 0 || len(r.Facets["dataset"]) != 1 {
		t.Errorf("facets = %+v", r.Facets)
	}
	if _, err := run(t, data, "search", `"unclosed`); err == nil || !strings.Contains(err.Error(), "quote") {
		t.Errorf("malformed query error = %v", err)
	}

	// show, text, cat.
	r = search(t, data, `"operation amber falcon 4471"`)
	id := fmt.Sprint(r.Hits[0].ItemID)
	if out := mustRun(t, data, "text", id); !strings.Contains(out, "operation amber falcon 4471") {
		t.Errorf("text = %q", out)
	}
	orig, _ := os.ReadFile(filepath.Join(leak, "site/notes.txt"))
	if out := mustRun(t, data, "cat", id); out != string(orig) {
		t.Errorf("cat returned other bytes")
	}
	r = search(t, data, `"operation silver otter 5678"`)
	show := mustRun(t, data, "show", fmt.Sprint(r.Hits[0].ItemID))
	if !strings.Contains(show, "Mail/report.") || !strings.Contains(show, "files.zip") {
		t.Errorf("show lacks the parent chain:\n%s", show)
	}
	show = mustRun(t, data, "show", "blue:Mail/report.txt")
	if !strings.Contains(show, "does not match the content") {
		t.Errorf("show of an email named .txt does not flag the extension:\n%s", show)
	}
	ds := mustRun(t, data, "dataset", "show", "blue", "--json")
	if !strings.Contains(ds, `"failed": `) || !strings.Contains(ds, `"corrupt"`) {
		t.Errorf("dataset show lacks failure counts:\n%s", ds)
	}

	// Ingesting the same folder again adds nothing.
	out = mustRun(t, data, "ingest", "--json", "--quiet", "blue", leak)
	var again summary
	json.Unmarshal([]byte(out), &again)
	if again.Unchanged != 13 || again.New != 0 {
		t.Errorf("second ingest: %+v, want 13 unchanged and nothing new", again)
	}
}

// itemSet lists (path, sha256) of every item, for comparing runs.
func itemSet(t *testing.T, data string) []string {
	t.Helper()
	db, err := sql.Open("sqlite3", filepath.Join(data, "catalog.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT i.path, hex(b.sha256), b.status FROM items i JOIN blobs b ON b.id = i.blob_id ORDER BY 1, 2`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p, h, st string
		rows.Scan(&p, &h, &st)
		out = append(out, p+" "+h+" "+st)
	}
	return out
}

func countItems(data string) int {
	db, err := sql.Open("sqlite3", filepath.Join(data, "catalog.db")+"?mode=ro&_busy_timeout=1000")
	if err != nil {
		return 0
	}
	defer db.Close()
	var n int
	db.QueryRow(`SELECT count(*) FROM items`).Scan(&n)
	return n
}

// TestResumeAfterKill kills an ingest with SIGKILL midway, runs it again,
// and checks that the result equals an uninterrupted ingest: no item lost,
// none doubled, every blob intact.
func TestResumeAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	root := t.TempDir()
	leak := filepath.Join(root, "leak")
	for i := 0; i < 300; i++ {
		body := bytes.Repeat([]byte(fmt.Sprintf("document %d about subject %d, word%d.\n", i, i%17, i)), 2000)
		write(t, leak, fmt.Sprintf("d%02d/file%03d.txt", i%10, i), body)
		if i%10 == 0 {
			write(t, leak, fmt.Sprintf("z/archive%03d.zip", i), zipOf(t, map[string][]byte{
				"a.txt": body, "b.txt": []byte(fmt.Sprintf("member b of %d", i)), "c/d.txt": []byte(fmt.Sprintf("member d of %d", i))}))
		}
	}
	clean, crashed := filepath.Join(root, "clean"), filepath.Join(root, "crashed")
	for _, d := range []string{clean, crashed} {
		mustRun(t, d, "dataset", "create", "leak")
	}
	mustRun(t, clean, "ingest", "--quiet", "leak", leak)
	want := itemSet(t, clean)

	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	killed := false
	for attempt := 0; attempt < 3 && !killed; attempt++ {
		cmd := exec.Command(exe, "--data", crashed, "ingest", "--quiet", "--workers", "2", "leak", leak)
		cmd.Env = append(os.Environ(), "TROVE_TEST_MAIN=1")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) && countItems(crashed) < 60 {
			time.Sleep(5 * time.Millisecond)
		}
		if err := cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		state, _ := cmd.Process.Wait()
		killed = !state.Success()
	}
	if !killed {
		t.Fatal("the ingest finished before it could be killed")
	}
	mid := countItems(crashed)
	if mid >= len(want) {
		t.Logf("killed after %d of %d items", mid, len(want))
	}
	mustRun(t, crashed, "ingest", "--quiet", "leak", leak)
	got := itemSet(t, crashed)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("after resume: %d items, want %d (killed at %d)\nfirst difference: %s", len(got), len(want), mid, firstDiff(got, want))
	}
	// Every blob verifies, and searching finds each file once.
	r := search(t, crashed, "word150")
	if r.Total != 1 {
		t.Errorf("word150: %d hits after resume, want 1", r.Total)
	}
	r = search(t, crashed, `"member d of 150"`)
	if r.Total != 1 {
		t.Errorf("member d of 150: %d hits after resume, want 1", r.Total)
	}
}

func firstDiff(a, b []string) string {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return fmt.Sprintf("got %q, want %q", a[i], b[i])
		}
	}
	return fmt.Sprintf("lengths %d and %d", len(a), len(b))
}

func TestDatasetSetEmbargo(t *testing.T) {
	data := t.TempDir()
	mustRun(t, data, "dataset", "create", "emb", "--level", "limited")
	out := mustRun(t, data, "dataset", "set", "emb", "--embargo", "2031-05-01", "--title", "Embargoed", "--country", "de,fr")
	if !strings.Contains(out, "public from 2031-05-01T00:00:00Z") {
		t.Errorf("set: %s", out)
	}
	var ds struct {
		Title     string
		Level     string
		Embargo   string
		Countries []string
	}
	if err := json.Unmarshal([]byte(mustRun(t, data, "dataset", "show", "emb", "--json")), &ds); err != nil {
		t.Fatal(err)
	}
	if ds.Title != "Embargoed" || ds.Level != "limited" || ds.Embargo != "2031-05-01T00:00:00Z" || strings.Join(ds.Countries, ",") != "DE,FR" {
		t.Errorf("show: %+v", ds)
	}
	mustRun(t, data, "dataset", "set", "emb", "--embargo", "none", "--level", "public")
	ds.Embargo, ds.Level = "", ""
	json.Unmarshal([]byte(mustRun(t, data, "dataset", "show", "emb", "--json")), &ds)
	if ds.Level != "public" || ds.Embargo != "" {
		t.Errorf("after clearing: %+v", ds)
	}
	if _, err := run(t, data, "dataset", "set", "emb", "--embargo", "soon"); err == nil {
		t.Error("a bad embargo time was accepted")
	}
}

// TestDoctorSandboxReuse: doctor says whether tool runs reuse sandboxes,
// and why not when they cannot.
func TestDoctorSandboxReuse(t *testing.T) {
	out, _ := run(t, t.TempDir(), "doctor", "--json") // fails when a tool is missing; the report is still written
	var r struct {
		Sandbox string `json:"sandbox"`
		Reuse   string `json:"sandbox_reuse"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("doctor --json: %v\n%s", err, out)
	}
	if r.Sandbox == "bubblewrap" && r.Reuse != "yes" {
		t.Errorf("bubblewrap works but sandboxes are not reused: %s", r.Reuse)
	}
	if r.Sandbox != "bubblewrap" && r.Reuse == "yes" {
		t.Errorf("sandbox %s reported as reused", r.Sandbox)
	}
}
