package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/sqlite"
)

// scores returns rowid → score of the rows matching expr, ranked by rank.
func scores(t *testing.T, db *sqlite.DB, rank string, rankArgs []any, expr string) map[int64]float64 {
	t.Helper()
	rows, err := db.SQL().Query(`SELECT rowid, `+rank+` FROM fts WHERE fts MATCH ?`, append(rankArgs, expr)...)
	if err != nil {
		t.Fatalf("%s %q: %v", rank, expr, err)
	}
	defer rows.Close()
	out := map[int64]float64{}
	for rows.Next() {
		var id int64
		var s float64
		if err := rows.Scan(&id, &s); err != nil {
			t.Fatal(err)
		}
		out[id] = s
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestRankEqualsBM25: trove_rank gives every matching row exactly FTS5's
// bm25 score, for rows in its length table, rows written after it was
// built (their lengths read as bm25 does), and with no table at all.
func TestRankEqualsBM25(t *testing.T) {
	ctx := context.Background()
	db, err := sqlite.Open(filepath.Join(t.TempDir(), "catalog.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	words := strings.Fields("harbor report police budget ferry customs informant information informal list listing email zeppelin")
	rng := rand.New(rand.NewPCG(1, 2))
	write := func(n int) {
		w, err := db.NewWriter(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for b := 0; b < n; b++ {
			id := w.NewBlobID()
			w.InsertBlob(id, archive.Hash([]byte(fmt.Sprint("blob", id))), 10, "text/plain", archive.KindText)
			chunks := 1 + rng.IntN(3)
			for c := 0; c < chunks; c++ {
				var sb strings.Builder
				for i, n := 0, 1+rng.IntN(400); i < n; i++ { // lengths from 1 to 400 words
					sb.WriteString(words[rng.IntN(len(words))] + " ")
				}
				meta := ""
				if c == 0 {
					meta = "title " + words[rng.IntN(len(words))]
				}
				w.AddChunk(id, c, 0, meta, sb.String())
			}
			w.FinishBlob(&sqlite.BlobOutcome{BlobID: id, Kind: archive.KindText, Status: archive.StatusOK, Chunks: chunks})
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	write(300)
	gen, err := db.Generation(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rank, rankArgs := sqlite.RankExpr(db, gen)
	if !strings.HasPrefix(rank, "trove_rank(") {
		t.Fatalf("rank expression %q: the length table was not built", rank)
	}
	queries := []string{"harbor", "zeppelin", "harbor AND police", "harbor OR ferry OR customs", `"police report"`,
		"inform*", "list* email", "(budget OR ferry) NOT police", "title", "meta : harbor"}
	check := func(when string) {
		t.Helper()
		for _, q := range queries {
			want := scores(t, db, "bm25(fts)", nil, q)
			got := scores(t, db, rank, rankArgs, q)
			if len(want) == 0 {
				t.Fatalf("%s %q: no matches: the test proves nothing", when, q)
			}
			if len(got) != len(want) {
				t.Fatalf("%s %q: %d rows, bm25 %d", when, q, len(got), len(want))
			}
			for id, s := range want {
				if got[id] != s {
					t.Fatalf("%s %q row %d: trove_rank %v, bm25 %v", when, q, id, got[id], s)
				}
			}
		}
	}
	check("table built")
	write(50) // rows the table does not hold
	check("rows added since")
	db.SetRankTable(false) // the table freed: every length read as bm25 does
	check("table released")
}

// TestDocsizeTotal: the column sizes of fts_docsize records, SQLite
// varints, are added up; malformed records are refused.
func TestDocsizeTotal(t *testing.T) {
	varint := func(v uint64) []byte { // SQLite's encoding, big-endian
		if v > 1<<56-1 {
			b := make([]byte, 9)
			b[8] = byte(v)
			v >>= 8
			for i := 7; i >= 0; i-- {
				b[i] = byte(v&0x7f) | 0x80
				v >>= 7
			}
			return b
		}
		var b []byte
		for {
			b = append([]byte{byte(v & 0x7f)}, b...)
			v >>= 7
			if v == 0 {
				break
			}
		}
		for i := 0; i < len(b)-1; i++ {
			b[i] |= 0x80
		}
		return b
	}
	for _, c := range []struct {
		cols []uint64
		want int32
		ok   bool
	}{
		{nil, 0, true},
		{[]uint64{0, 0}, 0, true},
		{[]uint64{3, 127}, 130, true},
		{[]uint64{128, 16384}, 16512, true},
		{[]uint64{1<<31 - 2, 1}, 1<<31 - 1, true},
		{[]uint64{1<<31 - 1, 1}, 0, false},
		{[]uint64{1 << 60}, 0, false},
	} {
		var rec []byte
		for _, v := range c.cols {
			rec = append(rec, varint(v)...)
		}
		got, ok := sqlite.DocsizeTotal(rec)
		if got != c.want || ok != c.ok {
			t.Errorf("%v: %d %v, want %d %v", c.cols, got, ok, c.want, c.ok)
		}
	}
	if _, ok := sqlite.DocsizeTotal([]byte{0x81}); ok {
		t.Error("a record ending inside a varint was accepted")
	}
}
