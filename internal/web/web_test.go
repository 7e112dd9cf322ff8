package web_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
)

func TestPages(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		who, path string
		status    int
		want      []string // substrings of the body
	}{
		{anon, "/", 200, []string{"The public leak", "The limited leak", "access on request", `href="/countries/PA"`, `<label for="home-q"`}},
		{anon, "/datasets/pub-leak", 200, []string{"The public leak", "Papers of the public port.", "Source note of public", "/datasets/pub-leak/browse/", ">PA<", "email", "Download"}},
		{anon, "/datasets/pub-leak/browse/", 200, []string{`href="/datasets/pub-leak/browse/site"`, "big.pdf"}},
		{anon, "/datasets/pub-leak/browse/site", 200, []string{"readme.txt", `href="/datasets/pub-leak/browse/site/Mail"`}},
		{anon, "/datasets/pub-leak/browse/site/Mail", 200, []string{"m.eml", "email"}},
		{anon, "/datasets/pub-leak/browse/nothing", 404, nil},
		{anon, "/search", 200, []string{`<label for="q"`, `<label for="dataset"`, `<label for="sort"`}},
		{anon, "/search?q=harbor", 200, []string{"Harbor public", "<mark>harbor</mark>", "of 3 documents"}},
		{anon, "/search?q=%22unclosed", 400, []string{"The search could not be read", "^"}},
		{anon, "/search?q=harbor&sort=sideways", 400, nil},
		{anon, fmt.Sprintf("/items/%d", e.mail[archive.LevelPublic]), 200, []string{"Harbor public", "alice@police.example", "a.txt", "Attachments", "/original"}},
		{anon, fmt.Sprintf("/items/%d", e.att[archive.LevelPublic]), 200, []string{"attachment about the harbor", fmt.Sprintf(`href="/items/%d"`, e.mail[archive.LevelPublic]), `href="/datasets/pub-leak/browse/site/Mail"`}},
		{anon, "/items/abc", 404, nil},
		{anon, "/items/-1", 404, nil},
		{anon, "/countries/PA", 200, []string{"The public leak"}},
		{anon, "/countries/pa", 301, nil},
		{anon, "/countries/PAN", 404, nil},
		{anon, "/countries/ZZ", 200, []string{"no datasets"}},
		{anon, "/help/search", 200, []string{"Exact phrases", "has:attachment", "OR binds tighter than AND"}},
		{anon, "/login", 200, []string{`name="csrf" value="anon-tok"`, `<label for="name"`, `<label for="password"`}},
		{anon, "/login?next=//evil.example", 200, []string{`name="next" value="/account"`}},
		{journalist, "/login", 303, nil},
		{anon, "/account", 303, nil},
		{anon, "/admin", 303, nil},
		{anon, "/admin/users", 303, nil},
		{journalist, "/account", 200, []string{"jane", "journalist", "no access to limited datasets"}},
		{journalist, "/admin", 403, []string{"Not allowed"}},
		{journalist, "/admin/requests", 403, nil},
		{editor, "/admin", 200, []string{"/admin/requests", "/admin/datasets"}},
		{editor, "/admin/requests", 200, nil},
		{editor, "/admin/datasets", 200, []string{"priv-leak", `<label for="level-`}},
		{editor, "/admin/users", 403, nil},
		{editor, "/admin/audit", 403, nil},
		{admin, "/admin/users", 200, []string{"jane"}},
		{admin, "/admin/audit", 200, nil},
		{admin, "/admin/audit?verify=1", 200, []string{"intact"}},
		{anon, "/no/such/page", 404, []string{"Not found"}},
		{granted, "/datasets/lim-leak", 200, []string{"Source note of limited", "Browse the files"}},
		{anon, "/datasets/lim-leak", 200, []string{"The limited leak", "Papers of the limited port.", "limited", "Sign in to request access"}},
	}
	for _, tt := range tests {
		t.Run(tt.who+" "+tt.path, func(t *testing.T) {
			r := e.get(tt.who, tt.path)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d\n%s", r.status, tt.status, r.body)
			}
			for _, w := range tt.want {
				if !strings.Contains(r.body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			if strings.Contains(strings.ToLower(r.body), "<script") {
				t.Error("page contains <script")
			}
		})
	}
}

