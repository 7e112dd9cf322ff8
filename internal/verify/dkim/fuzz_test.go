package dkim_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/corpus"
	"github.com/trove-archive/trove/internal/verify/dkim"
)

// corpusSeeds adds the DKIM corpus files matching glob as seeds, if present.
func corpusSeeds(f *testing.F, glob string) {
	r := corpus.Root()
	if r == "" {
		return
	}
	paths, _ := filepath.Glob(filepath.Join(r, "corpus", "dkim", glob))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
}

func FuzzParseKeyFile(f *testing.F) {
	f.Add([]byte("$ORIGIN example.org.\nsel._domainkey IN TXT ( \"v=DKIM1; k=rsa; \"\n  \"p=MIGf\" )  ; comment\n"))
	f.Add([]byte("; captured: 2020-01-02\na._domainkey.x. 60 IN TXT \"p=\\\"\\065\"\n\tIN TXT \"second\"\n"))
	f.Add([]byte("x. IN A 1.2.3.4\n$TTL 60\n@ TXT abc ; captured=2021-01-01T00:00:00Z\n"))
	corpusSeeds(f, "*.zone")
	f.Fuzz(func(t *testing.T, data []byte) {
		kf, err := dkim.ParseKeyFile(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, r := range kf.Records {
			if r.Name != strings.ToLower(r.Name) || strings.HasSuffix(r.Name, ".") {
				t.Fatalf("name not normalised: %q", r.Name)
			}
			if got := kf.Lookup(r.Name + "."); len(got) == 0 {
				t.Fatalf("record %q not found by name", r.Name)
			}
		}
	})
}

func FuzzVerify(f *testing.F) {
	f.Add([]byte("DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=s; h=From; bh=AAAA; b=AAAA\nFrom: a@example.org\n\nbody\n"))
	f.Add([]byte("DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.org; s=e; h=from:to; l=3; bh=; b=\r\nARC-Seal: i=1; a=rsa-sha256; cv=none; d=x; s=y; b=z\r\nARC-Authentication-Results: i=1; mx; dkim=pass\r\n\r\n"))
	f.Add([]byte("From: x\n"))
	corpusSeeds(f, "*.eml")
	zone := "s._domainkey.example.org. IN TXT \"v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB\"\n" +
		"e._domainkey.example.org. IN TXT \"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"\n"
	kf, err := dkim.ParseKeyFile(strings.NewReader(zone))
	if err != nil {
		f.Fatal(err)
	}
	keys, err := dkim.NewKeys(dkim.Options{})
	if err != nil {
		f.Fatal(err)
	}
	keys.AddFile(kf)
	v := &dkim.Verifier{Keys: keys}
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := v.Verify(context.Background(), bytes.NewReader(data))
		if err != nil {
			t.Fatalf("verify of in-memory bytes: %v", err)
		}
		if len(res.Signatures) == 0 {
			t.Fatal("no result")
		}
		for _, r := range res.Signatures {
			if !r.Verdict.Valid() {
				t.Fatalf("verdict %q", r.Verdict)
			}
			if r.Verdict == archive.DKIMPass && r.KeySource == "" {
				t.Fatal("pass without a key")
			}
		}
	})
}
