package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
)

// TestSearchCursor walks every page of a search in each order: each hit
// comes exactly once, and the walk ends with the total.
func TestSearchCursor(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := newEnv(t, f, nil)
	for _, sort := range []string{"newest", "oldest", "relevance"} {
		var seen []int64
		cursor := ""
		pages := 0
		for {
			q := url.Values{"q": {"ledger"}, "sort": {sort}, "limit": {"7"}}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			var res searchJSON
			e.getJSON("editor", "/search?"+q.Encode(), http.StatusOK, &res)
			pages++
			if res.Total != int64(len(f.ledger)) {
				t.Fatalf("%s: total %d", sort, res.Total)
			}
			for _, h := range res.Hits {
				seen = append(seen, h.ItemID)
			}
			if res.NextCursor == "" {
				break
			}
			if pages > 10 {
				t.Fatalf("%s: endless", sort)
			}
			cursor = res.NextCursor
		}
		if pages != 4 {
			t.Errorf("%s: %d pages, want 4", sort, pages)
		}
		sorted := slices.Clone(seen)
		slices.Sort(sorted)
		if !slices.Equal(sorted, f.ledger) {
			t.Errorf("%s: walked %v, want each of %v once", sort, seen, f.ledger)
		}
		if sort == "newest" && !slices.Equal(seen, reversed(f.ledger)) {
			t.Errorf("newest first: %v", seen)
		}
		if sort == "relevance" && seen[0] != f.ledger[len(f.ledger)-1] {
			t.Errorf("relevance: first %d, want %d", seen[0], f.ledger[len(f.ledger)-1])
		}
	}
}

func reversed(s []int64) []int64 {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

func TestCursorRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := newEnv(t, f, nil)
	var res searchJSON
	e.getJSON("", "/search?q=ledger&limit=5", http.StatusOK, &res)
	c := res.NextCursor
	if c == "" {
		t.Fatal("no next cursor")
	}
	var kids listJSON
	e.getJSON("", fmt.Sprintf("/items/%d/children?limit=5", f.zip), http.StatusOK, &kids)
	tampered := []byte(c)
	tampered[3] ^= 1 // still base64url
	bad := map[string]string{
		"other query":   "/search?q=harbor&limit=5&cursor=" + c,
		"other sort":    "/search?q=ledger&sort=oldest&limit=5&cursor=" + c,
		"other dataset": "/search?q=ledger&dataset=public&limit=5&cursor=" + c,
		"other route":   fmt.Sprintf("/items/%d/children?cursor=%s", f.zip, c),
		"other item":    fmt.Sprintf("/items/%d/children?cursor=%s", f.mail[archive.LevelPublic], kids.NextCursor),
		"tampered":      "/search?q=ledger&limit=5&cursor=" + string(tampered),
		"truncated":     "/search?q=ledger&limit=5&cursor=" + c[:len(c)-2],
		"garbage":       "/search?q=ledger&limit=5&cursor=%21%21%21",
	}
	for name, p := range bad {
		var er errorJSON
		e.getJSON("", p, http.StatusBadRequest, &er)
		if er.Error.Code != archive.EInvalid || !strings.Contains(er.Error.Message, "cursor") {
			t.Errorf("%s: %+v", name, er)
		}
	}
	// The same cursor with another limit is fine: it holds an offset.
	e.getJSON("", "/search?q=ledger&limit=9&cursor="+c, http.StatusOK, &res)
	if len(res.Hits) != 9 {
		t.Errorf("%d hits", len(res.Hits))
	}
}

func TestListCursors(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	e := newEnv(t, f, nil)
	walk := func(first string) []int64 {
		var ids []int64
		p := first
		for range 20 {
			var l listJSON
			e.getJSON("", p, http.StatusOK, &l)
			for _, it := range l.Items {
				ids = append(ids, it.ID)
			}
			if l.NextCursor == "" {
				return ids
			}
			u, _ := url.Parse(p)
			q := u.Query()
			q.Set("cursor", l.NextCursor)
			p = u.Path + "?" + q.Encode()
		}
		t.Fatalf("%s: endless", first)
		return nil
	}
	if got := walk(fmt.Sprintf("/items/%d/children?limit=5", f.zip)); !slices.Equal(got, f.members) {
		t.Errorf("children %v, want %v", got, f.members)
	}
	if got := walk(fmt.Sprintf("/items/%d/children?limit=12", f.zip)); !slices.Equal(got, f.members) {
		t.Errorf("children in one page %v", got)
	}
	if got := walk("/datasets/public/browse?path=ledger&limit=10"); !slices.Equal(got, f.ledger) {
		t.Errorf("browse %v, want %v", got, f.ledger)
	}
	var l listJSON
	e.getJSON("", "/datasets/public/browse?path=/ledger/&limit=100", http.StatusOK, &l)
	if len(l.Items) != len(f.ledger) || l.NextCursor != "" {
		t.Errorf("browse with slashes: %d items, cursor %q", len(l.Items), l.NextCursor)
	}
	e.getJSON("", "/datasets/public/browse", http.StatusOK, &l)
	if !slices.Equal(l.Folders, []string{"docs", "ledger", "mail"}) || len(l.Items) != 4 {
		t.Errorf("root: %+v", l)
	}
	e.getJSON("", "/datasets/public/browse?path=nowhere", http.StatusNotFound, nil)
}
