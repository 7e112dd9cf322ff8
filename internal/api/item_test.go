package api_test

import (
	"bytes"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
)

func TestItemMetadata(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := newEnv(t, f, nil)

	var mail itemJSON
	e.getJSON("", fmt.Sprintf("/items/%d", f.mail[archive.LevelPublic]), http.StatusOK, &mail)
	em := mail.Meta.Email
	if em == nil || em.From != "Alice <alice@police.example>" || em.Subject != "Harbor" || len(em.To) != 1 ||
		em.Date != "2019-03-05T10:00:00Z" {
		t.Errorf("email headers %+v", em)
	}
	if mail.Status != "ok" || mail.Children.Emitted != 1 || len(mail.Parents) != 0 {
		t.Errorf("mail %+v", mail)
	}

	// A failure shows its reason, never the server's paths or a tool's stderr.
	r := e.getJSON("", fmt.Sprintf("/items/%d", f.failed), http.StatusOK, nil)
	for _, leak := range []string{"/srv", `C:\\Temp`, "I/O Error", "stderr"} {
		if bytes.Contains(r.body, []byte(leak)) {
			t.Errorf("failure leaks %q: %s", leak, r.body)
		}
	}
	var failed itemJSON
	e.getJSON("", fmt.Sprintf("/items/%d", f.failed), http.StatusOK, &failed)
	if fl := failed.Failure; failed.Status != "failed" || fl == nil || fl.Reason != "corrupt" || fl.Extractor != "pdf" ||
		fl.Message != "pdftotext: open [path]: permission denied (copy at [path])" {
		t.Errorf("failure %+v", failed.Failure)
	}

	for _, bad := range []string{"/items/abc", "/items/0", "/items/-3", "/items/99999999999999999999"} {
		if r := e.get("", bad); r.status != http.StatusBadRequest {
			t.Errorf("%s: %s, want 400", bad, r)
		}
	}
}

func TestOriginal(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := newEnv(t, f, nil)
	att := f.att[archive.LevelPublic]
	it, err := f.db.Item(t.Context(), archive.Admin(), att)
	if err != nil {
		t.Fatal(err)
	}
	etag := `"` + it.Blob.String() + `"`
	p := fmt.Sprintf("/items/%d/original", att)

	r := e.get("", p)
	if r.status != http.StatusOK || !bytes.Equal(r.body, f.content[att]) {
		t.Fatalf("original: %s", r)
	}
	want := map[string]string{
		"Content-Type":            "application/octet-stream",
		"Content-Security-Policy": "default-src 'none'; sandbox",
		"X-Content-Type-Options":  "nosniff",
		"ETag":                    etag,
		"Accept-Ranges":           "bytes",
	}
	for k, v := range want {
		if got := r.header.Get(k); got != v {
			t.Errorf("%s: %q, want %q", k, got, v)
		}
	}
	cd := r.header.Get("Content-Disposition")
	typ, params, err := mime.ParseMediaType(cd)
	if err != nil || typ != "attachment" || params["filename"] != attName {
		t.Errorf("Content-Disposition %q: %s %v %v", cd, typ, params, err)
	}
	if !strings.Contains(cd, `filename="R_sum_ _final_ 2019.pdf"`) ||
		!strings.Contains(cd, "filename*=UTF-8''R%C3%A9sum%C3%A9%20%C2%ABfinal%C2%BB%202019.pdf") {
		t.Errorf("Content-Disposition %q", cd)
	}

	// Conditional requests.
	if r := e.get("", p, "If-None-Match", etag); r.status != http.StatusNotModified || len(r.body) != 0 {
		t.Errorf("If-None-Match: %s", r)
	}
	if r := e.get("", p, "If-None-Match", `"other"`); r.status != http.StatusOK {
		t.Errorf("If-None-Match other: %s", r)
	}

	// Ranges, on a large original.
	big := f.content[f.big]
	bp := fmt.Sprintf("/items/%d/original", f.big)
	bigItem, err := f.db.Item(t.Context(), archive.Admin(), f.big)
	if err != nil {
		t.Fatal(err)
	}
	bigTag := `"` + bigItem.Blob.String() + `"`
	cases := []struct {
		name    string
		hdr     []string
		status  int
		body    []byte
		crange  string
		errCode string
	}{
		{"range", []string{"Range", "bytes=10-19"}, http.StatusPartialContent, big[10:20], fmt.Sprintf("bytes 10-19/%d", len(big)), ""},
		{"suffix", []string{"Range", "bytes=-5"}, http.StatusPartialContent, big[len(big)-5:], fmt.Sprintf("bytes %d-%d/%d", len(big)-5, len(big)-1, len(big)), ""},
		{"open end", []string{"Range", "bytes=600000-"}, http.StatusPartialContent, big[600000:], fmt.Sprintf("bytes 600000-600000/%d", len(big)), ""},
		{"if-range match", []string{"Range", "bytes=0-3", "If-Range", bigTag}, http.StatusPartialContent, big[:4], fmt.Sprintf("bytes 0-3/%d", len(big)), ""},
		{"if-range mismatch", []string{"Range", "bytes=0-3", "If-Range", `"0000"`}, http.StatusOK, big, "", ""},
		{"unsatisfiable", []string{"Range", "bytes=999999999-"}, http.StatusRequestedRangeNotSatisfiable, nil, fmt.Sprintf("bytes */%d", len(big)), "range_not_satisfiable"},
	}
	for _, c := range cases {
		r := e.get("", bp, c.hdr...)
		if r.status != c.status {
			t.Errorf("%s: %s, want %d", c.name, r, c.status)
			continue
		}
		if got := r.header.Get("Content-Range"); got != c.crange {
			t.Errorf("%s: Content-Range %q, want %q", c.name, got, c.crange)
		}
		if c.errCode != "" {
			if !strings.Contains(string(r.body), `"code":"`+c.errCode+`"`) || r.header.Get("Content-Type") != "application/json" ||
				r.header.Get("Content-Disposition") != "" {
				t.Errorf("%s: %s %v", c.name, r.body, r.header)
			}
			continue
		}
		if !bytes.Equal(r.body, c.body) {
			t.Errorf("%s: got %d bytes, want %d", c.name, len(r.body), len(c.body))
		}
	}
	if r := e.do(http.MethodHead, "", bp); r.status != http.StatusOK || len(r.body) != 0 || r.header.Get("Content-Length") != strconv.Itoa(len(big)) {
		t.Errorf("HEAD: %s %v", r, r.header)
	}
}

