package dkim_test

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/verify/dkim"
)

// startDNS runs dnsmasq on 127.0.0.1 at a free port, serving the given TXT
// records (name → record text) and nothing else; it returns "host:port".
func startDNS(t testing.TB, records map[string]string) string {
	t.Helper()
	tool := needTool(t, "dnsmasq", "dnsmasq")
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := pc.LocalAddr().(*net.UDPAddr).Port
	pc.Close()
	args := []string{"--no-daemon", "--conf-file=/dev/null", "--no-resolv", "--no-hosts", "--bind-interfaces",
		"--listen-address=127.0.0.1", fmt.Sprintf("--port=%d", port), "--user=root", "--group=root", "--pid-file="}
	probe := ""
	for name, text := range records {
		probe = name + "."
		// Answer for the domain alone: unknown names are NXDOMAIN.
		if _, dom, ok := strings.Cut(name, "._domainkey."); ok {
			args = append(args, "--local=/"+dom+"/")
		}
		// One character string per 255 bytes (RFC 1035 section 3.3).
		parts := []string{name}
		for len(text) > 255 {
			parts = append(parts, text[:255])
			text = text[255:]
		}
		args = append(args, "--txt-record="+strings.Join(append(parts, text), ","))
	}
	cmd := exec.Command(tool, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	for deadline := time.Now().Add(10 * time.Second); ; {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		_, err := r.LookupTXT(ctx, probe)
		cancel()
		if err == nil {
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("dnsmasq did not answer on %s: %v; stderr: %s", addr, err, stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestDNSKeys(t *testing.T) {
	dir := t.TempDir()
	k := genRSA(t, dir, "example.org", "dns1", 2048)
	revokedSel := "gone"
	addr := startDNS(t, map[string]string{
		"dns1._domainkey.example.org": k.record,
		"gone._domainkey.example.org": "v=DKIM1; p=",
	})
	signed := sign(t, k, "relaxed/relaxed", "rsa-sha256", []byte(baseMessage))[0]

	v := verifier(t, dkim.Options{DNS: true, Resolver: addr})
	r := verifyBytes(t, v, signed)[0]
	if r.Verdict != archive.DKIMPass {
		t.Fatalf("verdict %s (%q), want pass", r.Verdict, r.Reason)
	}
	if r.KeySource != "dns:"+addr || r.KeyRecord != k.record || time.Since(r.KeyFetched) > time.Minute {
		t.Errorf("key source %q fetched %v record %q", r.KeySource, r.KeyFetched, r.KeyRecord)
	}

	// Without --dns the same message has no key: nothing is asked.
	if r := verifyBytes(t, verifier(t, dkim.Options{}), signed)[0]; r.Verdict != archive.DKIMKeyMissing {
		t.Errorf("without DNS: verdict %s, want key_missing", r.Verdict)
	}
	// A name the server does not have: key_missing; an empty p=: key_revoked.
	other := replaceOnce(t, signed, "s=dns1;", "s=nope;")
	if r := verifyBytes(t, v, other)[0]; r.Verdict != archive.DKIMKeyMissing {
		t.Errorf("unknown selector: verdict %s (%q), want key_missing", r.Verdict, r.Reason)
	}
	gone := replaceOnce(t, signed, "s=dns1;", "s="+revokedSel+";")
	if r := verifyBytes(t, v, gone)[0]; r.Verdict != archive.DKIMKeyRevoked || r.KeySource != "dns:"+addr {
		t.Errorf("revoked: verdict %s (%q) source %q, want key_revoked from dns", r.Verdict, r.Reason, r.KeySource)
	}
	// The key archive comes first: a swapped key there wins over DNS.
	swapped := keyArchive(t, "k.zone", "dns1._domainkey.example.org. IN TXT \""+genRSA(t, dir, "example.org", "x", 1024).record+"\"\n")
	r = verifyBytes(t, verifier(t, dkim.Options{DNS: true, Resolver: addr, KeyFiles: []string{swapped}}), signed)[0]
	if r.Verdict != archive.DKIMFail || r.KeySource != "archive:k.zone" {
		t.Errorf("archive first: verdict %s source %q", r.Verdict, r.KeySource)
	}
	// A resolver that does not answer: an error, not a missing key.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	dead, _ := dkim.NewKeys(dkim.Options{DNS: true, Resolver: pc.LocalAddr().String()})
	dead.SetTimeout(300 * time.Millisecond)
	if r := verifyBytes(t, &dkim.Verifier{Keys: dead}, signed)[0]; r.Verdict != archive.DKIMError {
		t.Errorf("silent resolver: verdict %s (%q), want error", r.Verdict, r.Reason)
	}
}
