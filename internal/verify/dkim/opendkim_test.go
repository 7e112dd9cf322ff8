package dkim_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/verify/dkim"
)

const baseMessage = "From: Alice Example <alice@example.org>\n" +
	"To: bob@example.net\n" +
	"Subject: quarterly   figures,\n\tas promised\n" +
	"Date: Mon, 1 Jan 2024 10:00:00 +0000\n" +
	"Message-ID: <q1@example.org>\n" +
	"\n" +
	"Bob,\n" +
	"the numbers  are attached.\t \n" +
	"\n" +
	"-- \n" +
	"Alice\n" +
	"\n\n"

// keyArchive writes a key archive file and returns its path.
func keyArchive(t testing.TB, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func verifier(t testing.TB, opt dkim.Options) *dkim.Verifier {
	t.Helper()
	keys, err := dkim.NewKeys(opt)
	if err != nil {
		t.Fatal(err)
	}
	return &dkim.Verifier{Keys: keys}
}

func verifyBytes(t testing.TB, v *dkim.Verifier, msg []byte) []archive.DKIMResult {
	t.Helper()
	res, err := v.Verify(context.Background(), bytes.NewReader(msg))
	if err != nil {
		t.Fatal(err)
	}
	return res.Signatures
}

func TestOpenDKIMSigned(t *testing.T) {
	dir := t.TempDir()
	rsa1 := genRSA(t, dir, "example.org", "sel1", 1024)
	rsa2 := genRSA(t, dir, "example.org", "sel2", 1024, "--hash-algorithms=sha1:sha256")
	ed := genEd25519(t, dir, "example.org", "ed1")
	// The archive holds opendkim-genkey's own zone stubs (relative names,
	// parentheses, several strings, a trailing comment) under $ORIGIN, and
	// the Ed25519 record in one line with a capture date.
	archive1 := keyArchive(t, "keys.zone", "$ORIGIN example.org.\n"+rsa1.zone+rsa2.zone+
		"; captured: 2024-02-03\ned1._domainkey.example.org. 300 IN TXT \""+ed.record+"\"\n")
	v := verifier(t, dkim.Options{KeyFiles: []string{archive1}})
	msg := []byte(baseMessage)

	type tc struct {
		name    string
		key     testKey
		canon   string
		alg     string
		edit    func([]byte) []byte
		verdict archive.DKIMVerdict
		reason  string // prefix
	}
	same := func(b []byte) []byte { return b }
	cases := []tc{
		{"relaxed pass", rsa1, "relaxed/relaxed", "rsa-sha256", same, archive.DKIMPass, ""},
		{"simple pass", rsa1, "simple/simple", "rsa-sha256", same, archive.DKIMPass, ""},
		{"ed25519 pass", ed, "relaxed/simple", "ed25519-sha256", same, archive.DKIMPass, ""},
		{"rsa-sha1 pass", rsa2, "simple/relaxed", "rsa-sha1", same, archive.DKIMPass, "rsa-sha1"},
		{"rsa-sha1 refused by key h=", rsa1, "relaxed/relaxed", "rsa-sha1", same, archive.DKIMError, "key does not allow sha1"},
		{"relaxed header byte", rsa1, "relaxed/relaxed", "rsa-sha256",
			func(b []byte) []byte { return replaceOnce(t, b, "quarterly", "quarterlY") }, archive.DKIMFail, "signature mismatch"},
		{"simple header byte", rsa1, "simple/simple", "rsa-sha256",
			func(b []byte) []byte { return replaceOnce(t, b, "Mon, 1 Jan", "Mon, 2 Jan") }, archive.DKIMFail, "signature mismatch"},
		{"ed25519 header byte", ed, "relaxed/relaxed", "ed25519-sha256",
			func(b []byte) []byte { return replaceOnce(t, b, "bob@", "rob@") }, archive.DKIMFail, "signature mismatch"},
		{"relaxed body byte", rsa1, "relaxed/relaxed", "rsa-sha256",
			func(b []byte) []byte { return replaceOnce(t, b, "numbers", "numberz") }, archive.DKIMFail, "body hash mismatch"},
		{"simple body byte", rsa1, "simple/simple", "rsa-sha256",
			func(b []byte) []byte { return replaceOnce(t, b, "Alice\n", "Alicf\n") }, archive.DKIMFail, "body hash mismatch"},
		// Canonicalization: white space changes survive relaxed, not simple.
		{"relaxed body white space", rsa1, "relaxed/relaxed", "rsa-sha256",
			func(b []byte) []byte {
				return replaceOnce(t, b, "numbers  are attached.\t \n", "numbers are attached.\n")
			}, archive.DKIMPass, ""},
		{"simple body white space", rsa1, "simple/simple", "rsa-sha256",
			func(b []byte) []byte { return replaceOnce(t, b, "numbers  are", "numbers are") }, archive.DKIMFail, "body hash mismatch"},
		{"relaxed header refolded", rsa1, "relaxed/relaxed", "rsa-sha256",
			func(b []byte) []byte { return replaceOnce(t, b, "figures,\n\tas", "figures, as") }, archive.DKIMPass, ""},
		{"simple header refolded", rsa1, "simple/simple", "rsa-sha256",
			func(b []byte) []byte { return replaceOnce(t, b, "figures,\n\tas", "figures, as") }, archive.DKIMFail, "signature mismatch"},
		{"CRLF line endings", rsa1, "simple/simple", "rsa-sha256",
			func(b []byte) []byte { return bytes.ReplaceAll(b, []byte("\n"), []byte("\r\n")) }, archive.DKIMPass, ""},
		{"trailing blank lines", rsa1, "simple/simple", "rsa-sha256",
			func(b []byte) []byte { return append(b, "\n\n\n"...) }, archive.DKIMPass, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			signed := sign(t, c.key, c.canon, c.alg, msg)[0]
			got := verifyBytes(t, v, c.edit(signed))
			if len(got) != 1 {
				t.Fatalf("%d results, want 1", len(got))
			}
			r := got[0]
			if r.Verdict != c.verdict || !strings.HasPrefix(r.Reason, c.reason) {
				t.Fatalf("verdict %s (%q), want %s (%q…)", r.Verdict, r.Reason, c.verdict, c.reason)
			}
			if r.Domain != "example.org" || r.Selector != c.key.selector || r.Algorithm != c.alg || r.Canonicalization != c.canon {
				t.Errorf("result %+v", r)
			}
			if len(r.Headers) == 0 || !strings.EqualFold(r.Headers[0], "From") {
				t.Errorf("signed headers %v", r.Headers)
			}
			if r.KeySource != "archive:keys.zone" || r.KeyRecord != c.key.record {
				t.Errorf("key source %q record %q, want archive:keys.zone %q", r.KeySource, r.KeyRecord, c.key.record)
			}
			if c.key.selector == "ed1" && !r.KeyFetched.Equal(mustDate(t, "2024-02-03")) {
				t.Errorf("key captured %v, want 2024-02-03", r.KeyFetched)
			}
		})
	}

	signed := sign(t, rsa1, "relaxed/relaxed", "rsa-sha256", msg)[0]
	t.Run("key swapped", func(t *testing.T) {
		swapped := keyArchive(t, "swapped.zone", "sel1._domainkey.example.org. IN TXT \""+rsa2.record+"\"\n")
		r := verifyBytes(t, verifier(t, dkim.Options{KeyFiles: []string{swapped}}), signed)[0]
		if r.Verdict != archive.DKIMFail || !strings.HasPrefix(r.Reason, "signature mismatch") {
			t.Fatalf("verdict %s (%q), want fail: signature mismatch", r.Verdict, r.Reason)
		}
	})
	t.Run("key rotated, old record kept", func(t *testing.T) {
		// Two records captured at different times for one selector: the
		// one that verifies is used and recorded.
		both := keyArchive(t, "rotated.zone", "; captured: 2023-01-01\nsel1._domainkey.example.org. IN TXT \""+rsa1.record+"\"\n"+
			"; captured: 2024-06-01\nsel1._domainkey.example.org. IN TXT \""+rsa2.record+"\"\n")
		r := verifyBytes(t, verifier(t, dkim.Options{KeyFiles: []string{both}}), signed)[0]
		if r.Verdict != archive.DKIMPass || r.KeyRecord != rsa1.record || !r.KeyFetched.Equal(mustDate(t, "2023-01-01")) {
			t.Fatalf("verdict %s (%q) key %q captured %v", r.Verdict, r.Reason, r.KeyRecord, r.KeyFetched)
		}
	})
	t.Run("key revoked", func(t *testing.T) {
		revoked := keyArchive(t, "revoked.zone", "sel1._domainkey.example.org. IN TXT \"v=DKIM1; k=rsa; p=\"\n")
		r := verifyBytes(t, verifier(t, dkim.Options{KeyFiles: []string{revoked}}), signed)[0]
		if r.Verdict != archive.DKIMKeyRevoked {
			t.Fatalf("verdict %s (%q), want key_revoked", r.Verdict, r.Reason)
		}
	})
	t.Run("key missing", func(t *testing.T) {
		other := keyArchive(t, "other.zone", "sel1._domainkey.example.com. IN TXT \""+rsa1.record+"\"\n")
		for _, opt := range []dkim.Options{{}, {KeyFiles: []string{other}}} {
			r := verifyBytes(t, verifier(t, opt), signed)[0]
			if r.Verdict != archive.DKIMKeyMissing || r.KeySource != "" {
				t.Fatalf("verdict %s (%q) source %q, want key_missing", r.Verdict, r.Reason, r.KeySource)
			}
		}
	})
	t.Run("unsigned", func(t *testing.T) {
		r := verifyBytes(t, v, msg)
		if len(r) != 1 || r[0].Verdict != archive.DKIMNone || r[0].Domain != "example.org" {
			t.Fatalf("results %+v, want one none for example.org", r)
		}
	})
	t.Run("two signatures", func(t *testing.T) {
		// An ed25519 signature over the RSA-signed message (as a relay
		// would add), both by opendkim.
		double := sign(t, ed, "relaxed/relaxed", "ed25519-sha256", signed)[0]
		got := verifyBytes(t, v, double)
		if len(got) != 2 || got[0].Verdict != archive.DKIMPass || got[1].Verdict != archive.DKIMPass ||
			got[0].Selector != "ed1" || got[1].Selector != "sel1" {
			t.Fatalf("results %+v, want ed1 pass then sel1 pass", got)
		}
		// Changing the body breaks both; only the RSA key missing leaves
		// the Ed25519 one passing.
		got = verifyBytes(t, v, replaceOnce(t, double, "Bob,", "Rob,"))
		if len(got) != 2 || got[0].Reason != "body hash mismatch" || got[1].Reason != "body hash mismatch" {
			t.Fatalf("tampered: %+v", got)
		}
		edOnly := keyArchive(t, "ed.zone", "ed1._domainkey.example.org. IN TXT \""+ed.record+"\"\n")
		got = verifyBytes(t, verifier(t, dkim.Options{KeyFiles: []string{edOnly}}), double)
		if got[0].Verdict != archive.DKIMPass || got[1].Verdict != archive.DKIMKeyMissing {
			t.Fatalf("ed only: %+v", got)
		}
		if dkim.Best(got) != archive.DKIMPass {
			t.Errorf("best %s, want pass", dkim.Best(got))
		}
	})
}