func TestEscaping(t *testing.T) {
	e := newEnv(t)
	r := e.get(anon, fmt.Sprintf("/items/%d", e.readme[archive.LevelPublic]))
	if r.status != 200 {
		t.Fatal(r.status)
	}
	if !strings.Contains(r.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("item text not escaped:\n%s", r.body)
	}
	if strings.Contains(r.body, "<script>alert(1)") {
		t.Error("raw script in the item page")
	}
	r = e.get(anon, "/search?q=alert")
	if !strings.Contains(r.body, "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt;") {
		t.Errorf("snippet not escaped and marked:\n%s", r.body)
	}
	if strings.ContainsAny(r.body, "\x02\x03") {
		t.Error("markers left in the page")
	}
	// The query is echoed escaped, also in a refused query's message.
	r = e.get(anon, "/search?q="+url.QueryEscape(`"<b>x`))
	if r.status != 400 || strings.Contains(r.body, "<b>x") || !strings.Contains(r.body, "&lt;b&gt;x") {
		t.Errorf("query error not escaped: %d\n%s", r.status, r.body)
	}
}

// TestHiddenLooksAbsent: for every reader, a dataset or item they may not
// read gives exactly the page a missing one gives (apart from the limited
// dataset's public stub), and is absent from search counts and facets.
func TestHiddenLooksAbsent(t *testing.T) {
	e := newEnv(t)
	const missing = 987654
	for _, who := range readers {
		t.Run(who, func(t *testing.T) {
			absentItem := e.get(who, fmt.Sprintf("/items/%d", missing))
			absentOrig := e.get(who, fmt.Sprintf("/items/%d/original", missing))
			absentDS := e.get(who, "/datasets/no-such-leak")
			absentBrowse := e.get(who, "/datasets/no-such-leak/browse/")
			absentFolder := e.get(who, "/datasets/no-such-leak/browse/site")
			if absentItem.status != 404 || absentOrig.status != 404 || absentDS.status != 404 || absentBrowse.status != 404 {
				t.Fatalf("missing: %d %d %d %d", absentItem.status, absentOrig.status, absentDS.status, absentBrowse.status)
			}
			same := func(what string, got, want response) {
				t.Helper()
				if got.status != want.status || got.body != want.body {
					t.Errorf("%s: hidden differs from missing: %d vs %d", what, got.status, want.status)
				}
			}
			total := 0
			for _, lvl := range levels {
				slug := slugOf(lvl)
				visible := sees[who][lvl]
				pages := map[string]response{
					"item":       e.get(who, fmt.Sprintf("/items/%d", e.mail[lvl])),
					"attachment": e.get(who, fmt.Sprintf("/items/%d", e.att[lvl])),
					"original":   e.get(who, fmt.Sprintf("/items/%d/original", e.att[lvl])),
					"browse":     e.get(who, "/datasets/"+slug+"/browse/"),
					"folder":     e.get(who, "/datasets/"+slug+"/browse/site"),
				}
				ds := e.get(who, "/datasets/"+slug)
				if visible {
					total += 3 // readme, mail, attachment
					for name, r := range pages {
						if r.status != 200 {
							t.Errorf("%s %s: %d, want 200", lvl, name, r.status)
						}
					}
					if ds.status != 200 || !strings.Contains(ds.body, "Source note of "+string(lvl)) {
						t.Errorf("%s dataset page: %d", lvl, ds.status)
					}
					continue
				}
				same(string(lvl)+" item", pages["item"], absentItem)
				same(string(lvl)+" attachment", pages["attachment"], absentItem)
				same(string(lvl)+" original", pages["original"], absentOrig)
				same(string(lvl)+" browse", pages["browse"], absentBrowse)
				same(string(lvl)+" folder", pages["folder"], absentFolder)
				if lvl == archive.LevelLimited {
					// The public stub: title, level, description; nothing else.
					if ds.status != 200 || !strings.Contains(ds.body, "The limited leak") || !strings.Contains(ds.body, "Papers of the limited port.") {
						t.Errorf("limited stub: %d", ds.status)
					}
					for _, secret := range []string{"Source note", "m.eml", "readme", "/browse/", ">PA<"} {
						if strings.Contains(ds.body, secret) {
							t.Errorf("limited stub shows %q", secret)
						}
					}
				} else {
					same(string(lvl)+" dataset", ds, absentDS)
				}
				// Search: nothing of the hidden dataset, restricted or not.
				r := e.get(who, "/search?q=harbor&dataset="+slug)
				m := e.get(who, "/search?q=harbor&dataset=no-such-leak")
				if normal(r.body, slug) != normal(m.body, "no-such-leak") {
					t.Errorf("search in hidden %s differs from search in a missing dataset", slug)
				}
			}
			r := e.get(who, "/search?q=harbor")
			if !strings.Contains(r.body, fmt.Sprintf("of %d documents", total)) {
				t.Errorf("search total: want %d in\n%s", total, summary(r.body))
			}
			for _, lvl := range levels {
				if !sees[who][lvl] && (strings.Contains(r.body, slugOf(lvl)) || strings.Contains(r.body, "Harbor "+string(lvl))) {
					t.Errorf("search shows hidden %s", lvl)
				}
			}
		})
	}
}