// TestOriginalCorrupt: a blob damaged on disk is never served, whole or in
// part: it is checked against its hash before the first byte goes out, the
// reader gets an internal error, and the server logs why.
func TestOriginalCorrupt(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := newEnv(t, f, nil)
	p := fmt.Sprintf("/items/%d/original", f.corrupt)
	for _, hdr := range [][]string{nil, {"Range", "bytes=0-15"}} {
		r := e.get("", p, hdr...)
		if bytes.Contains(r.body, f.content[f.corrupt][:16]) {
			t.Fatalf("damaged original served (%v)", hdr)
		}
		if r.status != http.StatusInternalServerError || !strings.Contains(string(r.body), `"code":"internal"`) {
			t.Errorf("damaged original (%v): %s", hdr, r)
		}
	}
	if !strings.Contains(e.logs.String(), "does not match its hash") {
		t.Errorf("log: %s", e.logs.String())
	}
}

func TestTextPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := newEnv(t, f, nil)
	var all strings.Builder
	page := 1
	for {
		r := e.get("", fmt.Sprintf("/items/%d/text?page=%d", f.big, page))
		if r.status != http.StatusOK {
			t.Fatalf("page %d: %s", page, r)
		}
		if ct := r.header.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
			t.Errorf("Content-Type %q", ct)
		}
		if len(r.body) > 256<<10 || !utf8.Valid(r.body) {
			t.Errorf("page %d: %d bytes, valid UTF-8 %v", page, len(r.body), utf8.Valid(r.body))
		}
		if got := r.header.Get("X-Trove-Page"); got != strconv.Itoa(page) {
			t.Errorf("X-Trove-Page %q, want %d", got, page)
		}
		all.Write(r.body)
		next := r.header.Get("X-Trove-Next-Page")
		if next == "" {
			if r.header.Get("Link") != "" {
				t.Errorf("last page has a Link")
			}
			break
		}
		if next != strconv.Itoa(page+1) || r.header.Get("Link") != fmt.Sprintf(`<?page=%d>; rel="next"`, page+1) {
			t.Errorf("page %d: next %q, Link %q", page, next, r.header.Get("Link"))
		}
		page++
	}
	if page != 3 || all.String() != f.bigText {
		t.Errorf("%d pages, %d bytes; want 3 pages, %d bytes", page, all.Len(), len(f.bigText))
	}
	for _, bad := range []string{"0", "-1", "x", "4", "99"} {
		if r := e.get("", fmt.Sprintf("/items/%d/text?page=%s", f.big, bad)); r.status != http.StatusBadRequest {
			t.Errorf("page %s: %s", bad, r)
		}
	}
	// A short text is one page; an item without text has one empty page.
	if r := e.get("", fmt.Sprintf("/items/%d/text", f.readme[archive.LevelPublic])); r.status != http.StatusOK ||
		string(r.body) != "harbor readme of public" || r.header.Get("X-Trove-Next-Page") != "" {
		t.Errorf("short text: %s", r)
	}
	if r := e.get("", fmt.Sprintf("/items/%d/text", f.corrupt)); r.status != http.StatusOK || len(r.body) != 0 {
		t.Errorf("no text: %s", r)
	}
	if r := e.get("", fmt.Sprintf("/items/%d/text?page=2", f.corrupt)); r.status != http.StatusBadRequest {
		t.Errorf("no text, page 2: %s", r)
	}
}
