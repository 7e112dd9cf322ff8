package dkim_test

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/verify/dkim"
)

// TestCorpusVectors checks the DKIM vectors of the shared corpus against
// EXPECTED.tsv, with the keys of dns-txt-records.zone as the key archive.
func TestCorpusVectors(t *testing.T) {
	dir := corpus.File(t, "dkim")
	keys, err := dkim.NewKeys(dkim.Options{KeyFiles: []string{filepath.Join(dir, "dns-txt-records.zone")}})
	if err != nil {
		t.Fatal(err)
	}
	v := &dkim.Verifier{Keys: keys}
	f, err := os.Open(filepath.Join(dir, "EXPECTED.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan() // header
	n := 0
	for sc.Scan() {
		col := strings.Split(sc.Text(), "\t")
		if len(col) < 7 {
			continue
		}
		file, d, s, a, c, want := col[0], col[2], col[3], col[4], col[5], col[6]
		idx, err := strconv.Atoi(col[1])
		if err != nil {
			t.Fatalf("EXPECTED.tsv: bad signature number %q", col[1])
		}
		t.Run(file+"#"+col[1], func(t *testing.T) {
			res := verifyFile(t, v, filepath.Join(dir, file))
			if idx > len(res.Signatures) {
				t.Fatalf("%d signatures, want at least %d", len(res.Signatures), idx)
			}
			got := res.Signatures[idx-1]
			t.Logf("%s #%d: %s %q (d=%s s=%s a=%s c=%s key %s)", file, idx, got.Verdict, got.Reason, got.Domain, got.Selector, got.Algorithm, got.Canonicalization, got.KeySource)
			if d != "" && got.Domain != d {
				t.Errorf("domain %q, want %q", got.Domain, d)
			}
			if s != "" && got.Selector != s {
				t.Errorf("selector %q, want %q", got.Selector, s)
			}
			if a != "" && got.Algorithm != a {
				t.Errorf("algorithm %q, want %q", got.Algorithm, a)
			}
			if c != "" && got.Canonicalization != c {
				t.Errorf("canonicalization %q, want %q", got.Canonicalization, c)
			}
			switch {
			case strings.HasPrefix(want, "pass"):
				if got.Verdict != archive.DKIMPass {
					t.Errorf("verdict %s (%s), want pass", got.Verdict, got.Reason)
				}
				if got.KeySource != "archive:dns-txt-records.zone" || got.KeyRecord == "" {
					t.Errorf("key source %q record %q", got.KeySource, got.KeyRecord)
				}
			case strings.HasPrefix(want, "fail (body hash mismatch)"):
				if got.Verdict != archive.DKIMFail || got.Reason != "body hash mismatch" {
					t.Errorf("verdict %s (%s), want fail: body hash mismatch", got.Verdict, got.Reason)
				}
			case strings.HasPrefix(want, "fail (signature mismatch)"):
				if got.Verdict != archive.DKIMFail || !strings.HasPrefix(got.Reason, "signature mismatch") {
					t.Errorf("verdict %s (%s), want fail: signature mismatch", got.Verdict, got.Reason)
				}
			case strings.Contains(want, "no public key"):
				if got.Verdict != archive.DKIMKeyMissing {
					t.Errorf("verdict %s (%s), want key_missing", got.Verdict, got.Reason)
				}
			default:
				t.Fatalf("EXPECTED.tsv: unknown expectation %q", want)
			}
		})
		n++
	}
	if n < 8 {
		t.Errorf("EXPECTED.tsv: %d rows, want at least 8", n)
	}
}

func verifyFile(t testing.TB, v *dkim.Verifier, path string) *dkim.Result {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := v.Verify(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return res
}
