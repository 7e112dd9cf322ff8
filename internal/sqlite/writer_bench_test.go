package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/sqlite"
)

// BenchmarkWriterChunks measures indexing throughput of the batching writer.
func BenchmarkWriterChunks(b *testing.B) {
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "c.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	ds := &archive.Dataset{Slug: "b", Level: archive.LevelPublic}
	if err := db.CreateDataset(ctx, ds); err != nil {
		b.Fatal(err)
	}
	w, err := db.NewWriter(ctx)
	if err != nil {
		b.Fatal(err)
	}
	text := strings.Repeat("Meeting notes about the quarterly review of county police reports and bulletins. ", 64)
	b.SetBytes(int64(len(text)))
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		id := w.NewBlobID()
		var sha archive.BlobID
		sha[0], sha[1], sha[2], sha[3] = byte(i), byte(i>>8), byte(i>>16), byte(i>>24)
		w.InsertBlob(id, sha, int64(len(text)), "text/plain", archive.KindText)
		item := w.NewItemID()
		w.InsertItem(&sqlite.ItemRow{ID: item, DatasetID: ds.ID, BlobID: id, Name: "a.txt", Path: strings.Repeat("x", i%7) + string(rune('a'+i%26)) + "/" + string(sha[:4])})
		w.AddChunk(id, 0, 0, "a.txt", text)
		w.FinishBlob(&sqlite.BlobOutcome{BlobID: id, MIME: "text/plain", Kind: archive.KindText, Status: archive.StatusOK, Chunks: 1})
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
}
