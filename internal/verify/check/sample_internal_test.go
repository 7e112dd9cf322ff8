package check

import (
	"fmt"
	"slices"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
)

// sampleStore makes n blobs of varied sizes (a few large, many small).
func sampleStore(n int) (map[archive.BlobID]int64, []archive.BlobID) {
	stored := map[archive.BlobID]int64{}
	var ids []archive.BlobID
	for i := range n {
		id := archive.Hash([]byte(fmt.Sprint("blob ", i)))
		size := int64(100 + i%17*1000)
		if i%50 == 0 {
			size = 1 << 20
		}
		stored[id] = size
		ids = append(ids, id)
	}
	return stored, ids
}

func TestPickSample(t *testing.T) {
	stored, ids := sampleStore(500)
	var total int64
	for _, s := range stored {
		total += s
	}
	pick := func(pct float64, seed uint64) []archive.BlobID {
		c := &checker{stored: stored, opts: Options{Sample: pct, Seed: seed}}
		return c.pick(slices.Clone(ids))
	}
	bytesOf := func(sel []archive.BlobID) int64 {
		var n int64
		for _, id := range sel {
			n += stored[id]
		}
		return n
	}
	for _, pct := range []float64{1, 10, 30, 75} {
		a, b := pick(pct, 7), pick(pct, 7)
		if !slices.Equal(a, b) {
			t.Fatalf("%g%%: the same seed chose different blobs", pct)
		}
		got := bytesOf(a)
		if float64(got) < float64(total)*pct/100 {
			t.Fatalf("%g%%: %d of %d bytes, want at least %g%%", pct, got, total, pct)
		}
		// Whole blobs: dropping the last one chosen (in seeded order)
		// would fall short, so the sample is not much more than asked.
		if float64(got) > float64(total)*pct/100+float64(1<<20) {
			t.Fatalf("%g%%: %d of %d bytes, more than one blob over", pct, got, total)
		}
		if other := pick(pct, 8); slices.Equal(sortIDs(a), sortIDs(other)) {
			t.Fatalf("%g%%: seeds 7 and 8 chose the same blobs", pct)
		}
		// Largest first, for the workers to finish together.
		for i := 1; i < len(a); i++ {
			if stored[a[i]] > stored[a[i-1]] {
				t.Fatalf("%g%%: not in decreasing size at %d", pct, i)
			}
		}
	}
	if all := pick(0, 0); len(all) != len(ids) {
		t.Fatalf("no sample: %d of %d blobs", len(all), len(ids))
	}
}

func sortIDs(s []archive.BlobID) []archive.BlobID {
	s = slices.Clone(s)
	slices.SortFunc(s, func(a, b archive.BlobID) int { return slices.Compare(a[:], b[:]) })
	return s
}

func TestDamageLine(t *testing.T) {
	id := archive.Hash([]byte("x"))
	tests := []struct {
		d    Damage
		want string
	}{
		{Damage{Kind: CorruptBlob, Blob: id.String(), BlobRow: 3, Message: "m"}, "corrupt blob " + id.String() + " (blob row 3): m"},
		{Damage{Kind: OrphanItem, Item: 9, Dataset: "ds", Path: "a/b.txt", BlobRow: 5, Message: "blob row 5 does not exist"}, "orphan item 9 (ds:a/b.txt): blob row 5 does not exist"},
		{Damage{Kind: IndexCorrupt, Table: "fts", Message: "m"}, "damaged index fts: m"},
		{Damage{Kind: StaleIndex, Table: "fts", BlobRow: 777, Message: "m"}, "stale index entry (blob row 777): m"},
	}
	for _, tc := range tests {
		if got := tc.d.String(); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}
