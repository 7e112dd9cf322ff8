package sqlite

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trove-archive/trove/internal/archive"
)

func TestFTSPhrases(t *testing.T) {
	got := ftsPhrases(`("inform" * OR "Müller") AND "harbor ""report""" AND "x"`)
	want := []snipPhrase{{toks: []string{"inform"}, prefix: true}, {toks: []string{"muller"}}, {toks: []string{"harbor", "report"}}, {toks: []string{"x"}}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if strings.Join(got[i].toks, " ") != strings.Join(want[i].toks, " ") || got[i].prefix != want[i].prefix {
			t.Errorf("phrase %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
}

// highlighted returns the marked words of a snippet, folded.
func highlighted(s string) []string {
	var out []string
	for {
		i := strings.IndexByte(s, '\x02')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(s[i:], '\x03')
		if j < 0 {
			return append(out, "UNCLOSED")
		}
		out = append(out, fold(s[i+1:i+j]))
		s = s[i+j+1:]
	}
}

// TestSnippetsLikeFTS5: for texts and queries of every kind trove compiles
// (words, phrases, prefixes, diacritics, Cyrillic), the snippet made in Go
// highlights the same words as FTS5's snippet() on the same chunk, and a
// search returns it.
func TestSnippetsLikeFTS5(t *testing.T) {
	ctx := context.Background()
	d, err := Open(filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	filler := strings.Repeat("lorem ipsum dolor sit amet ", 30)
	texts := []string{
		"The harbor report was filed by Jürgen Müller on Tuesday. " + filler + " the harbor closed.",
		filler + "Information about the informant's informal meeting, informed sources say. " + filler,
		"Полиция провела обыск в квартире во вторник. " + filler,
		"short: e-mail from HARBOR-master@example.org re: report",
		filler + filler + "the very last words mention a harbor report",
	}
	queries := []string{`"harbor"`, `"muller"`, `"harbor report"`, `"inform" *`, `"полиция" AND "обыск"`, `"harbor" AND "master"`, `"report"`}
	w, err := d.NewWriter(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ds := &archive.Dataset{Slug: "s", Level: archive.LevelPublic}
	if err := d.CreateDataset(ctx, ds); err != nil {
		t.Fatal(err)
	}
	for i, text := range texts {
		b := w.NewBlobID()
		w.InsertBlob(b, archive.Hash([]byte(text)), int64(len(text)), "text/plain", archive.KindText)
		w.InsertItem(&ItemRow{ID: w.NewItemID(), DatasetID: ds.ID, BlobID: b, Name: "t.txt", Path: strings.Repeat("x", i+1) + ".txt"})
		w.AddChunk(b, 0, 0, "t.txt", text)
		w.FinishBlob(&BlobOutcome{BlobID: b, Kind: archive.KindText, Status: archive.StatusOK, Chunks: 1})
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	compared := 0
	for _, q := range queries {
		rows, err := d.db.QueryContext(ctx, `SELECT rowid, snippet(fts, 1, char(2), char(3), '…', 24), body FROM fts WHERE fts MATCH ?`, "body : ("+q+")")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var rowid int64
			var want, body string
			if err := rows.Scan(&rowid, &want, &body); err != nil {
				t.Fatal(err)
			}
			got, _, ok := makeSnippet(body, ftsPhrases(q))
			if !ok {
				t.Errorf("%s in chunk %d: FTS5 matches, Go finds nothing", q, rowid)
				continue
			}
			gw, ww := highlighted(got), highlighted(want)
			if len(gw) == 0 || strings.Join(gw, "|") != strings.Join(ww, "|") {
				t.Errorf("%s: Go highlights %q in %q; FTS5 %q in %q", q, gw, got, ww, want)
			}
			compared++
		}
		rows.Close()
	}
	if compared < 8 {
		t.Fatalf("only %d snippets compared", compared)
	}
	res, err := d.Search(ctx, archive.Admin(), archive.SearchRequest{Query: "inform*"})
	if err != nil || len(res.Hits) != 1 || !strings.Contains(res.Hits[0].Snippet, "\x02Information\x03") {
		t.Fatalf("search inform*: %v %+v", err, res)
	}
}

func FuzzSnippet(f *testing.F) {
	f.Add("The harbor report of Müller", `"harbor" AND "muller"`)
	f.Add("a\x00b \xff\xfe harbor", `"harb" *`)
	f.Add("", `""`)
	f.Add("Полиция", `"полиция" *`)
	f.Fuzz(func(t *testing.T, text, expr string) {
		snip, at, ok := makeSnippet(text, ftsPhrases(expr))
		if !ok {
			return
		}
		if at < 0 || at > len(text) {
			t.Fatalf("offset %d out of %d", at, len(text))
		}
		if strings.Count(snip, "\x02") != strings.Count(snip, "\x03") || strings.Count(snip, "\x02") == 0 {
			t.Fatalf("unbalanced or no marks: %q", snip)
		}
		if utf8.ValidString(text) && !utf8.ValidString(snip) {
			t.Fatalf("invalid UTF-8 from valid text: %q", snip)
		}
	})
}
