package publish_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

// TestListingCrawl walks /files/NAME/ the way a crawler does, following
// every relative link of every listing, and checks that it reaches each
// file of the release exactly, with hostile names escaped.
func TestListingCrawl(t *testing.T) {
	f := newFixture(t)
	start, _ := url.Parse(f.srv.URL + "/files/" + pubRel + "/")
	want := map[string][]byte{}
	for _, fl := range f.files[pubRel] {
		want[fl.path] = fl.data
	}
	got := map[string]bool{}
	queue := []*url.URL{start}
	seen := map[string]bool{start.String(): true}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		resp := f.mustGet(t, "", u.EscapedPath())
		rel := strings.TrimPrefix(u.Path, start.Path)
		if !strings.HasSuffix(u.Path, "/") {
			data, ok := want[rel]
			if !ok {
				t.Errorf("link to %q, not a file of the release", rel)
			} else if string(resp.body) != string(data) {
				t.Errorf("%q: wrong bytes", rel)
			}
			got[rel] = true
			continue
		}
		body := string(resp.body)
		if strings.Contains(body, "<img") || strings.Contains(body, "<script") || strings.Contains(body, "ZgotmplZ") {
			t.Errorf("%s: unescaped or filtered name in the listing", u.Path)
		}
		for _, m := range hrefRE.FindAllStringSubmatch(body, -1) {
			ref, err := url.Parse(html.UnescapeString(m[1]))
			if err != nil {
				t.Errorf("%s: bad href %q: %v", u.Path, m[1], err)
				continue
			}
			if ref.Scheme != "" || ref.Host != "" || strings.HasPrefix(ref.Path, "/") {
				continue // absolute links lead out of the tree
			}
			next := u.ResolveReference(ref)
			if !strings.HasPrefix(next.Path, start.Path) || seen[next.String()] {
				continue
			}
			seen[next.String()] = true
			queue = append(queue, next)
		}
	}
	for p := range want {
		if !got[p] {
			t.Errorf("no link reaches %q", p)
		}
	}
}

// TestListingPaths checks redirects and misses under /files/NAME/.
func TestListingPaths(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct {
		path     string
		status   int
		location string
	}{
		{"/files/" + pubRel, http.StatusMovedPermanently, "/files/" + pubRel + "/"},
		{"/files/" + pubRel + "/docs", http.StatusMovedPermanently, "/files/" + pubRel + "/docs/"},
		{"/files/" + pubRel + "/docs/%C3%BCn%C3%AFc%C3%B8d%C3%A9", http.StatusMovedPermanently, "/files/" + pubRel + "/docs/%C3%BCn%C3%AFc%C3%B8d%C3%A9/"},
		{"/files/" + pubRel + "/README.txt/", http.StatusNotFound, ""},
		{"/files/" + pubRel + "/nope.txt", http.StatusNotFound, ""},
		{"/files/" + pubRel + "/nope/", http.StatusNotFound, ""},
		{"/releases/" + pubRel + "/other.tar", http.StatusNotFound, ""},
		{"/releases/" + pubRel + "/a/b", http.StatusNotFound, ""},
	} {
		r := f.get(t, "", c.path)
		if r.status != c.status || r.header.Get("Location") != c.location {
			t.Errorf("%s: %d %q, want %d %q", c.path, r.status, r.header.Get("Location"), c.status, c.location)
		}
	}
	// A miss inside a visible release is the common 404 page too.
	miss := f.get(t, "", "/files/"+pubRel+"/nope.txt")
	none := f.get(t, "", "/files/"+madeUp+"/nope.txt")
	if string(miss.body) != string(none.body) {
		t.Error("a missing file and a missing release answer differently")
	}
}
