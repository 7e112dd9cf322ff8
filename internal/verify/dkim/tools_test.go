package dkim_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// needTool returns the path of an external program, or skips the test when
// it is missing (fails in CI, where scripts/deps.sh installs it).
func needTool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s not found (Debian package %s, installed by scripts/deps.sh)", name, pkg)
		}
		t.Skipf("%s not found: install Debian package %s to run this test", name, pkg)
	}
	return p
}

// testKey is a signing key with its DNS record text.
type testKey struct {
	selector, domain string
	private          string // path of the private key (PEM)
	record           string // TXT record text
	zone             string // opendkim-genkey's zone-file stub, if any
}

// genRSA makes an RSA key with opendkim-genkey.
func genRSA(t testing.TB, dir, domain, selector string, bits int, extra ...string) testKey {
	t.Helper()
	tool := needTool(t, "opendkim-genkey", "opendkim-tools")
	out, err := exec.Command(tool, append([]string{"-b", fmt.Sprint(bits), "-d", domain, "-s", selector, "-D", dir}, extra...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("opendkim-genkey: %v: %s", err, out)
	}
	zone, err := os.ReadFile(filepath.Join(dir, selector+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	// The record text: the quoted strings of the stub, joined.
	var rec strings.Builder
	for _, m := range regexp.MustCompile(`"([^"]*)"`).FindAllStringSubmatch(string(zone), -1) {
		rec.WriteString(m[1])
	}
	return testKey{selector: selector, domain: domain, private: filepath.Join(dir, selector+".private"), record: rec.String(), zone: string(zone)}
}

// genEd25519 makes an Ed25519 key (RFC 8463) as a PKCS #8 PEM file.
func genEd25519(t testing.TB, dir, domain, selector string) testKey {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, selector+".pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return testKey{selector: selector, domain: domain, private: p,
		record: "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)}
}

var insHeader = regexp.MustCompile(`(?s)### INSHEADER: idx=0 hname='DKIM-Signature' hvalue='(.*?)'\n`)

// sign signs messages with opendkim's test mode (the OpenDKIM filter
// itself, fed files instead of mail) and returns them with the
// DKIM-Signature field added on top.
func sign(t testing.TB, k testKey, canon, alg string, msgs ...[]byte) [][]byte {
	t.Helper()
	tool := needTool(t, "opendkim", "opendkim")
	dir := t.TempDir()
	var files []string
	for i, m := range msgs {
		p := filepath.Join(dir, fmt.Sprintf("m%d.eml", i))
		if err := os.WriteFile(p, m, 0o600); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	conf := fmt.Sprintf("Domain %s\nSelector %s\nKeyFile %s\nCanonicalization %s\nSignatureAlgorithm %s\nMode s\nRequireSafeKeys false\n",
		k.domain, k.selector, k.private, canon, alg)
	cmd := exec.Command(tool, "-x", "/dev/stdin", "-t", strings.Join(files, ","), "-vvv")
	cmd.Stdin = strings.NewReader(conf)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("opendkim sign: %v: %s", err, out)
	}
	sigs := insHeader.FindAllSubmatch(out, -1)
	if len(sigs) != len(msgs) {
		t.Fatalf("opendkim signed %d of %d messages: %s", len(sigs), len(msgs), out)
	}
	signed := make([][]byte, len(msgs))
	for i, s := range sigs {
		signed[i] = append(append([]byte("DKIM-Signature: "), s[1]...), '\n')
		signed[i] = append(signed[i], msgs[i]...)
	}
	return signed
}

// replaceOnce changes the first occurrence of old in msg (which must hold it).
func replaceOnce(t testing.TB, msg []byte, old, new string) []byte {
	t.Helper()
	if !bytes.Contains(msg, []byte(old)) {
		t.Fatalf("message does not contain %q", old)
	}
	return bytes.Replace(msg, []byte(old), []byte(new), 1)
}

func mustDate(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
