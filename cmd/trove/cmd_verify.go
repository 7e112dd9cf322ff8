package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/trove-archive/trove/internal/archive"
	"github.com/trove-archive/trove/internal/sqlite"
	"github.com/trove-archive/trove/internal/verify"
	"github.com/trove-archive/trove/internal/verify/dkim"
)

var (
	_ verify.Source     = (*sqlite.DB)(nil)
	_ verify.DKIMSource = (*sqlite.DB)(nil)
	_ dkim.Catalog      = (*sqlite.DB)(nil)
)

// cmdVerify checks a dataset's DKIM signatures and prints its plausibility
// report, or records an editor's verdict (--verdict).
func cmdVerify(ctx context.Context, m *Main, args []string) error {
	fs := newFlags(m, "verify", "verify DATASET [--json] [--keys FILE]... [--dns] [--resolver HOST:PORT] [--no-dkim]\n"+
		"       trove verify DATASET --verdict unverified|plausible|verified|disputed [--note TEXT] [--by NAME]")
	asJSON := fs.Bool("json", false, "print the full report as JSON")
	var keys stringList
	fs.Var(&keys, "keys", "DKIM key archive (zone file of _domainkey TXT records; repeat)")
	dns := fs.Bool("dns", false, "look DKIM keys up in live DNS (today's keys: a rotated key reads as missing)")
	resolver := fs.String("resolver", "", "DNS resolver HOST:PORT for --dns (default: the first nameserver of /etc/resolv.conf)")
	noDKIM := fs.Bool("no-dkim", false, "skip the DKIM pass; report the results stored by the last one")
	verdict := fs.String("verdict", "", "record a verdict instead: unverified, plausible, verified or disputed")
	note := fs.String("note", "", "with --verdict: the editor's note (why)")
	by := fs.String("by", "cli", "with --verdict: the name recorded as its author")
	pos, a, err := m.operands(fs, args, 1, "exactly one DATASET")
	if err != nil {
		return err
	}
	p := archive.Admin()
	ds, err := a.db.Dataset(ctx, p, pos[0])
	if err != nil {
		return err
	}
	if *verdict != "" {
		p.Name = strings.TrimSpace(*by)
		v := &archive.Verdict{DatasetID: ds.ID, State: archive.VerdictState(*verdict), Note: *note}
		if err := a.db.SetVerdict(ctx, p, v); err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(m.Stdout, map[string]any{"dataset": ds.Slug, "verdict": v.State, "note": v.Note, "by": v.By, "time": v.Time})
		}
		fmt.Fprintf(m.Stdout, "recorded verdict %s for %s (%s, %s)\n", v.State, ds.Slug, v.By, v.Time.Format(time.RFC3339))
		return nil
	}
	if *note != "" {
		return usagef("verify: --note goes with --verdict")
	}
	if !*noDKIM {
		var prog func(done, total int64)
		if isTerminal(m.Stderr) {
			prog = func(done, total int64) { fmt.Fprintf(m.Stderr, "\rDKIM: %d/%d messages", done, total) }
		}
		st, err := dkim.Run(ctx, a.db, a.store, ds.ID, dkim.Options{KeyFiles: keys, DNS: *dns, Resolver: *resolver}, prog)
		if prog != nil {
			fmt.Fprintln(m.Stderr)
		}
		if err != nil {
			return err
		}
		if !*asJSON {
			fmt.Fprintf(m.Stderr, "DKIM: %d messages: %d pass, %d fail, %d unsigned, %d key missing, %d key revoked, %d errors, %d unverifiable\n",
				st.Messages, st.Pass, st.Fail, st.None, st.KeyMissing, st.KeyRevoked, st.Errors, st.Unverifiable)
		}
	}
	r, err := verify.Build(ctx, a.db, p, ds, time.Now())
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(m.Stdout, r)
	}
	return r.WriteText(m.Stdout)
}
