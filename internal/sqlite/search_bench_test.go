package sqlite_test

import (
	"context"
	"os"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/sqlite"
)

// BenchmarkSearchCatalog profiles searches on a real catalog built by
// scripts/bench.sh: TROVE_BENCH_DB=/tmp/trove-bench/data-small/catalog.db.
func BenchmarkSearchCatalog(b *testing.B) {
	path := os.Getenv("TROVE_BENCH_DB")
	if path == "" {
		b.Skip("set TROVE_BENCH_DB to a catalog.db built by scripts/bench.sh")
	}
	db, err := sqlite.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{"report", "police AND report", `"operation amber falcon"`, "secur~", "type:email security"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				if _, err := db.Search(context.Background(), archive.Admin(), archive.SearchRequest{Query: q, Limit: 20, Facets: true}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
