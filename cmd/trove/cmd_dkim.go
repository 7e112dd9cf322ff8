package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/verify/dkim"
)

const dkimUsage = `dkim FILE... [--keys FILE]... [--dns] [--resolver HOST:PORT] [--json]

Checks the DKIM signatures (RFC 6376; rsa-sha256, rsa-sha1, ed25519-sha256)
of loose .eml files and of every message of .mbox files, without ingesting
them. Prints one line per signature (or one "none" line per unsigned
message): FILE[#MESSAGE], verdict, signing domain, selector, algorithm,
canonicalization, reason and key source.

Keys come from key archive files (--keys, zone-file style; see
docs/verify.md) and, only with --dns, from live DNS: lookups tell the
resolver and the signer's name servers which signatures are being checked.

Exit status: 0 no signature failed; 1 at least one signature failed (body or
signed header changed, or another key); 2 usage error or unreadable input.`

// dkimLine is one printed result (--json: one object per line).
type dkimLine struct {
	File             string    `json:"file"`
	Message          int       `json:"message,omitempty"` // 1-based, for mailboxes
	Verdict          string    `json:"verdict"`
	Domain           string    `json:"domain,omitempty"`
	Selector         string    `json:"selector,omitempty"`
	Algorithm        string    `json:"algorithm,omitempty"`
	Canonicalization string    `json:"canonicalization,omitempty"`
	Headers          []string  `json:"headers,omitempty"`
	Reason           string    `json:"reason,omitempty"`
	KeySource        string    `json:"key_source,omitempty"`
	KeyFetched       time.Time `json:"key_fetched,omitzero"`
	ARC              []arcLine `json:"arc,omitempty"`
}

type arcLine struct {
	Instance        int    `json:"instance"`
	Domain          string `json:"domain"`
	Selector        string `json:"selector"`
	ChainValidation string `json:"cv"`
}

func cmdDKIM(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "dkim", dkimUsage)
	var keyFiles stringList
	fs.Var(&keyFiles, "keys", "key archive `file` (repeatable; zone-file style)")
	useDNS := fs.Bool("dns", false, "look keys up in live DNS when no key archive has them (reveals what is checked)")
	resolver := fs.String("resolver", "", "DNS resolver `host:port` for --dns (default: first nameserver of /etc/resolv.conf)")
	asJSON := fs.Bool("json", false, "print one JSON object per line")
	files, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		return usagef("dkim: no file given")
	}
	if *resolver != "" && !*useDNS {
		return usagef("dkim: --resolver needs --dns")
	}
	keys, err := dkim.NewKeys(dkim.Options{KeyFiles: keyFiles, DNS: *useDNS, Resolver: *resolver})
	if err != nil {
		return &exitError{code: 2, msg: "dkim: " + errText(err)}
	}
	v := &dkim.Verifier{Keys: keys}
	failed := false
	print := func(file string, n int, res *dkim.Result) error {
		for i, r := range res.Signatures {
			if r.Verdict == archive.DKIMFail {
				failed = true
			}
			l := dkimLine{File: file, Message: n, Verdict: string(r.Verdict), Domain: r.Domain, Selector: r.Selector,
				Algorithm: r.Algorithm, Canonicalization: r.Canonicalization, Headers: r.Headers, Reason: r.Reason,
				KeySource: r.KeySource, KeyFetched: r.KeyFetched}
			if i == 0 {
				for _, a := range res.ARC {
					l.ARC = append(l.ARC, arcLine{a.Instance, a.Domain, a.Selector, a.ChainValidation})
				}
			}
			if *asJSON {
				if err := writeJSONLine(m, l); err != nil {
					return err
				}
				continue
			}
			name := file
			if n > 0 {
				name = fmt.Sprintf("%s#%d", file, n)
			}
			var parts []string
			if r.Domain != "" {
				parts = append(parts, "d="+r.Domain)
			}
			if r.Selector != "" {
				parts = append(parts, "s="+r.Selector, "a="+r.Algorithm, "c="+r.Canonicalization)
			}
			if len(r.Headers) > 0 {
				parts = append(parts, "h="+strings.Join(r.Headers, ":"))
			}
			if r.Reason != "" {
				parts = append(parts, "("+r.Reason+")")
			}
			if r.KeySource != "" {
				parts = append(parts, "key="+r.KeySource)
			}
			for _, a := range l.ARC {
				parts = append(parts, fmt.Sprintf("arc%d=%s/%s/cv=%s", a.Instance, a.Domain, a.Selector, a.ChainValidation))
			}
			fmt.Fprintf(m.Stdout, "%s\t%s\t%s\n", name, r.Verdict, strings.Join(parts, " "))
		}
		return nil
	}
	for _, file := range files {
		f, err := os.Open(file)
		if err != nil {
			return &exitError{code: 2, msg: "dkim: " + errText(err)}
		}
		head := make([]byte, 5)
		nh, _ := f.Read(head)
		if _, err := f.Seek(0, 0); err != nil {
			f.Close()
			return &exitError{code: 2, msg: "dkim: " + errText(err)}
		}
		if strings.EqualFold(filepath.Ext(file), ".mbox") || bytes.Equal(head[:nh], []byte("From ")) {
			err = dkim.ReadMbox(f, func(n int, msg []byte) error {
				res, err := v.Verify(ctx, bytes.NewReader(msg))
				if err != nil {
					return err
				}
				return print(file, n, res)
			})
		} else {
			var res *dkim.Result
			if res, err = v.Verify(ctx, f); err == nil {
				err = print(file, 0, res)
			}
		}
		f.Close()
		if err != nil {
			return &exitError{code: 2, msg: "dkim: " + errText(err)}
		}
	}
	if failed {
		return &exitError{code: 1}
	}
	return nil
}

func writeJSONLine(m *Main, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = m.Stdout.Write(append(b, '\n'))
	return err
}