// normal removes from a search page what differs between two runs of the
// same search (the time taken) and the dataset asked for.
func normal(body, slug string) string {
	body = regexp.MustCompile(`<span class="hint">\([^)]*\)</span>`).ReplaceAllString(body, "")
	return strings.ReplaceAll(body, slug, "X")
}

func summary(body string) string {
	if m := regexp.MustCompile(`<p class="summary"[^>]*>[^<]*`).FindString(body); m != "" {
		return m
	}
	return body
}

func TestOriginal(t *testing.T) {
	e := newEnv(t)
	path := fmt.Sprintf("/items/%d/original", e.mail[archive.LevelPublic])
	raw := e.mailRaw[archive.LevelPublic]
	r := e.get(anon, path)
	if r.status != 200 || r.body != string(raw) {
		t.Fatalf("status %d, body %q", r.status, r.body)
	}
	h := r.header
	checks := map[string]string{
		"Content-Security-Policy": "default-src 'none'; sandbox",
		"X-Content-Type-Options":  "nosniff",
		"Content-Type":            "application/octet-stream",
		"Content-Disposition":     `attachment; filename="m.eml"`,
		"Accept-Ranges":           "bytes",
	}
	for k, v := range checks {
		if h.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, h.Get(k), v)
		}
	}
	etag := `"` + archive.Hash(raw).String() + `"`
	if h.Get("ETag") != etag {
		t.Errorf("ETag = %q, want %q", h.Get("ETag"), etag)
	}
	// Ranges, and If-Range with the ETag.
	req := newReq(path)
	req.Header.Set("Range", "bytes=0-3")
	req.Header.Set("If-Range", etag)
	if r := e.do(req, anon); r.status != http.StatusPartialContent || r.body != string(raw[:4]) {
		t.Errorf("range: %d %q", r.status, r.body)
	}
	req = newReq(path)
	req.Header.Set("Range", "bytes=0-3")
	req.Header.Set("If-Range", `"stale"`)
	if r := e.do(req, anon); r.status != 200 || r.body != string(raw) {
		t.Errorf("stale If-Range: %d", r.status)
	}
	req = newReq(path)
	req.Header.Set("If-None-Match", etag)
	if r := e.do(req, anon); r.status != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", r.status)
	}
}

func newReq(path string) *http.Request {
	r, _ := http.NewRequest(http.MethodGet, path, nil)
	r.RequestURI = path
	return r
}

func TestAudit(t *testing.T) {
	e := newEnv(t)
	e.audit.take()
	lim, pub := archive.LevelLimited, archive.LevelPublic
	// Anonymous readers and reads of public data are never recorded.
	e.get(anon, fmt.Sprintf("/items/%d", e.mail[pub]))
	e.get(anon, fmt.Sprintf("/items/%d/original", e.mail[pub]))
	e.get(anon, "/search?q=harbor")
	e.get(journalist, fmt.Sprintf("/items/%d", e.mail[pub]))
	e.get(journalist, "/search?q=harbor") // may read public data only
	e.get(granted, fmt.Sprintf("/items/%d", e.mail[pub]))
	e.get(granted, "/search?q=harbor&dataset=pub-leak")
	if got := e.audit.take(); len(got) != 0 {
		t.Fatalf("recorded %d entries for public or anonymous reads: %+v", len(got), got[0])
	}
	// Non-public material read by a signed-in reader is.
	e.get(granted, fmt.Sprintf("/items/%d", e.mail[lim]))
	e.get(granted, fmt.Sprintf("/items/%d/original", e.att[lim]))
	e.get(granted, "/search?q=harbor")
	e.get(editor, "/search?q=harbor&dataset=priv-leak")
	got := e.audit.take()
	want := []struct {
		action, user string
		item         int64
	}{
		{archive.AuditView, "gail", e.mail[lim]},
		{archive.AuditDownload, "gail", e.att[lim]},
		{archive.AuditSearch, "gail", 0},
		{archive.AuditSearch, "eddie", 0},
	}
	if len(got) != len(want) {
		t.Fatalf("recorded %d entries, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Action != w.action || got[i].User != w.user || got[i].ItemID != w.item {
			t.Errorf("entry %d = %+v, want %+v", i, got[i], w)
		}
	}
	if got[3].DatasetID != e.ds[archive.LevelPrivate].ID || !strings.Contains(got[3].Detail, "harbor") {
		t.Errorf("search entry: %+v", got[3])
	}
}

func TestTextPages(t *testing.T) {
	e := newEnv(t)
	base := fmt.Sprintf("/items/%d", e.big)
	r := e.get(anon, base)
	if !strings.Contains(r.body, "Page 1 of 3") || !strings.Contains(r.body, base+"?page=2") || !strings.Contains(r.body, "PAGE-1 ") {
		t.Fatalf("first view:\n%s", summary(r.body))
	}
	var all strings.Builder
	for n := 1; n <= 3; n++ {
		r := e.get(anon, fmt.Sprintf("%s?page=%d", base, n))
		if r.status != 200 {
			t.Fatalf("page %d: %d", n, r.status)
		}
		for _, m := range regexp.MustCompile(`(?s)<pre class="text">(.*?)</pre>`).FindAllStringSubmatch(r.body, -1) {
			all.WriteString(html.UnescapeString(m[1]))
		}
	}
	var want strings.Builder
	if err := e.db.Text(t.Context(), archive.Anonymous(), e.big, &want); err != nil {
		t.Fatal(err)
	}
	// The views, page breaks removed, add up to the whole text.
	if got, w := all.String(), strings.ReplaceAll(want.String(), "\f", ""); got != w {
		t.Errorf("views add up to %d bytes, want %d", len(got), len(w))
	}
	if r := e.get(anon, base+"?page=2"); !strings.Contains(r.body, `class="page-no"`) {
		t.Error("page numbers missing from the second view")
	}
	if r := e.get(anon, base+"?page=9"); r.status != 200 || strings.Contains(r.body, `<pre class="text">`) {
		t.Errorf("view past the end: %d", r.status)
	}
}

func TestForms(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()
	lim := e.ds[archive.LevelLimited]

	// Sign in: the token is required, the destination stays on the site.
	if r := e.post(anon, "/login", url.Values{"csrf": {"wrong"}, "name": {"jane"}, "password": {"pw-ok"}}); r.status != 403 {
		t.Errorf("login without token: %d", r.status)
	}
	r := e.post(anon, "/login", url.Values{"csrf": {"anon-tok"}, "name": {"jane"}, "password": {"bad"}})
	if r.status != 401 || !strings.Contains(r.body, "invalid name or password") {
		t.Errorf("bad password: %d", r.status)
	}
	r = e.post(anon, "/login", url.Values{"csrf": {"anon-tok"}, "name": {"jane"}, "password": {"pw-ok"}, "next": {"https://evil.example/"}})
	if r.status != 303 || r.header.Get("Location") != "/account" {
		t.Errorf("login: %d to %q", r.status, r.header.Get("Location"))
	}
	r = e.post(anon, "/login", url.Values{"csrf": {"anon-tok"}, "name": {"jane"}, "password": {"pw-ok"}, "next": {"/datasets/lim-leak"}})
	if r.header.Get("Location") != "/datasets/lim-leak" {
		t.Errorf("login next: %q", r.header.Get("Location"))
	}
	if r := e.post(journalist, "/logout", url.Values{"csrf": {"nope"}}); r.status != 403 {
		t.Errorf("logout without token: %d", r.status)
	}
	if r := e.post(journalist, "/logout", nil); r.status != 303 {
		t.Errorf("logout: %d", r.status)
	}
	// The signed-in layout carries the sign-out form with the token.
	if r := e.get(journalist, "/"); !strings.Contains(r.body, `action="/logout"`) || !strings.Contains(r.body, `value="tok-jane"`) {
		t.Error("no sign-out form")
	}

	// Request access to the limited dataset.
	r = e.get(journalist, "/datasets/lim-leak")
	if !strings.Contains(r.body, `action="/datasets/lim-leak/request"`) || !strings.Contains(r.body, `<label for="reason"`) || !strings.Contains(r.body, `<label for="outlet"`) {
		t.Fatalf("no request form:\n%s", r.body)
	}
	if r := e.post(anon, "/datasets/lim-leak/request", url.Values{"reason": {"x"}}); r.status != 303 || r.header.Get("Location") != "/login?next=%2Fdatasets%2Flim-leak" {
		t.Errorf("anonymous request: %d %q", r.status, r.header.Get("Location"))
	}
	if r := e.post(journalist, "/datasets/lim-leak/request", url.Values{"reason": {"x"}, "csrf": {"bad"}}); r.status != 403 {
		t.Errorf("request without token: %d", r.status)
	}
	if r := e.post(journalist, "/datasets/lim-leak/request", url.Values{"reason": {"  "}}); r.status != 400 {
		t.Errorf("empty reason: %d", r.status)
	}
	if r := e.post(journalist, "/datasets/priv-leak/request", url.Values{"reason": {"story"}}); r.status != 404 {
		t.Errorf("request for a private dataset: %d", r.status)
	}
	r = e.post(journalist, "/datasets/lim-leak/request", url.Values{"reason": {"A story on <ports>"}, "outlet": {"The Daily"}})
	if r.status != 303 {
		t.Fatalf("request: %d\n%s", r.status, r.body)
	}
	if r := e.get(journalist, "/datasets/lim-leak"); !strings.Contains(r.body, "pending") || strings.Contains(r.body, `action="/datasets/lim-leak/request"`) {
		t.Error("stub does not show the pending request")
	}
	if r := e.get(journalist, "/account"); !strings.Contains(r.body, "lim-leak") || !strings.Contains(r.body, "pending") {
		t.Error("account does not show the request")
	}

	// An editor approves it.
	reqs, err := e.db.AccessRequests(ctx, archive.RequestPending)
	if err != nil || len(reqs) != 1 {
		t.Fatalf("requests: %v %v", reqs, err)
	}
	r = e.get(editor, "/admin/requests")
	if !strings.Contains(r.body, "A story on &lt;ports&gt;") || !strings.Contains(r.body, fmt.Sprintf(`action="/admin/requests/%d"`, reqs[0].ID)) {
		t.Fatalf("admin requests page:\n%s", r.body)
	}
	if r := e.post(journalist, fmt.Sprintf("/admin/requests/%d", reqs[0].ID), url.Values{"decision": {"approve"}}); r.status != 403 {
		t.Errorf("journalist decides: %d", r.status)
	}
	if r := e.post(editor, fmt.Sprintf("/admin/requests/%d", reqs[0].ID), url.Values{"decision": {"approve"}, "expires": {"2999-12-31"}}); r.status != 303 {
		t.Fatalf("approve: %d\n%s", r.status, r.body)
	}
	grants, err := e.db.Grants(ctx, e.janeID)
	if err != nil || len(grants) != 1 || grants[0].DatasetID != lim.ID || grants[0].Expires.Year() != 3000 {
		t.Errorf("grants after approval: %+v %v", grants, err)
	}

	// An editor changes a release level.
	if r := e.post(editor, "/admin/datasets/priv-leak/level", url.Values{"level": {"bogus"}}); r.status != 400 {
		t.Errorf("bad level: %d", r.status)
	}
	if r := e.post(journalist, "/admin/datasets/priv-leak/level", url.Values{"level": {"public"}}); r.status != 403 {
		t.Errorf("journalist changes level: %d", r.status)
	}
	e.audit.take()
	if r := e.post(editor, "/admin/datasets/priv-leak/level", url.Values{"level": {"public"}}); r.status != 303 {
		t.Fatalf("set level: %d", r.status)
	}
	if r := e.get(anon, "/datasets/priv-leak"); r.status != 200 {
		t.Errorf("dataset made public: %d", r.status)
	}
	if got := e.audit.take(); len(got) != 1 || got[0].Action != archive.AuditLevel || got[0].User != "eddie" {
		t.Errorf("level change audit: %+v", got)
	}

	// An embargo: a private dataset made limited, public from a date.
	if r := e.post(editor, "/admin/datasets/priv-leak/level", url.Values{"level": {"limited"}, "embargo": {"someday"}}); r.status != 400 {
		t.Errorf("bad embargo: %d", r.status)
	}
	if r := e.post(editor, "/admin/datasets/priv-leak/level", url.Values{"level": {"limited"}, "embargo": {"2999-01-01"}}); r.status != 303 {
		t.Fatalf("set embargo: %d", r.status)
	}
	ds, err := e.db.Dataset(ctx, archive.Admin(), "priv-leak")
	if err != nil || ds.Level != archive.LevelLimited || ds.Embargo.Year() != 2999 {
		t.Errorf("after the embargo form: %+v %v", ds, err)
	}
	if got := e.audit.take(); len(got) != 1 || !strings.Contains(got[0].Detail, "embargo none → 2999-01-01") {
		t.Errorf("embargo audit: %+v", got)
	}
	if r := e.get(editor, "/admin/datasets"); !strings.Contains(r.body, `value="2999-01-01"`) {
		t.Errorf("the admin page does not show the embargo")
	}
}

func TestSecurityOfTemplates(t *testing.T) {
	// No script, no inline style (the policy forbids them), nothing from
	// another site.
	bad := regexp.MustCompile(`(?i)<script|\sstyle=|\son[a-z]+=|(src|href|action)="(https?:)?//|@import|url\(`)
	for _, dir := range []string{"templates", "static"} {
		files, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			b, err := os.ReadFile(filepath.Join(dir, f.Name()))
			if err != nil {
				t.Fatal(err)
			}
			if m := bad.Find(b); m != nil {
				t.Errorf("%s/%s contains %q", dir, f.Name(), m)
			}
		}
	}
}
